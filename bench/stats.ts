/** Small numeric helpers shared by the benchmark processes and the runner. */

export interface SampleSummary {
  /** Per-run time in milliseconds. */
  meanMs: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
}

export interface ChildResult extends SampleSummary {
  mode: string;
  runs: number;
  warmup: number;
  wallMs: number;
  /** CPU time of the whole process (all threads, user + system) over the timed loop, per run. */
  cpuMsPerRun: number;
  spansPerRun: number;
  firstRunSpans: number;
  firstRunTraces: number;
  spanNames: string[];
  heapBeforeBytes: number;
  heapAfterBytes: number;
  health: Record<string, number>;
  /** 1-minute load average when the runner started this process. */
  loadAtStart?: number;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export function summarize(samples: Float64Array): SampleSummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of samples) sum += v;
  return { meanMs: sum / samples.length, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), p99Ms: quantile(sorted, 0.99) };
}

/** Heap used after full collections (the process must run with --expose-gc). */
export function gcHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

export interface HeapSample {
  runs: number;
  /** Heap used after GC. */
  heapBytes: number;
  rssBytes: number;
  activeRuns: number;
  /** OTLP export queue (otlp-down only). */
  queued?: number;
  dropped?: number;
}

export interface ExportCounts {
  sent: number;
  dropped: number;
  queued: number;
}

export interface SustainedResult {
  variant: "discard" | "otlp-down";
  runs: number;
  failures: number;
  wallMs: number;
  msPerRun: number;
  heapStartBytes: number;
  heapEndBytes: number;
  heapMaxBytes: number;
  samples: HeapSample[];
  tracer: { internalErrors: number; activeRuns: number; reapedRuns: number; droppedRuns: number };
  /** Spans started by the tracer over warm-up and runs (sampled ones). */
  spansMade?: number;
  spansExported?: number;
  url?: string;
  exportAtEnd?: ExportCounts;
  exportAfterShutdown?: ExportCounts;
  shutdownMs?: number;
  droppedMetric?: number;
}

export interface ScrapeCase {
  shape: "counter" | "histogram";
  labelValues: number;
  /** Sample lines in the exposition. */
  samples: number;
  bytes: number;
  medianMs: number;
  minMs: number;
  heapBytes: number;
}

export interface ScrapeResult {
  renders: number;
  cases: ScrapeCase[];
}

export interface PairedMode {
  mode: string;
  /** Median per-run time, ms. */
  medianMs: number;
  /** Median over iterations of (this mode's run − bare's / the empty handler's run of the same iteration), µs; NaN for the base itself or when it was not run. */
  overBareUs: number;
  overEmptyUs: number;
  health: Record<string, number>;
}

export interface PairedResult {
  iterations: number;
  warmup: number;
  modes: PairedMode[];
}
