import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { clusterMetricsServer } from "../../src/express/index.js";
import { Scrape } from "../support/exposition.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const TOKEN = "cluster-scrape-token";

interface Started {
  metricsUrl: string;
  appPort: number;
  workerPids: number[];
  workerClusterOptionError: string;
}

/** GET over a new connection each time, so the cluster's round-robin spreads requests over the workers. */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("cluster mode: the primary serves the sum of its workers' metrics", () => {
  let child: ChildProcess;
  let started: Started;
  let stderr = "";

  beforeAll(async () => {
    child = spawn(process.execPath, ["--import", "tsx", "test/express/fixtures/cluster-app.ts"], { cwd: root, env: { ...process.env, METRICS_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const lines = createInterface({ input: child.stdout! });
    started = await new Promise<Started>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cluster fixture did not start: ${stderr}`)), 30_000);
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Started);
      });
      child.once("exit", (code) => reject(new Error(`cluster fixture exited (${code}): ${stderr}`)));
    });
  }, 40_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("sums counters and HTTP metrics over both workers, in either format, behind the bearer token", async () => {
    expect(new Set(started.workerPids).size).toBe(2);
    const servedBy = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await getOnNewConnection(`http://127.0.0.1:${started.appPort}/api/work/${i}`);
      expect(res.status).toBe(200);
      servedBy.add((JSON.parse(res.body) as { pid: number }).pid);
    }
    // Both workers served requests, so the sum below really spans two processes.
    expect([...servedBy].sort()).toEqual([...started.workerPids].sort());

    expect((await fetch(`${started.metricsUrl}/metrics`)).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const plain = await fetch(`${started.metricsUrl}/metrics`, { headers: auth });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = new Scrape(await plain.text());
    expect(m.value("fixture_jobs_total")).toBe(1 + 2);
    expect(m.value("http_requests_total", { method: "GET", route: "/api/work/:id", status_code: "200" })).toBe(40);
    expect(m.value("http_request_duration_seconds_count", { route: "/api/work/:id" })).toBe(40);
    expect(m.value("http_requests_in_flight", { method: "GET" })).toBe(0);

    const om = await fetch(`${started.metricsUrl}/metrics`, { headers: { ...auth, accept: "application/openmetrics-text; version=1.0.0" } });
    const omText = await om.text();
    expect(omText.endsWith("# EOF\n")).toBe(true);
    expect(omText).toContain("# TYPE fixture_jobs counter\n");
    expect(new Scrape(omText).value("fixture_jobs_total")).toBe(3);

    expect(await (await fetch(`${started.metricsUrl}/healthz`)).json()).toEqual({ status: "ok" });
  });

  it("rejects invalid clusterMetricsServer options, naming the option, the value and what is allowed", async () => {
    await expect(clusterMetricsServer({ port: 70_000 })).rejects.toThrow("clusterMetricsServer: invalid option port: 70000. Expected an integer port from 0 to 65535.");
    // The workers' registries are served: a registry here is a mistake, not ignored.
    await expect(clusterMetricsServer({ port: 0, registry: new Registry() } as never)).rejects.toThrow(
      /^clusterMetricsServer: invalid option registry: .*\. Expected one of the known options \(metricsPath, healthPath, readyPath, checks, checkTimeoutMs, bearerToken, port, host\)\.$/,
    );
    await expect(clusterMetricsServer({ port: 0, host: "" })).rejects.toThrow('clusterMetricsServer: invalid option host: "". Expected a host name or address.');
    await expect(clusterMetricsServer({ port: 0, metricsPath: "metrics" })).rejects.toThrow('clusterMetricsServer: invalid option metricsPath: "metrics".');
  });

  it("refuses cluster: true in a worker, pointing to shareMetricsWithPrimary", () => {
    expect(started.workerClusterOptionError).toBe(
      "telemetryRouter: invalid option cluster: true. Expected it only in the cluster primary (cluster.isPrimary); in workers call shareMetricsWithPrimary(registry) instead.",
    );
  });
});
