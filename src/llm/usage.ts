/**
 * Token usage from the provider's own payload, in the disjoint buckets of `TokenUsage`. Each provider
 * counts differently (is cached input inside `input_tokens`? reasoning inside the output count?); each
 * reader below follows its provider's documented meaning (the same mappings as @pydantic/genai-prices'
 * extractors), and returns undefined for a shape it does not know rather than guess.
 */
import { tokenUsage, type TokenUsage } from "../shared/llm-call.js";
import { objectOf, tokenCountOf, type Obj } from "../shared/read.js";

function n(value: unknown): number {
  return tokenCountOf(value) ?? 0;
}

/** Disjoint buckets from all-input and all-output counts and their parts (parts never exceed their whole). */
function split(inputAll: number, cacheRead: number, cacheWrite: number, outputAll: number, reasoning: number): TokenUsage {
  return tokenUsage(Math.max(0, inputAll - cacheRead - cacheWrite), cacheRead, cacheWrite, Math.max(0, outputAll - reasoning), reasoning);
}

/**
 * OpenAI chat completions and the hosts that speak it (Azure, Groq, Together, Fireworks, DeepSeek, Mistral,
 * OpenRouter, xAI): `prompt_tokens` include cache reads and writes, `completion_tokens` include reasoning —
 * except xAI's, which leave reasoning out.
 */
function chatCompletions(u: Obj, provider: string): TokenUsage {
  const prompt = objectOf(u.prompt_tokens_details);
  const completion = objectOf(u.completion_tokens_details);
  // DeepSeek reports cache hits as `prompt_cache_hit_tokens` (older API versions only there).
  const cacheRead = tokenCountOf(prompt?.cached_tokens) ?? n(u.prompt_cache_hit_tokens);
  const cacheWrite = n(prompt?.cache_write_tokens);
  const reasoning = n(completion?.reasoning_tokens);
  const completionTokens = n(u.completion_tokens);
  const outputAll = provider === "x_ai" ? completionTokens + reasoning : completionTokens;
  return split(n(u.prompt_tokens), cacheRead, cacheWrite, outputAll, reasoning);
}

/** OpenAI's Responses API: `input_tokens` include cached ones, `output_tokens` include reasoning. */
function responses(u: Obj): TokenUsage {
  const input = objectOf(u.input_tokens_details);
  const output = objectOf(u.output_tokens_details);
  return split(n(u.input_tokens), n(input?.cached_tokens), n(input?.cache_write_tokens), n(u.output_tokens), n(output?.reasoning_tokens));
}

/**
 * Anthropic's Messages API: `input_tokens` leave out cache reads and writes, which are counted apart;
 * `output_tokens` include thinking (`output_tokens_details.thinking_tokens`).
 */
function anthropic(u: Obj): TokenUsage {
  const output = objectOf(u.output_tokens_details);
  const outputAll = n(u.output_tokens);
  const reasoning = Math.min(outputAll, n(output?.thinking_tokens));
  return tokenUsage(n(u.input_tokens), n(u.cache_read_input_tokens), n(u.cache_creation_input_tokens), outputAll - reasoning, reasoning);
}

/** Bedrock's Converse API: like Anthropic's, in camel case. */
function converse(u: Obj): TokenUsage {
  return tokenUsage(n(u.inputTokens), n(u.cacheReadInputTokens), n(u.cacheWriteInputTokens), n(u.outputTokens), 0);
}

/**
 * Gemini's `usageMetadata`: `promptTokenCount` includes cached content; tool-use prompts are input too;
 * `candidatesTokenCount` leaves out thoughts (`thoughtsTokenCount`). When a client dropped the thoughts but
 * kept the total, they are what the total has beyond the rest.
 */
function gemini(u: Obj): TokenUsage {
  const inputAll = n(u.promptTokenCount) + n(u.toolUsePromptTokenCount);
  const candidates = n(u.candidatesTokenCount);
  let thoughts = tokenCountOf(u.thoughtsTokenCount);
  if (thoughts === undefined) {
    const total = tokenCountOf(u.totalTokenCount);
    thoughts = total !== undefined ? Math.max(0, total - inputAll - candidates) : 0;
  }
  return split(inputAll, n(u.cachedContentTokenCount), 0, candidates + thoughts, thoughts);
}

/** Ollama's `/api/chat`: `prompt_eval_count` in, `eval_count` out. */
function ollama(u: Obj): TokenUsage {
  return tokenUsage(n(u.prompt_eval_count), 0, 0, n(u.eval_count), 0);
}

/** LangChain's own legacy summary (`tokenUsage`): totals only. */
function legacy(u: Obj): TokenUsage {
  return tokenUsage(n(u.promptTokens), 0, 0, n(u.completionTokens), 0);
}

/**
 * Usage from a provider payload's usage object, whichever provider's shape it has; undefined when it has
 * none of the shapes (or no counts).
 */
export function providerUsage(u: Obj | undefined, provider: string): TokenUsage | undefined {
  if (u === undefined) return undefined;
  if (u.prompt_tokens !== undefined || u.completion_tokens !== undefined) return chatCompletions(u, provider);
  if (u.promptTokenCount !== undefined || u.candidatesTokenCount !== undefined) return gemini(u);
  if (u.input_tokens !== undefined || u.output_tokens !== undefined) {
    // Both name their counts input_tokens/output_tokens; only the Responses API has `*_tokens_details.{cached,reasoning}_tokens`.
    const responsesApi = u.input_tokens_details !== undefined || objectOf(u.output_tokens_details)?.reasoning_tokens !== undefined;
    return responsesApi ? responses(u) : anthropic(u);
  }
  if (u.inputTokens !== undefined || u.outputTokens !== undefined) return converse(u);
  if (u.prompt_eval_count !== undefined || u.eval_count !== undefined) return ollama(u);
  if (u.promptTokens !== undefined || u.completionTokens !== undefined) return legacy(u);
  return undefined;
}

/**
 * LangChain's normalised `usage_metadata`, the fallback where no provider payload is passed on: its
 * `input_tokens` include cache reads and writes, its `output_tokens` include reasoning. For Gemini,
 * `@langchain/google-genai` leaves thoughts out of `output_tokens` but keeps the provider's `total_tokens`: what
 * the total has beyond input and output is thoughts (reasoning, billed as output); where the total has less,
 * the total wins (its streams can repeat an earlier, larger prompt count).
 */
export function langChainUsage(u: Obj | undefined, provider: string): TokenUsage | undefined {
  if (u === undefined) return undefined;
  const inputCount = tokenCountOf(u.input_tokens);
  const outputCount = tokenCountOf(u.output_tokens);
  if (inputCount === undefined && outputCount === undefined) return undefined;
  const inDetails = objectOf(u.input_token_details);
  const outDetails = objectOf(u.output_token_details);
  let input = inputCount ?? 0;
  let output = outputCount ?? 0;
  let reasoning = n(outDetails?.reasoning);
  const total = tokenCountOf(u.total_tokens);
  if ((provider === "gcp.gemini" || provider === "gcp.vertex_ai") && total !== undefined) {
    if (total > input + output) {
      reasoning += total - input - output;
      output = total - input;
    } else if (total < input + output) {
      input = Math.max(0, total - output);
    }
  }
  return split(input, n(inDetails?.cache_read), n(inDetails?.cache_creation), output, reasoning);
}
