/**
 * `/metrics` scrape cost: time of `registry.metrics()` (prom-client's text rendering, what every scrape pays)
 * with WorkflowMetrics holding many series, against the same with 100.
 *
 *   counter    N distinct intent values: N series of langgraph_queries_total (+ the fixed families)
 *   histogram  N distinct tool values: N series of langgraph_tool_calls_total and N histograms of
 *              langgraph_tool_duration_seconds (16 samples each)
 *
 * Run by bench/run.ts as `node --expose-gc --import tsx bench/scrape.ts <renders>`; prints its result as bench/process.ts says.
 */
import { performance } from "node:perf_hooks";
import { Registry } from "prom-client";
import type { TelemetrySink } from "../src/shared/sink.js";
import { lib } from "./lib.js";
import { benchProcess } from "./process.js";
import { gcHeap, median, type ScrapeCase, type ScrapeResult } from "./stats.js";

async function measure(shape: ScrapeCase["shape"], labelValues: number, renders: number): Promise<ScrapeCase> {
  const registry = new Registry();
  const metrics = new lib.WorkflowMetrics({ registry, maxLabelValues: labelValues + 10 });
  // Tool calls are fed by the tracer: through the sink it hands the tracer (a registered symbol, not API).
  const sink = (metrics as unknown as Record<symbol, { sink: TelemetrySink }>)[Symbol.for("langgraph-telemetry.telemetry-parts")]!.sink;
  for (let i = 0; i < labelValues; i++) {
    if (shape === "counter") metrics.recordQuery(`intent_${i}`, "success", 0.5);
    else sink.toolEnded({ name: `tool_${i}`, durationSeconds: 0.02, failed: false, traceId: undefined });
  }
  const heapBytes = gcHeap();
  let text = "";
  for (let i = 0; i < 3; i++) text = await registry.metrics();
  const times: number[] = [];
  for (let i = 0; i < renders; i++) {
    const t0 = performance.now();
    text = await registry.metrics();
    times.push(performance.now() - t0);
  }
  const samples = text.split("\n").filter((line) => line.length > 0 && !line.startsWith("#")).length;
  return { shape, labelValues, samples, bytes: Buffer.byteLength(text), medianMs: median(times), minMs: Math.min(...times), heapBytes };
}

async function main(): Promise<ScrapeResult> {
  const renders = Number(process.argv[2] ?? "15");
  const cases: ScrapeCase[] = [];
  for (const shape of ["counter", "histogram"] as const) {
    for (const labelValues of [100, 10_000]) cases.push(await measure(shape, labelValues, renders));
  }
  const result: ScrapeResult = { renders, cases };
  return result;
}

benchProcess(main);
