import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { CHART_SCRIPT } from "../../src/console/chart-script.js";
import { FORMAT_SCRIPT } from "../../src/console/format-script.js";

/** The page's chart function and formatters, evaluated from the very text the browser gets. */
const { chart, fmt } = runInNewContext(`const COLORS = ["#111", "#222"];${FORMAT_SCRIPT}${CHART_SCRIPT}; ({ chart, fmt })`) as {
  chart(title: string, unitName: string, t: number[], series: Record<string, Array<number | null>>, unit: (v: number) => string, tick?: (v: number) => string): string;
  fmt: Record<string, (v: number) => string>;
};
const texts = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => m[1]);
const t = [0, 10_000, 20_000, 30_000, 40_000].map((s) => new Date(2026, 0, 1, 9, 0, 0).getTime() + s);

describe("the console's charts (as the page draws them)", () => {
  it("labels the y axis at round values in the series' unit and the x axis in clock times, and names the unit", () => {
    const html = chart("p95 latency by stage", "seconds", t, { total: [0.12, 0.31, 0.2, 0.25, 0.18] }, fmt.seconds!);
    expect(texts(html, "ytick")).toEqual(["0 ms", "250 ms", "500 ms"]);
    expect(texts(html, "xtick")).toEqual(["09:00:00", "09:00:20", "09:00:40"]);
    expect(html).toContain('p95 latency by stage <span class="muted">(seconds)</span>');
    expect(html).toContain('total <b class="latest">180 ms</b>'); // the legend says each series' latest value
  });

  it("writes ticks short where the legend writes values in full", () => {
    const perMinute = (f: (v: number) => string) => (v: number) => `${f(v)}/min`;
    const html = chart("Tokens per minute by model", "tokens/min", t, { "gpt-4o-mini": [420_000, 630_357, 0, 0, 42_932] }, perMinute(fmt.count!), perMinute(fmt.compact!));
    expect(texts(html, "ytick")).toEqual(["0/min", "500k/min", "1M/min"]);
    expect(html).toContain("42,932/min");
    expect(texts(chart("Cost per minute", "USD/min", t, { m: [0.0051, 0.02, 0, 0, 0.0051] }, perMinute(fmt.usd!)), "ytick")).toEqual(["$0/min", "$0.010/min", "$0.020/min"]);
  });

  it("leaves a gap where an interval has no value instead of drawing a slope across it", () => {
    const html = chart("p50 latency by stage", "seconds", t, { total: [0.1, 0.2, null, null, 0.3] }, fmt.seconds!);
    expect(html.match(/<polyline/g)).toHaveLength(1); // the first two points
    expect(html.match(/<circle/g)).toHaveLength(1); // the lone last one
  });

  it("says when there is nothing to draw, and escapes series names", () => {
    expect(chart("Runs per minute", "runs/min", [], { runs: [] }, fmt.amount!)).toContain("no data yet");
    const html = chart("x", "y", t, { "<img src=x>": [1, 2, 3, 4, 5] }, fmt.amount!);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x&gt;");
  });
});
