import type { LlmUsage } from "../tracer/llm-info.js";
import type { CostBreakdown } from "../tracer/sink.js";
import { catalogModel, catalogProvider, type CatalogModel, type Rate, type Rates, type RatesAt } from "./catalog.js";

/** A price of your own (the `pricing` option), in USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Price of input tokens read from the provider's prompt cache; defaults to `input`. */
  cachedInput?: number;
  /** Price of input tokens written to the prompt cache (Anthropic); defaults to `input`. */
  cacheWrite?: number;
  /** Price of reasoning output tokens; defaults to `output`. */
  reasoning?: number;
}

export type PricingTable = Record<string, ModelPrice>;

/**
 * Models served locally (Ollama, vLLM, llama.cpp) cost nothing to call. The price catalogue lists hosted
 * models only, so these families are priced at zero after it: `llama-3.1-8b-instant` on Groq keeps its price.
 */
export const LOCAL_MODEL_FAMILIES: readonly string[] = [
  "llama", "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "codellama", "gemma", "gemma2", "gemma3", "gemma-3",
  "qwen", "qwen2.5", "qwen2.5-coder", "qwen3", "phi3", "phi4", "mistral:", "mixtral:", "deepseek-r1:",
];

/**
 * The model name as priced: lower case, without a router's provider prefix (`openai/gpt-4o`,
 * `models/gemini-1.5-pro`) or a Bedrock vendor prefix (`us.anthropic.claude-…`).
 */
export function normalizeModelName(model: string): string {
  let name = model.trim().toLowerCase();
  const slash = name.lastIndexOf("/");
  if (slash >= 0) name = name.slice(slash + 1);
  return name.replace(/^(?:[a-z]{2,4}\.)?(?:anthropic|meta|mistral|amazon|cohere|ai21|google)\./, "");
}

const PRICE_KEYS = new Set(["input", "output", "cachedInput", "cacheWrite", "reasoning"]);

/**
 * A user's price table, checked (`fail` throws the owner's option error): an object of model families to
 * `{ input, output, cachedInput?, cacheWrite? }`, each a finite number >= 0. Undefined gives `{}`.
 */
export function checkPricing(value: unknown, fail: (option: string, value: unknown, expected: string) => never): PricingTable {
  const table: PricingTable = {};
  if (value === undefined) return table;
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail("pricing", value, "an object mapping model families to prices");
  const ok = (n: unknown, optional: boolean) => (optional && n === undefined) || (typeof n === "number" && Number.isFinite(n) && n >= 0);
  for (const [model, entry] of Object.entries(value)) {
    const p = entry as Partial<ModelPrice> | null;
    const known = p !== null && typeof p === "object" && Object.keys(p).every((k) => PRICE_KEYS.has(k));
    if (!known || !ok(p.input, false) || !ok(p.output, false) || !ok(p.cachedInput, true) || !ok(p.cacheWrite, true) || !ok(p.reasoning, true)) {
      fail(`pricing.${model}`, entry, "{ input, output, cachedInput?, cacheWrite?, reasoning? } in USD per million tokens, each a number >= 0");
    }
    table[model] = p as ModelPrice;
  }
  return table;
}

const FAMILY_SEPARATORS = ["-", ":", "@", "."];

function matchesFamily(name: string, family: string): boolean {
  if (name === family) return true;
  if (!name.startsWith(family)) return false;
  // `mistral:` style keys carry their own separator.
  if (family.endsWith(":")) return true;
  return FAMILY_SEPARATORS.includes(name.charAt(family.length));
}

const MAX_CACHED_LOOKUPS = 2048;
const FREE: Rates = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 };
const free: RatesAt = () => FREE;

/**
 * What a call costs. Your own prices (the `pricing` option, by model family) come first, then the
 * `@pydantic/genai-prices` catalogue (by provider and model), then local models at zero; anything else is
 * unpriced. Each (provider, model) is looked up once (bounded cache); a call is then priced with arithmetic.
 */
export class PriceBook {
  /** Your prices: family, rates, and the catalogue's id of the family's name (undefined: not in it). */
  private readonly families: Array<{ family: string; rates: RatesAt; catalogId: string | undefined }>;
  /** Answers by provider, then model (no key string built per call); bounded by MAX_CACHED_LOOKUPS in all. */
  private readonly cache = new Map<string | undefined, Map<string, RatesAt | null>>();
  private cached = 0;

  constructor(overrides: Readonly<PricingTable> = {}) {
    // Longest family first, so `gpt-4o-mini-2024-07-18` is gpt-4o-mini, not gpt-4o.
    this.families = Object.entries(overrides)
      .map(([family, price]) => ({ family: family.toLowerCase(), rates: fixed(ratesOfPrice(price)), catalogId: catalogModel(family.toLowerCase(), undefined)?.id }))
      .sort((a, b) => b.family.length - a.family.length);
  }

  /**
   * Cost of one call, split as the usage is (uncached input, cache reads, cache writes, plain output,
   * reasoning); the parts sum to the total. `usage.input` includes cached tokens and `usage.output` includes
   * reasoning tokens, as LangChain reports them, so each token is priced once. Undefined when unpriced.
   */
  costOf(model: string, usage: LlmUsage, provider?: string, atMs: number = Date.now()): CostBreakdown | undefined {
    const ratesAt = this.ratesOf(model, provider);
    if (ratesAt === undefined) return undefined;
    const r = ratesAt(atMs);
    const inputTokens = usage.input;
    const input = (Math.max(0, inputTokens - usage.cacheRead - usage.cacheCreation) * priceAt(r.input, inputTokens)) / 1e6;
    const inputCacheRead = (usage.cacheRead * priceAt(r.cacheRead, inputTokens)) / 1e6;
    const inputCacheCreation = (usage.cacheCreation * priceAt(r.cacheWrite, inputTokens)) / 1e6;
    const output = (Math.max(0, usage.output - usage.reasoning) * priceAt(r.output, inputTokens)) / 1e6;
    const outputReasoning = (usage.reasoning * priceAt(r.reasoning, inputTokens)) / 1e6;
    return { input, inputCacheRead, inputCacheCreation, output, outputReasoning, total: input + inputCacheRead + inputCacheCreation + output + outputReasoning };
  }

  /** Whether a model has a price (yours, the catalogue's, or a local model's zero). */
  isPriced(model: string, provider?: string): boolean {
    return this.ratesOf(model, provider) !== undefined;
  }

  private ratesOf(model: string, provider: string | undefined): RatesAt | undefined {
    let byModel = this.cache.get(provider);
    const hit = byModel?.get(model);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.lookUp(model, provider) ?? null;
    if (this.cached >= MAX_CACHED_LOOKUPS) {
      this.cache.clear();
      this.cached = 0;
      byModel = undefined;
    }
    if (byModel === undefined) this.cache.set(provider, (byModel = new Map()));
    byModel.set(model, found);
    this.cached++;
    return found ?? undefined;
  }

  private lookUp(model: string, provider: string | undefined): RatesAt | undefined {
    const name = normalizeModelName(model);
    const byName = (): CatalogModel | undefined => catalogModel(model, undefined) ?? (name !== model ? catalogModel(name, undefined) : undefined);
    let named: CatalogModel | null | undefined;
    for (const { family, rates, catalogId } of this.families) {
      if (!matchesFamily(name, family)) continue;
      // Yours apply unless the catalogue knows the name as another model than the family: a `gpt-4o` price is
      // not a `gpt-4o-mini` price, but is one for `gpt-4o-2024-08-06`.
      if (catalogId === undefined) return rates;
      named ??= byName() ?? null;
      if (named === null || named.id === catalogId) return rates;
    }
    const providerId = catalogProvider(provider);
    const catalogued = (providerId !== undefined ? (catalogModel(model, providerId) ?? catalogModel(name, providerId)) : undefined) ?? (named === undefined ? byName() : (named ?? undefined));
    if (catalogued !== undefined) return catalogued.rates;
    if (provider === "ollama" || LOCAL_MODEL_FAMILIES.some((family) => matchesFamily(name, family))) return free;
    return undefined;
  }
}

function ratesOfPrice(p: ModelPrice): Rates {
  return { input: p.input, cacheRead: p.cachedInput ?? p.input, cacheWrite: p.cacheWrite ?? p.input, output: p.output, reasoning: p.reasoning ?? p.output };
}

function fixed(rates: Rates): RatesAt {
  return () => rates;
}

/** A tiered rate applies the highest tier whose start the call's input tokens exceed. */
function priceAt(rate: Rate, inputTokens: number): number {
  if (typeof rate === "number") return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}
