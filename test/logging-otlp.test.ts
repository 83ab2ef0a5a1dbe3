import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type pinoModule from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, traceLogFields, traceNode, WorkflowTracer, type Telemetry } from "../src/index.js";
import { LoopbackReceiver } from "./support/otlp-receiver.js";
import { stepsGraph } from "./support/steps-graph.js";

/**
 * pino → OpenTelemetry Logs API → setupTelemetry's OTLP logs export, through OpenTelemetry's own pino
 * instrumentation (its log sending): the recipe of docs/logs.md, against a loopback collector.
 */
const instrumentation = new PinoInstrumentation();
// Required (not imported) after the instrumentation is enabled: it patches pino as it is loaded.
const pino = createRequire(import.meta.url)("pino") as typeof pinoModule;

const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[] } = { telemetry: [], receivers: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
});
afterAll(() => instrumentation.disable());

function destination() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

describe("pino lines over OTLP, linked to their traces (@opentelemetry/instrumentation-pino)", () => {
  it("sends each line logged in a node with that node's trace and span ids, and still writes it to pino's own destination", async () => {
    const collector = await new LoopbackReceiver().start();
    open.receivers.push(collector);
    const memory = new InMemorySpanExporter();
    const telemetry = await setupTelemetry({ otlp: false, otlpLogs: { url: `${collector.url}/v1/logs` }, env: {}, log: () => undefined, spanProcessors: [new SimpleSpanProcessor(memory)], serviceName: "text2query" });
    open.telemetry.push(telemetry);
    // Made after setupTelemetry: the bridge takes its OpenTelemetry logger when the pino logger is made.
    const { stream, lines } = destination();
    const log = pino({ mixin: traceLogFields, base: { service: "text2query" } }, stream);

    const graph = stepsGraph({
      generate: traceNode("generation", async () => {
        log.info({ sql: "SELECT 1" }, "generated");
        return { answer: "SELECT 1" };
      }),
      validate: traceNode("validation", async () => {
        log.warn({ reason: "not a SELECT" }, "generated SQL refused");
        return { answer: "refused" };
      }),
    });
    await graph.invoke({ question: "?" }, { callbacks: [new WorkflowTracer()], runName: "text2query" });
    log.info("outside any run");
    await telemetry.forceFlush();

    const span = (name: string) => memory.getFinishedSpans().find((s) => s.name === name)!.spanContext();
    const records = collector.logRecords();
    expect(records.map((r) => ({ body: r.body, severity: r.severityText, traceId: r.traceId, spanId: r.spanId }))).toEqual([
      { body: "generated", severity: "info", traceId: span("generate").traceId, spanId: span("generate").spanId },
      { body: "generated SQL refused", severity: "warn", traceId: span("validate").traceId, spanId: span("validate").spanId },
      { body: "outside any run", severity: "info", traceId: undefined, spanId: undefined },
    ]);
    // pino's fields become attributes; the ids are not repeated there (they are the record's own).
    expect(records[0]!.attributes).toMatchObject({ sql: "SELECT 1", service: "text2query" });
    expect(records[0]!.attributes).not.toHaveProperty("trace_id");
    expect(records[0]!.resource).toMatchObject({ "service.name": "text2query" });
    // The lines on stdout (here: the destination) are unchanged, ids included.
    expect(lines.map((l) => [l.msg, l.span_id])).toEqual([
      ["generated", span("generate").spanId],
      ["generated SQL refused", span("validate").spanId],
      ["outside any run", undefined],
    ]);
    expect(telemetry.stats().otlpLogs).toEqual({ sent: 3, dropped: 0, queued: 0 });
  });
});
