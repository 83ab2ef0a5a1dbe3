import { createTraceState, isSpanContextValid, trace, TraceFlags, type Attributes, type Context, type Link, type SpanContext, type SpanKind } from "@opentelemetry/api";
import type { ReadableSpan, Sampler, SamplingResult, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { TailSamplingState, Workflow } from "../attributes.js";
import { Faults } from "../faults.js";
import { isWorkflowSpan, keptByRatio, resolveTailSampling, spanBytes, type ResolvedTailSampling, type TailSamplingOptions } from "./tail-sampling.js";
import { TELEMETRY_PARTS } from "../shared/sink.js";
import { RecentMap } from "../shared/recent.js";

/** What the sampling processor has decided so far, and what it holds. */
export interface TailSamplingStats {
  /** Traces kept: by ratio, because upstream sampled them, or for the outcome of one of their runs. */
  kept: { ratio: number; upstream: number; outcome: number };
  /** Traces dropped: by ratio at their root's end, or early: past the memory cap, open past the TTL, or at shutdown. */
  dropped: { ratio: number; overflow: number; expired: number; shutdown: number };
  /** Spans of dropped traces (never exported). */
  droppedSpans: number;
  /** Traces whose root is still open and whose fate is not known yet, and what they hold. */
  waiting: { traces: number; spans: number; bytes: number };
  /** Our own errors and those of the wrapped processors, swallowed. */
  faults: number;
}

/** A trace the ratio would drop, waiting for its local root to end. */
interface WaitingTrace {
  traceId: string;
  spans: ReadableSpan[];
  bytes: number;
  /** Local roots of the trace in this process still open. */
  roots: number;
  openedAt: number;
  /** A span of stage `correction` ended in it. */
  corrected: boolean;
}

/** A kept trace whose local root is still open. */
interface OpenTrace {
  roots: number;
  openedAt: number;
}

/** Decisions remembered after a trace's root ended, for spans that end later (detached work). */
const MAX_DECIDED = 10_000;

const isLocalRoot = (span: { parentSpanContext?: { isRemote?: boolean } | undefined }) => span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;

/**
 * Outcome-aware tail sampling, in this process: every span of a trace waits until the trace's local root
 * ends; then the trace is kept whole or dropped whole. Kept are traces the ratio keeps (`sampleRate`, by trace
 * id), traces sampled upstream (a remote parent with the sampled flag), and traces with a run `keepRuns`
 * keeps (by default: not `success`, corrected, or slow). Traces the ratio keeps are never held: their spans
 * pass straight through.
 *
 * Wraps the processors kept spans go to. They see `onStart` of every span (so attributes set at start are
 * there); spans of dropped traces reach their `onEnd` without the sampled flag, as any recorded-but-unsampled
 * span, so they release per-span state and export nothing.
 *
 * Memory is bounded (`maxWaitingSpans`, `maxWaitingBytes`: past them the oldest waiting traces are dropped)
 * and nothing waits on I/O: holding a span is a reference to the already ended span.
 */
export class TailSamplingProcessor implements SpanProcessor {
  /**
   * A parent-based sampler to use with this processor (`NodeSDK({ sampler })`): it records every new trace
   * (the processor decides later), follows upstream decisions, and marks traces the ratio would drop as
   * pending in `tracestate`, so the tracer puts no exemplar on them.
   */
  readonly sampler: Sampler;
  private readonly o: ResolvedTailSampling;
  private readonly processors: SpanProcessor[];
  private readonly waiting = new Map<string, WaitingTrace>();
  private readonly open = new Map<string, OpenTrace>();
  private readonly decided = new RecentMap<string, boolean>(MAX_DECIDED);
  private waitingSpans = 0;
  private waitingBytes = 0;
  private readonly counts: Omit<TailSamplingStats, "waiting" | "faults"> = {
    kept: { ratio: 0, upstream: 0, outcome: 0 },
    dropped: { ratio: 0, overflow: 0, expired: 0, shutdown: 0 },
    droppedSpans: 0,
  };
  private readonly faults: Faults;
  private timer: ReturnType<typeof setInterval> | undefined = undefined;
  private closed = false;

  constructor(options: TailSamplingOptions) {
    this.o = resolveTailSampling(options);
    this.processors = [...this.o.processors];
    this.sampler = new PendingMarkSampler(this.o.sampleRate);
    const metrics = this.o.metrics;
    this.faults = new Faults("tail sampling", metrics ? () => metrics[TELEMETRY_PARTS].sink.internalError() : undefined);
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      if (isLocalRoot(span)) this.rootStarted(span);
    } catch (error) {
      this.faults.record("onStart", error);
    }
    for (const p of this.processors) {
      try {
        p.onStart(span, parentContext);
      } catch (error) {
        this.faults.record("a wrapped processor's onStart", error);
      }
    }
  }

  onEnd(span: ReadableSpan): void {
    try {
      const traceId = span.spanContext().traceId;
      const waiting = this.waiting.get(traceId);
      if (waiting !== undefined) return this.hold(waiting, span);
      const open = this.open.get(traceId);
      if (open !== undefined) {
        if (isLocalRoot(span) && --open.roots <= 0) {
          this.open.delete(traceId);
          this.remember(traceId, true);
        }
        return this.forward(span);
      }
      const decided = this.decided.get(traceId);
      if (decided ?? keptByRatio(traceId, this.o.sampleRate)) {
        if (decided === undefined && isLocalRoot(span)) this.count(true, "ratio");
        return this.forward(span);
      }
      // A late span of a dropped trace (or one forgotten): dropped with it.
      this.counts.droppedSpans++;
      this.discard(span);
    } catch (error) {
      this.faults.record("onEnd", error);
    }
  }

  /** Delivers every ended span of decided traces; spans of traces whose root is still open keep waiting. */
  async forceFlush(): Promise<void> {
    this.expire(performance.now());
    await Promise.all(this.processors.map((p) => p.forceFlush().catch((error: unknown) => this.faults.record("a wrapped processor's forceFlush", error))));
  }

  /** Drops what still waits (its root never ended: its outcome is unknown; counted), then shuts the processors down. */
  async shutdown(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      for (const waiting of [...this.waiting.values()]) this.release(waiting, false, "shutdown");
    }
    await Promise.all(this.processors.map((p) => p.shutdown().catch((error: unknown) => this.faults.record("a wrapped processor's shutdown", error))));
  }

  stats(): TailSamplingStats {
    const c = this.counts;
    return {
      kept: { ...c.kept },
      dropped: { ...c.dropped },
      droppedSpans: c.droppedSpans,
      waiting: { traces: this.waiting.size, spans: this.waitingSpans, bytes: this.waitingBytes },
      faults: this.faults.count,
    };
  }

  // ---------------------------------------------------------------- decisions

  private rootStarted(span: Span): void {
    const { traceId } = span.spanContext();
    const parent = span.parentSpanContext;
    const now = performance.now();
    if (parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) !== 0) {
      // Sampled upstream: kept whole, whatever happens here.
      const open = this.open.get(traceId);
      if (open !== undefined) open.roots++;
      else if (this.waiting.has(traceId)) this.waiting.get(traceId)!.roots++;
      else {
        this.open.set(traceId, { roots: 1, openedAt: now });
        this.count(true, "upstream");
        this.armExpiry();
      }
    } else if (!keptByRatio(traceId, this.o.sampleRate) && !this.decided.has(traceId) && !this.open.has(traceId)) {
      const waiting = this.waiting.get(traceId);
      if (waiting !== undefined) waiting.roots++;
      else this.waiting.set(traceId, { traceId, spans: [], bytes: 0, roots: 1, openedAt: now, corrected: false });
      this.armExpiry();
    }
  }

  /** A span of a waiting trace: held; decided when a run in it is to be kept, or when its local root ends. */
  private hold(waiting: WaitingTrace, span: ReadableSpan): void {
    const bytes = spanBytes(span);
    waiting.spans.push(span);
    waiting.bytes += bytes;
    this.waitingSpans++;
    this.waitingBytes += bytes;
    if (span.attributes[Workflow.STAGE] === "correction") waiting.corrected = true;
    const root = isLocalRoot(span);
    if (root) waiting.roots--;
    if (isWorkflowSpan(span) && this.keeps(span, waiting)) {
      this.release(waiting, true, "outcome");
    } else if (root && waiting.roots <= 0) {
      this.release(waiting, false, "ratio");
    } else if (this.waitingSpans > this.o.maxWaitingSpans || this.waitingBytes > this.o.maxWaitingBytes) {
      this.overflow();
    }
  }

  private keeps(workflow: ReadableSpan, waiting: WaitingTrace): boolean {
    try {
      return this.o.keep(workflow, waiting.spans, waiting.corrected);
    } catch (error) {
      // A keep rule that throws keeps the run: better an extra trace than a lost failure.
      this.faults.record("keepRuns", error);
      return true;
    }
  }

  /** Decide a waiting trace: its spans go to the processors (kept) or are ended unsampled (dropped). */
  private release(waiting: WaitingTrace, keep: boolean, reason: "outcome" | "ratio" | "overflow" | "expired" | "shutdown"): void {
    const { traceId, spans } = waiting;
    this.waiting.delete(traceId);
    this.waitingSpans -= spans.length;
    this.waitingBytes -= waiting.bytes;
    if (keep && waiting.roots > 0) this.open.set(traceId, { roots: waiting.roots, openedAt: waiting.openedAt });
    else this.remember(traceId, keep);
    this.count(keep, reason);
    if (keep) {
      for (const span of spans) this.forward(span);
    } else {
      this.counts.droppedSpans += spans.length;
      for (const span of spans) this.discard(span);
    }
  }

  /** Past a cap: the oldest waiting traces are dropped until both caps hold again. */
  private overflow(): void {
    for (const waiting of this.waiting.values()) {
      if (this.waitingSpans <= this.o.maxWaitingSpans && this.waitingBytes <= this.o.maxWaitingBytes) return;
      this.release(waiting, false, "overflow");
    }
  }

  /** Traces open past the TTL: waiting ones dropped (their outcome is unknown), kept ones no longer tracked. */
  private expire(now: number): void {
    const deadline = now - this.o.traceTtlMs;
    for (const waiting of this.waiting.values()) {
      if (waiting.openedAt > deadline) break;
      this.release(waiting, false, "expired");
    }
    for (const [traceId, open] of this.open) {
      if (open.openedAt > deadline) break;
      this.open.delete(traceId);
      this.remember(traceId, true);
    }
    if (this.waiting.size === 0 && this.open.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** While traces wait, an unref'd timer decides the ones open past the TTL (it never keeps the process alive). */
  private armExpiry(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => {
      try {
        this.expire(performance.now());
      } catch (error) {
        this.faults.record("expiry", error);
      }
    }, Math.min(30_000, Math.max(10, this.o.traceTtlMs / 4)));
    this.timer.unref?.();
  }

  private remember(traceId: string, keep: boolean): void {
    this.decided.set(traceId, keep);
  }

  private count(keep: boolean, reason: string): void {
    if (keep) this.counts.kept[reason as keyof TailSamplingStats["kept"]]++;
    else this.counts.dropped[reason as keyof TailSamplingStats["dropped"]]++;
    this.o.metrics?.recordSampling(keep ? "kept" : "dropped", reason);
  }

  private forward(span: ReadableSpan): void {
    for (const p of this.processors) {
      try {
        p.onEnd(span);
      } catch (error) {
        this.faults.record("a wrapped processor's onEnd", error);
      }
    }
  }

  /** The processors see the span end without the sampled flag: they release what they hold for it, and export nothing. */
  private discard(span: ReadableSpan): void {
    this.forward(new UnsampledSpan(span));
  }
}

/**
 * An ended span as seen without the sampled flag: every field is the span's own (mutations of `attributes`
 * reach it), only `spanContext().traceFlags` differs. A small delegating class: using the span as a prototype
 * would turn it into a slow dictionary-mode object.
 */
class UnsampledSpan implements ReadableSpan {
  private readonly context: SpanContext;
  constructor(private readonly span: ReadableSpan) {
    const context = span.spanContext();
    this.context = { ...context, traceFlags: context.traceFlags & ~TraceFlags.SAMPLED };
  }
  spanContext(): SpanContext {
    return this.context;
  }
  get name() {
    return this.span.name;
  }
  get kind() {
    return this.span.kind;
  }
  get parentSpanContext() {
    return this.span.parentSpanContext;
  }
  get startTime() {
    return this.span.startTime;
  }
  get endTime() {
    return this.span.endTime;
  }
  get status() {
    return this.span.status;
  }
  get attributes() {
    return this.span.attributes;
  }
  get links() {
    return this.span.links;
  }
  get events() {
    return this.span.events;
  }
  get duration() {
    return this.span.duration;
  }
  get ended() {
    return this.span.ended;
  }
  get resource() {
    return this.span.resource;
  }
  get instrumentationScope() {
    return this.span.instrumentationScope;
  }
  get droppedAttributesCount() {
    return this.span.droppedAttributesCount;
  }
  get droppedEventsCount() {
    return this.span.droppedEventsCount;
  }
  get droppedLinksCount() {
    return this.span.droppedLinksCount;
  }
}

/**
 * Parent-based: a child follows its parent (local or remote, sampled or not); a new trace is always recorded
 * and sampled, and marked `lgt=pending` in `tracestate` when the ratio would drop it (its fate is decided when
 * its root ends). Needs no SDK import: the decisions are `SamplingDecision`'s values.
 */
class PendingMarkSampler implements Sampler {
  private readonly pending = createTraceState().set(TailSamplingState.KEY, TailSamplingState.PENDING);

  constructor(private readonly rate: number) {}

  shouldSample(context: Context, traceId: string, _name: string, _kind: SpanKind, _attributes: Attributes, _links: Link[]): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined && isSpanContextValid(parent)) return { decision: (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? RECORD_AND_SAMPLED : NOT_RECORD };
    return keptByRatio(traceId, this.rate) ? { decision: RECORD_AND_SAMPLED } : { decision: RECORD_AND_SAMPLED, traceState: this.pending };
  }

  toString(): string {
    return `TailSampling{ratio=${this.rate}}`;
  }
}

// SamplingDecision.NOT_RECORD and RECORD_AND_SAMPLED of @opentelemetry/sdk-trace-base (a const enum there).
const NOT_RECORD = 0 as SamplingResult["decision"];
const RECORD_AND_SAMPLED = 2 as SamplingResult["decision"];
