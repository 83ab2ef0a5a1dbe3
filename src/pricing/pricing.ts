import type { LlmUsage } from "../tracer/llm-info.js";
import type { CostBreakdown } from "../tracer/sink.js";

/** Prices in USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Price of input tokens read from the provider's prompt cache; defaults to `input`. */
  cachedInput?: number;
  /** Price of input tokens written to the prompt cache (Anthropic); defaults to `input`. */
  cacheWrite?: number;
}

export type PricingTable = Record<string, ModelPrice>;

/** The day the default prices were checked against the providers' published list prices. */
export const PRICING_DATE = "2025-11-01";

/**
 * List prices (USD per 1M tokens) of common models, by family. A versioned name (`gpt-4o-2024-08-06`,
 * `claude-3-5-sonnet-20241022`, `claude-3-5-sonnet@20240620`) is priced as its longest matching family.
 * Models served locally (Ollama, vLLM, llama.cpp) cost nothing to call.
 */
export const DEFAULT_PRICING: Readonly<PricingTable> = Object.freeze({
  // OpenAI
  "gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-4": { input: 30, output: 60 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60, cachedInput: 7.5 },
  "o1-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  "o3-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  "o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  // Anthropic (cachedInput = cache read, cacheWrite = 5-minute cache write)
  "claude-opus-4-1": { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
  "claude-opus-4": { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
  "claude-sonnet-4-5": { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
  "claude-sonnet-4": { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
  "claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
  "claude-3-7-sonnet": { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
  "claude-3-5-sonnet": { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1 },
  "claude-3-opus": { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
  "claude-3-sonnet": { input: 3, output: 15 },
  "claude-3-haiku": { input: 0.25, output: 1.25, cachedInput: 0.03, cacheWrite: 0.3 },
  // Google (prompts up to 200k tokens)
  "gemini-2.5-pro": { input: 1.25, output: 10, cachedInput: 0.31 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cachedInput: 0.075 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gemini-2.0-flash-lite": { input: 0.075, output: 0.3 },
  "gemini-1.5-pro": { input: 1.25, output: 5, cachedInput: 0.3125 },
  "gemini-1.5-flash": { input: 0.075, output: 0.3, cachedInput: 0.01875 },
  // Mistral
  "mistral-large": { input: 2, output: 6 },
  "mistral-medium": { input: 0.4, output: 2 },
  "mistral-small": { input: 0.1, output: 0.3 },
  codestral: { input: 0.3, output: 0.9 },
  "open-mistral-nemo": { input: 0.15, output: 0.15 },
  // Local models
  llama: { input: 0, output: 0 },
  "llama2": { input: 0, output: 0 },
  "llama3": { input: 0, output: 0 },
  "llama3.1": { input: 0, output: 0 },
  "llama3.2": { input: 0, output: 0 },
  "llama3.3": { input: 0, output: 0 },
  codellama: { input: 0, output: 0 },
  gemma: { input: 0, output: 0 },
  gemma2: { input: 0, output: 0 },
  gemma3: { input: 0, output: 0 },
  "gemma-3": { input: 0, output: 0 },
  qwen: { input: 0, output: 0 },
  "qwen2.5": { input: 0, output: 0 },
  "qwen2.5-coder": { input: 0, output: 0 },
  qwen3: { input: 0, output: 0 },
  phi3: { input: 0, output: 0 },
  phi4: { input: 0, output: 0 },
  "mistral:": { input: 0, output: 0 },
  "mixtral:": { input: 0, output: 0 },
  "deepseek-r1:": { input: 0, output: 0 },
});

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
    if (p === null || typeof p !== "object" || !ok(p.input, false) || !ok(p.output, false) || !ok(p.cachedInput, true) || !ok(p.cacheWrite, true)) {
      fail(`pricing.${model}`, entry, "{ input, output, cachedInput?, cacheWrite? } in USD per million tokens, each a number >= 0");
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

/** Price lookups by model name, with family matching; answers are cached (bounded). */
export class PriceBook {
  private readonly families: Array<[string, ModelPrice]>;
  private readonly cache = new Map<string, ModelPrice | null>();

  constructor(table: Readonly<PricingTable>) {
    // Longest family first, so `gpt-4o-mini-2024-07-18` is gpt-4o-mini, not gpt-4o.
    this.families = Object.entries(table)
      .map(([family, price]) => [family.toLowerCase(), price] as [string, ModelPrice])
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** The price of a model, or undefined when it is not priced. */
  priceOf(model: string): ModelPrice | undefined {
    const cached = this.cache.get(model);
    if (cached !== undefined) return cached ?? undefined;
    const name = normalizeModelName(model);
    let found: ModelPrice | null = null;
    for (const [family, price] of this.families) {
      if (matchesFamily(name, family)) {
        found = price;
        break;
      }
    }
    if (this.cache.size >= MAX_CACHED_LOOKUPS) this.cache.clear();
    this.cache.set(model, found);
    return found ?? undefined;
  }

  /**
   * Cost of one call. Cached input tokens are counted once, at the cached rate: `usage.input` includes
   * them, so they are taken out of the full-price input first.
   */
  costOf(model: string, usage: LlmUsage): CostBreakdown | undefined {
    const price = this.priceOf(model);
    if (price === undefined) return undefined;
    const uncached = Math.max(0, usage.input - usage.cacheRead - usage.cacheCreation);
    const input = (uncached * price.input + usage.cacheCreation * (price.cacheWrite ?? price.input)) / 1e6;
    const cacheRead = (usage.cacheRead * (price.cachedInput ?? price.input)) / 1e6;
    const output = (usage.output * price.output) / 1e6;
    return { input, cacheRead, output, total: input + cacheRead + output };
  }
}
