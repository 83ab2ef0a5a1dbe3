/**
 * Per-run cost of the OpenTelemetry metrics path (GenAI conventions) above the prom-client path, paired in
 * one process: three tracers over the same graph take turns run by run (order rotated each iteration).
 *   prom      — WorkflowTracer + WorkflowMetrics, `meterProvider: false` (today's path)
 *   prom+noop — the same, with the OpenTelemetry metrics API and no MeterProvider registered (the default)
 *   prom+otel — the same, recording into an SDK MeterProvider with an OTLP reader (exports on its timer, not here)
 * Usage: node --expose-gc --import tsx bench/otlp-metrics.ts [warmup=200] [iterations=2000]
 *
 * Then the same at the sink alone (no graph, so no LangChain noise): the events of one text2query-like run
 * (1 workflow, 5 stages, 4 LLM calls) fed to each metrics backend, timed over many runs.
 */
import { context, metrics } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { performance } from "node:perf_hooks";
import { Registry } from "prom-client";
import { WorkflowMetrics, WorkflowTracer } from "../src/index.js";
import { GenAiMetrics } from "../src/metrics/genai-metrics.js";
import { tokenUsage, type LlmCall } from "../src/shared/llm-call.js";
import { TELEMETRY_PARTS, type TelemetrySink } from "../src/shared/sink.js";
import { BENCH_INPUT, benchConfig, buildBenchGraph, checkResult } from "./graph.js";
import { median, quantile } from "./stats.js";

const [warmup = 200, iterations = 2000] = process.argv.slice(2).map(Number);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: "http://127.0.0.1:9/v1/metrics" }), exportIntervalMillis: 3_600_000, exportTimeoutMillis: 1000 })],
});
const graph = buildBenchGraph({ kind: "plain" });
const tracer = (meter: false | MeterProvider | undefined) =>
  new WorkflowTracer({ tracerProvider, metrics: new WorkflowMetrics({ registry: new Registry() }), ...(meter === undefined ? {} : { meterProvider: meter }) });
const modes = { prom: tracer(false), "prom+noop": tracer(undefined), "prom+otel": tracer(meterProvider) };
if (GenAiMetrics.of(metrics.getMeterProvider()) !== undefined) throw new Error("no global MeterProvider expected: the default path then records nothing");
const names = Object.keys(modes) as Array<keyof typeof modes>;
const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof typeof modes, number[]>;

for (let i = 0; i < warmup + iterations; i++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(i + k) % names.length]!;
    const started = performance.now();
    checkResult(await graph.invoke(BENCH_INPUT, benchConfig([modes[name]])));
    const ms = performance.now() - started;
    if (i >= warmup) samples[name].push(ms * 1000);
  }
  if (i % 100 === 0) spans.reset();
}
const diff = (a: keyof typeof modes, b: keyof typeof modes) => median(samples[a].map((v, i) => v - samples[b][i]!));
const row = (n: keyof typeof modes) => {
  const sorted = [...samples[n]].sort((x, y) => x - y);
  return `${n.padEnd(10)} median ${median(sorted).toFixed(0)} µs  p90 ${quantile(sorted, 0.9).toFixed(0)} µs`;
};
console.log(names.map(row).join("\n"));
console.log(`paired median difference per run: prom+noop − prom = ${diff("prom+noop", "prom").toFixed(1)} µs; prom+otel − prom = ${diff("prom+otel", "prom").toFixed(1)} µs (${iterations} iterations)`);

// ---------------------------------------------------------------- the sink alone
const call = (model: string, stage: LlmCall["stage"]): LlmCall => ({
  stage, model: `${model}-2024-08-06`, operation: "chat", provider: "openai", requestModel: model, responseModel: `${model}-2024-08-06`, local: false,
  usage: tokenUsage(176, 1024, 0, 85, 0), cost: undefined, pricedAs: undefined, finishReasons: ["stop"], responseId: "chatcmpl-1", timeToFirstChunk: undefined,
  errorType: undefined, durationSeconds: 0.8, traceId: undefined,
});
const calls = [call("gpt-4o", "intent"), call("gpt-4o", "generation"), call("gpt-4o-mini", "generation"), call("gpt-4o", "generation")];
function oneRun(sink: TelemetrySink): void {
  sink.workflowStarted();
  for (const stage of ["intent", "reasoning", "generation", "validation", "execution"]) sink.nodeEnded({ name: stage, failed: false, durationSeconds: 0.2, traceId: undefined });
  for (const c of calls) sink.llmEnded(c);
  sink.workflowEnded({ outcome: "success", intent: "analytics", corrections: 1, valid: true, durationSeconds: 2.5, traceId: undefined });
}
const sinks: Record<string, TelemetrySink> = {
  prom: new WorkflowMetrics({ registry: new Registry() })[TELEMETRY_PARTS].sink,
  "otel-sdk": GenAiMetrics.of(meterProvider)!,
};
const RUNS = 200_000;
for (const [name, sink] of Object.entries(sinks)) {
  for (let i = 0; i < 20_000; i++) oneRun(sink);
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) oneRun(sink);
  console.log(`sink ${name.padEnd(9)} ${(((performance.now() - started) * 1000) / RUNS).toFixed(2)} µs per run`);
}
await meterProvider.shutdown().catch(() => undefined);