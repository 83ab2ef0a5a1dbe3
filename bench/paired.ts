/**
 * The overhead measured a second way: several modes in ONE process, taking turns run by run (order rotated
 * every iteration), so machine noise (other tenants, CPU frequency, a GC of another process) falls on all of
 * them alike and each run is compared with its neighbours of the same iteration.
 *
 * Only modes that patch nothing global can share a process: OpenInference and OpenLLMetry instrument
 * LangChain's CallbackManager for the whole process, so they are measured in their own processes only.
 *
 * Run by bench/run.ts as `node --expose-gc --import tsx bench/paired.ts <modes,...> <warmup> <iterations> <clearEvery>`;
 * prints its result as bench/process.ts says.
 */
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";
import { checkResult } from "./graph.js";
import { isMode, PAIRABLE, type ModeName } from "./mode-names.js";
import { setupMode, type BenchMode } from "./modes.js";
import { benchProcess } from "./process.js";
import { median, type PairedResult } from "./stats.js";

async function main(): Promise<PairedResult> {
  const [list = "", warmupArg = "100", iterationsArg = "600", clearArg = "100"] = process.argv.slice(2);
  const names = list.split(",").filter(Boolean);
  for (const name of names) if (!isMode(name) || !PAIRABLE.includes(name)) throw new Error(`mode ${JSON.stringify(name)} cannot share a process`);
  const warmup = Number(warmupArg);
  const iterations = Number(iterationsArg);
  const clearEvery = Number(clearArg);

  const modes: BenchMode[] = [];
  for (const name of names as ModeName[]) modes.push(await setupMode(name));
  for (const mode of modes) checkResult(await mode.run());

  const samples = names.map(() => new Float64Array(iterations));
  for (let i = -warmup; i < iterations; i++) {
    for (let k = 0; k < modes.length; k++) {
      const m = (i + warmup + k) % modes.length;
      const mode = modes[m] as BenchMode;
      const t0 = performance.now();
      await mode.run();
      const elapsed = performance.now() - t0;
      if (i >= 0) (samples[m] as Float64Array)[i] = elapsed;
      await turn();
    }
    if ((i + warmup + 1) % clearEvery === 0) for (const mode of modes) mode.exporter.reset();
  }

  const index = (name: string) => names.indexOf(name);
  /** Per iteration, this mode's run minus the base's run of the same iteration; the median of those. */
  const pairedMedianMs = (name: string, base: string): number | undefined => {
    const a = samples[index(name)];
    const b = samples[index(base)];
    if (a === undefined || b === undefined || name === base) return undefined;
    const diffs: number[] = [];
    for (let i = 0; i < iterations; i++) diffs.push((a[i] as number) - (b[i] as number));
    return median(diffs);
  };
  const result: PairedResult = {
    iterations,
    warmup,
    modes: names.map((name, i) => ({
      mode: name,
      medianMs: median(Array.from(samples[i] as Float64Array)),
      overBareUs: (pairedMedianMs(name, "bare") ?? Number.NaN) * 1000,
      overEmptyUs: (pairedMedianMs(name, "empty-handler") ?? Number.NaN) * 1000,
      health: (modes[i] as BenchMode).health(),
    })),
  };
  for (const mode of modes) await mode.shutdown();
  return result;
}

benchProcess(main);
