import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { npmStart } from "./support/npm-start.js";
import { LoopbackReceiver } from "./support/otlp-receiver.js";

/**
 * The example server's pino lines over OTLP: `npm start`'s program with the standard variables pointing at a
 * loopback collector, which decodes the log records and the spans and links them by their ids.
 */
const root = fileURLToPath(new URL("..", import.meta.url));

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, npmStart().args, { cwd: root, env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    child.stdout!.on("data", () => {
      const m = /metrics:\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { child, url };
}

describe("the example's logs over OTLP (examples/text2query/main.ts)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("sends its pino lines as OTLP log records carrying the trace and span ids of the run's spans", async () => {
    const collector = await new LoopbackReceiver().start();
    const dataDir = mkdtempSync(join(tmpdir(), "text2query-logs-"));
    dirs.push(dataDir);
    try {
      const { child, url } = await start({ DATA_DIR: join(dataDir, "pglite"), OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRICS_EXPORTER: "none", OTEL_SERVICE_NAME: "text2query", CONSOLE: "0" });
      const response = await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Top 5 customers by revenue" }) });
      expect(response.status).toBe(200);
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM"); // shutdown flushes spans and logs
      await exited;

      const spans = collector.spans("/v1/traces");
      const workflow = spans.find((s) => s.name.startsWith("invoke_workflow"))!;
      expect(workflow).toBeDefined();
      const records = collector.logRecords();
      // The setup summary and the ready line, logged outside any request, carry no ids.
      expect(records.find((r) => String(r.body).startsWith("langgraph-telemetry: service text2query"))).toMatchObject({ traceId: undefined, spanId: undefined });
      expect(records.find((r) => r.body === "text2query ready")).toMatchObject({ traceId: undefined, resource: { "service.name": "text2query" } });
      // Lines logged while the request ran: on the run's trace, each on a span of that trace.
      const ofRun = records.filter((r) => r.traceId === workflow.traceId);
      expect(ofRun.map((r) => r.body)).toEqual(expect.arrayContaining(["question received"]));
      const spanIds = new Set(spans.filter((s) => s.traceId === workflow.traceId).map((s) => s.spanId));
      for (const r of ofRun) expect(spanIds.has(r.spanId!), `${String(r.body)} on a span of the run`).toBe(true);
      // pino's own fields are the record's attributes.
      expect(records.find((r) => r.body === "question received")!.attributes).toMatchObject({ question: "Top 5 customers by revenue", service: "text2query" });
    } finally {
      await collector.stop();
    }
  }, 120_000);
});
