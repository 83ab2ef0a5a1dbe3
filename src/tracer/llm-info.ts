/**
 * Reading model, provider, request parameters, usage and response fields from the shapes LangChain hands
 * to callbacks. Every provider package puts these somewhere slightly different; each reader tries the
 * known places in order and returns undefined rather than guessing.
 */
import { cut } from "./content.js";
import { className } from "./run-kind.js";

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" ? (value as Obj) : undefined;
}

/** Model names, ids and reasons become span names, attribute values, cache keys and labels: cut to 200. */
const MAX_STRING = 200;
const MAX_STOP_SEQUENCES = 16;

function str(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return undefined;
  return cut(value, MAX_STRING);
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** No call uses a billion tokens: a count outside [0, 1e9] is a broken report, and would push counters to +Inf. */
const MAX_TOKENS = 1e9;

function tokens(value: unknown): number | undefined {
  return typeof value === "number" && value >= 0 && value <= MAX_TOKENS ? value : undefined;
}

/** LangChain `ls_provider` values (and class-name hints) → `gen_ai.provider.name`. */
const PROVIDERS: Record<string, string> = {
  openai: "openai",
  azure: "azure.ai.openai",
  azure_openai: "azure.ai.openai",
  anthropic: "anthropic",
  google_genai: "gcp.gemini",
  google: "gcp.gemini",
  google_vertexai: "gcp.vertex_ai",
  vertexai: "gcp.vertex_ai",
  mistral: "mistral_ai",
  mistralai: "mistral_ai",
  groq: "groq",
  bedrock: "aws.bedrock",
  amazon_bedrock: "aws.bedrock",
  cohere: "cohere",
  deepseek: "deepseek",
  xai: "x_ai",
  perplexity: "perplexity",
  ollama: "ollama",
  watsonx: "ibm.watsonx.ai",
};

const CLASS_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/azure/i, "azure.ai.openai"],
  [/openai/i, "openai"],
  [/anthropic/i, "anthropic"],
  [/vertex/i, "gcp.vertex_ai"],
  [/google|gemini/i, "gcp.gemini"],
  [/mistral/i, "mistral_ai"],
  [/groq/i, "groq"],
  [/bedrock/i, "aws.bedrock"],
  [/ollama/i, "ollama"],
  [/cohere/i, "cohere"],
  [/deepseek/i, "deepseek"],
];

/** Model name used (in metrics labels) when the integration does not say which model it calls. */
export const UNKNOWN_MODEL = "unknown";

export interface LlmRequest {
  model: string;
  provider: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  stop?: string[];
  stream?: boolean;
}

/** Model, provider and request parameters of an LLM run, from its start callback's arguments. */
export function readLlmRequest(serialized: unknown, extraParams: unknown, metadata: unknown): LlmRequest {
  const md = obj(metadata);
  const params = obj(obj(extraParams)?.invocation_params);
  const kwargs = obj(obj(serialized)?.kwargs);
  const runnableClass = className(serialized);

  const model =
    str(md?.ls_model_name) ??
    str(params?.model) ??
    str(params?.model_name) ??
    str(params?.modelName) ??
    str(kwargs?.model) ??
    str(kwargs?.model_name) ??
    str(kwargs?.modelName) ??
    UNKNOWN_MODEL;

  const lsProvider = str(md?.ls_provider)?.toLowerCase();
  let provider = lsProvider !== undefined ? PROVIDERS[lsProvider] : undefined;
  if (provider === undefined) {
    for (const [pattern, name] of CLASS_HINTS) {
      if (pattern.test(runnableClass) || (lsProvider !== undefined && pattern.test(lsProvider))) {
        provider = name;
        break;
      }
    }
  }
  provider ??= lsProvider ?? "unknown";

  const request: LlmRequest = { model, provider };
  const temperature = num(md?.ls_temperature) ?? num(params?.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const maxTokens =
    num(md?.ls_max_tokens) ?? num(params?.max_tokens) ?? num(params?.max_completion_tokens) ?? num(params?.maxOutputTokens) ?? num(params?.num_predict);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const topP = num(params?.top_p) ?? num(params?.topP);
  if (topP !== undefined) request.topP = topP;
  const topK = num(params?.top_k) ?? num(params?.topK);
  if (topK !== undefined) request.topK = topK;
  const frequencyPenalty = num(params?.frequency_penalty) ?? num(params?.frequencyPenalty);
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;
  const presencePenalty = num(params?.presence_penalty) ?? num(params?.presencePenalty);
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const seed = num(params?.seed);
  if (seed !== undefined) request.seed = seed;
  const stop = md?.ls_stop ?? params?.stop;
  if (Array.isArray(stop) && stop.length > 0 && stop.length <= MAX_STOP_SEQUENCES) {
    const sequences: string[] = [];
    for (let i = 0; i < stop.length; i++) if (typeof stop[i] === "string") sequences.push(cut(stop[i] as string, MAX_STRING));
    if (sequences.length === stop.length) request.stop = sequences;
  }
  if (typeof params?.stream === "boolean") request.stream = params.stream;
  return request;
}

/**
 * Token usage of one LLM call. `input` includes cached tokens and `output` includes reasoning tokens, as
 * in LangChain's `usage_metadata` and the GenAI semantic conventions.
 */
export interface LlmUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  reasoning: number;
}

/** `usage_metadata` (LangChain's standard shape on AIMessage and its chunks). */
function fromUsageMetadata(u: Obj | undefined): LlmUsage | undefined {
  if (!u) return undefined;
  const input = tokens(u.input_tokens);
  const output = tokens(u.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const inDetails = obj(u.input_token_details);
  const outDetails = obj(u.output_token_details);
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: tokens(inDetails?.cache_read) ?? 0,
    cacheCreation: tokens(inDetails?.cache_creation) ?? 0,
    reasoning: tokens(outDetails?.reasoning) ?? 0,
  };
}

/** Provider-native shapes found in `llmOutput` and `response_metadata`. */
function fromProviderUsage(u: Obj | undefined): LlmUsage | undefined {
  if (!u) return undefined;
  // LangChain OpenAI legacy: { promptTokens, completionTokens, totalTokens }
  const promptTokens = tokens(u.promptTokens);
  const completionTokens = tokens(u.completionTokens);
  if (promptTokens !== undefined || completionTokens !== undefined) {
    return { input: promptTokens ?? 0, output: completionTokens ?? 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 };
  }
  // OpenAI wire: { prompt_tokens, completion_tokens, prompt_tokens_details, completion_tokens_details }
  const prompt = tokens(u.prompt_tokens);
  const completion = tokens(u.completion_tokens);
  if (prompt !== undefined || completion !== undefined) {
    return {
      input: prompt ?? 0,
      output: completion ?? 0,
      cacheRead: tokens(obj(u.prompt_tokens_details)?.cached_tokens) ?? 0,
      cacheCreation: 0,
      reasoning: tokens(obj(u.completion_tokens_details)?.reasoning_tokens) ?? 0,
    };
  }
  // Anthropic wire: input_tokens excludes cache reads and writes, so add them back.
  const cacheRead = tokens(u.cache_read_input_tokens);
  const cacheCreation = tokens(u.cache_creation_input_tokens);
  const input = tokens(u.input_tokens);
  const output = tokens(u.output_tokens);
  if (input !== undefined || output !== undefined) {
    return {
      input: (input ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0),
      output: output ?? 0,
      cacheRead: cacheRead ?? 0,
      cacheCreation: cacheCreation ?? 0,
      reasoning: 0,
    };
  }
  // Google: { promptTokenCount, candidatesTokenCount, cachedContentTokenCount, thoughtsTokenCount }
  const promptCount = tokens(u.promptTokenCount);
  const candidates = tokens(u.candidatesTokenCount);
  if (promptCount !== undefined || candidates !== undefined) {
    const thoughts = tokens(u.thoughtsTokenCount) ?? 0;
    return {
      input: promptCount ?? 0,
      output: (candidates ?? 0) + thoughts,
      cacheRead: tokens(u.cachedContentTokenCount) ?? 0,
      cacheCreation: 0,
      reasoning: thoughts,
    };
  }
  return undefined;
}

/** The last generation of an LLMResult (`generations[last][last]`), or undefined. */
export function lastGeneration(output: unknown): Obj | undefined {
  const generations = obj(output)?.generations;
  if (!Array.isArray(generations) || generations.length === 0) return undefined;
  const batch = generations[generations.length - 1];
  if (!Array.isArray(batch) || batch.length === 0) return undefined;
  return obj(batch[batch.length - 1]);
}

/** Usage from every place LangChain puts it, first found wins. */
export function readUsage(output: unknown, generation: Obj | undefined): LlmUsage | undefined {
  const message = obj(generation?.message);
  const responseMetadata = obj(message?.response_metadata);
  const llmOutput = obj(obj(output)?.llmOutput);
  const generationInfo = obj(generation?.generationInfo);
  return (
    fromUsageMetadata(obj(message?.usage_metadata)) ??
    fromProviderUsage(obj(llmOutput?.tokenUsage)) ??
    fromProviderUsage(obj(llmOutput?.usage)) ??
    fromProviderUsage(obj(responseMetadata?.tokenUsage)) ??
    fromProviderUsage(obj(responseMetadata?.usage)) ??
    fromProviderUsage(obj(responseMetadata?.usage_metadata)) ??
    fromProviderUsage(obj(generationInfo?.usage)) ??
    fromProviderUsage(obj(llmOutput?.estimatedTokenUsage))
  );
}

/** Usage carried by a streamed chunk (`handleLLMNewToken`'s `fields.chunk`), if any. */
export function readChunkUsage(fields: unknown): LlmUsage | undefined {
  const chunk = obj(obj(fields)?.chunk);
  if (!chunk) return undefined;
  return fromUsageMetadata(obj(obj(chunk.message)?.usage_metadata)) ?? fromProviderUsage(obj(obj(chunk.generationInfo)?.usage));
}

export interface LlmResponse {
  model?: string;
  id?: string;
  finishReasons?: string[];
}

export function readResponse(output: unknown, generation: Obj | undefined): LlmResponse {
  const message = obj(generation?.message);
  const rm = obj(message?.response_metadata);
  const gi = obj(generation?.generationInfo);
  const llmOutput = obj(obj(output)?.llmOutput);
  const response: LlmResponse = {};
  const model = str(rm?.model_name) ?? str(rm?.model) ?? str(llmOutput?.model_name) ?? str(llmOutput?.model);
  if (model !== undefined) response.model = model;
  // LangChain invents `run-…` message ids; only a provider's id identifies the response.
  const messageId = str(message?.id);
  const id = str(rm?.id) ?? (messageId !== undefined && !messageId.startsWith("run-") ? messageId : undefined);
  if (id !== undefined) response.id = id;
  const reason = str(rm?.finish_reason) ?? str(rm?.stop_reason) ?? str(rm?.finishReason) ?? str(gi?.finish_reason);
  if (reason !== undefined) response.finishReasons = [reason];
  return response;
}

/** The generated message (or text) of a generation, for content capture. */
export function generationOutput(generation: Obj | undefined): unknown {
  if (!generation) return undefined;
  return generation.message ?? generation.text;
}
