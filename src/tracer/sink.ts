import type { NodeResults, WorkflowOutcome, WorkflowStage } from "../types.js";
import type { LlmUsage } from "./llm-info.js";

/**
 * Cost of one LLM call in USD, split by the same buckets as its usage (Langfuse's `cost_details` mirror
 * `usage_details`): uncached input, cache reads, cache writes, output without reasoning, reasoning. The parts
 * sum to `total`.
 */
export interface CostBreakdown {
  input: number;
  inputCacheRead: number;
  inputCacheCreation: number;
  output: number;
  outputReasoning: number;
  total: number;
}

/** A workflow run that ended (or was abandoned). */
export interface WorkflowEndInfo {
  outcome: WorkflowOutcome;
  intent: string | undefined;
  /** Correction attempts reported in the run. */
  corrections: number;
  /** The last validation result of the run, if it validated anything (feeds correction attempts). */
  valid: boolean | undefined;
  durationSeconds: number;
  /** The trace id when the trace is sampled (metric exemplars link to it). */
  traceId: string | undefined;
}

/** One LLM call that ended or failed. */
export interface LlmCallInfo {
  stage: WorkflowStage;
  /** Priced and labelled by the requested model, else by the one that answered. */
  model: string;
  /** `gen_ai.operation.name`: chat or text_completion. */
  operation?: string | undefined;
  /** `gen_ai.provider.name`. */
  provider?: string | undefined;
  /** The model the request named (`unknown` when it named none), and the one that answered, as reported. */
  requestModel?: string | undefined;
  responseModel?: string | undefined;
  usage: LlmUsage | undefined;
  /** Undefined when the model has no price (or the call failed). */
  cost: CostBreakdown | undefined;
  /** Set when the call failed. */
  errorType: string | undefined;
  durationSeconds: number;
  traceId: string | undefined;
}

/** One stage entry, tool call or retriever call that ended. */
export interface StepInfo {
  /** The stage (nodes), tool name or retriever name. */
  name: string;
  failed: boolean;
  durationSeconds: number;
  traceId: string | undefined;
}

/**
 * What the tracer tells a metrics backend, in the same callback pass that makes spans. Implemented by
 * `WorkflowMetrics` (prom-client) and `GenAiMetrics` (OpenTelemetry metrics API), fed together through
 * `teeSinks`; internal, so the tracer does not depend on prom-client. Every call is made inside the
 * tracer's fault guard: a throwing sink costs no span.
 */
export interface TelemetrySink {
  workflowStarted(): void;
  workflowEnded(info: WorkflowEndInfo): void;
  nodeEnded(info: StepInfo): void;
  llmEnded(info: LlmCallInfo): void;
  toolEnded(info: StepInfo): void;
  retrieverEnded(info: StepInfo): void;
  resultsReported(results: NodeResults): void;
  internalError(): void;
  /** A run that never ended was reaped (its root, if it was one, also ends as `abandoned`). */
  runReaped(): void;
}
