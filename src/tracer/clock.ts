import type { HrTime } from "@opentelemetry/api";

/** Readings of the tracer's one monotonic clock, in milliseconds (`performance.now()`). */
export function now(): number {
  return performance.now();
}

/** Tries at a reading of the wall clock that no pause (preemption, GC) split; each try costs two monotonic reads. */
const READ_TRIES = 3;
/** The longest pair of monotonic reads around `Date.now()` taken as unsplit (milliseconds). */
const UNSPLIT_MS = 0.05;
/** Readings older than this are forgotten, so a wall clock slewed by NTP is followed (milliseconds). */
const WINDOW_MS = 1000;

/**
 * The wall clock's offset from the monotonic clock (epoch ms = `performance.now()` + offset), pinned down from
 * the readings of the last second. `Date.now()` counts whole milliseconds, so one reading only places the offset
 * in a 1 ms window; readings taken at other phases of the millisecond narrow it, to microseconds under traffic.
 *
 * The SDK's `Span` anchors each span it times on one such reading (`Date.now()`, then `performance.now()`), so
 * its offsets spread over the window's lower millisecond: (offset − 1, offset]. A trace anchored in the middle
 * of that range (offset − 0.5) is less than 0.5 ms (plus what is left of the window) from any SDK-timed span:
 * an HTTP server span around the workflow, a database client span inside a node. One per tracer.
 */
export class WallClock {
  /** The offset lies in (lo, hi), by the readings since `since`. */
  private lo = 0;
  private hi = 0;
  private since = Number.NEGATIVE_INFINITY;

  /** A new trace's anchor: an integer epoch millisecond and the monotonic reading it stands for. */
  anchor(): TraceClock {
    let before = 0;
    let epoch = 0;
    let after = 0;
    for (let i = 0; i < READ_TRIES; i++) {
      before = performance.now();
      epoch = Date.now();
      after = performance.now();
      if (after - before <= UNSPLIT_MS) break;
    }
    // Date.now() was `epoch` at some instant in [before, after]: the offset lies in (epoch − after, epoch + 1 − before).
    const lo = epoch - after;
    const hi = epoch + 1 - before;
    if (after - this.since > WINDOW_MS || lo >= this.hi || hi <= this.lo) {
      this.lo = lo;
      this.hi = hi;
      this.since = after;
    } else {
      if (lo > this.lo) this.lo = lo;
      if (hi < this.hi) this.hi = hi;
    }
    const offset = (this.lo + this.hi) / 2 - 0.5;
    // Kept as an integer millisecond and a small monotonic origin, so a trace's times are exact to the nanosecond.
    const epochMs = Math.floor(after + offset);
    return new TraceClock(epochMs, epochMs - offset);
  }
}

/**
 * One epoch anchor for a whole trace: every span time of the trace is the anchor plus a monotonic reading, so
 * a child can never start before its parent or end after it, and spans that ran one after another never
 * overlap — to the nanosecond the clock gives. Made by `WallClock.anchor()`.
 */
export class TraceClock {
  constructor(
    /** An epoch time in whole milliseconds … */
    private readonly epochMs: number,
    /** … and the monotonic reading it stands for. */
    private readonly origin: number,
  ) {}

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
