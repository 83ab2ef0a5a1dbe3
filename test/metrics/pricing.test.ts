import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICING, normalizeModelName, PRICING_DATE, WorkflowMetrics, type LlmUsage } from "../../src/index.js";

const usage = (u: Partial<LlmUsage>): LlmUsage => ({ input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0, ...u });

describe("pricing", () => {
  const metrics = new WorkflowMetrics({ registry: new Registry() });

  it("costs 1,000 input + 500 output tokens of gpt-4o at $0.0075 ($2.50 and $10 per million)", () => {
    const cost = metrics.costOf("gpt-4o", usage({ input: 1000, output: 500 }))!;
    expect(cost.input).toBeCloseTo(0.0025, 15);
    expect(cost.output).toBeCloseTo(0.005, 15);
    expect(cost.cacheRead).toBe(0);
    expect(cost.total).toBeCloseTo(0.0075, 15);
  });

  it("counts cached input tokens once, at the cached rate (input_tokens includes them)", () => {
    // 1,000 input of which 800 read from the cache: 200 × $2.50 + 800 × $1.25, not 1,000 × $2.50 + 800 × $1.25.
    const cost = metrics.costOf("gpt-4o", usage({ input: 1000, cacheRead: 800, output: 500 }))!;
    expect(cost.input).toBeCloseTo((200 * 2.5) / 1e6, 15);
    expect(cost.cacheRead).toBeCloseTo((800 * 1.25) / 1e6, 15);
    expect(cost.total).toBeCloseTo(0.0065, 15);
  });

  it("prices Anthropic cache writes at the write rate and cache reads at the read rate", () => {
    // claude-3-5-sonnet: $3 input, $3.75 cache write, $0.30 cache read, $15 output.
    const cost = metrics.costOf("claude-3-5-sonnet-20241022", usage({ input: 3000, cacheCreation: 1000, cacheRead: 1500, output: 200 }))!;
    expect(cost.input).toBeCloseTo((500 * 3 + 1000 * 3.75) / 1e6, 15);
    expect(cost.cacheRead).toBeCloseTo((1500 * 0.3) / 1e6, 15);
    expect(cost.output).toBeCloseTo((200 * 15) / 1e6, 15);
  });

  it("counts reasoning tokens once, inside output (output_tokens includes them)", () => {
    const cost = metrics.costOf("o3-mini", usage({ input: 100, output: 1000, reasoning: 800 }))!;
    expect(cost.output).toBeCloseTo((1000 * DEFAULT_PRICING["o3-mini"]!.output) / 1e6, 15);
  });

  it("matches versioned names to the longest family and normalises provider prefixes", () => {
    const price = (model: string) => metrics.costOf(model, usage({ input: 1e6 }))?.total;
    expect(price("gpt-4o-2024-08-06")).toBe(2.5);
    expect(price("gpt-4o-mini-2024-07-18")).toBe(0.15);
    expect(price("GPT-4o")).toBe(2.5);
    expect(price("openai/gpt-4o")).toBe(2.5);
    expect(price("openrouter/openai/gpt-4o-mini")).toBe(0.15);
    expect(price("anthropic/claude-3-5-sonnet-latest")).toBe(3);
    expect(price("us.anthropic.claude-3-5-sonnet-20241022-v2:0")).toBe(3);
    expect(price("claude-3-5-sonnet@20240620")).toBe(3);
    expect(price("models/gemini-1.5-pro-002")).toBe(DEFAULT_PRICING["gemini-1.5-pro"]!.input);
    expect(price("llama3.1:8b")).toBe(0);
    // A family only matches at a separator: gpt-4 is not gpt-4o, and "gpt-4oo" is not priced.
    expect(price("gpt-4oo")).toBeUndefined();
    expect(price("acme-finetune")).toBeUndefined();
  });

  it("normalises names the way labels show them", () => {
    expect(normalizeModelName(" OpenAI/GPT-4o ")).toBe("gpt-4o");
    expect(normalizeModelName("eu.anthropic.claude-3-haiku-20240307-v1:0")).toBe("claude-3-haiku-20240307-v1:0");
  });

  it("is dated, and every default price is a non-negative number per million tokens", () => {
    expect(PRICING_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [family, p] of Object.entries(DEFAULT_PRICING)) {
      expect(family).toBe(family.toLowerCase());
      for (const v of [p.input, p.output, p.cachedInput ?? 0, p.cacheWrite ?? 0]) expect(v, family).toBeGreaterThanOrEqual(0);
      expect(p.cachedInput ?? p.input, `${family}: cached input is never dearer than input`).toBeLessThanOrEqual(p.input);
    }
    expect(Object.isFrozen(DEFAULT_PRICING)).toBe(true);
  });
});
