/**
 * One benchmark process: one mode, warm-up, then N timed sequential workflow runs.
 * Run by bench/run.ts as `node --expose-gc --import tsx bench/child.ts <mode> <warmup> <runs> <clearEvery>`;
 * prints its result as bench/process.ts says.
 */
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";
import { checkResult } from "./graph.js";
import { isMode } from "./mode-names.js";
import { setupMode } from "./modes.js";
import { benchProcess } from "./process.js";
import { gcHeap, summarize, type ChildResult } from "./stats.js";

async function main(): Promise<unknown> {
  const [name = "", warmupArg = "300", runsArg = "2000", clearArg = "100"] = process.argv.slice(2);
  if (!isMode(name)) throw new Error(`unknown mode ${JSON.stringify(name)}`);
  const warmup = Number(warmupArg);
  const runs = Number(runsArg);
  const clearEvery = Number(clearArg);

  const mode = await setupMode(name);
  const { exporter } = mode;

  // One checked run: the workflow took the expected path, and what this mode exported for it.
  checkResult(await mode.run());
  const first = exporter.getFinishedSpans();
  const spanNames = first.map((s) => s.name);
  const traces = new Set(first.map((s) => s.spanContext().traceId)).size;
  exporter.reset();

  for (let i = 0; i < warmup; i++) {
    await mode.run();
    await turn();
    if ((i + 1) % clearEvery === 0) exporter.reset();
  }
  exporter.reset();
  const heapBefore = gcHeap();

  const samples = new Float64Array(runs);
  let spans = 0;
  let last: unknown;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await mode.run();
    samples[i] = performance.now() - t0;
    // A turn of the event loop between runs, as between a server's requests (untimed; LangGraph's invoke
    // itself runs on microtasks only, so timers and I/O of exporters would otherwise never run).
    await turn();
    if ((i + 1) % clearEvery === 0) {
      spans += exporter.getFinishedSpans().length;
      exporter.reset();
    }
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  spans += exporter.getFinishedSpans().length;
  exporter.reset();
  checkResult(last);
  const heapAfter = gcHeap();

  const result: ChildResult = {
    mode: name,
    runs,
    warmup,
    wallMs,
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / runs,
    ...summarize(samples),
    spansPerRun: spans / runs,
    firstRunSpans: spanNames.length,
    firstRunTraces: traces,
    spanNames,
    heapBeforeBytes: heapBefore,
    heapAfterBytes: heapAfter,
    health: mode.health(),
  };
  await mode.shutdown();
  return result;
}

benchProcess(main);
