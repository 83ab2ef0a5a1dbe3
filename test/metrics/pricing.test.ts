import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { priceDataVersion, WorkflowMetrics, type CostBreakdown, type TokenUsage } from "../../src/index.js";
import { normalizeModelName, PriceBook } from "../../src/pricing/pricing.js";
import { tokenUsage } from "../../src/shared/llm-call.js";
import { Scrape } from "../support/exposition.js";
import { mulberry32 } from "../support/random.js";

/** Usage given as providers count it: `input` includes cache reads and writes, `output` includes reasoning. */
interface Counted {
  input?: number;
  cacheRead?: number;
  cacheWrite?: number;
  output?: number;
  reasoning?: number;
}
const usage = ({ input = 0, cacheRead = 0, cacheWrite = 0, output = 0, reasoning = 0 }: Counted): TokenUsage =>
  tokenUsage(input - cacheRead - cacheWrite, cacheRead, cacheWrite, output - reasoning, reasoning);

/** The parts of a cost, summed in the order the tracer sums them. */
const sumOfParts = (c: CostBreakdown) => c.input + c.cacheRead + c.cacheWrite + c.output + c.reasoning;

describe("pricing from @pydantic/genai-prices", () => {
  const metrics = new WorkflowMetrics({ registry: new Registry() });
  const pricer = new PriceBook();
  /** The price book as the tracer asks it: a hosted call. */
  const book = {
    costOf: (model: string, u: TokenUsage, provider = "unknown", at = Date.now(), local = false) => pricer.price({ provider, model, local }, u, at)?.cost,
  };

  it("costs 1,000 input + 500 output tokens of gpt-4o at $0.0075 ($2.50 and $10 per million)", () => {
    const cost = metrics.costOf("gpt-4o", { input: 1000, output: 500 }, "openai")!;
    expect(cost).toEqual({ input: 0.0025, cacheRead: 0, cacheWrite: 0, output: 0.005, reasoning: 0, total: 0.0075 });
  });

  it("counts cached input tokens once, at the cached rate, in their own bucket (input_tokens includes them)", () => {
    // 1,000 input of which 800 read from the cache: 200 × $2.50 + 800 × $1.25, not 1,000 × $2.50 + 800 × $1.25.
    const cost = book.costOf("gpt-4o", usage({ input: 1000, cacheRead: 800, output: 500 }), "openai")!;
    expect(cost.input).toBeCloseTo((200 * 2.5) / 1e6, 15);
    expect(cost.cacheRead).toBeCloseTo((800 * 1.25) / 1e6, 15);
    expect(cost.total).toBeCloseTo(0.0065, 15);
  });

  it("prices Anthropic cache writes at the write rate and cache reads at the read rate, each in its bucket", () => {
    // claude-3-5-sonnet: $3 input, $3.75 cache write, $0.30 cache read, $15 output.
    const cost = book.costOf("claude-3-5-sonnet-20241022", usage({ input: 3000, cacheWrite: 1000, cacheRead: 1500, output: 200 }), "anthropic")!;
    expect(cost.input).toBeCloseTo((500 * 3) / 1e6, 15);
    expect(cost.cacheWrite).toBeCloseTo((1000 * 3.75) / 1e6, 15);
    expect(cost.cacheRead).toBeCloseTo((1500 * 0.3) / 1e6, 15);
    expect(cost.output).toBeCloseTo((200 * 15) / 1e6, 15);
    expect(cost.total).toBe(sumOfParts(cost));
  });

  it("counts reasoning tokens once, in their own bucket, at the output rate when the model has no reasoning rate", () => {
    const cost = book.costOf("o3-mini", usage({ input: 100, output: 1000, reasoning: 800 }), "openai")!;
    expect(cost.output).toBeCloseTo((200 * 4.4) / 1e6, 15);
    expect(cost.reasoning).toBeCloseTo((800 * 4.4) / 1e6, 15);
    expect(cost.total).toBe(sumOfParts(cost));
  });

  it("agrees with the catalogue's own calcPrice on 2,000 random calls of 12 models, to the last bits", () => {
    const models: Array<[string, string | undefined]> = [
      ["gpt-4o-mini", "openai"],
      ["gpt-4o-2024-08-06", "openai"],
      ["o3-mini", "openai"],
      ["gpt-5", "openai"],
      ["claude-sonnet-4-20250514", "anthropic"],
      ["claude-3-5-haiku-latest", "anthropic"],
      ["gemini-2.5-flash", "gcp.gemini"],
      ["gemini-2.5-pro", "gcp.vertex_ai"],
      ["gemini-1.5-pro", undefined],
      ["us.anthropic.claude-3-5-sonnet-20241022-v2:0", "aws.bedrock"],
      ["mistral-large-latest", "mistral_ai"],
      ["deepseek-chat", "deepseek"],
    ];
    const providerIds: Record<string, string> = { openai: "openai", anthropic: "anthropic", "gcp.gemini": "google", "gcp.vertex_ai": "google", "aws.bedrock": "aws", mistral_ai: "mistral", deepseek: "deepseek" };
    const next = mulberry32(17);
    const at = Date.UTC(2026, 10, 29, 12, 0, 0);
    for (let i = 0; i < 2000; i++) {
      const [model, provider] = models[i % models.length]!;
      const input = Math.floor(next() * 300_000);
      const cacheRead = Math.floor(next() * input * 0.6);
      const cacheWrite = Math.floor(next() * (input - cacheRead) * 0.5);
      const output = Math.floor(next() * 20_000);
      const reasoning = Math.floor(next() * output);
      const ours = book.costOf(model, usage({ input, cacheRead, cacheWrite, output, reasoning }), provider, at)!;
      const theirs = calcPrice(
        { input_tokens: input, cache_read_tokens: cacheRead, cache_write_tokens: cacheWrite, output_tokens: output, output_reasoning_tokens: reasoning },
        model,
        { ...(provider !== undefined ? { providerId: providerIds[provider]! } : {}), timestamp: new Date(at) },
      )!;
      const label = `${model} ${JSON.stringify({ input, cacheRead, cacheWrite, output, reasoning })}`;
      expect(theirs, label).not.toBeNull();
      expect(ours.total, label).toBeCloseTo(theirs.total_price, 12);
      expect(ours.input + ours.cacheRead + ours.cacheWrite, label).toBeCloseTo(theirs.input_price, 12);
      expect(ours.output + ours.reasoning, label).toBeCloseTo(theirs.output_price, 12);
      expect(ours.total, label).toBe(sumOfParts(ours));
    }
  });

  it("applies a tiered rate by the call's input tokens (gemini-1.5-pro: $1.25, over 128k tokens $2.50)", () => {
    expect(book.costOf("gemini-1.5-pro", usage({ input: 128_000 }), "gcp.gemini")!.input).toBeCloseTo((128_000 * 1.25) / 1e6, 15);
    expect(book.costOf("gemini-1.5-pro", usage({ input: 128_001 }), "gcp.gemini")!.input).toBeCloseTo((128_001 * 2.5) / 1e6, 15);
    // The output rate follows the prompt's size too.
    expect(book.costOf("gemini-1.5-pro", usage({ input: 200_000, output: 1000 }), "gcp.gemini")!.output).toBeCloseTo((1000 * 10) / 1e6, 15);
  });

  it("chooses a time-of-day price per call, as the catalogue does (deepseek-chat off-peak 16:30–00:30 UTC)", () => {
    const call = usage({ input: 1_000_000 });
    const peak = Date.UTC(2026, 10, 29, 12, 0, 0);
    const offPeak = Date.UTC(2026, 10, 29, 20, 0, 0);
    const theirs = (at: number) => calcPrice({ input_tokens: 1_000_000 }, "deepseek-chat", { providerId: "deepseek", timestamp: new Date(at) })!.total_price;
    expect(book.costOf("deepseek-chat", call, "deepseek", peak)!.total).toBe(theirs(peak));
    expect(book.costOf("deepseek-chat", call, "deepseek", offPeak)!.total).toBe(theirs(offPeak));
    expect(theirs(peak)).not.toBe(theirs(offPeak));
  });

  it("finds versioned names, routers' and Bedrock's prefixes, with or without the provider", () => {
    const price = (model: string, provider?: string) => book.costOf(model, usage({ input: 1e6 }), provider)?.total;
    expect(price("gpt-4o-2024-08-06")).toBe(2.5);
    expect(price("gpt-4o-mini-2024-07-18", "openai")).toBe(0.15);
    expect(price("GPT-4o")).toBe(2.5);
    expect(price("openai/gpt-4o")).toBe(2.5);
    expect(price("openrouter/openai/gpt-4o-mini")).toBe(0.15);
    expect(price("anthropic/claude-3-5-sonnet-latest")).toBe(3);
    expect(price("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "aws.bedrock")).toBe(3);
    expect(price("claude-3-5-sonnet@20240620", "gcp.vertex_ai")).toBe(3);
    expect(book.costOf("models/gemini-1.5-pro-002", usage({ input: 100_000 }))!.total).toBeCloseTo(0.125, 15);
    // A provider the catalogue knows is priced from its own list only: Groq's llama is not another host's.
    expect(price("llama-3.3-70b-versatile", "groq")).toBe(0.59);
    expect(price("llama-3.3-70b-versatile", "openai")).toBeUndefined();
    // A provider the catalogue does not hold the model for falls back to the name alone.
    expect(price("gpt-4o", "acme-gateway")).toBe(2.5);
  });

  it("prices calls served locally at zero whatever the name, and leaves unknown hosted ones unpriced (counted as such)", () => {
    const price = (model: string, provider?: string, local = false) => book.costOf(model, usage({ input: 1e6, output: 1e6 }), provider, Date.now(), local)?.total;
    expect(price("llama3.1:8b", "ollama", true)).toBe(0);
    expect(price("gpt-4o", "ollama", true)).toBe(0);
    expect(pricer.price({ provider: "ollama", model: "gpt-4o", local: true }, usage({ input: 1 }), Date.now())?.pricedAs).toBe("local");
    // A name alone says nothing of where a model runs: not free unless served locally.
    expect(price("llama3.1:8b")).toBeUndefined();
    expect(price("qwen2.5-coder")).toBeUndefined();
    // Hosted open models keep their price.
    expect(price("llama-3.1-8b-instant", "groq")).toBeGreaterThan(0);
    expect(price("gpt-4oo")).toBeUndefined();
    expect(price("acme-finetune")).toBeUndefined();
  });

  it("lets your price win over a local call's zero", () => {
    const yours = new PriceBook({ "llama3.1": { input: 0.1, output: 0.2 } });
    expect(yours.price({ provider: "ollama", model: "llama3.1:8b", local: true }, usage({ input: 1e6 }), Date.now())).toEqual({
      cost: { input: 0.1, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, total: 0.1 },
      pricedAs: "pricing:llama3.1",
    });
  });

  it("lets your prices win over the catalogue, by family, with a reasoning rate of their own", () => {
    const own = new WorkflowMetrics({ registry: new Registry(), pricing: { "gpt-4o": { input: 2, output: 8, cachedInput: 1 }, "acme-llm": { input: 1, output: 2, reasoning: 4 } } });
    expect(own.costOf("gpt-4o-2024-08-06", { input: 1000, output: 500 })!.total).toBeCloseTo(0.006, 15);
    // gpt-4o-mini is not the gpt-4o family: it keeps the catalogue's price.
    expect(own.costOf("gpt-4o-mini", { input: 1e6 })!.total).toBe(0.15);
    expect(own.costOf("acme-llm-v2", { output: 400, reasoning: 600 })).toMatchObject({ output: (400 * 2) / 1e6, reasoning: (600 * 4) / 1e6 });
  });

  it("rejects a price with a key it does not know, naming what is allowed", () => {
    expect(() => new WorkflowMetrics({ registry: new Registry(), pricing: { "gpt-4o": { input: 2, output: 8, cached: 1 } as never } })).toThrow(
      /pricing\.gpt-4o.*\{ input, output, cachedInput\?, cacheWrite\?, reasoning\? \}/,
    );
  });

  it("says which price data it uses: priceDataVersion() and the price_data_info metric, the installed package's version", async () => {
    const entry = createRequire(import.meta.url).resolve("@pydantic/genai-prices");
    const installed = (JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
    expect(priceDataVersion()).toBe(installed);
    const registry = new Registry();
    new WorkflowMetrics({ registry, prefix: "text2query_" });
    const scrape = await Scrape.of(registry);
    expect(scrape.samples("text2query_price_data_info")).toEqual([expect.objectContaining({ labels: { source: "@pydantic/genai-prices", version: installed }, value: 1 })]);
  });

  it("normalises names the way labels show them", () => {
    expect(normalizeModelName(" OpenAI/GPT-4o ")).toBe("gpt-4o");
    expect(normalizeModelName("eu.anthropic.claude-3-haiku-20240307-v1:0")).toBe("claude-3-haiku-20240307-v1:0");
  });
});
