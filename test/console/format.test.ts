import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { FORMAT_SCRIPT } from "../../src/console/format-script.js";

/** The page's formatters, evaluated from the very text the browser gets. */
const fmt = runInNewContext(`${FORMAT_SCRIPT}; fmt`) as Record<string, (...args: unknown[]) => any>;

describe("the console's formatters (as the page runs them)", () => {
  it("writes dollars for people: no float noise, two significant digits under $1 within five decimals, cents from $1", () => {
    expect(fmt.usd!(0.000020700000000000002)).toBe("$0.00002");
    expect(fmt.usd!(0.0000207)).toBe("$0.00002");
    expect(fmt.usd!(0.00016)).toBe("$0.00016");
    expect(fmt.usd!(0.0002)).toBe("$0.00020"); // the same precision as its neighbours in a column
    expect(fmt.usd!(0.00123)).toBe("$0.0012");
    expect(fmt.usd!(0.0999)).toBe("$0.10");
    expect(fmt.usd!(0.5)).toBe("$0.50");
    expect(fmt.usd!(0.00000345)).toBe("$0.000003"); // below $0.00001: one significant digit, never "$0.00000"
    expect(fmt.usd!(0)).toBe("$0");
    expect(fmt.usd!(0.999996)).toBe("$1.00");
    expect(fmt.usd!(1234.567)).toBe("$1,234.57");
    expect(fmt.usd!(-0.0000207)).toBe("-$0.00002");
  });

  it("writes durations in ms, s, min and h with a precision that fits the size", () => {
    expect([0, 0.042, 0.42, 4.237, 9.99, 68.4, 420.4].map((v) => fmt.ms!(v))).toEqual(["0 ms", "0.042 ms", "0.42 ms", "4.2 ms", "10 ms", "68 ms", "420 ms"]);
    expect([999.6, 1234, 9994, 9996, 12_345, 59_949].map((v) => fmt.ms!(v))).toEqual(["1.00 s", "1.23 s", "9.99 s", "10.0 s", "12.3 s", "59.9 s"]);
    expect([59_951, 125_000, 3_600_000, 3_725_000].map((v) => fmt.ms!(v))).toEqual(["1 min", "2 min 5 s", "1 h", "1 h 2 min"]);
    expect(fmt.seconds!(0.0421)).toBe("42 ms"); // the latency histograms are in seconds
  });

  it("groups counts by thousands, and shortens them on an axis", () => {
    expect([0, 12, 1599, 12_345, 1_234_567.8].map((v) => fmt.count!(v))).toEqual(["0", "12", "1,599", "12,345", "1,234,568"]);
    expect([950, 12_000, 500_000, 1_500_000].map((v) => fmt.compact!(v))).toEqual(["950", "12k", "500k", "1.5M"]);
    expect([0, 0.25, 2.5, 12.3456, 1234.5].map((v) => fmt.amount!(v))).toEqual(["0", "0.25", "2.5", "12", "1,235"]);
  });

  it("writes shares as percentages", () => {
    expect([0, 0.004, 0.025, 0.125, 1].map((v) => fmt.percent!(v))).toEqual(["0%", "0.4%", "2.5%", "13%", "100%"]);
  });

  it("puts an axis's top at a round value at or above the data (1, 2 or 5 × 10^k)", () => {
    expect([0, 0.0003, 0.7, 1, 3, 12, 99, 101, 630_357].map((v) => fmt.niceMax!(v))).toEqual([1, 0.0005, 1, 1, 5, 20, 100, 200, 1_000_000]);
  });

  it("shows what is not a number as text, for the page to escape (a third party's 'token count' may be HTML)", () => {
    for (const f of ["usd", "ms", "count", "amount", "percent", "compact"]) expect(fmt[f]!("<b>7</b>")).toBe("<b>7</b>");
    expect(fmt.count!(undefined)).toBe("?");
    expect(fmt.usd!(Number.NaN)).toBe("NaN");
  });

  it("shows attribute values once: JSON strings parsed and pretty-printed without float noise, strings unquoted, costs in dollars", () => {
    expect(fmt.attribute!("langfuse.observation.cost_details", '{"input":0.000020700000000000002,"output":0.00012,"total":0.0001407}')).toEqual({
      text: '{\n  "input": 0.0000207,\n  "output": 0.00012,\n  "total": 0.0001407\n}',
      block: true,
    });
    expect(fmt.attribute!("gen_ai.output.messages", '[{"role":"assistant","parts":[{"type":"text","content":"say \\"hi\\""}]}]').text).toBe(
      '[\n  {\n    "role": "assistant",\n    "parts": [\n      {\n        "type": "text",\n        "content": "say \\"hi\\""\n      }\n    ]\n  }\n]',
    );
    expect(fmt.attribute!("workflow.name", "text2query")).toEqual({ text: "text2query", block: false });
    expect(fmt.attribute!("x", "{not json")).toEqual({ text: "{not json", block: false });
    expect(fmt.attribute!("workflow.cost_usd", 0.000020700000000000002)).toEqual({ text: "$0.00002", block: false });
    expect(fmt.attribute!("workflow.confidence", 0.30000000000000004)).toEqual({ text: "0.3", block: false });
    expect(fmt.attribute!("langgraph_step", 4)).toEqual({ text: "4", block: false });
    expect(fmt.attribute!("gen_ai.response.finish_reasons", ["stop", "length"])).toEqual({ text: "stop, length", block: false });
    expect(fmt.attribute!("workflow.validation.valid", false)).toEqual({ text: "false", block: false });
  });

  it("writes clock times as 24-hour hh:mm:ss", () => {
    expect(fmt.clock!(new Date(2026, 0, 1, 14, 5, 9).getTime())).toBe("14:05:09");
  });
});
