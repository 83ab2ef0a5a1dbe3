import type { Counter, Gauge, Histogram, LabelValues } from "prom-client";

/**
 * One labelled series of a prom-client counter or histogram, for the hot path.
 *
 * prom-client's `inc(labels, n)` and `observe(labels, v)` rebuild the label hash and re-validate the labels
 * on every call, and a histogram finds its bucket by a number key (a number → string conversion per call).
 * A series resolves its label set once, then adds numbers straight into the entry prom-client renders (its
 * `hashMap`). When that entry is gone (the registry was reset) the next call goes through the public API and
 * resolves again; if prom-client's storage is not what we expect, every call goes through the public API.
 */
abstract class Series<E> {
  private entry: E | undefined = undefined;
  private key = "";
  constructor(
    private readonly metric: object,
    protected readonly labels: LabelValues<string>,
    /** False: public API only (a series that is not kept, or whose entry was not in the expected shape). */
    private direct: boolean,
  ) {}

  /** The entry to add into, or undefined when the caller must go through the public API. */
  protected current(): E | undefined {
    const entry = this.entry;
    if (entry !== undefined && (this.metric as { hashMap?: Record<string, E> }).hashMap?.[this.key] === entry) return entry;
    return undefined;
  }

  /** After a public API call: find the entry it wrote, to add into directly next time. */
  protected resolve(): void {
    if (!this.direct) return;
    this.entry = undefined;
    const map = (this.metric as { hashMap?: Record<string, E> }).hashMap;
    if (map !== null && typeof map === "object") {
      for (const key in map) {
        const entry = map[key] as E;
        if (sameLabels((entry as { labels?: unknown }).labels, this.labels)) {
          if (this.valid(entry)) {
            this.entry = entry;
            this.key = key;
            return;
          }
          break;
        }
      }
    }
    this.direct = false;
  }

  protected abstract valid(entry: E): boolean;
}

function sameLabels(a: unknown, b: LabelValues<string>): boolean {
  if (a === null || typeof a !== "object") return false;
  const labels = a as Record<string, unknown>;
  let n = 0;
  for (const name in b) {
    if (labels[name] !== b[name]) return false;
    n++;
  }
  return Object.keys(labels).length === n;
}

interface CounterEntry {
  value: number;
}

export class CounterSeries extends Series<CounterEntry> {
  constructor(
    private readonly counter: Counter<string>,
    labels: LabelValues<string>,
    /** False for a one-off series (not cached by the caller): no lookup of prom-client's entry. */
    direct = true,
  ) {
    super(counter, labels, direct);
  }

  /** Add `n` (> 0, finite; callers check). */
  inc(n: number): void {
    const entry = this.current();
    if (entry !== undefined) {
      entry.value += n;
      return;
    }
    this.counter.inc(this.labels, n);
    this.resolve();
  }

  protected valid(entry: CounterEntry): boolean {
    return typeof entry.value === "number";
  }
}

/** A gauge's series: prom-client's `inc(labels, n)` hashes its labels every call (`active_queries`, twice a run). */
export class GaugeSeries extends Series<CounterEntry> {
  constructor(
    private readonly gauge: Gauge<string>,
    labels: LabelValues<string>,
  ) {
    super(gauge, labels, true);
  }

  /** Add `n` (finite, either sign). */
  add(n: number): void {
    const entry = this.current();
    if (entry !== undefined) {
      entry.value += n;
      return;
    }
    this.gauge.inc(this.labels, n);
    this.resolve();
  }

  protected valid(entry: CounterEntry): boolean {
    return typeof entry.value === "number";
  }
}

interface HistogramEntry {
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
}

export class HistogramSeries extends Series<HistogramEntry> {
  /** prom-client keys buckets by `String(upperBound)`; the keys are made once here. */
  private readonly keys: string[];

  constructor(
    private readonly histogram: Histogram<string>,
    labels: LabelValues<string>,
    /** The histogram's buckets, in the order it was given them. */
    private readonly bounds: readonly number[],
    /** False for a one-off series (not cached by the caller): no lookup of prom-client's entry. */
    direct = true,
  ) {
    super(histogram, labels, direct);
    this.keys = bounds.map(String);
  }

  /** Observe a finite value (callers check; prom-client would throw). */
  observe(value: number): void {
    const entry = this.current();
    if (entry !== undefined) {
      entry.sum += value;
      entry.count += 1;
      // Cumulative counts are computed at render time: one bucket (the first bound ≥ value) is incremented.
      const bounds = this.bounds;
      for (let i = 0; i < bounds.length; i++) {
        if (value <= (bounds[i] as number)) {
          entry.bucketValues[this.keys[i] as string]! += 1;
          break;
        }
      }
      return;
    }
    this.histogram.observe(this.labels, value);
    this.resolve();
  }

  protected valid(entry: HistogramEntry): boolean {
    if (typeof entry.sum !== "number" || typeof entry.count !== "number" || entry.bucketValues === null || typeof entry.bucketValues !== "object") return false;
    // Exactly our bounds, or counts would land in the wrong buckets.
    if (Object.keys(entry.bucketValues).length !== this.keys.length) return false;
    for (const key of this.keys) if (typeof entry.bucketValues[key] !== "number") return false;
    return true;
  }
}
