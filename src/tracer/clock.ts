import type { HrTime } from "@opentelemetry/api";

/** Readings of the tracer's one monotonic clock, in milliseconds (`performance.now()`). */
export function now(): number {
  return performance.now();
}

/**
 * One epoch anchor for a whole trace: every span time of the trace is the anchor plus a monotonic reading, so
 * a child can never start before its parent or end after it, and spans that ran one after another never
 * overlap — to the nanosecond the clock gives. (The SDK anchors each span on its own `Date.now()`, to the
 * millisecond, which is why times are never left to it.)
 */
export class TraceClock {
  /** `Date.now()` when the trace started (whole milliseconds since the epoch) … */
  private readonly epochMs: number;
  /** … and the monotonic reading taken with it. */
  private readonly origin: number;

  constructor(origin: number) {
    this.origin = origin;
    this.epochMs = Date.now();
  }

  /** The epoch time of monotonic reading `at`, as the SDK's `[seconds, nanoseconds]`. */
  time(at: number): HrTime {
    const delta = at - this.origin;
    const wholeMs = Math.floor(delta);
    const ms = this.epochMs + wholeMs;
    let seconds = Math.floor(ms / 1000);
    let nanos = (ms - seconds * 1000) * 1e6 + Math.round((delta - wholeMs) * 1e6);
    if (nanos >= 1e9) {
      seconds++;
      nanos -= 1e9;
    }
    return [seconds, nanos];
  }

  /** Epoch milliseconds of monotonic reading `at` (for ISO timestamps in attributes). */
  epochMillis(at: number): number {
    return this.epochMs + (at - this.origin);
  }
}
