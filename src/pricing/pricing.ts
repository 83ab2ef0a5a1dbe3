import type { CostBreakdown, Price, PricedModel, Pricer, TokenUsage } from "../shared/llm-call.js";
import type { OptionFailure } from "../shared/option-error.js";
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
export function checkPricing(value: unknown, fail: OptionFailure): PricingTable {
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

/** Rates found for a model, and which price they are. */
interface Found {
  readonly rates: RatesAt;
  readonly pricedAs: string;
}

const LOCAL: Found = { rates: () => FREE, pricedAs: "local" };

/**
 * What calls cost. Your own prices (the `pricing` option, by model family) come first; then a call served
 * locally is free; then the `@pydantic/genai-prices` catalogue, by provider and model; anything else is
 * unpriced. Each (provider, model) is looked up once (bounded cache); a call is then priced with arithmetic.
 */
export class PriceBook implements Pricer {
  /** Your prices: family, rates, and the catalogue's id of the family's name (undefined: not in it). */
  private readonly families: Array<{ family: string; found: Found; catalogId: string | undefined }>;
  /** Answers by provider (`local:` before it for local calls), then model; bounded by MAX_CACHED_LOOKUPS in all. */
  private readonly cache = new Map<string, Map<string, Found | null>>();
  private cached = 0;

  constructor(overrides: Readonly<PricingTable> = {}) {
    // Longest family first, so `gpt-4o-mini-2024-07-18` is gpt-4o-mini, not gpt-4o.
    this.families = Object.entries(overrides)
      .map(([family, price]) => ({
        family: family.toLowerCase(),
        found: { rates: fixed(ratesOfPrice(price)), pricedAs: `pricing:${family}` },
        catalogId: catalogModel(family.toLowerCase(), undefined)?.id,
      }))
      .sort((a, b) => b.family.length - a.family.length);
  }

  price(call: PricedModel, usage: TokenUsage, atMs: number): Price | undefined {
    const found = this.lookUpCached(call.model, call.provider, call.local);
    return found === undefined ? undefined : { cost: costOf(found.rates(atMs), usage), pricedAs: found.pricedAs };
  }

  /**
   * Cost of one call (`usage` in disjoint buckets, missing ones 0), for code that is not traced; undefined when
   * the model has no price. The tracer prices its calls itself.
   */
  costOf(model: string, usage: Partial<Pick<TokenUsage, "input" | "cacheRead" | "cacheWrite" | "output" | "reasoning">>, provider = "unknown", atMs: number = Date.now()): CostBreakdown | undefined {
    const found = this.lookUpCached(model, provider, false);
    if (found === undefined) return undefined;
    const n = (v: number | undefined) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);
    const input = n(usage.input);
    const cacheRead = n(usage.cacheRead);
    const cacheWrite = n(usage.cacheWrite);
    const output = n(usage.output);
    const reasoning = n(usage.reasoning);
    const inputTokens = input + cacheRead + cacheWrite;
    return costOf(found.rates(atMs), { input, cacheRead, cacheWrite, output, reasoning, inputTokens, outputTokens: output + reasoning, total: inputTokens + output + reasoning });
  }

  private lookUpCached(model: string, provider: string, local: boolean): Found | undefined {
    const key = local ? `local:${provider}` : provider;
    let byModel = this.cache.get(key);
    const hit = byModel?.get(model);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.lookUp(model, provider, local) ?? null;
    if (this.cached >= MAX_CACHED_LOOKUPS) {
      this.cache.clear();
      this.cached = 0;
      byModel = undefined;
    }
    if (byModel === undefined) this.cache.set(key, (byModel = new Map()));
    byModel.set(model, found);
    this.cached++;
    return found ?? undefined;
  }

  private lookUp(model: string, provider: string, local: boolean): Found | undefined {
    const name = normalizeModelName(model);
    const byName = (): CatalogModel | undefined => catalogModel(model, undefined) ?? (name !== model ? catalogModel(name, undefined) : undefined);
    let named: CatalogModel | null | undefined;
    for (const { family, found, catalogId } of this.families) {
      if (!matchesFamily(name, family)) continue;
      // Yours apply unless the catalogue knows the name as another model than the family: a `gpt-4o` price is
      // not a `gpt-4o-mini` price, but is one for `gpt-4o-2024-08-06`.
      if (catalogId === undefined) return found;
      named ??= byName() ?? null;
      if (named === null || named.id === catalogId) return found;
    }
    // A model served locally costs nothing, whatever a hosted model of the same name costs.
    if (local) return LOCAL;
    const providerId = catalogProvider(provider);
    // A known provider is priced from its own list only: a Groq model is not priced as OpenAI's of the same name.
    const catalogued = providerId !== undefined ? (catalogModel(model, providerId) ?? catalogModel(name, providerId)) : named === undefined ? byName() : (named ?? undefined);
    return catalogued === undefined ? undefined : { rates: catalogued.rates, pricedAs: `${catalogued.providerId}/${catalogued.id}` };
  }
}

/** The cost of `usage` at rates `r`; tiered rates go by the call's whole input (cached included). */
function costOf(r: Rates, usage: TokenUsage): CostBreakdown {
  const tier = usage.inputTokens;
  const input = (usage.input * priceAt(r.input, tier)) / 1e6;
  const cacheRead = (usage.cacheRead * priceAt(r.cacheRead, tier)) / 1e6;
  const cacheWrite = (usage.cacheWrite * priceAt(r.cacheWrite, tier)) / 1e6;
  const output = (usage.output * priceAt(r.output, tier)) / 1e6;
  const reasoning = (usage.reasoning * priceAt(r.reasoning, tier)) / 1e6;
  return { input, cacheRead, cacheWrite, output, reasoning, total: input + cacheRead + cacheWrite + output + reasoning };
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
