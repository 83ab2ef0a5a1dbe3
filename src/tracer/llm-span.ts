/**
 * An LLM call on its span: the request's attributes when it starts, and the record of the call (`LlmCall`)
 * when it ends — GenAI conventions (`gen_ai.*`) and Langfuse's generation keys, formatted from the record and
 * nothing else. Pure functions.
 */
import type { Attributes, Span } from "@opentelemetry/api";
import { GenAI, Langfuse, ObservationType, Workflow } from "../attributes.js";
import { lastGeneration } from "../llm/call.js";
import type { LlmRequest } from "../llm/request.js";
import type { CostBreakdown, LlmCall, TokenUsage } from "../shared/llm-call.js";
import { toSemconvMessages } from "./content.js";
import type { ResolvedTracerOptions } from "./options.js";
import { captured } from "./span-attributes.js";

/** The span name of an LLM call (the conventions' `{operation} {model}`, or just the operation). */
export function llmSpanName(operation: string, model: string | undefined): string {
  return model === undefined ? operation : `${operation} ${model}`;
}

export function llmRequestAttributes(request: LlmRequest, operation: string): Attributes {
  const a: Attributes = {
    [GenAI.OPERATION_NAME]: operation,
    [GenAI.PROVIDER_NAME]: request.provider,
    [Langfuse.OBSERVATION_TYPE]: ObservationType.GENERATION,
  };
  if (request.model !== undefined) a[GenAI.REQUEST_MODEL] = a[Langfuse.OBSERVATION_MODEL] = request.model;
  // Langfuse's model parameters as JSON text, written directly (every value is a finite number or a boolean):
  // this runs on every LLM call.
  let params = "";
  if (request.temperature !== undefined) params += `,"temperature":${(a[GenAI.REQUEST_TEMPERATURE] = request.temperature)}`;
  if (request.maxTokens !== undefined) params += `,"max_tokens":${(a[GenAI.REQUEST_MAX_TOKENS] = request.maxTokens)}`;
  if (request.topP !== undefined) params += `,"top_p":${(a[GenAI.REQUEST_TOP_P] = request.topP)}`;
  if (request.topK !== undefined) params += `,"top_k":${(a[GenAI.REQUEST_TOP_K] = request.topK)}`;
  if (request.frequencyPenalty !== undefined) params += `,"frequency_penalty":${(a[GenAI.REQUEST_FREQUENCY_PENALTY] = request.frequencyPenalty)}`;
  if (request.presencePenalty !== undefined) params += `,"presence_penalty":${(a[GenAI.REQUEST_PRESENCE_PENALTY] = request.presencePenalty)}`;
  if (request.seed !== undefined) params += `,"seed":${(a[GenAI.REQUEST_SEED] = request.seed)}`;
  if (request.stop !== undefined) a[GenAI.REQUEST_STOP_SEQUENCES] = request.stop;
  if (request.stream !== undefined) params += `,"stream":${(a[GenAI.REQUEST_STREAM] = request.stream)}`;
  if (params.length > 0) a[Langfuse.OBSERVATION_MODEL_PARAMETERS] = `{${params.slice(1)}}`;
  return a;
}

/** Usage as Langfuse's `usage_details` JSON: the record's disjoint buckets, under Langfuse's names. */
export function usageDetailsJson(usage: TokenUsage): string {
  let json = `{"input":${usage.input},"output":${usage.output},"total":${usage.total}`;
  if (usage.cacheRead > 0) json += `,"input_cache_read":${usage.cacheRead}`;
  if (usage.cacheWrite > 0) json += `,"input_cache_creation":${usage.cacheWrite}`;
  if (usage.reasoning > 0) json += `,"output_reasoning":${usage.reasoning}`;
  return `${json}}`;
}

/**
 * Cost as Langfuse's `cost_details` JSON: the same keys as `usage_details` (a bucket is in both or in
 * neither), so Langfuse shows a cost beside every usage type; the parts sum to `total`.
 */
export function costDetailsJson(cost: CostBreakdown, usage: TokenUsage): string {
  let json = `{"input":${cost.input},"output":${cost.output},"total":${cost.total}`;
  if (usage.cacheRead > 0) json += `,"input_cache_read":${cost.cacheRead}`;
  if (usage.cacheWrite > 0) json += `,"input_cache_creation":${cost.cacheWrite}`;
  if (usage.reasoning > 0) json += `,"output_reasoning":${cost.reasoning}`;
  return `${json}}`;
}

/**
 * The record of a finished call on its span. `completionStart` is the ISO time of its first streamed chunk.
 * Langfuse's model (what it shows, and prices by when we send no cost) is the model that answered; the span
 * keeps the conventions' name after the requested model, unless the request named none.
 */
export function describeLlmCall(span: Span, call: LlmCall, completionStart: string | undefined): void {
  if (call.responseModel !== undefined) {
    span.setAttribute(GenAI.RESPONSE_MODEL, call.responseModel);
    if (call.responseModel !== call.requestModel) span.setAttribute(Langfuse.OBSERVATION_MODEL, call.model);
    if (call.requestModel === undefined) span.updateName(llmSpanName(call.operation, call.model));
  }
  if (call.responseId !== undefined) span.setAttribute(GenAI.RESPONSE_ID, call.responseId);
  if (call.finishReasons !== undefined) span.setAttribute(GenAI.RESPONSE_FINISH_REASONS, call.finishReasons as string[]);
  if (call.timeToFirstChunk !== undefined) span.setAttribute(GenAI.RESPONSE_TIME_TO_FIRST_CHUNK, call.timeToFirstChunk);
  if (completionStart !== undefined) span.setAttribute(Langfuse.OBSERVATION_COMPLETION_START_TIME, completionStart);
  const usage = call.usage;
  if (usage === undefined) return;
  span.setAttribute(GenAI.USAGE_INPUT_TOKENS, usage.inputTokens);
  span.setAttribute(GenAI.USAGE_OUTPUT_TOKENS, usage.outputTokens);
  if (usage.cacheRead > 0) span.setAttribute(GenAI.USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheRead);
  if (usage.cacheWrite > 0) span.setAttribute(GenAI.USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheWrite);
  if (usage.reasoning > 0) span.setAttribute(GenAI.USAGE_REASONING_OUTPUT_TOKENS, usage.reasoning);
  span.setAttribute(Langfuse.OBSERVATION_USAGE_DETAILS, usageDetailsJson(usage));
  const cost = call.cost;
  // Unpriced: no cost at all (Langfuse then applies its own model prices), never a cost of 0.
  if (cost === undefined || !Number.isFinite(cost.total)) return;
  span.setAttribute(Langfuse.OBSERVATION_COST_DETAILS, costDetailsJson(cost, usage));
  span.setAttribute(Workflow.COST_USD, cost.total);
  if (call.pricedAs !== undefined) span.setAttribute(Workflow.PRICED_AS, call.pricedAs);
}

/** The generated message of a call on its span, when content is captured (tool calls as `tool_call` parts). */
export function describeLlmOutput(span: Span, output: unknown, call: LlmCall, name: string, options: ResolvedTracerOptions): void {
  const generation = lastGeneration(output);
  const message = generation?.message ?? generation?.text;
  const info = { field: "output", runType: "llm", name } as const;
  span.setAttribute(Langfuse.OBSERVATION_OUTPUT, captured(message, options, info));
  span.setAttribute(GenAI.OUTPUT_MESSAGES, captured(toSemconvMessages([message], options.contentLimit, call.finishReasons?.[0] ?? ""), options, info));
}
