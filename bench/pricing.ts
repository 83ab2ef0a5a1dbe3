/**
 * Pricing: `node --import tsx bench/pricing.ts` (npm run bench:pricing).
 *
 * 1. The cost of one generation with cached and reasoning tokens for common models: ours (PriceBook) against
 *    `@pydantic/genai-prices`'s own calcPrice on the same usage.
 * 2. What pricing costs on the hot path, per LLM call: PriceBook.price (a model seen before: a map lookup and
 *    arithmetic) against calcPrice (matching provider and model on every call), taking turns in one process.
 */
import { calcPrice } from "@pydantic/genai-prices";
import { priceDataVersion } from "../src/pricing/catalog.js";
import { PriceBook } from "../src/pricing/pricing.js";
import { tokenUsage, type TokenUsage } from "../src/shared/llm-call.js";

interface Case {
  model: string;
  /** gen_ai.provider.name, as the tracer reads it from LangChain. */
  provider: string;
  catalogProvider: string;
  /** Disjoint buckets: input, cache read, cache write, output, reasoning. */
  usage: TokenUsage;
}

// Realistic calls: a long cached system prompt, a shorter uncached question, an answer with reasoning where the
// model reasons (o-series, Gemini thinking); Anthropic's with a cache write.
const CASES: Case[] = [
  { model: "gpt-4o-mini", provider: "openai", catalogProvider: "openai", usage: tokenUsage(3_808, 8_192, 0, 900, 0) },
  { model: "gpt-4o", provider: "openai", catalogProvider: "openai", usage: tokenUsage(3_808, 8_192, 0, 900, 0) },
  { model: "o4-mini", provider: "openai", catalogProvider: "openai", usage: tokenUsage(3_808, 8_192, 0, 696, 2_304) },
  { model: "claude-sonnet-4-20250514", provider: "anthropic", catalogProvider: "anthropic", usage: tokenUsage(2_000, 6_000, 4_000, 900, 0) },
  { model: "gemini-2.5-flash", provider: "gcp.gemini", catalogProvider: "google", usage: tokenUsage(3_808, 8_192, 0, 900, 2_100) },
];

const book = new PriceBook();
const theirs = (c: Case, at: Date) =>
  calcPrice(
    // genai-prices' input and output counts include their cached and reasoning parts.
    { input_tokens: c.usage.inputTokens, cache_read_tokens: c.usage.cacheRead, cache_write_tokens: c.usage.cacheWrite, output_tokens: c.usage.outputTokens, output_reasoning_tokens: c.usage.reasoning },
    c.model,
    { providerId: c.catalogProvider, timestamp: at },
  );

const now = new Date();
console.log(`@pydantic/genai-prices ${priceDataVersion()}; USD per call\n`);
console.log("| model | usage (input / cached / cache write / output / reasoning) | ours | genai-prices | difference |");
console.log("| --- | --- | --- | --- | --- |");
for (const c of CASES) {
  const ours = book.price({ provider: c.provider, model: c.model, local: false }, c.usage, now.getTime())!.cost.total;
  const reference = theirs(c, now)!.total_price;
  const u = c.usage;
  console.log(`| \`${c.model}\` | ${u.inputTokens} / ${u.cacheRead} / ${u.cacheWrite} / ${u.outputTokens} / ${u.reasoning} | ${ours.toFixed(8)} | ${reference.toFixed(8)} | ${Math.abs(ours - reference).toExponential(1)} |`);
}

// Hot path: both priced in turns, 20 rounds × 5,000 calls each, medians of the per-round ns/call.
const ROUNDS = 20;
const CALLS = 5_000;
let sink = 0;
const per = { ours: [] as number[], theirs: [] as number[] };
for (let round = 0; round < ROUNDS + 2; round++) {
  for (const which of round % 2 === 0 ? (["ours", "theirs"] as const) : (["theirs", "ours"] as const)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) {
      const c = CASES[i % CASES.length]!;
      sink += which === "ours" ? book.price({ provider: c.provider, model: c.model, local: false }, c.usage, Date.now())!.cost.total : theirs(c, now)!.total_price;
    }
    const ns = Number(process.hrtime.bigint() - start) / CALLS;
    if (round >= 2) per[which].push(ns); // two warm-up rounds
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nper LLM call (median of ${ROUNDS} rounds of ${CALLS} calls, in turns): ours ${median(per.ours).toFixed(0)} ns, calcPrice ${median(per.theirs).toFixed(0)} ns, ratio ${(median(per.theirs) / median(per.ours)).toFixed(0)}x`);
if (sink === 0) console.log("(unreachable)");
