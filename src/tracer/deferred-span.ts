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

/**
 * The child spans of one invocation, handed to the OpenTelemetry SDK together.
 *
 * Why: a callback runs in the middle of LangChain's own work, with cold caches, and the SDK's per-span work
 * (ids, sampling, attribute checks, span processors) costs several times more there than in a tight loop.
 * So spans below the root are recorded here (name, times, attributes, status, exceptions) and created in
 * the SDK, with their recorded times, when the root ends or when the batch is a second old, whichever comes
 * first; span processors see them then. Export is batched anyway (5 s by default), so nothing reaches a
 * backend later than it would have. The root span is created at once: it carries the trace id (exemplars,
 * logs) and parents on the caller's context.
 */
export class SpanBatch {
  private spans: DeferredSpan[] = [];
  private firstEndedAt = -1;
  private closed = false;
  private rootContext: Context | undefined = undefined;

  constructor(
    readonly tracer: Tracer,
    private readonly root: Span,
  ) {}

  /** A span under `parent` (the root or a span of this batch), deferred unless the batch was flushed for good. */
  start(parent: Span, name: string, kind: SpanKind, startTime: number, attributes: Attributes): Span {
    if (this.closed) {
      return this.tracer.startSpan(name, { kind, startTime, attributes }, this.contextOf(parent));
    }
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

  /** Called by a deferred span when it ends (`at`: its end time, performance.now()). */
  ended(at: number): void {
    if (this.firstEndedAt < 0) this.firstEndedAt = at;
    else if (at - this.firstEndedAt >= MAX_DELAY_MS) this.flush();
  }

  /** Create every recorded span in the SDK (in start order, so parents come first); ended ones end there. */
  flush(): void {
    const spans = this.spans;
    if (spans.length === 0) return;
    this.spans = [];
    this.firstEndedAt = -1;
    for (const span of spans) span.materialize();
  }

  /** The root ended: flush, and create any later span directly. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}

/**
 * A span recorded for a SpanBatch. Until the batch flushes it keeps what is done to it; after, it forwards
 * to the SDK span. Anything that needs the real span (its context, as the parent of a span someone else
 * starts, e.g. inside a node run by `traceNode`) creates it on the spot, ancestors first.
 */
export class DeferredSpan implements Span {
  private real: Span | undefined = undefined;
  private context: Context | undefined = undefined;
  private endTime: TimeInput | undefined = undefined;
  private status: SpanStatus | undefined = undefined;
  private exceptions: Array<[Exception, TimeInput]> | undefined = undefined;
  /** Attributes set after the start, as key, value pairs: set on the SDK span after its start, as they were. */
  private late: Array<string | AttributeValue> | undefined = undefined;

  constructor(
    private readonly batch: SpanBatch,
    private readonly parent: Span,
    private name: string,
    private readonly kind: SpanKind,
    private readonly startTime: number,
    /** The attributes at the start (what a sampler sees). */
    private readonly attributes: Attributes,
  ) {}

  /** The SDK span, created (with what was recorded) if it was not yet. */
  materialize(): Span {
    if (this.real !== undefined) return this.real;
    const span = this.batch.tracer.startSpan(this.name, { kind: this.kind, startTime: this.startTime, attributes: this.attributes }, this.batch.contextOf(this.parent));
    this.real = span;
    const late = this.late;
    if (late !== undefined) for (let i = 0; i < late.length; i += 2) span.setAttribute(late[i] as string, late[i + 1] as AttributeValue);
    if (this.exceptions !== undefined) for (const [exception, time] of this.exceptions) span.recordException(exception, time);
    if (this.status !== undefined) span.setStatus(this.status);
    if (this.endTime !== undefined) span.end(this.endTime);
    return span;
  }

  childContext(): Context {
    return (this.context ??= trace.setSpan(ROOT_CONTEXT, this.materialize()));
  }

  spanContext(): SpanContext {
    return this.materialize().spanContext();
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.real !== undefined) this.real.setAttribute(key, value);
    else if (this.endTime === undefined) (this.late ??= []).push(key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key] as AttributeValue);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.real !== undefined) this.real.setStatus(status);
    else if (this.endTime === undefined) this.status = status;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    if (this.real !== undefined) this.real.recordException(exception, time);
    else if (this.endTime === undefined) (this.exceptions ??= []).push([exception, time ?? performance.now()]);
  }

  updateName(name: string): this {
    if (this.real !== undefined) this.real.updateName(name);
    else if (this.endTime === undefined) this.name = name;
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    this.materialize().addEvent(name, attributesOrStartTime, startTime);
    return this;
  }

  addLink(link: Link): this {
    this.materialize().addLink(link);
    return this;
  }

  addLinks(links: Link[]): this {
    this.materialize().addLinks(links);
    return this;
  }

  /** `endTime`: a performance.now() reading (the tracer's clock); omitted, now. */
  end(endTime?: TimeInput): void {
    if (this.real !== undefined) {
      this.real.end(endTime);
      return;
    }
    if (this.endTime !== undefined) return;
    const at = typeof endTime === "number" ? endTime : performance.now();
    this.endTime = endTime ?? at;
    this.batch.ended(at);
  }

  isRecording(): boolean {
    return this.real !== undefined ? this.real.isRecording() : this.endTime === undefined;
  }
}
