import { calcPrice, extractUsage, findProvider, type Usage } from "@pydantic/genai-prices";
import { streamPayloads, type ProviderFixture } from "./provider-replay.js";

/**
 * What the provider billed for a recorded call, read from the recorded payload alone (never from this project's
 * code), and its price per @pydantic/genai-prices (`extractUsage` on the payload's own usage object, `calcPrice`).
 *
 * Provider semantics relied on (each checked against the recordings in test/fixtures/providers):
 * - OpenAI chat completions (and Azure, DeepSeek, Groq, Together, Mistral, OpenRouter): `usage.prompt_tokens`
 *   includes `prompt_tokens_details.cached_tokens` (and `cache_write_tokens`, where sent);
 *   `completion_tokens` includes `completion_tokens_details.reasoning_tokens`
 *   (https://platform.openai.com/docs/api-reference/chat/object). Streams report usage once, in a final chunk
 *   with empty `choices` (`stream_options.include_usage`); Groq puts it in the last chunk's `x_groq.usage`;
 *   DeepSeek also sends `prompt_cache_hit_tokens` (= `cached_tokens`).
 * - OpenAI Responses: `usage.input_tokens` includes `input_tokens_details.cached_tokens`/`cache_write_tokens`;
 *   `output_tokens` includes `output_tokens_details.reasoning_tokens`; a stream's totals are in the
 *   `response.completed` event's `response`. The API has no finish reason (only `status`), so none is expected.
 * - Anthropic Messages: `usage.input_tokens` excludes `cache_creation_input_tokens` and
 *   `cache_read_input_tokens` (billed input is their sum); `output_tokens` includes thinking, detailed in
 *   `output_tokens_details.thinking_tokens` where sent. In a stream, `message_start` carries the id, model and
 *   input usage, and `message_delta.usage` is cumulative ("the token counts shown in the usage field of the
 *   message_delta event are cumulative", https://docs.anthropic.com/en/docs/build-with-claude/streaming), so
 *   the last `message_delta` overrides `message_start` field by field; its `output_tokens` is the total.
 * - Gemini: `promptTokenCount` includes `cachedContentTokenCount`; output is `candidatesTokenCount` plus
 *   `thoughtsTokenCount` (thinking is billed as output, https://ai.google.dev/gemini-api/docs/thinking);
 *   `toolUsePromptTokenCount` is input; `totalTokenCount` is their sum. Every streamed chunk carries usage so
 *   far; the last one with `usageMetadata` has the totals.
 * - Bedrock Converse: `usage.inputTokens` excludes `cacheReadInputTokens` and `cacheWriteInputTokens`
 *   (`totalTokens` = all three + `outputTokens`); a stream's usage is in its final `metadata` event. Converse
 *   returns neither a model nor an id in the body.
 * - Ollama: `prompt_eval_count` / `eval_count` on the final (`done: true`) object; served locally, so its price
 *   is zero whatever the model's name (issue 25).
 */

export interface ExpectedUsage {
  /** All input tokens billed, cache reads and writes included. */
  input: number;
  cacheRead: number;
  cacheWrite: number;
  /** All output tokens billed, reasoning included. */
  output: number;
  reasoning: number;
  total: number;
}

/** Langfuse `usage_details` buckets: disjoint, summing to `total`. */
export interface UsageBuckets {
  input: number;
  input_cache_read: number;
  input_cache_creation: number;
  output: number;
  output_reasoning: number;
  total: number;
}

export interface ExpectedToolCall {
  /** The provider's id for the call (Gemini, and older Ollama, send none). */
  id?: string;
  name: string;
  /** Parsed arguments. */
  arguments: unknown;
}

export type ExpectedPrice =
  | { kind: "priced"; provider: string; model: string; priceModelId: string; input: number; output: number; total: number }
  | { kind: "local"; total: 0 }
  | { kind: "unpriced"; provider: string; model: string };

export interface ExpectedCall {
  /** Undefined when the payload reports no usage (e.g. a stream without a usage chunk). */
  usage?: ExpectedUsage;
  buckets?: UsageBuckets;
  responseModel?: string;
  responseId?: string;
  /** Undefined when the API has no finish reason (OpenAI Responses). */
  finishReasons?: string[];
  toolCalls: ExpectedToolCall[];
  /** The genai-prices usage the price was computed from (`extractUsage` on the payload's usage object). */
  pricedUsage?: Usage;
  price?: ExpectedPrice;
}

/** genai-prices provider id per fixture folder (undefined: served locally, priced at zero). */
const PRICE_PROVIDERS: Record<string, string | undefined> = {
  openai: "openai",
  azure: "azure",
  anthropic: "anthropic",
  google: "google",
  bedrock: "aws",
  groq: "groq",
  together: "together",
  deepseek: "deepseek",
  mistral: "mistral",
  openrouter: "openrouter",
  ollama: undefined,
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const parseArgs = (v: unknown): unknown => (typeof v === "string" ? (v === "" ? {} : JSON.parse(v)) : v ?? {});

interface Reading {
  usage?: ExpectedUsage;
  /** The object genai-prices' extractor reads (`{ usage }`, `{ usageMetadata }`) and its API flavour. */
  usageRoot?: Json;
  flavor?: string;
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  toolCalls: ExpectedToolCall[];
}

function readOpenAIChat(payloads: Json[]): Reading {
  let usage: Json | undefined;
  let model: string | undefined;
  let id: string | undefined;
  const finish: string[] = [];
  const calls = new Map<number, { id?: string; name: string; args: string }>();
  for (const p of payloads) {
    model ??= p.model || undefined;
    id ??= p.id || undefined;
    const u = p.usage ?? p.x_groq?.usage;
    if (u) usage = u;
    for (const choice of p.choices ?? []) {
      if (choice.finish_reason) finish.push(choice.finish_reason);
      const message = choice.message ?? choice.delta ?? {};
      for (const [i, tc] of (message.tool_calls ?? []).entries()) {
        const index = typeof tc.index === "number" ? tc.index : i;
        const call = calls.get(index) ?? { name: "", args: "" };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments !== undefined) call.args += typeof tc.function.arguments === "string" ? tc.function.arguments : JSON.stringify(tc.function.arguments);
        calls.set(index, call);
      }
    }
  }
  const reading: Reading = { responseModel: model, responseId: id, finishReasons: finish, toolCalls: [...calls.values()].map((c) => ({ id: c.id, name: c.name, arguments: parseArgs(c.args) })) };
  if (usage) {
    const cacheRead = num(usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens);
    reading.usage = {
      input: num(usage.prompt_tokens),
      cacheRead,
      cacheWrite: num(usage.prompt_tokens_details?.cache_write_tokens),
      output: num(usage.completion_tokens),
      reasoning: num(usage.completion_tokens_details?.reasoning_tokens),
      total: num(usage.total_tokens) || num(usage.prompt_tokens) + num(usage.completion_tokens),
    };
    reading.usageRoot = { usage };
    reading.flavor = "chat";
  }
  return reading;
}

function readOpenAIResponses(payloads: Json[]): Reading {
  const response: Json = payloads.find((p) => p.type === "response.completed")?.response ?? payloads.find((p) => p.object === "response") ?? {};
  const toolCalls = (response.output ?? []).filter((o: Json) => o.type === "function_call").map((o: Json) => ({ id: o.call_id, name: o.name, arguments: parseArgs(o.arguments) }));
  const u = response.usage;
  const reading: Reading = { responseModel: response.model, responseId: response.id, toolCalls };
  if (u) {
    reading.usage = {
      input: num(u.input_tokens),
      cacheRead: num(u.input_tokens_details?.cached_tokens),
      cacheWrite: num(u.input_tokens_details?.cache_write_tokens),
      output: num(u.output_tokens),
      reasoning: num(u.output_tokens_details?.reasoning_tokens),
      total: num(u.total_tokens),
    };
    reading.usageRoot = { usage: u };
    reading.flavor = "responses";
  }
  return reading;
}

function readAnthropic(payloads: Json[]): Reading {
  let message: Json = {};
  let usage: Json = {};
  let stop: string | undefined;
  const blocks = new Map<number, Json>();
  for (const p of payloads) {
    if (p.type === "message") message = p;
    if (p.type === "message_start") message = p.message;
    if (p.type === "message" || p.type === "message_start") usage = { ...p.usage, ...p.message?.usage };
    if (p.type === "message_delta") {
      usage = { ...usage, ...p.usage };
      stop = p.delta?.stop_reason ?? stop;
    }
    if (p.type === "content_block_start") blocks.set(p.index, { ...p.content_block, partial: "" });
    if (p.type === "content_block_delta" && p.delta?.type === "input_json_delta") blocks.get(p.index)!.partial += p.delta.partial_json;
  }
  const content: Json[] = message.content?.length ? message.content : [...blocks.values()].map((b) => (b.type === "tool_use" ? { ...b, input: parseArgs(b.partial) } : b));
  const input = num(usage.input_tokens) + num(usage.cache_creation_input_tokens) + num(usage.cache_read_input_tokens);
  const output = num(usage.output_tokens);
  return {
    usage: { input, cacheRead: num(usage.cache_read_input_tokens), cacheWrite: num(usage.cache_creation_input_tokens), output, reasoning: num(usage.output_tokens_details?.thinking_tokens), total: input + output },
    usageRoot: { usage },
    responseModel: message.model,
    responseId: message.id,
    finishReasons: [stop ?? message.stop_reason].filter((s): s is string => typeof s === "string"),
    toolCalls: content.filter((b) => b.type === "tool_use").map((b) => ({ id: b.id, name: b.name, arguments: b.input })),
  };
}

function readGemini(payloads: Json[]): Reading {
  const last = [...payloads].reverse().find((p) => p.usageMetadata) ?? {};
  const m: Json = last.usageMetadata ?? {};
  const input = num(m.promptTokenCount) + num(m.toolUsePromptTokenCount);
  const output = num(m.candidatesTokenCount) + num(m.thoughtsTokenCount);
  const finish: string[] = [];
  const toolCalls: ExpectedToolCall[] = [];
  for (const p of payloads) {
    for (const c of p.candidates ?? []) {
      if (c.finishReason) finish.push(c.finishReason);
      for (const part of c.content?.parts ?? []) if (part.functionCall) toolCalls.push({ name: part.functionCall.name, arguments: part.functionCall.args ?? {}, ...(part.functionCall.id ? { id: part.functionCall.id } : {}) });
    }
  }
  return {
    usage: { input, cacheRead: num(m.cachedContentTokenCount), cacheWrite: 0, output, reasoning: num(m.thoughtsTokenCount), total: num(m.totalTokenCount) || input + output },
    usageRoot: { usageMetadata: m },
    responseModel: last.modelVersion ?? payloads.find((p) => p.modelVersion)?.modelVersion,
    responseId: last.responseId ?? payloads.find((p) => p.responseId)?.responseId,
    finishReasons: finish,
    toolCalls,
  };
}

function readBedrock(payloads: Json[]): Reading {
  let u: Json = {};
  let stop: string | undefined;
  const blocks = new Map<number, { id: string; name: string; input: string }>();
  const toolCalls: ExpectedToolCall[] = [];
  for (const p of payloads) {
    if (p.usage) u = p.usage;
    if (p.stopReason) stop = p.stopReason;
    for (const block of p.output?.message?.content ?? []) if (block.toolUse) toolCalls.push({ id: block.toolUse.toolUseId, name: block.toolUse.name, arguments: block.toolUse.input });
    if (p.start?.toolUse) blocks.set(p.contentBlockIndex, { id: p.start.toolUse.toolUseId, name: p.start.toolUse.name, input: "" });
    if (p.delta?.toolUse) blocks.get(p.contentBlockIndex)!.input += p.delta.toolUse.input;
  }
  for (const b of blocks.values()) toolCalls.push({ id: b.id, name: b.name, arguments: parseArgs(b.input) });
  const cacheRead = num(u.cacheReadInputTokens);
  const cacheWrite = num(u.cacheWriteInputTokens);
  const input = num(u.inputTokens) + cacheRead + cacheWrite;
  return {
    usage: { input, cacheRead, cacheWrite, output: num(u.outputTokens), reasoning: 0, total: num(u.totalTokens) || input + num(u.outputTokens) },
    usageRoot: { usage: u },
    finishReasons: stop ? [stop] : [],
    toolCalls,
  };
}

function readOllama(payloads: Json[]): Reading {
  const last = payloads.at(-1) ?? {};
  const toolCalls = payloads.flatMap((p) => p.message?.tool_calls ?? []).map((tc: Json) => ({ name: tc.function.name, arguments: parseArgs(tc.function.arguments), ...(tc.id ? { id: tc.id } : {}) }));
  const input = num(last.prompt_eval_count);
  const output = num(last.eval_count);
  return {
    usage: { input, cacheRead: 0, cacheWrite: 0, output, reasoning: 0, total: input + output },
    responseModel: last.model,
    finishReasons: last.done_reason ? [last.done_reason] : [],
    toolCalls,
  };
}

function read(fixture: ProviderFixture): Reading {
  const payloads = streamPayloads(fixture) as Json[];
  const path = new URL(fixture.url).pathname;
  if (fixture.provider === "anthropic") return readAnthropic(payloads);
  if (fixture.provider === "google") return readGemini(payloads);
  if (fixture.provider === "bedrock") return readBedrock(payloads);
  if (fixture.provider === "ollama") return readOllama(payloads);
  if (path.endsWith("/responses")) return readOpenAIResponses(payloads);
  return readOpenAIChat(payloads);
}

/** The disjoint buckets of a usage (Langfuse `usage_details`). */
export function bucketsOf(u: ExpectedUsage): UsageBuckets {
  return {
    input: u.input - u.cacheRead - u.cacheWrite,
    input_cache_read: u.cacheRead,
    input_cache_creation: u.cacheWrite,
    output: u.output - u.reasoning,
    output_reasoning: u.reasoning,
    total: u.input + u.output,
  };
}

/**
 * What the provider billed for `fixture`'s call. `requestModel` is the model the client asked for: the price is
 * the answering model's (the payload's) when the payload names it, else the requested one's.
 */
export function expectedCall(fixture: ProviderFixture, requestModel: string, at: Date = new Date()): ExpectedCall {
  const r = read(fixture);
  const expected: ExpectedCall = { usage: r.usage, responseModel: r.responseModel, responseId: r.responseId, finishReasons: r.finishReasons, toolCalls: r.toolCalls };
  if (fixture.url.endsWith("/responses")) expected.finishReasons = undefined;
  if (r.usage) expected.buckets = bucketsOf(r.usage);
  const providerId = PRICE_PROVIDERS[fixture.provider];
  if (!(fixture.provider in PRICE_PROVIDERS)) throw new Error(`no genai-prices provider for fixture folder "${fixture.provider}"`);
  if (providerId === undefined) {
    expected.price = { kind: "local", total: 0 };
    return expected;
  }
  if (!r.usage) return expected;
  const provider = findProvider({ providerId });
  if (!provider) throw new Error(`genai-prices has no provider "${providerId}"`);
  // The payload's own usage object through genai-prices' extractor when it has one for this API; otherwise
  // (Together: no extractor) the counts as read above, in genai-prices' usage keys.
  const hasExtractor = (provider.extractors ?? []).some((e) => e.api_flavor === (r.flavor ?? "default"));
  const usage: Usage = hasExtractor && r.usageRoot ? extractUsage(provider, r.usageRoot, r.flavor).usage : genaiUsage(r.usage);
  expected.pricedUsage = usage;
  const model = r.responseModel ?? requestModel;
  const price = calcPrice(usage, model, { providerId, timestamp: at });
  expected.price = price
    ? { kind: "priced", provider: providerId, model, priceModelId: price.model.id, input: price.input_price, output: price.output_price, total: price.total_price }
    : { kind: "unpriced", provider: providerId, model };
  return expected;
}

/** A usage in genai-prices' keys (input and output totals, cache and reasoning parts). */
export function genaiUsage(u: ExpectedUsage): Usage {
  const usage: Usage = { input_tokens: u.input, output_tokens: u.output };
  if (u.cacheRead) usage.cache_read_tokens = u.cacheRead;
  if (u.cacheWrite) usage.cache_write_tokens = u.cacheWrite;
  if (u.reasoning) usage.output_reasoning_tokens = u.reasoning;
  return usage;
}
