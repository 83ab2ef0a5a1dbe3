import type { Registry, RegistryContentType } from "prom-client";
import { METRIC_NAMES } from "../metrics/workflow-metrics.js";

/** Cumulative values read from the registry at one instant. */
interface Snapshot {
  t: number;
  runs: number;
  errors: number;
  /** stage → cumulative bucket counts by `le` (ascending), and count. */
  latency: Map<string, { le: number[]; counts: number[] }>;
  tokens: Map<string, number>;
  cost: Map<string, number>;
}

/** Per-interval values between consecutive snapshots, as the console's charts plot them. */
export interface MetricsSeries {
  intervalMs: number;
  /** Epoch ms of each point (the end of its interval). */
  t: number[];
  /** Runs that ended in each interval. */
  runs: number[];
  runsPerMinute: number[];
  /** Share of runs that ended in error or failed, 0 … 1 (0 when no runs). */
  errorRate: number[];
  p50: Record<string, Array<number | null>>;
  p95: Record<string, Array<number | null>>;
  tokensPerMinute: Record<string, number[]>;
  costPerMinute: Record<string, number[]>;
}

type MetricJson = { name: string; values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }> };

/** The q-quantile of a histogram delta, interpolated inside its bucket as histogram_quantile does. */
function quantile(q: number, le: number[], counts: number[]): number | null {
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < le.length; i++) {
    if (counts[i]! >= rank) {
      if (!Number.isFinite(le[i]!)) return i > 0 ? le[i - 1]! : null;
      const lower = i > 0 ? le[i - 1]! : 0;
      const below = i > 0 ? counts[i - 1]! : 0;
      const inBucket = counts[i]! - below;
      return inBucket > 0 ? lower + ((le[i]! - lower) * (rank - below)) / inBucket : le[i]!;
    }
  }
  return null;
}

/**
 * Samples the workflow metrics of a registry every `intervalMs` and keeps the last `points` samples, so the
 * console can chart runs per minute, error rate, p50/p95 by stage, tokens and cost by model over the last
 * minutes without a Prometheus. The timer is unref'd; a sample reads the registry (no I/O).
 */
export class MetricsHistory {
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry<RegistryContentType>,
    private readonly prefix: string,
    readonly intervalMs = 10_000,
    private readonly points = 180,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  async sample(now = Date.now()): Promise<void> {
    try {
      // Only the four metrics charted, not the whole registry (HTTP and process metrics may be large).
      const values = async (name: string) => ((await this.registry.getSingleMetric(this.prefix + name)?.get()) as unknown as MetricJson | undefined)?.values ?? [];
      const [queries, latency, tokens, cost] = await Promise.all([values(METRIC_NAMES.queries), values(METRIC_NAMES.queryLatency), values(METRIC_NAMES.llmTokens), values(METRIC_NAMES.llmCost)]);
      const snapshot: Snapshot = { t: now, runs: 0, errors: 0, latency: new Map(), tokens: new Map(), cost: new Map() };
      for (const v of queries) {
        snapshot.runs += v.value;
        if (v.labels.status === "error" || v.labels.status === "failed") snapshot.errors += v.value;
      }
      for (const v of latency) {
        if (!String(v.metricName ?? "").endsWith("_bucket")) continue;
        const stage = String(v.labels.stage);
        const le = v.labels.le === "+Inf" ? Infinity : Number(v.labels.le);
        let h = snapshot.latency.get(stage);
        if (h === undefined) snapshot.latency.set(stage, (h = { le: [], counts: [] }));
        h.le.push(le);
        h.counts.push(v.value);
      }
      for (const v of tokens) {
        const model = String(v.labels.model);
        snapshot.tokens.set(model, (snapshot.tokens.get(model) ?? 0) + v.value);
      }
      for (const v of cost) snapshot.cost.set(String(v.labels.model), v.value);
      this.snapshots.push(snapshot);
      if (this.snapshots.length > this.points + 1) this.snapshots.shift();
    } catch {
      // a failing collect must not stop the sampler
    }
  }

  series(): MetricsSeries {
    const out: MetricsSeries = { intervalMs: this.intervalMs, t: [], runs: [], runsPerMinute: [], errorRate: [], p50: {}, p95: {}, tokensPerMinute: {}, costPerMinute: {} };
    const stages = new Set<string>();
    const models = new Set<string>();
    for (const s of this.snapshots) {
      for (const k of s.latency.keys()) stages.add(k);
      for (const k of s.tokens.keys()) models.add(k);
      for (const k of s.cost.keys()) models.add(k);
    }
    for (const stage of stages) (out.p50[stage] = []), (out.p95[stage] = []);
    for (const model of models) (out.tokensPerMinute[model] = []), (out.costPerMinute[model] = []);
    for (let i = 1; i < this.snapshots.length; i++) {
      const a = this.snapshots[i - 1]!;
      const b = this.snapshots[i]!;
      const minutes = Math.max(1e-9, (b.t - a.t) / 60_000);
      const runs = b.runs - a.runs;
      out.t.push(b.t);
      out.runs.push(runs);
      out.runsPerMinute.push(runs / minutes);
      out.errorRate.push(runs > 0 ? (b.errors - a.errors) / runs : 0);
      for (const stage of stages) {
        const hb = b.latency.get(stage);
        const ha = a.latency.get(stage);
        const delta = hb ? hb.counts.map((c, j) => c - (ha?.counts[j] ?? 0)) : [];
        out.p50[stage]!.push(hb ? quantile(0.5, hb.le, delta) : null);
        out.p95[stage]!.push(hb ? quantile(0.95, hb.le, delta) : null);
      }
      for (const model of models) {
        out.tokensPerMinute[model]!.push(((b.tokens.get(model) ?? 0) - (a.tokens.get(model) ?? 0)) / minutes);
        out.costPerMinute[model]!.push(((b.cost.get(model) ?? 0) - (a.cost.get(model) ?? 0)) / minutes);
      }
    }
    return out;
  }
}
