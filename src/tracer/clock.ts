import type { HrTime } from "@opentelemetry/api";

/** Readings of the tracer's one monotonic clock, in milliseconds (`performance.now()`). */
export function now(): number {
  return performance.now();
}

/** Tries at an anchor reading that no pause (preemption, GC) split; each try costs two clock reads. */
const ANCHOR_TRIES = 3;
/** The longest pair of monotonic reads around `Date.now()` taken as unsplit (milliseconds). */
const UNSPLIT_MS = 0.05;

/**
 * One epoch anchor for a whole trace: every span time of the trace is the anchor plus a monotonic reading, so
 * a child can never start before its parent or end after it, and spans that ran one after another never
 * overlap — to the nanosecond the clock gives.
 *
 * The anchor is taken as the SDK's own `Span` takes one for each span it times (`Date.now()`, whole
 * milliseconds, then `performance.now()` at once): a span the SDK times (an HTTP server span around the
 * workflow, a database client span inside a node, a second tracer's trace) and ours then map the same monotonic
 * instant to epoch times that differ only by the two `Date.now()` truncations, less than 1 ms. (Pairing a
 * monotonic reading with a `Date.now()` read later would add the time between them, several ms under load.)
 */
export class TraceClock {
  /** `Date.now()` when the trace started (whole milliseconds since the epoch) … */
  private readonly epochMs: number;
  /** … and the monotonic reading taken with it. */
  private readonly origin: number;

  constructor() {
    let epochMs = 0;
    let origin = 0;
    for (let i = 0; i < ANCHOR_TRIES; i++) {
      const before = performance.now();
      epochMs = Date.now();
      origin = performance.now();
      if (origin - before <= UNSPLIT_MS) break;
    }
    this.epochMs = epochMs;
    this.origin = origin;
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
