/** Turns the per-round results of the overhead matrix into per-mode rows and the target verdicts. */
import { median, type ChildResult, type PairedResult } from "./stats.js";

export interface Range {
  /** Median over rounds. */
  value: number;
  min: number;
  max: number;
}

export interface Overheads {
  /** Per-run time, ms: median over rounds of each round's value (min/max over rounds). */
  ms: Range;
  /** Paired with bare / the empty handler in the same round: difference in µs and ratio. */
  overBareUs: Range | undefined;
  overBareRatio: number | undefined;
  overEmptyUs: Range | undefined;
  overEmptyRatio: number | undefined;
}

export interface ModeRow {
  mode: string;
  rounds: number;
  /** Per-run time, ms: median over rounds of each round's mean (min/max over rounds). */
  meanMs: Range;
  /** The same figures on process CPU time instead of wall-clock time. */
  cpu: Overheads;
  /** Median over rounds of each round's per-run median and p99. */
  p50Ms: number;
  p99Ms: number;
  /** Paired with bare / the empty handler in the same round: difference in µs and ratio. */
  overBareUs: Range | undefined;
  overBareRatio: number | undefined;
  overEmptyUs: Range | undefined;
  overEmptyRatio: number | undefined;
  spansPerRun: number;
  tracesPerRun: number;
  spanNames: string[];
  heapAfterMiB: number;
  heapGrowthMiB: number;
  health: Record<string, number>;
}

function range(values: number[]): Range | undefined {
  if (values.length === 0) return undefined;
  return { value: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Wall-clock mean per run, or process CPU time per run (robust to other processes taking the cores). */
export type Metric = "meanMs" | "cpuMsPerRun";

/** Per-round differences `mode − base` (ms), only for rounds where both ran. */
export function pairedDiffsOf(rounds: Record<string, ChildResult>[], mode: string, base: string, metric: Metric = "meanMs"): number[] {
  const out: number[] = [];
  for (const round of rounds) {
    const a = round[mode];
    const b = round[base];
    if (a !== undefined && b !== undefined) out.push(a[metric] - b[metric]);
  }
  return out;
}

function pairedRatios(rounds: Record<string, ChildResult>[], mode: string, base: string, metric: Metric): number[] {
  const out: number[] = [];
  for (const round of rounds) {
    const a = round[mode];
    const b = round[base];
    if (a !== undefined && b !== undefined) out.push(a[metric] / b[metric]);
  }
  return out;
}

const MiB = 1024 * 1024;

function overheads(rounds: Record<string, ChildResult>[], results: ChildResult[], mode: string, metric: Metric): Overheads {
  const toUs = (ms: number[]) => ms.map((v) => v * 1000);
  const overBare = mode === "bare" ? undefined : range(toUs(pairedDiffsOf(rounds, mode, "bare", metric)));
  const overEmpty = mode === "bare" || mode === "empty-handler" ? undefined : range(toUs(pairedDiffsOf(rounds, mode, "empty-handler", metric)));
  const bareRatios = pairedRatios(rounds, mode, "bare", metric);
  const emptyRatios = pairedRatios(rounds, mode, "empty-handler", metric);
  return {
    ms: range(results.map((r) => r[metric])) as Range,
    overBareUs: overBare,
    overBareRatio: overBare !== undefined && bareRatios.length > 0 ? median(bareRatios) : undefined,
    overEmptyUs: overEmpty,
    overEmptyRatio: overEmpty !== undefined && emptyRatios.length > 0 ? median(emptyRatios) : undefined,
  };
}

export function aggregate(rounds: Record<string, ChildResult>[], modes: readonly string[]): ModeRow[] {
  const rows: ModeRow[] = [];
  for (const mode of modes) {
    const results = rounds.map((r) => r[mode]).filter((r): r is ChildResult => r !== undefined);
    if (results.length === 0) continue;
    const health: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.health)) health[k] = Math.max(health[k] ?? 0, v);
    const wall = overheads(rounds, results, mode, "meanMs");
    rows.push({
      mode,
      rounds: results.length,
      meanMs: wall.ms,
      cpu: overheads(rounds, results, mode, "cpuMsPerRun"),
      p50Ms: median(results.map((r) => r.medianMs)),
      p99Ms: median(results.map((r) => r.p99Ms)),
      overBareUs: wall.overBareUs,
      overBareRatio: wall.overBareRatio,
      overEmptyUs: wall.overEmptyUs,
      overEmptyRatio: wall.overEmptyRatio,
      spansPerRun: median(results.map((r) => r.spansPerRun)),
      tracesPerRun: median(results.map((r) => r.firstRunTraces)),
      spanNames: results[0]?.spanNames ?? [],
      heapAfterMiB: median(results.map((r) => r.heapAfterBytes)) / MiB,
      heapGrowthMiB: median(results.map((r) => r.heapAfterBytes - r.heapBeforeBytes)) / MiB,
      health,
    });
  }
  return rows;
}

export interface Verdict {
  id: string;
  title: string;
  /** What was compared, in words and µs. */
  detail: string;
  ratio: number;
  limit: number;
  /** Undefined when the denominator is not positive: the noise was larger than the effect measured. */
  pass: boolean | undefined;
  /** The same ratio computed round by round (noise indicator). */
  perRound: number[];
}

function perRoundRatios(nums: number[], dens: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(nums.length, dens.length); i++) out.push((nums[i] as number) / (dens[i] as number));
  return out;
}

const us = (ms: number) => `${Math.round(ms * 1000)} µs`;

/**
 * The targets. Each ratio is the median over rounds of the paired numerator difference divided by
 * the median of the paired denominator difference (robust to one noisy round, unlike a median of ratios).
 */
export function verdicts(rounds: Record<string, ChildResult>[], modes: readonly string[], metric: Metric = "meanMs"): Verdict[] {
  const has = (m: string) => modes.includes(m);
  const out: Verdict[] = [];
  const tag = metric === "meanMs" ? "wall" : "CPU";
  const diff = (mode: string, base: string) => pairedDiffsOf(rounds, mode, base, metric);
  if (has("spans+metrics") && has("langfuse") && has("empty-handler")) {
    const ours = diff("spans+metrics", "empty-handler");
    const lf = diff("langfuse", "empty-handler");
    const ratio = median(ours) / median(lf);
    out.push({
      id: `T1 (${tag})`,
      title: "spans+metrics: our cost above the empty handler ≤ 1/3 of Langfuse's cost above it",
      detail: `ours ${us(median(ours))} vs Langfuse ${us(median(lf))} above the empty handler`,
      ratio,
      limit: 1 / 3,
      pass: median(lf) > 0 ? ratio <= 1 / 3 : undefined,
      perRound: perRoundRatios(ours, lf),
    });
  }
  if (has("otel-manual") && has("bare")) {
    const floor = diff("otel-manual", "bare");
    for (const mode of ["spans+metrics", "spans", "spans+metrics+traceNode"]) {
      if (!has(mode)) continue;
      const strict = diff(mode, "bare");
      const r1 = median(strict) / median(floor);
      out.push({
        id: `T2 ${mode} over bare (${tag})`,
        title: `${mode}: our overhead over bare ≤ 2 × the hand-written OTel floor's overhead over bare`,
        detail: `ours ${us(median(strict))} vs floor ${us(median(floor))} over bare`,
        ratio: r1,
        limit: 2,
        pass: median(floor) > 0 ? r1 <= 2 : undefined,
        perRound: perRoundRatios(strict, floor),
      });
      if (has("empty-handler")) {
        const net = diff(mode, "empty-handler");
        const r2 = median(net) / median(floor);
        out.push({
          id: `T2 ${mode} net of handler (${tag})`,
          title: `${mode}: our cost above the empty handler ≤ 2 × the floor's overhead over bare`,
          detail: `ours ${us(median(net))} above the empty handler vs floor ${us(median(floor))} over bare`,
          ratio: r2,
          limit: 2,
          pass: median(floor) > 0 ? r2 <= 2 : undefined,
          perRound: perRoundRatios(net, floor),
        });
      }
    }
  }
  return out;
}

/** The same targets from the one-process comparison (bench/paired.ts): one paired median per difference. */
export function pairedVerdicts(paired: PairedResult): Verdict[] {
  const row = (m: string) => paired.modes.find((r) => r.mode === m);
  const out: Verdict[] = [];
  const lf = row("langfuse");
  const floor = row("otel-manual");
  const ours = row("spans+metrics");
  const tag = "one process";
  if (ours !== undefined && lf !== undefined && Number.isFinite(lf.overEmptyUs) && Number.isFinite(ours.overEmptyUs)) {
    const ratio = ours.overEmptyUs / lf.overEmptyUs;
    out.push({
      id: `T1 (${tag})`,
      title: "spans+metrics: our cost above the empty handler ≤ 1/3 of Langfuse's cost above it",
      detail: `ours ${Math.round(ours.overEmptyUs)} µs vs Langfuse ${Math.round(lf.overEmptyUs)} µs above the empty handler`,
      ratio,
      limit: 1 / 3,
      pass: lf.overEmptyUs > 0 ? ratio <= 1 / 3 : undefined,
      perRound: [],
    });
  }
  if (floor !== undefined && Number.isFinite(floor.overBareUs)) {
    for (const mode of ["spans+metrics", "spans", "spans+metrics+traceNode"]) {
      const r = row(mode);
      if (r === undefined) continue;
      const strict = r.overBareUs / floor.overBareUs;
      out.push({
        id: `T2 ${mode} over bare (${tag})`,
        title: `${mode}: our overhead over bare ≤ 2 × the hand-written OTel floor's overhead over bare`,
        detail: `ours ${Math.round(r.overBareUs)} µs vs floor ${Math.round(floor.overBareUs)} µs over bare`,
        ratio: strict,
        limit: 2,
        pass: floor.overBareUs > 0 ? strict <= 2 : undefined,
        perRound: [],
      });
      if (Number.isFinite(r.overEmptyUs)) {
        const net = r.overEmptyUs / floor.overBareUs;
        out.push({
          id: `T2 ${mode} net of handler (${tag})`,
          title: `${mode}: our cost above the empty handler ≤ 2 × the floor's overhead over bare`,
          detail: `ours ${Math.round(r.overEmptyUs)} µs above the empty handler vs floor ${Math.round(floor.overBareUs)} µs over bare`,
          ratio: net,
          limit: 2,
          pass: floor.overBareUs > 0 ? net <= 2 : undefined,
          perRound: [],
        });
      }
    }
  }
  return out;
}
