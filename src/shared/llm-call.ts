/**
 * What one LLM call was, used and cost: the one record that every output formats (span attributes,
 * Langfuse's usage and cost, Prometheus series, OpenTelemetry GenAI metrics). Built once, when the call
 * ends, from the provider's own payload (src/llm/). Leaf module: imports nothing of ours but its siblings.
 */
import type { WorkflowStage } from "./workflow.js";

/**
 * Tokens of one LLM call in disjoint buckets, defined here once: every token the provider billed is in
 * exactly one of `input`, `cacheRead`, `cacheWrite`, `output`, `reasoning`.
 */
export interface TokenUsage {
  /** Input tokens neither read from nor written to the prompt cache (billed at the input rate). */
  readonly input: number;
  /** Input tokens read from the provider's prompt cache. */
  readonly cacheRead: number;
  /** Input tokens written to the prompt cache (Anthropic's cache creation, OpenAI's cache writes). */
  readonly cacheWrite: number;
  /** Output tokens that are not reasoning. */
  readonly output: number;
  /** Reasoning ("thinking") output tokens. */
  readonly reasoning: number;
  /** All input tokens, `input + cacheRead + cacheWrite`: the GenAI conventions' `gen_ai.usage.input_tokens`. */
  readonly inputTokens: number;
  /** All output tokens, `output + reasoning`: the conventions' `gen_ai.usage.output_tokens`. */
  readonly outputTokens: number;
  /** `inputTokens + outputTokens`. */
  readonly total: number;
}

/** The usage record of five disjoint counts (each a finite number ≥ 0). */
export function tokenUsage(input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number): TokenUsage {
  const inputTokens = input + cacheRead + cacheWrite;
  const outputTokens = output + reasoning;
  return { input, cacheRead, cacheWrite, output, reasoning, inputTokens, outputTokens, total: inputTokens + outputTokens };
}

/** What one LLM call cost in USD, split by the buckets of its usage; the parts sum to `total`. */
export interface CostBreakdown {
  readonly input: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly output: number;
  readonly reasoning: number;
  readonly total: number;
}

/** A price found for a call: its cost, and which price it is. */
export interface Price {
  readonly cost: CostBreakdown;
  /** `local` (served locally, free), `pricing:<family>` (your `pricing` option) or the catalogue's `<provider>/<model>`. */
  readonly pricedAs: string;
}

/** The model of a call as it is priced. */
export interface PricedModel {
  /** `gen_ai.provider.name`. */
  readonly provider: string;
  readonly model: string;
  /** Served locally (Ollama, llama.cpp, LM Studio, a host declared local). */
  readonly local: boolean;
}

/** Prices calls (implemented by the price book of src/pricing/; the tracer only knows this). */
export interface Pricer {
  /** The price of a call with `usage` at `atMs` (ms since the epoch), or undefined when none is known. */
  price(model: PricedModel, usage: TokenUsage, atMs: number): Price | undefined;
}

/** One LLM call that ended or failed: which model, what it used and cost, how it ended. */
export interface LlmCall {
  /** `gen_ai.operation.name`: `chat` or `text_completion`. */
  readonly operation: string;
  /** `gen_ai.provider.name`: from the endpoint's host when it is a known one, else LangChain's `ls_provider`. */
  readonly provider: string;
  /** The model the request named (an Azure deployment resolved through the `deployments` option), if any. */
  readonly requestModel: string | undefined;
  /** The model the provider says answered, if it says. */
  readonly responseModel: string | undefined;
  /** The model that names the span, the metric labels and the price: the one that answered, else the requested one, else `unknown`. */
  readonly model: string;
  /** Served locally: free unless your `pricing` says otherwise. */
  readonly local: boolean;
  readonly usage: TokenUsage | undefined;
  /** Undefined when no price is known for the model (then counted as unpriced, and no cost is sent to Langfuse). */
  readonly cost: CostBreakdown | undefined;
  /** Which price applied (see `Price.pricedAs`); undefined when unpriced. */
  readonly pricedAs: string | undefined;
  readonly finishReasons: readonly string[] | undefined;
  /** The provider's id of the response. */
  readonly responseId: string | undefined;
  /** Seconds from the call's start to its first streamed chunk; undefined when nothing was streamed. */
  readonly timeToFirstChunk: number | undefined;
  /** The workflow stage of the node the call ran in. */
  readonly stage: WorkflowStage;
  /** The error's type when the call failed. */
  readonly errorType: string | undefined;
  readonly durationSeconds: number;
  /** The trace id when the trace is sampled and exported (metric exemplars link to it). */
  readonly traceId: string | undefined;
}
