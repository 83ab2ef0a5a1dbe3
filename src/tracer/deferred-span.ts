import {
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
  type Tracer,
} from "@opentelemetry/api";

/** A batch is handed to the SDK at the latest this long after the first of its spans ended. */
const MAX_DELAY_MS = 1000;
/** …or once it holds this many spans (bounds the memory of one huge run). */
const MAX_SPANS = 512;

/** Batches holding ended spans, across tracers: the timer and `flushDeferredSpans` drain them. */
const waiting = new Set<SpanBatch>();
let timer: ReturnType<typeof setTimeout> | undefined;

function armTimer(delayMs: number): void {
  if (timer !== undefined) return;
  timer = setTimeout(onTimer, Math.max(10, delayMs));
  // Never keeps the process alive: at exit, setupTelemetry's shutdown (or flushDeferredSpans) hands them over.
  timer.unref?.();
}

function onTimer(): void {
  timer = undefined;
  const now = performance.now();
  let next = Infinity;
  for (const batch of waiting) {
    const age = now - batch.firstEndedAt;
    if (age >= MAX_DELAY_MS) batch.flush();
    else next = Math.min(next, MAX_DELAY_MS - age);
  }
  if (next !== Infinity) armTimer(next);
}

/** Hand every recorded span that has ended, in every batch, to the SDK now (before a flush or shutdown of it). */
export function flushDeferredSpans(): void {
  for (const batch of waiting) batch.flush();
}

/**
 * The child spans of one invocation, handed to the OpenTelemetry SDK together.
 *
 * Why: a callback runs in the middle of LangChain's own work, with cold caches, and the SDK's per-span work
 * (ids, sampling, attribute checks, span processors) costs several times more there than in a tight loop.
 * So spans below the root are recorded here (name, times, attributes, status, exceptions, in order) and
 * created in the SDK, with their recorded times, when the root ends, a second after the first of them ended,
 * or 512 at a time, whichever comes first. Span processors then see every start (parents first), then every
 * end in the order they ended, as they would have. The root span is created at once: it carries the trace id
 * (exemplars, logs) and parents on the caller's context.
 */
export class SpanBatch {
  private spans: DeferredSpan[] = [];
  private endings: DeferredSpan[] = [];
  /** performance.now() when the first span ended since the last flush; -1 when none did. */
  firstEndedAt = -1;
  private closed = false;
  private root: Span | undefined;
  private rootContext: Context | undefined = undefined;

  constructor(
    readonly tracer: Tracer,
    root: Span,
    /** An SDK span processor threw: counted by the tracer, and the rest of the batch still goes. */
    private readonly onError: (error: unknown) => void,
  ) {
    this.root = root;
  }

  /** A span under `parent` (the root or a span of this batch), deferred unless the root has ended. */
  start(parent: Span, name: string, kind: SpanKind, startTime: number, attributes: Attributes): Span {
    if (this.closed) return this.tracer.startSpan(name, { kind, startTime, attributes }, this.contextOf(parent));
    const span = new DeferredSpan(this, parent, name, kind, startTime, attributes);
    this.spans.push(span);
    if (this.spans.length >= MAX_SPANS) this.flush();
    return span;
  }

  /** The context that parents children on `span` (the root, or a span of this batch, created now if need be). */
  contextOf(span: Span): Context {
    if (span instanceof DeferredSpan) return span.childContext();
    if (span === this.root) return (this.rootContext ??= trace.setSpan(ROOT_CONTEXT, span));
    return trace.setSpan(ROOT_CONTEXT, span);
  }

  /** Spans recorded and not handed over yet. */
  get pending(): boolean {
    return this.spans.length > 0 || this.endings.length > 0;
  }

  /** A recorded span ended (`at`: performance.now()). */
  ended(span: DeferredSpan, at: number): void {
    this.endings.push(span);
    if (this.firstEndedAt < 0) {
      this.firstEndedAt = at;
      waiting.add(this);
      armTimer(MAX_DELAY_MS);
    } else if (at - this.firstEndedAt >= MAX_DELAY_MS) {
      this.flush();
    }
  }

  /** Create every recorded span in the SDK (start order: parents first), then end the ended ones in the order they ended. */
  flush(): void {
    if (this.firstEndedAt >= 0) {
      waiting.delete(this);
      this.firstEndedAt = -1;
    }
    const spans = this.spans;
    const endings = this.endings;
    if (spans.length === 0 && endings.length === 0) return;
    this.spans = [];
    this.endings = [];
    for (const span of spans) {
      try {
        span.materialize();
      } catch (error) {
        this.onError(error);
      }
    }
    for (const span of endings) {
      try {
        span.endMaterialized();
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** The root ends: flush, and create any later span directly. */
  close(): void {
    this.flush();
    this.closed = true;
    this.root = undefined;
    this.rootContext = undefined;
  }
}

// Operations recorded before the SDK span exists, replayed on it in order (so the SDK's own rules apply).
const SET_ATTRIBUTE = 0;
const SET_STATUS = 1;
const RECORD_EXCEPTION = 2;
const UPDATE_NAME = 3;

function apply(span: Span, kind: number, a: unknown, b: unknown): void {
  if (kind === SET_ATTRIBUTE) span.setAttribute(a as string, b as AttributeValue);
  else if (kind === SET_STATUS) span.setStatus(a as SpanStatus);
  else if (kind === RECORD_EXCEPTION) span.recordException(a as Exception, b as TimeInput);
  else span.updateName(a as string);
}

/**
 * A span recorded for a SpanBatch. Until the batch hands it over it records what is done to it; then it
 * forwards to the SDK span. Anything that needs the real span (its context: the parent of a span someone else
 * starts, e.g. inside a node run by `traceNode`) creates it on the spot, ancestors first; it is still ended
 * by the batch, after its children.
 */
export class DeferredSpan implements Span {
  private real: Span | undefined = undefined;
  private context: Context | undefined = undefined;
  private endTime: TimeInput | undefined = undefined;
  private realEnded = false;
  // Kept until the SDK span exists, then dropped: the SDK span holds them.
  private parent: Span | undefined;
  private attributes: Attributes | undefined;
  private ops: unknown[] | undefined = undefined;

  constructor(
    private readonly batch: SpanBatch,
    parent: Span,
    private name: string,
    private readonly kind: SpanKind,
    private readonly startTime: number,
    /** The attributes at the start (what a sampler sees). */
    attributes: Attributes,
  ) {
    this.parent = parent;
    this.attributes = attributes;
  }

  /** The SDK span, started now (after its ancestors) with what was recorded, if it was not yet. Not ended here. */
  materialize(): Span {
    if (this.real !== undefined) return this.real;
    const span = this.batch.tracer.startSpan(this.name, { kind: this.kind, startTime: this.startTime, attributes: this.attributes }, this.batch.contextOf(this.parent as Span));
    this.real = span;
    const ops = this.ops;
    this.parent = undefined;
    this.attributes = undefined;
    this.ops = undefined;
    if (ops !== undefined) for (let i = 0; i < ops.length; i += 3) apply(span, ops[i] as number, ops[i + 1], ops[i + 2]);
    return span;
  }

  /** End the SDK span at the recorded end time (the batch calls this after starting every span of the flush). */
  endMaterialized(): void {
    if (this.realEnded || this.endTime === undefined) return;
    this.realEnded = true;
    this.materialize().end(this.endTime);
  }

  childContext(): Context {
    return (this.context ??= trace.setSpan(ROOT_CONTEXT, this.materialize()));
  }

  spanContext(): SpanContext {
    return this.materialize().spanContext();
  }

  /** Forward one operation to the SDK span, or record it for later; ignored once ended, as the SDK does. */
  private op(kind: number, a: unknown, b: unknown): void {
    if (this.endTime !== undefined) return;
    if (this.real === undefined) (this.ops ??= []).push(kind, a, b);
    else apply(this.real, kind, a, b);
  }

  setAttribute(key: string, value: AttributeValue): this {
    this.op(SET_ATTRIBUTE, key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.op(SET_ATTRIBUTE, key, attributes[key]);
    return this;
  }

  setStatus(status: SpanStatus): this {
    this.op(SET_STATUS, status, undefined);
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    this.op(RECORD_EXCEPTION, exception, time ?? performance.now());
  }

  updateName(name: string): this {
    this.op(UPDATE_NAME, name, undefined);
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    if (this.endTime === undefined) this.materialize().addEvent(name, attributesOrStartTime, startTime);
    return this;
  }

  addLink(link: Link): this {
    if (this.endTime === undefined) this.materialize().addLink(link);
    return this;
  }

  addLinks(links: Link[]): this {
    if (this.endTime === undefined) this.materialize().addLinks(links);
    return this;
  }

  /** `endTime`: a performance.now() reading (the tracer's clock); omitted, now. */
  end(endTime?: TimeInput): void {
    if (this.endTime !== undefined) return;
    const at = typeof endTime === "number" ? endTime : performance.now();
    this.endTime = endTime ?? at;
    if (this.real !== undefined && this.batch.pending) {
      // Created early (its context was asked for) and still in a batch: it ends with the batch, after its children.
      this.batch.ended(this, at);
      this.batch.flush();
      return;
    }
    if (this.real !== undefined) {
      this.realEnded = true;
      this.real.end(this.endTime);
      return;
    }
    this.batch.ended(this, at);
  }

  isRecording(): boolean {
    return this.endTime === undefined && (this.real === undefined || this.real.isRecording());
  }
}
