/**
 * Pricing: `node --import tsx bench/pricing.ts` (npm run bench:pricing).
 *
 * 1. The cost of one generation with cached and reasoning tokens for common models: ours (PriceBook) against
 *    `@pydantic/genai-prices`'s own calcPrice on the same usage.
 * 2. What pricing costs on the hot path, per LLM call: PriceBook.costOf (a model seen before: a map lookup and
 *    arithmetic) against calcPrice (matching provider and model on every call), taking turns in one process.
 */
import { calcPrice } from "@pydantic/genai-prices";
import { priceDataVersion } from "../src/pricing/catalog.js";
import { PriceBook } from "../src/pricing/pricing.js";
import type { LlmUsage } from "../src/tracer/llm-info.js";

interface Case {
  model: string;
  /** gen_ai.provider.name, as the tracer reads it from LangChain. */
  provider: string;
  catalogProvider: string;
  usage: LlmUsage;
}

// Realistic calls: a long cached system prompt, a shorter uncached question, an answer with reasoning where the
// model reasons (o-series, Gemini thinking); Anthropic's with a cache write.
const CASES: Case[] = [
  { model: "gpt-4o-mini", provider: "openai", catalogProvider: "openai", usage: { input: 12_000, cacheRead: 8_192, cacheCreation: 0, output: 900, reasoning: 0 } },
  { model: "gpt-4o", provider: "openai", catalogProvider: "openai", usage: { input: 12_000, cacheRead: 8_192, cacheCreation: 0, output: 900, reasoning: 0 } },
  { model: "o4-mini", provider: "openai", catalogProvider: "openai", usage: { input: 12_000, cacheRead: 8_192, cacheCreation: 0, output: 3_000, reasoning: 2_304 } },
  { model: "claude-sonnet-4-20250514", provider: "anthropic", catalogProvider: "anthropic", usage: { input: 12_000, cacheRead: 6_000, cacheCreation: 4_000, output: 900, reasoning: 0 } },
  { model: "gemini-2.5-flash", provider: "gcp.gemini", catalogProvider: "google", usage: { input: 12_000, cacheRead: 8_192, cacheCreation: 0, output: 3_000, reasoning: 2_100 } },
];

const book = new PriceBook();
const theirs = (c: Case, at: Date) =>
  calcPrice(
    { input_tokens: c.usage.input, cache_read_tokens: c.usage.cacheRead, cache_write_tokens: c.usage.cacheCreation, output_tokens: c.usage.output, output_reasoning_tokens: c.usage.reasoning },
    c.model,
    { providerId: c.catalogProvider, timestamp: at },
  );

const now = new Date();
console.log(`@pydantic/genai-prices ${priceDataVersion()}; USD per call\n`);
console.log("| model | usage (input / cached / cache write / output / reasoning) | ours | genai-prices | difference |");
console.log("| --- | --- | --- | --- | --- |");
for (const c of CASES) {
  const ours = book.costOf(c.model, c.usage, c.provider, now.getTime())!.total;
  const reference = theirs(c, now)!.total_price;
  const u = c.usage;
  console.log(`| \`${c.model}\` | ${u.input} / ${u.cacheRead} / ${u.cacheCreation} / ${u.output} / ${u.reasoning} | ${ours.toFixed(8)} | ${reference.toFixed(8)} | ${Math.abs(ours - reference).toExponential(1)} |`);
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
      sink += which === "ours" ? book.costOf(c.model, c.usage, c.provider, Date.now())!.total : theirs(c, now)!.total_price;
    }
    const ns = Number(process.hrtime.bigint() - start) / CALLS;
    if (round >= 2) per[which].push(ns); // two warm-up rounds
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nper LLM call (median of ${ROUNDS} rounds of ${CALLS} calls, in turns): ours ${median(per.ours).toFixed(0)} ns, calcPrice ${median(per.theirs).toFixed(0)} ns, ratio ${(median(per.theirs) / median(per.ours)).toFixed(0)}x`);
if (sink === 0) console.log("(unreachable)");
