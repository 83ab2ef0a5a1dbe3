import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scrape } from "../support/exposition.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("Express example (examples/express.ts)", () => {
  let child: ChildProcess;
  let url: string;
  let output = "";

  beforeAll(async () => {
    // No LANGFUSE_*/OTEL_* endpoints: spans stay in the process; the adapter works the same.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LANGFUSE_|OTEL_)/.test(k)));
    child = spawn(process.execPath, ["--import", "tsx", "examples/express.ts"], { cwd: root, env: { ...env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const lines = createInterface({ input: child.stdout! });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`example did not start: ${output}`)), 30_000);
      lines.on("line", (line) => {
        output += `${line}\n`;
        const m = /^listening on (http:\/\/\S+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`example exited (${code}): ${output}`)));
    });
  }, 40_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("answers, continues the caller's trace, counts the run and the request, and serves the probes", async () => {
    const clientTrace = randomBytes(16).toString("hex");
    const res = await fetch(`${url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${clientTrace}-${randomBytes(8).toString("hex")}-01` },
      body: JSON.stringify({ question: "How many orders?" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ intent: "sql_query", sql: "SELECT count(*) FROM orders" });
    expect(res.headers.get("x-trace-id")).toBe(clientTrace);

    const bad = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: "entity.parse.failed" });

    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${url}/metrics`, { headers: { accept: "application/openmetrics-text" } });
    const text = await metrics.text();
    const m = new Scrape(text);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "success" })).toBe(1);
    expect(m.value("http_requests_total", { method: "POST", route: "/api/ask", status_code: "200" })).toBe(1);
    expect(m.value("http_requests_total", { method: "POST", route: "/api/ask", status_code: "400" })).toBe(1);
    expect(m.samples("text2query_query_latency_seconds_bucket", { stage: "total" }).some((s) => s.exemplar?.labels.trace_id === clientTrace)).toBe(true);
  });
});
