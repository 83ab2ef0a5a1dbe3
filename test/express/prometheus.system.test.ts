import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { freePort } from "../support/wait.js";
import { httpMetrics, jsonErrorHandler, telemetryRouter, traceContext } from "../../src/express/index.js";
import { setupOtel } from "../support/otel.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";
import { listen, openMetricsRegistry, until, type Running } from "./support.js";

const TOKEN = "prometheus-scrape-token";

/** The Prometheus server of Debian's `prometheus` package (installed by .ci/run with promtool). */
function prometheusBinary(): string {
  const found = spawnSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("prometheus not found: install Debian's prometheus package (apt-get install -y prometheus), as .ci/run does for promtool");
  return found;
}


interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

describe("a real Prometheus server scraping the app", () => {
  const otel = setupOtel();
  let app: Running;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let dir: string;
  let log = "";
  let traceId: string;

  async function query(promql: string): Promise<Vector[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: Vector[] } };
    if (body.status !== "success") throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  async function targetError(): Promise<string> {
    try {
      const body = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      return JSON.stringify(body.data.activeTargets.map((t) => ({ health: t.health, lastError: t.lastError })));
    } catch (error) {
      return String(error);
    }
  }

  beforeAll(async () => {
    const binary = prometheusBinary();

    // The app: a traced Text2Query workflow behind the Express adapter, on an OpenMetrics registry.
    const registry = openMetricsRegistry();
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics: new WorkflowMetrics({ registry, prefix: "text2query_" }), stages: { schema_context: "reasoning" } });
    const graph = buildText2QueryGraph();
    const server = express();
    server.use(traceContext({ tracerProvider: otel.provider }));
    server.use(httpMetrics({ registry }));
    server.use(telemetryRouter({ registry, bearerToken: TOKEN }));
    server.use(express.json());
    server.post("/api/ask", async (req, res) => {
      const result = await graph.invoke({ question: String(req.body.question) }, { callbacks: [tracer] });
      res.json({ sql: result.sql });
    });
    server.use(jsonErrorHandler());
    app = await listen(server);
    const res = await fetch(`${app.url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "How many orders per user?" }) });
    expect(res.status).toBe(200);
    traceId = res.headers.get("x-trace-id")!;

    dir = mkdtempSync(join(tmpdir(), "lgt-prometheus-"));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: app",
        "    metrics_path: /metrics",
        "    authorization:",
        `      credentials: ${TOKEN}`,
        "    static_configs:",
        `      - targets: ["127.0.0.1:${app.port}"]`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      binary,
      [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--enable-feature=exemplar-storage"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    prometheus.stderr!.on("data", (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    const exited = new Promise<never>((_, reject) => prometheus!.once("exit", (code) => reject(new Error(`prometheus exited (${code}): ${log}`))));
    exited.catch(() => undefined);
    await Promise.race([
      until("Prometheus to be ready", async () => ((await fetch(`${promUrl}/-/ready`)).status === 200 ? true : undefined), 30_000, 100),
      exited,
    ]);
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const gone = new Promise((r) => prometheus!.once("exit", r));
      prometheus.kill("SIGTERM");
      const timer = setTimeout(() => prometheus!.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    }
    await app?.close();
    await otel.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes the app (up == 1) through the bearer token and reads back the workflow and HTTP metrics", async () => {
    await until(
      "up == 1 for the app",
      async () => ((await query('up{job="app"}'))[0]?.value[1] === "1" ? true : undefined),
      20_000,
      200,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; targets: ${await targetError()}`);
    });
    const queries = await until("the workflow metric", async () => {
      const r = await query('text2query_queries_total{job="app"}');
      return r.length > 0 ? r : undefined;
    });
    expect(queries).toHaveLength(1);
    expect(queries[0]!.metric).toMatchObject({ intent: "sql_query", status: "success" });
    expect(queries[0]!.value[1]).toBe("1");
    const requests = await query('http_requests_total{job="app"}');
    expect(requests.map((r) => ({ ...r.metric, value: r.value[1] }))).toEqual([
      { __name__: "http_requests_total", instance: `127.0.0.1:${app.port}`, job: "app", method: "POST", route: "/api/ask", status_code: "200", value: "1" },
    ]);
  });

  it("negotiates OpenMetrics, so Prometheus stores the trace id of the workflow as an exemplar", async () => {
    const now = Date.now() / 1000;
    const exemplars = await until(
      "an exemplar of the workflow's duration",
      async () => {
        const res = await fetch(`${promUrl}/api/v1/query_exemplars?query=${encodeURIComponent('text2query_query_latency_seconds_bucket{stage="total"}')}&start=${now - 600}&end=${now + 600}`);
        const body = (await res.json()) as { data: { exemplars: { labels: Record<string, string> }[] }[] };
        const found = body.data.flatMap((series) => series.exemplars);
        return found.length > 0 ? found : undefined;
      },
      20_000,
      200,
    );
    expect(exemplars.map((e) => e.labels.trace_id)).toContain(traceId);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
