import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { calcPrice, type ModelInfo, type ModelPrice as CatalogPrice, type TieredPrices } from "@pydantic/genai-prices";

/** A rate in USD per million tokens: flat, or tiered by the call's input tokens (Gemini's long prompts). */
export type Rate = number | { readonly base: number; readonly tiers: ReadonlyArray<{ readonly start: number; readonly price: number }> };

/** Per-million-token rates of one model, one per usage bucket. */
export interface Rates {
  readonly input: Rate;
  readonly cacheRead: Rate;
  readonly cacheWrite: Rate;
  readonly output: Rate;
  readonly reasoning: Rate;
}

/** A model's rates at a time (ms since the epoch): fixed, or chosen per call when the catalogue prices by date or time of day. */
export type RatesAt = (atMs: number) => Rates;

/** `gen_ai.provider.name` (what the tracer reads from LangChain) → the catalogue's provider id. */
const CATALOG_PROVIDERS: Readonly<Record<string, string>> = {
  openai: "openai",
  "azure.ai.openai": "azure",
  anthropic: "anthropic",
  "gcp.gemini": "google",
  "gcp.vertex_ai": "google",
  mistral_ai: "mistral",
  groq: "groq",
  "aws.bedrock": "aws",
  cohere: "cohere",
  deepseek: "deepseek",
  x_ai: "x-ai",
  perplexity: "perplexity",
  together: "together",
  fireworks: "fireworks",
  openrouter: "openrouter",
  cerebras: "cerebras",
  moonshotai: "moonshotai",
  novita: "novita",
};

/** The catalogue's provider id for a `gen_ai.provider.name`, or undefined (then the model name alone decides). */
export function catalogProvider(provider: string | undefined): string | undefined {
  return provider === undefined ? undefined : CATALOG_PROVIDERS[provider];
}

/** A model of the catalogue: its provider, its id (which names one model whatever the spelling) and its rates. */
export interface CatalogModel {
  readonly providerId: string;
  readonly id: string;
  readonly rates: RatesAt;
}

/**
 * The model as `@pydantic/genai-prices` prices it, or undefined. Its `calcPrice` finds the provider and model
 * (~60 µs); callers memoise the answer, and price each call from the rates with plain arithmetic.
 */
export function catalogModel(model: string, providerId: string | undefined): CatalogModel | undefined {
  const found = findModel(model, providerId);
  return found === undefined ? undefined : { providerId: found.provider.id, id: found.model.id, rates: ratesAt(found.model) };
}

function ratesAt(info: ModelInfo): RatesAt {
  const prices = info.prices;
  if (!Array.isArray(prices)) {
    const fixed = ratesOf(prices);
    return () => fixed;
  }
  // Conditional prices (a new price from a date; off-peak hours): chosen per call, as the catalogue does.
  const all = prices.map((p) => {
    const c = p.constraint;
    const rates = ratesOf(p.prices);
    if (c === undefined) return { rates, applies: () => true };
    if (c.type === "start_date") {
      const from = Date.parse(c.start_date);
      return { rates, applies: (atMs: number) => atMs >= from };
    }
    const from = secondsOfDay(c.start_time);
    const to = secondsOfDay(c.end_time);
    return { rates, applies: (atMs: number) => inTimeWindow(atMs, from, to) };
  });
  return (atMs) => {
    for (let i = all.length - 1; i >= 0; i--) if (all[i]!.applies(atMs)) return all[i]!.rates;
    return all[0]!.rates;
  };
}

function findModel(model: string, providerId: string | undefined): { model: ModelInfo; provider: { id: string } } | undefined {
  try {
    // The smallest valid usage: only the match matters here, not the price.
    const found = calcPrice({ input_tokens: 1 }, model, providerId === undefined ? undefined : { providerId });
    return found ?? undefined;
  } catch {
    return undefined;
  }
}

function ratesOf(p: CatalogPrice): Rates {
  const input = rate(p.input_mtok) ?? 0;
  const output = rate(p.output_mtok) ?? 0;
  return {
    input,
    // A bucket the model does not price separately is priced as its parent (cache reads and writes as input,
    // reasoning as output), as the catalogue's own calculation does.
    cacheRead: rate(p.cache_read_mtok) ?? input,
    cacheWrite: rate(p.cache_write_mtok) ?? input,
    output,
    reasoning: rate(p.output_reasoning_mtok) ?? output,
  };
}

function rate(value: number | TieredPrices | undefined): Rate | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return value;
  return { base: value.base, tiers: value.tiers.map((t) => ({ start: t.start, price: t.price })) };
}

/** A UTC time-of-day window in seconds, possibly across midnight. */
function inTimeWindow(atMs: number, from: number, to: number): boolean {
  const seconds = (((atMs % 86_400_000) + 86_400_000) % 86_400_000) / 1000;
  return to < from ? seconds >= from || seconds < to : seconds >= from && seconds < to;
}

/** "HH:MM:SS[.fff](Z|±HH:MM)" → seconds after midnight UTC; unreadable → NaN (the window never applies). */
function secondsOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (m === null) return Number.NaN;
  const offset = m[4] === "Z" ? 0 : (m[5] === "+" ? 1 : -1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) - offset + 86_400) % 86_400;
}

/** Where prices come from (unless you give your own). */
export const PRICE_DATA_SOURCE = "@pydantic/genai-prices";

let dataVersion: string | undefined;

/** The version of `@pydantic/genai-prices` (and so of its bundled price data) in use. */
export function priceDataVersion(): string {
  if (dataVersion !== undefined) return dataVersion;
  try {
    // Its exports map hides package.json: find it beside the entry point.
    const entry = createRequire(import.meta.url).resolve("@pydantic/genai-prices");
    dataVersion = String((JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version?: unknown }).version);
  } catch {
    dataVersion = "unknown";
  }
  return dataVersion;
}
