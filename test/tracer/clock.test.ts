import { describe, expect, it } from "vitest";
import { WallClock } from "../../src/tracer/clock.js";

const ns = ([s, n]: [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(n);

describe("TraceClock: one epoch anchor per trace", () => {
  it("maps monotonic readings to epoch times that keep their order and their differences, to the nanosecond", () => {
    const before = Date.now();
    const clock = new WallClock().anchor();
    const origin = performance.now();
    const after = Date.now();
    const t0 = clock.time(origin);
    // The anchor is the wall clock when the trace started, to within the millisecond Date.now() counts in.
    expect(Number(ns(t0)) / 1e6).toBeGreaterThanOrEqual(before - 1);
    expect(Number(ns(t0)) / 1e6).toBeLessThanOrEqual(after + 1);
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
    const clock = new WallClock().anchor();
    const at = performance.now() + 3.3333333;
    expect(clock.time(at)).toEqual(clock.time(at));
  });

  it("centres each trace's anchor in the millisecond the SDK's own anchors spread over, once readings at several phases pinned the offset", async () => {
    const wall = new WallClock();
    // The SDK anchors a span on Date.now() (whole ms) and performance.now(): offsets in (W − 1, W].
    const sdkOffsets: number[] = [];
    let offset = 0;
    for (let i = 0; i < 300; i++) {
      sdkOffsets.push(Date.now() - performance.now());
      const clock = wall.anchor();
      const p = performance.now();
      offset = clock.epochMillis(p) - p;
      await new Promise((r) => setTimeout(r, i % 3));
    }
    // A pause between the two reads only lowers a sample: the highest one is W.
    const w = Math.max(...sdkOffsets);
    // Ours: the middle of that range, to within a tenth of a millisecond.
    expect(Math.abs(offset - (w - 0.5))).toBeLessThan(0.1);
  });
});
