/**
 * Before/after in one process: builds of the tracer (AB_BUILDS, comma-separated paths of a checkout's
 * dist/index.js), an empty handler and `@langfuse/langchain`'s handler take turns run by run on the bench
 * graph (spans + metrics, in-memory SDK pipeline); prints each one's paired median over the empty handler and
 * its ratio to Langfuse's. `node --import tsx bench/ab-builds.ts [warmup] [iterations]` after building both
 * checkouts (a `git worktree` of the older commit, its node_modules linked to this one's).
 */
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";
import { Registry } from "prom-client";
import { BENCH_INPUT, benchConfig, buildBenchGraph } from "./graph.js";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const [warmup = 200, iterations = 1500] = process.argv.slice(2).map(Number);
const builds = (process.env.AB_BUILDS ?? new URL("../dist/index.js", import.meta.url).pathname).split(",");
console.log(`node ${process.version}; builds ${builds.join(" ")}`);
class Empty extends BaseCallbackHandler { name = "Empty"; constructor() { super(); this.awaitHandlers = true; } }
const graph = buildBenchGraph({ kind: "plain" });
interface M { name: string; exporter: InMemorySpanExporter; callbacks: unknown[] }
const modes: M[] = [];
const mk = (name: string, cb: (p: BasicTracerProvider) => unknown[]) => { const exporter = new InMemorySpanExporter(); const p = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }); modes.push({ name, exporter, callbacks: cb(p) }); };
mk("empty", () => [new Empty()]);
for (const [i, b] of builds.entries()) {
  const lib = await import(b);
  mk(`build${i}`, (p) => [new lib.WorkflowTracer({ tracerProvider: p, metrics: new lib.WorkflowMetrics({ registry: new Registry() }) })]);
}
{
  const { setLangfuseTracerProvider } = await import("@langfuse/tracing");
  const { CallbackHandler } = await import("@langfuse/langchain");
  mk("langfuse", (p) => { setLangfuseTracerProvider(p); return [new CallbackHandler()]; });
}
const samples = modes.map(() => [] as number[]);
for (let i = -warmup; i < iterations; i++) {
  for (let k = 0; k < modes.length; k++) {
    const m = (i + warmup + k) % modes.length;
    const mode = modes[m]!;
    const t0 = performance.now();
    await graph.invoke(BENCH_INPUT, benchConfig(mode.callbacks as never));
    await awaitAllCallbacks();
    const dt = performance.now() - t0;
    if (i >= 0) samples[m]!.push(dt);
    await turn();
  }
  if ((i + warmup + 1) % 100 === 0) for (const mode of modes) mode.exporter.reset();
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const over = (m: number) => med(samples[m]!.map((v, i) => v - samples[0]![i]!)) * 1000;
const lf = over(modes.length - 1);
console.log(`empty handler median run ${med(samples[0]!).toFixed(2)} ms`);
for (let m = 1; m < modes.length; m++) console.log(`${modes[m]!.name.padEnd(9)} over empty ${over(m).toFixed(0)} µs  ÷ langfuse ${(over(m) / lf).toFixed(3)}`);
