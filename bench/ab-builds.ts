/**
 * Before/after: builds of the tracer (AB_BUILDS, comma-separated paths of a checkout's dist/index.js), each
 * measured against an empty handler and `@langfuse/langchain`'s handler taking turns run by run in one process
 * (spans + metrics, in-memory SDK pipeline, the bench graph); prints each build's paired median over the empty
 * handler and its ratio to Langfuse's, by wall clock and by the process's CPU time, and the same ratio for
 * bench/floor-handler.ts (the same spans and nothing else: what the SDK and LangChain's dispatch cost).
 *
 * Each build gets a process of its own, and the builds alternate round by round: two builds in one process
 * share the SDK's and LangChain's compiled code, and the one loaded second measured 0.1–0.2 of Langfuse's cost
 * worse than itself alone (the same build loaded twice showed it). A machine shared with other work moves the
 * wall clock most; CPU time less.
 *
 * `node --import tsx bench/ab-builds.ts [warmup] [iterations] [rounds]` after building each checkout (a
 * `git worktree` of the older commit, its node_modules linked to this one's, then `npx tsup` there).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [warmup = 200, iterations = 1000, rounds = 3] = process.argv.slice(2).map(Number);
/** The span pipeline: `simple` (SimpleSpanProcessor, the bench's default) or `batch` (BatchSpanProcessor, what setupTelemetry and Langfuse's span processor run). */
const pipeline = process.env.AB_PIPELINE ?? "simple";
const builds = (process.env.AB_BUILDS ?? fileURLToPath(new URL("../dist/index.js", import.meta.url))).split(",").filter(Boolean);

if (process.env.AB_CHILD !== undefined) {
  await measure(process.env.AB_CHILD);
} else {
  console.log(`node ${process.version}; ${rounds} rounds × ${iterations} runs (after ${warmup}) per build, each build in its own process`);
  const results = builds.map(() => ({ wall: [] as number[], cpu: [] as number[], over: [] as number[] }));
  const floor = { wall: [] as number[], cpu: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    // Alternate the order too, so neither build always runs first in a round.
    const order = builds.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(warmup), String(iterations)], { env: { ...process.env, AB_CHILD: builds[i] }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      const line = child.stdout.trim().split("\n").pop() ?? "";
      if (child.status !== 0 || !line.startsWith("{")) throw new Error(`build ${builds[i]} failed:\n${child.stdout}`);
      const m = JSON.parse(line) as { wall: number; cpu: number; overUs: number; floorWall: number; floorCpu: number };
      floor.wall.push(m.floorWall);
      floor.cpu.push(m.floorCpu);
      results[i]!.wall.push(m.wall);
      results[i]!.cpu.push(m.cpu);
      results[i]!.over.push(m.overUs);
      console.log(`round ${r + 1} build${i}: over empty ${m.overUs.toFixed(0)} µs; ÷ langfuse wall ${m.wall.toFixed(3)}, cpu ${m.cpu.toFixed(3)} (floor handler in the same process: wall ${m.floorWall.toFixed(3)}, cpu ${m.floorCpu.toFixed(3)})`);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;
  console.log(`floor handler (bench/floor-handler.ts): ÷ langfuse wall median ${med(floor.wall).toFixed(3)} (${range(floor.wall)}), cpu median ${med(floor.cpu).toFixed(3)} (${range(floor.cpu)})`);
  for (const [i, b] of builds.entries()) {
    const r = results[i]!;
    console.log(`build${i} ${b}: ÷ langfuse wall median ${med(r.wall).toFixed(3)} (${range(r.wall)}), cpu median ${med(r.cpu).toFixed(3)} (${range(r.cpu)}); over empty ${med(r.over).toFixed(0)} µs`);
  }
}

/** One process: the empty handler, the build and Langfuse's handler, run by run in turns. */
async function measure(build: string): Promise<void> {
  const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
  const { BaseCallbackHandler } = await import("@langchain/core/callbacks/base");
  const { context } = await import("@opentelemetry/api");
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
  const { setImmediate: turn } = await import("node:timers/promises");
  const { Registry } = await import("prom-client");
  const { BENCH_INPUT, benchConfig, buildBenchGraph } = await import("./graph.js");

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  class Empty extends BaseCallbackHandler {
    name = "Empty";
    constructor() {
      super();
      this.awaitHandlers = true;
    }
  }
  const graph = buildBenchGraph({ kind: "plain" });
  type Exporter = InstanceType<typeof InMemorySpanExporter>;
  type Provider = InstanceType<typeof BasicTracerProvider>;
  const modes: Array<{ exporter: Exporter; callbacks: unknown[] }> = [];
  const mk = (cb: (p: Provider) => unknown[]) => {
    const exporter = new InMemorySpanExporter();
    const processor = pipeline === "batch" ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter);
    const p = new BasicTracerProvider({ spanProcessors: [processor] });
    modes.push({ exporter, callbacks: cb(p) });
  };
  mk(() => [new Empty()]);
  const { FloorHandler } = await import("./floor-handler.js");
  mk((p) => [new FloorHandler(p.getTracer("floor"))]);
  const lib = await import(build);
  mk((p) => [new lib.WorkflowTracer({ tracerProvider: p, metrics: new lib.WorkflowMetrics({ registry: new Registry() }) })]);
  const { setLangfuseTracerProvider } = await import("@langfuse/tracing");
  const { CallbackHandler } = await import("@langfuse/langchain");
  mk((p) => {
    setLangfuseTracerProvider(p);
    return [new CallbackHandler()];
  });

  const wall = modes.map(() => [] as number[]);
  const cpu = modes.map(() => [] as number[]);
  for (let i = -warmup; i < iterations; i++) {
    for (let k = 0; k < modes.length; k++) {
      const m = (i + warmup + k) % modes.length;
      const mode = modes[m]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await graph.invoke(BENCH_INPUT, benchConfig(mode.callbacks as never));
      await awaitAllCallbacks();
      const dt = performance.now() - t0;
      const dc = process.cpuUsage(c0);
      if (i >= 0) {
        wall[m]!.push(dt * 1000);
        cpu[m]!.push(dc.user + dc.system);
      }
      await turn();
    }
    if ((i + warmup + 1) % 100 === 0) for (const mode of modes) mode.exporter.reset();
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const over = (xs: number[][], m: number) => med(xs[m]!.map((v, i) => v - xs[0]![i]!));
  // Modes: 0 empty, 1 floor, 2 the build, 3 Langfuse.
  console.log(JSON.stringify({ wall: over(wall, 2) / over(wall, 3), cpu: over(cpu, 2) / over(cpu, 3), overUs: over(wall, 2), floorWall: over(wall, 1) / over(wall, 3), floorCpu: over(cpu, 1) / over(cpu, 3) }));
}
