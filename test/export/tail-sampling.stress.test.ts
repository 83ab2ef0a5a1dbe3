import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { TailSamplingProcessor, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { stepsGraph } from "../support/steps-graph.js";

/** The tail sampler's caps at scale (tail-sampling.test.ts has its decisions, tail-sampling-memory.test.ts its byte cap). */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function provider(options: Partial<ConstructorParameters<typeof TailSamplingProcessor>[0]> = {}) {
  const memory = new InMemorySpanExporter();
  const sampling = new TailSamplingProcessor({ processors: [new SimpleSpanProcessor(memory)], sampleRate: 0, ...options });
  const p = new NodeTracerProvider({ sampler: sampling.sampler, spanProcessors: [sampling] });
  cleanups.push(() => p.shutdown());
  return { provider: p, memory, sampling };
}

describe("TailSamplingProcessor under 2,000 concurrent runs", () => {
  it("the cap holds under 2,000 concurrent runs: the oldest waiting traces are dropped and counted, the rest decided by outcome, memory returned", async () => {
    const { provider: p, memory, sampling } = provider({ maxWaitingSpans: 1000 });
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    const tracer = new WorkflowTracer({ tracerProvider: p, metrics });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const graph = stepsGraph({ classify_intent: () => ({ answer: "-" }), execute_sql: async (state) => {
      await gate;
      if (state.question.endsWith("7")) throw new Error("deadlock detected");
      return { answer: "ok" };
    } });
    const heapBefore = process.memoryUsage().heapUsed;
    const runs = Array.from({ length: 2000 }, (_, i) => graph.invoke({ question: `q${i}` }, { callbacks: [tracer], runName: `run ${i}` }).catch(() => undefined));
    while (sampling.stats().waiting.traces + sampling.stats().dropped.overflow < 2000) await sleep(10);
    const held = sampling.stats().waiting;
    expect(held.spans).toBeLessThanOrEqual(1000);
    expect(held.bytes).toBeGreaterThan(0);
    expect(sampling.stats().dropped.overflow).toBeGreaterThan(0);
    const heapHeld = process.memoryUsage().heapUsed - heapBefore;
    release();
    await Promise.all(runs);
    await p.forceFlush();
    const s = sampling.stats();
    expect(s.waiting).toEqual({ traces: 0, spans: 0, bytes: 0 });
    expect(s.kept.outcome + s.dropped.overflow + s.dropped.ratio).toBe(2000);
    // Every trace that arrived is a failed run, whole (workflow, two nodes), that the cap had not dropped.
    const byTrace = new Map<string, number>();
    for (const span of memory.getFinishedSpans()) byTrace.set(span.spanContext().traceId, (byTrace.get(span.spanContext().traceId) ?? 0) + 1);
    expect(byTrace.size).toBe(s.kept.outcome);
    expect(s.kept.outcome).toBeGreaterThan(0);
    expect(new Set(byTrace.values())).toEqual(new Set([3]));
    // Metrics counted all 2,000 runs, sampled or not.
    expect(new Scrape(await registry.metrics()).sum("langgraph_queries_total")).toBe(2000);
    expect(heapHeld).toBeLessThan(400 * 1024 * 1024);
  }, 60_000);
});
