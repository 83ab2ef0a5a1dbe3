import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logs, SeverityNumber, type Logger } from "@opentelemetry/api-logs";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, traceNode, WorkflowTracer, type Telemetry, type TelemetryOptions } from "../../src/index.js";
import { LoopbackReceiver } from "../support/otlp-receiver.js";
import { stepsGraph } from "../support/steps-graph.js";
import { until } from "../support/wait.js";

/** Logs over OTLP: setupTelemetry's LoggerProvider against a loopback collector decoding the real payload. */
const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[]; dirs: string[] } = { telemetry: [], receivers: [], dirs: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
  for (const d of open.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function collector() {
  const r = await new LoopbackReceiver().start();
  open.receivers.push(r);
  return r;
}

async function telemetry(options: TelemetryOptions) {
  const memory = new InMemorySpanExporter();
  const lines: string[] = [];
  const t = await setupTelemetry({ register: false, env: {}, log: (m) => lines.push(m), spanProcessors: [new SimpleSpanProcessor(memory)], scheduledDelayMs: 50, ...options });
  open.telemetry.push(t);
  return { telemetry: t, memory, lines, tracer: new WorkflowTracer({ tracerProvider: t.tracerProvider }) };
}

/** A two-step workflow whose steps log through the given Logs API logger while they run. */
function loggingGraph(logger: Logger) {
  return stepsGraph({
    plan: traceNode("reasoning", async () => {
      logger.emit({ body: "planning", severityNumber: SeverityNumber.INFO, severityText: "info", attributes: { step: "plan" } });
      return { answer: "planned" };
    }),
    work: traceNode("execution", async () => {
      logger.emit({ body: "query refused", severityNumber: SeverityNumber.WARN, severityText: "warn", attributes: { step: "work", reason: "not a SELECT" } });
      return { answer: "worked" };
    }),
  });
}

describe("logs over OTLP (setupTelemetry's LoggerProvider)", () => {
  it.each(["http/protobuf", "http/json"] as const)("sends %s log records emitted inside a workflow's nodes with the trace and span ids of those nodes, and the service resource", async (protocol) => {
    const c = await collector();
    // register: the async context manager that makes each node's span the active one while it runs.
    const { telemetry: t, memory, tracer, lines } = await telemetry({ register: true, env: { OTEL_EXPORTER_OTLP_ENDPOINT: c.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: "text2query", OTEL_METRICS_EXPORTER: "none" } });
    expect(lines[0]).toMatch(new RegExp(`Logs: OTLP ${protocol} at ${c.url}/v1/logs\\.$`));
    await loggingGraph(t.loggerProvider!.getLogger("text2query")).invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" });
    await t.forceFlush();

    const records = c.logRecords();
    expect(c.requests.find((r) => r.path === "/v1/logs")!.headers["content-type"]).toBe(protocol === "http/protobuf" ? "application/x-protobuf" : "application/json");
    const span = (name: string) => memory.getFinishedSpans().find((s) => s.name === name)!.spanContext();
    expect(records.map((r) => ({ body: r.body, severity: r.severityText, traceId: r.traceId, spanId: r.spanId, step: r.attributes.step }))).toEqual([
      { body: "planning", severity: "info", traceId: span("plan").traceId, spanId: span("plan").spanId, step: "plan" },
      { body: "query refused", severity: "warn", traceId: span("work").traceId, spanId: span("work").spanId, step: "work" },
    ]);
    expect(records[1]!.severityNumber).toBe(SeverityNumber.WARN);
    expect(records[0]!.resource).toMatchObject({ "service.name": "text2query" });
    expect(t.stats().otlpLogs).toEqual({ sent: 2, dropped: 0, queued: 0 });
  });

  it("registers its LoggerProvider globally with register (the Logs API's logs.getLogger reaches it) and unregisters on shutdown", async () => {
    const c = await collector();
    const t = await setupTelemetry({ env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${c.url}/v1/logs` }, log: () => undefined });
    open.telemetry.push(t);
    expect(t.meterProvider).toBeUndefined(); // a logs endpoint alone asks for logs only
    logs.getLogger("app").emit({ body: "through the global provider" });
    await t.forceFlush();
    expect(c.logRecords().map((r) => r.body)).toEqual(["through the global provider"]);
    await t.shutdown();
    logs.getLogger("app").emit({ body: "after shutdown" });
    expect(c.logRecords()).toHaveLength(1);
  });

  it("keeps the log call off the network: a collector that hangs costs nothing, the queue stays bounded, every record lost is counted", async () => {
    const c = await collector();
    c.mode = "hang";
    const { telemetry: t } = await telemetry({ otlpLogs: { url: `${c.url}/v1/logs` }, maxQueueSize: 100, exportTimeoutMs: 200, shutdownTimeoutMs: 500 });
    const logger = t.loggerProvider!.getLogger("app");
    const started = performance.now();
    for (let i = 0; i < 1000; i++) logger.emit({ body: `line ${i}` });
    expect(performance.now() - started).toBeLessThan(1000); // no request waited for (the collector never answers)
    expect(t.stats().otlpLogs!.queued).toBeLessThanOrEqual(100);
    await t.shutdown();
    expect(t.stats().otlpLogs).toEqual({ sent: 0, dropped: 1000, queued: 0 });
  });

  it("spools log records while the collector is down and sends them when it is back", async () => {
    const c = await collector();
    await c.refuse();
    const dir = mkdtempSync(join(tmpdir(), "logs-spool-"));
    open.dirs.push(dir);
    const { telemetry: t } = await telemetry({ otlpLogs: { url: `${c.url}/v1/logs` }, spool: { dir } });
    const logger = t.loggerProvider!.getLogger("app");
    for (let i = 0; i < 50; i++) logger.emit({ body: `line ${i}` });
    await until("the records on disk", () => (t.stats().otlpLogs!.spool!.spooled === 50 ? true : undefined));
    await c.accept();
    await until("the records delivered", () => (t.stats().otlpLogs!.spool!.replayed === 50 ? true : undefined), 10_000);
    expect(c.logRecords().map((r) => r.body)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_LOGS_EXPORTER: "none" }, undefined],
    [{ OTEL_LOGS_EXPORTER: "otlp" }, "http://localhost:4318/v1/logs"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/", OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://loki:3100/otlp/v1/logs" }, "http://loki:3100/otlp/v1/logs"],
    [{}, undefined],
  ])("reads the standard variables %j: logs to %s", async (env, url) => {
    const { telemetry: t, lines } = await telemetry({ env: { OTEL_METRICS_EXPORTER: "none", ...env }, otlp: false });
    expect(t.loggerProvider === undefined).toBe(url === undefined);
    if (url !== undefined) expect(lines[0]).toContain(`Logs: OTLP http/protobuf at ${url}.`);
    else expect(lines[0]).not.toContain("Logs:");
  });

  it.each([
    [{ env: { OTEL_LOGS_EXPORTER: "console" } }, 'setupTelemetry: invalid option otlpLogs (from OTEL_LOGS_EXPORTER): "console". Expected "otlp" or "none" (other log exporters are not supported here).'],
    [{ otlpLogs: {} }, "setupTelemetry: invalid option otlpLogs.url: null. Expected the OTLP/HTTP logs URL (http://collector:4318/v1/logs), or OTEL_EXPORTER_OTLP_ENDPOINT in the environment."],
    [{ otlpLogs: { url: "http://c:4318/v1/logs", protocol: "grpc" } }, /invalid option otlpLogs\.protocol: "grpc"\. Expected "http\/protobuf" or "http\/json"/],
    [{ otlpLogs: { url: "http://c:4318/v1/logs", compression: "zstd" } }, 'setupTelemetry: invalid option otlpLogs.compression: "zstd". Expected "gzip" or "none".'],
  ])("rejects %j with a message that says what to fix", async (options, message) => {
    await expect(setupTelemetry({ register: false, env: {}, log: () => undefined, ...(options as TelemetryOptions) })).rejects.toThrow(message);
  });
});
