import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Counts every span the SDK starts and ends, and names the ones still open (for failure messages). */
export class CountingProcessor implements SpanProcessor {
  started = 0;
  ended = 0;
  readonly open = new Map<string, string>();

  onStart(span: Span, _parentContext: Context): void {
    this.started++;
    this.open.set(span.spanContext().spanId, span.name.slice(0, 80));
  }
  onEnd(span: ReadableSpan): void {
    this.ended++;
    this.open.delete(span.spanContext().spanId);
  }
  /** The names of up to `n` spans started and not ended. */
  stillOpen(n = 10): string {
    return [...this.open.values()].slice(0, n).join(", ");
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
