/**
 * What the tracer tells a metrics backend, in the same callback pass that makes spans. Implemented by
 * `WorkflowMetrics` (prom-client) and `GenAiMetrics` (OpenTelemetry metrics API). Leaf module: imports nothing
 * of ours but its siblings.
 */
import type { LlmCall, Pricer } from "./llm-call.js";
import type { NodeResults, WorkflowOutcome } from "./workflow.js";

/** A workflow run that ended (or was abandoned). */
export interface WorkflowEndInfo {
  readonly outcome: WorkflowOutcome;
  readonly intent: string | undefined;
  /** Correction attempts reported in the run. */
  readonly corrections: number;
  /** The last validation result of the run, if it validated anything (feeds correction attempts). */
  readonly valid: boolean | undefined;
  readonly durationSeconds: number;
  /** The trace id when the trace is sampled (metric exemplars link to it). */
  readonly traceId: string | undefined;
}

/** One stage entry, tool call or retriever call that ended. */
export interface StepInfo {
  /** The stage (nodes), tool name or retriever name. */
  readonly name: string;
  readonly failed: boolean;
  readonly durationSeconds: number;
  readonly traceId: string | undefined;
}

/**
 * A metrics backend the tracer feeds. Every call is made inside the tracer's fault guard: a throwing sink
 * costs no span.
 */
export interface TelemetrySink {
  workflowStarted(): void;
  workflowEnded(info: WorkflowEndInfo): void;
  nodeEnded(info: StepInfo): void;
  llmEnded(call: LlmCall): void;
  toolEnded(info: StepInfo): void;
  retrieverEnded(info: StepInfo): void;
  resultsReported(results: NodeResults): void;
  internalError(): void;
  /** A run that never ended was reaped (its root, if it was one, also ends as `abandoned`). */
  runReaped(): void;
}

/**
 * The key under which a `WorkflowMetrics` hands the tracer its sink and its prices. A registered symbol, so a
 * second copy of this package (ESM beside CJS) finds it too; not exported from the package, so the sink
 * methods are not part of anyone's API.
 */
export const TELEMETRY_PARTS: unique symbol = Symbol.for("langgraph-telemetry.telemetry-parts") as never;

/** What a metrics object gives the tracer. */
export interface TelemetryParts {
  readonly sink: TelemetrySink;
  /** Its prices (its `pricing` option over the catalogue), used when the tracer has none of its own. */
  readonly pricer: Pricer;
}
