/**
 * One LLM call, from its start to the immutable record of it (`LlmCall`). The start callback gives the
 * request; streamed chunks give the provider's usage, model, id and finish reason as they arrive; the end
 * payload gives them for calls that did not stream. The provider's numbers come first; LangChain's
 * normalised `usage_metadata` only where the provider's payload was not passed on.
 */
import type { LlmCall, Pricer, TokenUsage } from "../shared/llm-call.js";
import { objectOf, stringOf, type Obj } from "../shared/read.js";
import type { WorkflowStage } from "../shared/workflow.js";
import type { LlmRequest } from "./request.js";
import { langChainUsage, providerUsage } from "./usage.js";

/** Model name used (in spans and labels) when neither the request nor the response says which model it was. */
export const UNKNOWN_MODEL = "unknown";

/** Keys copied from one streamed usage object (a provider's has a dozen; a hostile one is not read whole). */
const MAX_USAGE_KEYS = 64;

/** LangChain invents `run-…` (and `lc_run-…`) message ids; only a provider's id identifies the response. */
function providerId(value: unknown): string | undefined {
  const id = stringOf(value);
  return id === undefined || id.startsWith("run-") || id.startsWith("lc_run-") ? undefined : id;
}

/**
 * The usage object of a provider payload, where LangChain keeps it: `response_metadata.usage` (OpenAI,
 * Anthropic), Gemini's `usage_metadata`/`usageMetadata`, Bedrock's `metadata.usage`, or the metadata itself
 * (Ollama's counts are top-level).
 */
function usageObjectOf(metadata: Obj | undefined): Obj | undefined {
  if (metadata === undefined) return undefined;
  const usage = objectOf(metadata.usage) ?? objectOf(metadata.usage_metadata) ?? objectOf(metadata.usageMetadata) ?? objectOf(objectOf(metadata.metadata)?.usage);
  if (usage !== undefined) return usage;
  return metadata.prompt_eval_count !== undefined || metadata.eval_count !== undefined ? metadata : undefined;
}

/** The response model a payload names. */
function modelOf(metadata: Obj | undefined): string | undefined {
  return metadata === undefined ? undefined : (stringOf(metadata.model_name) ?? stringOf(metadata.model) ?? stringOf(metadata.modelVersion) ?? stringOf(metadata.model_id));
}

/** The finish (stop) reason a payload names (Bedrock's stream: in its `messageStop` event). */
function finishReasonOf(metadata: Obj | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  return (
    stringOf(metadata.finish_reason) ??
    stringOf(metadata.stop_reason) ??
    stringOf(metadata.finishReason) ??
    stringOf(metadata.stopReason) ??
    stringOf(metadata.done_reason) ??
    stringOf(objectOf(metadata.messageStop)?.stopReason)
  );
}

/** The last generation of an LLMResult (`generations[last][last]`), or undefined. */
export function lastGeneration(output: unknown): Obj | undefined {
  const generations = objectOf(output)?.generations;
  if (!Array.isArray(generations) || generations.length === 0) return undefined;
  const batch = generations[generations.length - 1];
  if (!Array.isArray(batch) || batch.length === 0) return undefined;
  return objectOf(batch[batch.length - 1]);
}

/** `into` with the keys of `from` copied over it (null and undefined values skipped). */
function mergeLatest(into: Obj | undefined, from: Obj): Obj | undefined {
  let copied = 0;
  for (const key in from) {
    if (++copied > MAX_USAGE_KEYS) break;
    const value = from[key];
    if (value !== undefined && value !== null) (into ??= {})[key] = value;
  }
  return into;
}

/** LangChain's chunk counts merged: each count, and each detail, the latest that is not zero. */
function mergeCounts(into: Obj | undefined, from: Obj): Obj | undefined {
  for (const key of ["input_tokens", "output_tokens", "total_tokens"]) {
    const value = from[key];
    if (typeof value === "number" && value > 0) (into ??= {})[key] = value;
  }
  for (const key of ["input_token_details", "output_token_details"]) {
    const details = objectOf(from[key]);
    if (details === undefined) continue;
    const merged = objectOf(into?.[key]) ?? {};
    for (const name in details) {
      const value = details[name];
      if (typeof value === "number" && (value > 0 || merged[name] === undefined)) merged[name] = value;
    }
    (into ??= {})[key] = merged;
  }
  return into;
}

/** How a call ended, as the lifecycle knows it. */
export interface CallEnd {
  readonly stage: WorkflowStage;
  readonly errorType: string | undefined;
  /** Monotonic milliseconds: the call's start and end. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Epoch milliseconds of the end (which price applies). */
  readonly endedAtEpochMs: number;
  readonly traceId: string | undefined;
}

/** An LLM call in flight: its request, and what its streamed chunks said so far. */
export class LlmCallInFlight {
  /** Monotonic time of the first streamed chunk; 0 until one arrives. */
  firstChunkAt = 0;
  /** The provider's usage on streamed chunks, merged key by key, the latest value winning (streamed counts are cumulative). */
  private streamedUsage: Obj | undefined = undefined;
  /**
   * LangChain's counts on streamed chunks, the latest non-zero of each: where the provider's usage is not passed
   * on whole (Anthropic's counts are moved out of its payload), these are the provider's cumulative counts.
   * (LangChain adds the chunks' counts up, which counts Anthropic's first output token twice.)
   */
  private streamedCounts: Obj | undefined = undefined;
  private streamedModel: string | undefined = undefined;
  private streamedId: string | undefined = undefined;
  private streamedFinish: string | undefined = undefined;

  constructor(
    readonly request: LlmRequest,
    /** `gen_ai.operation.name`: chat or text_completion. */
    readonly operation: string,
  ) {}

  /** A streamed chunk (`handleLLMNewToken`'s `fields.chunk`): keep what the provider said on it. */
  chunk(chunk: Obj): void {
    const message = objectOf(chunk.message);
    const metadata = objectOf(message?.response_metadata);
    const info = objectOf(chunk.generationInfo);
    const extra = objectOf(message?.additional_kwargs);
    const usage = usageObjectOf(metadata) ?? usageObjectOf(info);
    if (usage !== undefined) this.streamedUsage = mergeLatest(this.streamedUsage, usage);
    const counts = objectOf(message?.usage_metadata);
    if (counts !== undefined) this.streamedCounts = mergeCounts(this.streamedCounts, counts);
    this.streamedModel ??= modelOf(info) ?? modelOf(metadata) ?? modelOf(extra);
    this.streamedId ??= providerId(metadata?.id) ?? providerId(message?.id) ?? providerId(extra?.id);
    const finish = finishReasonOf(info) ?? finishReasonOf(metadata) ?? finishReasonOf(extra);
    if (finish !== undefined) this.streamedFinish = finish;
  }


  /**
   * The record of the call. `output` is the end callback's LLMResult (undefined when the call failed);
   * `pricer` prices it.
   */
  finish(output: unknown, end: CallEnd, pricer: Pricer): LlmCall {
    const generation = lastGeneration(output);
    const message = objectOf(generation?.message);
    const metadata = objectOf(message?.response_metadata);
    const info = objectOf(generation?.generationInfo);
    const extra = objectOf(message?.additional_kwargs);
    const llmOutput = objectOf(objectOf(output)?.llmOutput);
    const request = this.request;
    const provider = request.provider;

    // A stream's own chunks first (the end payload's usage is LangChain's sum of them); then the provider's
    // payload; then LangChain's normalised counts; then its legacy summary.
    const usage: TokenUsage | undefined =
      providerUsage(this.streamedUsage, provider) ??
      langChainUsage(this.streamedCounts, provider) ??
      providerUsage(usageObjectOf(metadata), provider) ??
      providerUsage(usageObjectOf(info), provider) ??
      providerUsage(objectOf(llmOutput?.usage), provider) ??
      langChainUsage(objectOf(message?.usage_metadata), provider) ??
      providerUsage(objectOf(llmOutput?.tokenUsage) ?? objectOf(metadata?.tokenUsage), provider);
    const responseModel = this.streamedModel ?? modelOf(metadata) ?? modelOf(info) ?? modelOf(extra) ?? modelOf(llmOutput);
    const model = responseModel ?? request.model ?? UNKNOWN_MODEL;
    const finish = this.streamedFinish ?? finishReasonOf(info) ?? finishReasonOf(metadata) ?? finishReasonOf(extra);
    const price = usage === undefined ? undefined : pricer.price({ provider, model, local: request.local }, usage, end.endedAtEpochMs);
    return {
      operation: this.operation,
      provider,
      requestModel: request.model,
      responseModel,
      model,
      local: request.local,
      usage,
      cost: price?.cost,
      pricedAs: price?.pricedAs,
      finishReasons: finish === undefined ? undefined : [finish],
      // The payload's own `id` first: a stream's first chunk can carry another (Groq's request id, `req_…`).
      responseId: providerId(metadata?.id) ?? this.streamedId ?? providerId(message?.id),
      timeToFirstChunk: this.firstChunkAt > 0 ? (this.firstChunkAt - end.startedAt) / 1000 : undefined,
      stage: end.stage,
      errorType: end.errorType,
      durationSeconds: (end.endedAt - end.startedAt) / 1000,
      traceId: end.traceId,
    };
  }
}
