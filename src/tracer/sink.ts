import type { NodeResults, WorkflowOutcome, WorkflowStage } from "../types.js";
import type { LlmUsage } from "./llm-info.js";

/** Cost of one LLM call in USD, split as Langfuse's `cost_details`. */
export interface CostBreakdown {
  input: number;
  cacheRead: number;
  output: number;
  total: number;
}

/**
 * What the tracer tells a metrics backend, in the same callback pass that makes spans. Implemented by
 * `WorkflowMetrics`; internal, so the tracer does not depend on prom-client.
 */
export interface TelemetrySink {
  workflowStarted(): void;
  /** `valid`: the last validation result of the run, if it validated anything (feeds correction attempts). */
  workflowEnded(outcome: WorkflowOutcome, intent: string | undefined, corrections: number, valid: boolean | undefined, durationSeconds: number, traceId: string | undefined): void;
  nodeEnded(stage: WorkflowStage, durationSeconds: number, traceId: string | undefined): void;
  /** Records the call and returns its cost (undefined when the model is not priced). */
  llmEnded(stage: WorkflowStage, model: string, usage: LlmUsage | undefined, durationSeconds: number, traceId: string | undefined): CostBreakdown | undefined;
  llmFailed(stage: WorkflowStage, model: string, errorType: string, durationSeconds: number, traceId: string | undefined): void;
  toolEnded(tool: string, durationSeconds: number, failed: boolean, traceId: string | undefined): void;
  retrieverEnded(retriever: string, durationSeconds: number, failed: boolean, traceId: string | undefined): void;
  resultsReported(results: NodeResults): void;
  internalError(): void;
  /** A run that never ended was reaped; `workflow` when it was an invocation's root. */
  runReaped(workflow: boolean): void;
}
