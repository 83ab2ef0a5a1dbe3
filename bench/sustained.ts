/**
 * Sustained load: N sequential workflow runs with spans and metrics on (nodes wrapped with traceNode, so the
 * report paths run too), heap sampled after GC along the way.
 *
 *   discard    spans → SimpleSpanProcessor → an exporter that drops them (counted)
 *   otlp-down  spans → setupTelemetry({ otlp: { url: <loopback port nothing listens on> } }): the bounded,
 *              counted export queue in front of a dead collector
 *
 * Run by bench/run.ts as `node --expose-gc --import tsx bench/sustained.ts <variant> <runs>`;
 * prints its result as bench/process.ts says.
 */
import { createServer } from "node:net";
import { setImmediate as turn } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import { context, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { ExportResult } from "@opentelemetry/core";
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import type { Telemetry } from "../src/index.js";
import { lib } from "./lib.js";
import { benchProcess } from "./process.js";
import { BENCH_INPUT, benchConfig, buildBenchGraph, checkResult } from "./graph.js";
import { gcHeap, type HeapSample, type SustainedResult } from "./stats.js";

class DiscardExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** A loopback port that nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function main(): Promise<SustainedResult> {
  const [variant = "discard", runsArg = "100000", samplesArg = "10"] = process.argv.slice(2);
  if (variant !== "discard" && variant !== "otlp-down") throw new Error(`unknown variant ${variant}`);
  const runs = Number(runsArg);
  const sampleEvery = Math.max(1, Math.floor(runs / Number(samplesArg)));

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const registry = new Registry();
  const metrics = new lib.WorkflowMetrics({ registry });
  let provider: TracerProvider;
  let discard: DiscardExporter | undefined;
  let telemetry: Telemetry | undefined;
  let url: string | undefined;
  if (variant === "discard") {
    discard = new DiscardExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] });
  } else {
    url = `http://127.0.0.1:${await deadPort()}/v1/traces`;
    telemetry = await lib.setupTelemetry({ otlp: { url }, register: false, env: {}, log: () => undefined, metrics });
    provider = telemetry.tracerProvider;
  }
  // Every span the runs make, counted as they start, so the report can check sent + dropped + queued == made.
  let made = 0;
  const counting: TracerProvider = {
    getTracer(name, version, options) {
      const inner = provider.getTracer(name, version, options);
      return {
        startSpan(spanName, spanOptions, ctx) {
          const span = inner.startSpan(spanName, spanOptions, ctx);
          if (span.isRecording()) made++;
          return span;
        },
        startActiveSpan: inner.startActiveSpan.bind(inner),
      } as Tracer;
    },
  };
  const tracer = new lib.WorkflowTracer({ tracerProvider: counting, metrics });
  const graph = buildBenchGraph({ kind: "traceNode" });
  // Each run ends with a turn of the event loop, as between a server's requests: LangGraph's invoke runs on
  // microtasks only, so without it the export queue's timers and sockets would never get a turn.
  const run = async () => {
    const result = await graph.invoke(BENCH_INPUT, benchConfig([tracer]));
    await turn();
    return result;
  };

  for (let i = 0; i < 200; i++) checkResult(await run());
  const heapStart = gcHeap();
  const sample = (done: number): HeapSample => {
    const s: HeapSample = { runs: done, heapBytes: gcHeap(), rssBytes: process.memoryUsage().rss, activeRuns: tracer.stats().activeRuns };
    const q = telemetry?.stats().otlp;
    if (q !== undefined) {
      s.queued = q.queued;
      s.dropped = q.dropped;
    }
    return s;
  };
  const samples: HeapSample[] = [];
  let failures = 0;
  const start = performance.now();
  for (let i = 1; i <= runs; i++) {
    try {
      await run();
    } catch {
      failures++;
    }
    if (i % sampleEvery === 0 || i === runs) samples.push(sample(i));
  }
  const wallMs = performance.now() - start;
  const heapEnd = gcHeap();
  const stats = tracer.stats();
  const exportBefore = telemetry?.stats().otlp;
  const shutdownStart = performance.now();
  await telemetry?.shutdown();
  const shutdownMs = telemetry !== undefined ? performance.now() - shutdownStart : undefined;
  const exportAfter = telemetry?.stats().otlp;
  const droppedMetric = (await registry.getSingleMetric("langgraph_telemetry_spans_dropped_total")?.get())?.values[0]?.value;

  const result: SustainedResult = {
    variant,
    runs,
    failures,
    wallMs,
    msPerRun: wallMs / runs,
    heapStartBytes: heapStart,
    heapEndBytes: heapEnd,
    heapMaxBytes: Math.max(...samples.map((s) => s.heapBytes)),
    samples,
    tracer: stats,
    spansMade: made,
    spansExported: discard?.count,
    url,
    exportAtEnd: exportBefore,
    exportAfterShutdown: exportAfter,
    shutdownMs,
    droppedMetric,
  };
  return result;
}

benchProcess(main);
