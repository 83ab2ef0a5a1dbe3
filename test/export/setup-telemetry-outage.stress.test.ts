import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, WorkflowMetrics, WorkflowTracer, type Telemetry, type TelemetryOptions } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { LoopbackReceiver, refusingUrl } from "../support/otlp-receiver.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

/**
 * setupTelemetry under 200 concurrent runs while the backends refuse, hang or fail, and when they are healthy:
 * the workflow's results are unchanged and every span is accounted for. (setup-telemetry.test.ts has the rest.)
 */
const LANGFUSE_TRACES = "/api/public/otel/v1/traces";
const keys = { publicKey: "pk-lf-test-1234", secretKey: "sk-lf-test-5678" };

const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[] } = { telemetry: [], receivers: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
});

async function receiver(mode: "ok" | "fail" | "hang" = "ok") {
  const r = await new LoopbackReceiver().start(mode);
  open.receivers.push(r);
  return r;
}

async function telemetry(options: TelemetryOptions) {
  const memory = new InMemorySpanExporter();
  const registry = new Registry();
  const metrics = new WorkflowMetrics({ registry });
  const t = await setupTelemetry({ register: false, env: {}, metrics, log: () => undefined, spanProcessors: [new SimpleSpanProcessor(memory)], ...options });
  open.telemetry.push(t);
  const tracer = new WorkflowTracer({ tracerProvider: t.tracerProvider, metrics, stages: { schema_context: "reasoning" } });
  return { telemetry: t, tracer, memory, registry };
}

describe("setupTelemetry under 200 concurrent runs, backends down or healthy", () => {
  async function bareResults(n: number) {
    const graph = buildText2QueryGraph();
    return Promise.all(Array.from({ length: n }, (_, i) => graph.invoke({ question: i % 3 === 0 ? "Tell me a joke" : "How many orders per user?" })));
  }

  it.each([
    ["refuses connections", "refuse"],
    ["hangs", "hang"],
    ["answers 500", "fail"],
  ] as const)("when the endpoint %s, 200 concurrent runs give the results of a run without telemetry, the queue stays bounded and every span lost is counted", async (_label, mode) => {
    const collector = mode === "refuse" ? undefined : await receiver(mode);
    const url = collector?.url ?? (await refusingUrl());
    const { telemetry: t, tracer, memory, registry } = await telemetry({
      langfuse: { ...keys, baseUrl: url },
      otlp: { url: `${url}/v1/traces` },
      maxQueueSize: 500,
      exportTimeoutMs: 300,
      shutdownTimeoutMs: 1500,
    });
    const graph = buildText2QueryGraph();
    const traced = await Promise.all(Array.from({ length: 200 }, (_, i) => graph.invoke({ question: i % 3 === 0 ? "Tell me a joke" : "How many orders per user?" }, { callbacks: [tracer] })));
    // The workflow finished while the backend had not answered a single export (hang) — it never waited on it.
    if (mode === "hang") expect(collector!.answered).toBe(0);
    expect(traced).toEqual(await bareResults(200));
    const stats = t.stats();
    expect(stats.langfuse!.queued).toBeLessThanOrEqual(500);
    expect(stats.otlp!.queued).toBeLessThanOrEqual(500);

    const total = memory.getFinishedSpans().length; // (read before shutdown, which empties the in-memory exporter)
    await t.shutdown(); // within shutdownTimeoutMs, whatever the endpoint does
    expect(total).toBe(200 * 17 - 67 * 14); // 133 answered runs of 17 spans, 67 out-of-scope runs of 3
    const after = t.stats();
    for (const s of [after.langfuse!, after.otlp!]) expect(s).toEqual({ sent: 0, dropped: total, queued: 0 });
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_telemetry_spans_dropped_total")).toBe(2 * total);
    expect(tracer.stats().internalErrors).toBe(0);
  }, 30_000);

  it("loses nothing when 200 workflows end at once on a healthy backend (the SDK's default 2048-span queue dropped roots here)", async () => {
    const langfuse = await receiver();
    const { telemetry: t, tracer, memory } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url } });
    const graph = buildText2QueryGraph();
    await Promise.all(Array.from({ length: 200 }, () => graph.invoke({ question: "How many orders per user?" }, { callbacks: [tracer] })));
    await t.forceFlush();
    expect(memory.getFinishedSpans()).toHaveLength(3400);
    const wire = langfuse.spans(LANGFUSE_TRACES);
    expect(wire).toHaveLength(3400);
    expect(wire.filter((s) => s.parentSpanId === undefined)).toHaveLength(200);
    expect(t.stats().langfuse).toEqual({ sent: 3400, dropped: 0, queued: 0 });
  }, 30_000);

});
