import { describe, expect, it } from "vitest";
import { TraceClock } from "../../src/tracer/clock.js";

const ns = ([s, n]: [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(n);

describe("TraceClock: one epoch anchor per trace", () => {
  it("maps monotonic readings to epoch times that keep their order and their differences, to the nanosecond", () => {
    const before = Date.now();
    const clock = new TraceClock();
    const origin = performance.now();
    const after = Date.now();
    const t0 = clock.time(origin);
    // The anchor is the wall clock when the trace started (whole milliseconds), read with the monotonic clock.
    expect(Number(ns(t0) / 1_000_000n)).toBeGreaterThanOrEqual(before);
    expect(Number(ns(t0) / 1_000_000n)).toBeLessThanOrEqual(after);
    // 0.25 ms later is exactly 250,000 ns later; 1.5 s later crosses a second boundary with the carry right.
    expect(ns(clock.time(origin + 0.25)) - ns(t0)).toBe(250_000n);
    expect(ns(clock.time(origin + 1500.000001)) - ns(t0)).toBe(1_500_000_001n);
    let last = t0;
    for (let i = 1; i < 20_000; i++) {
      const t = clock.time(origin + i * 0.0999);
      expect(t[1]).toBeGreaterThanOrEqual(0);
      expect(t[1]).toBeLessThan(1_000_000_000);
      expect(ns(t) >= ns(last)).toBe(true);
      last = t;
    }
  });

  it("gives equal readings equal times, so a child that starts when its parent starts is not before it", () => {
    const clock = new TraceClock();
    const at = performance.now() + 3.3333333;
    expect(clock.time(at)).toEqual(clock.time(at));
  });
});
