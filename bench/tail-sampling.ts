/**
 * What tail sampling costs, in ONE process, modes taking turns run by run (order rotated each iteration):
 *
 * - `none`: the tracer on a provider that samples everything, spans to an in-memory exporter (no sampling);
 * - `kept`: the same behind `TailSamplingProcessor` at sampleRate 0, the run kept for its correction (held, then
 *   released to the exporter);
 * - `dropped`: the same at sampleRate 0 with `keepRuns: { corrected: false }` (held, then ended unsampled).
 *
 * Per-run cost = the median of (mode − none) over iterations. Then the memory held while 1,000 runs are open at
 * once (each paused in its last node after two LLM calls): the heap the processor frees when it lets go of them.
 *
 *     node --expose-gc --import tsx bench/tail-sampling.ts [warmup=200] [iterations=1500]
 *
 * Uses the built package (run `npm run build`) or src/ with BENCH_SOURCE=src.
 */
import { HumanMessage } from "@langchain/core/messages";
import { context, trace } from "@opentelemetry/api";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";
import { BENCH_INPUT, benchConfig, buildBenchGraph, checkResult, InstantChatModel } from "./graph.js";
import { lib, LIBRARY_SOURCE } from "./lib.js";
import { gcHeap, median, mib } from "./stats.js";

type Mode = { name: string; run: () => Promise<void>; exporter: InMemorySpanExporter };

function setup(name: string, sampling: ((processors: SpanProcessor[]) => InstanceType<typeof lib.TailSamplingProcessor>) | undefined): Mode {
  const exporter = new InMemorySpanExporter();
  const inner = [new SimpleSpanProcessor(exporter)];
  const processor = sampling?.(inner);
  const provider = new NodeTracerProvider({ ...(processor ? { sampler: processor.sampler } : {}), spanProcessors: processor ? [processor] : inner });
  const tracer = new lib.WorkflowTracer({ tracerProvider: provider });
  const graph = buildBenchGraph({ kind: "traceNode" });
  return { name, exporter, run: async () => checkResult(await graph.invoke(BENCH_INPUT, benchConfig([tracer]))) };
}

async function perRun(warmup: number, iterations: number): Promise<void> {
  const modes = [
    setup("none", undefined),
    setup("kept", (processors) => new lib.TailSamplingProcessor({ processors, sampleRate: 0 })),
    setup("dropped", (processors) => new lib.TailSamplingProcessor({ processors, sampleRate: 0, keepRuns: { corrected: false } })),
  ];
  const times = new Map(modes.map((m) => [m.name, [] as number[]]));
  for (let i = 0; i < warmup + iterations; i++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(i + k) % modes.length]!;
      const start = performance.now();
      await mode.run();
      const ms = performance.now() - start;
      if (i >= warmup) times.get(mode.name)!.push(ms);
      await turn();
    }
    if (i % 100 === 0) for (const m of modes) m.exporter.reset();
  }
  const none = times.get("none")!;
  const spansPerRun = (() => {
    modes[0]!.exporter.reset();
    return modes[0]!;
  })();
  await spansPerRun.run();
  console.log(`library: ${LIBRARY_SOURCE}; ${iterations} paired iterations after ${warmup} warm-up; ${spansPerRun.exporter.getFinishedSpans().length} spans per run`);
  console.log(`none: median ${median(none).toFixed(3)} ms/run`);
  for (const name of ["kept", "dropped"]) {
    const t = times.get(name)!;
    const diffs = t.map((v, i) => (v - none[i]!) * 1000);
    const sorted = [...diffs].sort((a, b) => a - b);
    console.log(`${name}: median ${median(t).toFixed(3)} ms/run; paired difference vs none: median ${median(diffs).toFixed(1)} µs, p25 ${sorted[Math.floor(sorted.length / 4)]!.toFixed(1)} µs, p75 ${sorted[Math.floor((sorted.length * 3) / 4)]!.toFixed(1)} µs`);
  }
}

const GateState = Annotation.Root({ question: Annotation<string>(), intent: Annotation<string>(), sql: Annotation<string>(), answer: Annotation<string>() });

/** Heap held while `n` runs are open, each paused in its last node after two LLM calls. */
async function openRuns(n: number, withSampling: boolean): Promise<{ heap: number; held?: number; waiting?: { traces: number; spans: number; bytes: number } }> {
  const exporter = new InMemorySpanExporter();
  const inner = [new SimpleSpanProcessor(exporter)];
  const processor = withSampling ? new lib.TailSamplingProcessor({ processors: inner, sampleRate: 0 }) : undefined;
  const provider = new NodeTracerProvider({ ...(processor ? { sampler: processor.sampler } : {}), spanProcessors: processor ? [processor] : inner });
  const tracer = new lib.WorkflowTracer({ tracerProvider: provider });
  const model = new InstantChatModel({});
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let paused = 0;
  const graph = new StateGraph(GateState)
    .addNode("classify_intent", async (s: typeof GateState.State, c?: RunnableConfig) => ({ intent: String((await model.invoke([new HumanMessage(`[intent] ${s.question}`)], c)).content) }))
    .addNode("generate_sql", async (s: typeof GateState.State, c?: RunnableConfig) => ({ sql: String((await model.invoke([new HumanMessage(`[generate] ${s.question}`)], c)).content) }))
    .addNode("execute_sql", async () => {
      paused++;
      await gate;
      return { answer: "42" };
    })
    .addEdge(START, "classify_intent")
    .addEdge("classify_intent", "generate_sql")
    .addEdge("generate_sql", "execute_sql")
    .addEdge("execute_sql", END)
    .compile();
  const before = gcHeap();
  const runs = Array.from({ length: n }, (_, i) => graph.invoke({ question: `How many orders per user? ${i}` }, { callbacks: [tracer], runName: "text2query" }));
  while (paused < n) await new Promise((r) => setTimeout(r, 5));
  exporter.reset(); // without sampling, the ended spans went to the exporter: not held by sampling, not counted
  const heap = gcHeap() - before;
  const waiting = processor?.stats().waiting;
  // What the processor alone holds: the heap it frees when it lets go of every waiting span (runs still open).
  let held: number | undefined;
  if (processor) {
    const holding = gcHeap();
    await processor.shutdown();
    held = holding - gcHeap();
  }
  release();
  await Promise.all(runs);
  await provider.shutdown();
  return { heap, ...(waiting ? { waiting, held } : {}) };
}

/**
 * The processor alone, without LangGraph's noise: one trace shaped like a run (a workflow root and 9 children
 * with the attributes our spans carry), made with the SDK directly, modes taking turns.
 */
async function perTrace(iterations: number): Promise<void> {
  const make = (name: string, sampling: boolean, keep: boolean) => {
    const exporter = new InMemorySpanExporter();
    const inner = [new SimpleSpanProcessor(exporter)];
    const processor = sampling ? new lib.TailSamplingProcessor({ processors: inner, sampleRate: 0, keepRuns: () => keep }) : undefined;
    const provider = new NodeTracerProvider({ ...(processor ? { sampler: processor.sampler } : {}), spanProcessors: processor ? [processor] : inner });
    const tracer = provider.getTracer("bench");
    const run = () => {
      const root = tracer.startSpan("text2query", { attributes: { "gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": "text2query", "langfuse.observation.type": "agent" } });
      const ctx = trace.setSpan(context.active(), root);
      for (let i = 0; i < 9; i++) {
        const child = tracer.startSpan(`node ${i}`, { attributes: { "workflow.stage": "generation", langgraph_node: `node_${i}`, "gen_ai.usage.input_tokens": 900, "gen_ai.usage.output_tokens": 48, "langfuse.observation.input": "x".repeat(200) } }, ctx);
        child.end();
      }
      root.setAttribute("workflow.outcome", "success");
      root.end();
    };
    return { name, exporter, run };
  };
  const modes = [make("none", false, false), make("kept", true, true), make("dropped", true, false)];
  const times = new Map(modes.map((m) => [m.name, [] as number[]]));
  const batch = 20;
  for (let i = 0; i < iterations; i++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(i + k) % modes.length]!;
      const start = performance.now();
      for (let b = 0; b < batch; b++) mode.run();
      times.get(mode.name)!.push(((performance.now() - start) * 1000) / batch);
    }
    if (i % 20 === 0) for (const m of modes) m.exporter.reset();
  }
  const none = times.get("none")!;
  console.log(`span level (10-span trace, ${iterations} paired batches of ${batch}): none median ${median(none).toFixed(1)} µs/trace`);
  for (const name of ["kept", "dropped"]) {
    const diffs = times.get(name)!.map((v, i) => v - none[i]!);
    console.log(`  ${name}: median ${median(times.get(name)!).toFixed(1)} µs/trace; paired difference vs none: median ${median(diffs).toFixed(1)} µs`);
  }
}

async function main(): Promise<void> {
  const [warmup = "200", iterations = "1500"] = process.argv.slice(2);
  await perTrace(2000);
  await perRun(Number(warmup), Number(iterations));
  for (let round = 0; round < 2; round++) {
    // (Comparing whole heaps with and without sampling drowns in LangGraph's own ~55 MiB per 1,000 open runs.)
    const sampled = await openRuns(1000, true);
    console.log(
      `1,000 open runs, round ${round + 1}: heap ${mib(sampled.heap)} MiB in all; freed when the processor lets go of its waiting spans: ${mib(sampled.held!)} MiB; its estimate: ${sampled.waiting!.spans} spans, ${mib(sampled.waiting!.bytes)} MiB`,
    );
  }
}

await main();
