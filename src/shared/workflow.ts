/**
 * The workflow vocabulary every area shares: stages, outcomes, what a node reports, what a redact hook is
 * told. Leaf module: imports nothing of ours.
 */

/** The stages of an LLM workflow; every node span carries one as `workflow.stage`. */
export type WorkflowStage =
  | "intent"
  | "reasoning"
  | "generation"
  | "validation"
  | "correction"
  | "execution"
  | "other";

export const WORKFLOW_STAGES: readonly WorkflowStage[] = [
  "intent",
  "reasoning",
  "generation",
  "validation",
  "correction",
  "execution",
  "other",
];

/**
 * How a run ended, as seen on the root span (`workflow.outcome`) and (with metrics) the `status` label:
 * `success`; `failed` (ended without a usable result, e.g. its last validation failed); `error` (threw, or a
 * deadline such as `AbortSignal.timeout()` cut one of its steps short); `interrupted` (paused on LangGraph's
 * `interrupt()`, to be resumed); `abandoned` (not a failure: its consumer went away or its caller gave up —
 * LangGraph aborts the run when a stream's consumer breaks off or the caller's `AbortSignal` fires — or it
 * never ended and the tracer ended it after `runTtlMs` without activity); `needs_clarification` (ended by asking
 * the user back: the request was vague or had words the workflow did not understand); `cannot_answer` (ended
 * saying its data cannot answer what was asked). The last two are no failures but no answers either: a node
 * reports them so that such runs are not counted as answered.
 */
export type WorkflowOutcome = "success" | "failed" | "error" | "interrupted" | "abandoned" | "needs_clarification" | "cannot_answer";

export const WORKFLOW_OUTCOMES: readonly WorkflowOutcome[] = ["success", "failed", "error", "interrupted", "abandoned", "needs_clarification", "cannot_answer"];

/** What a content value is, passed to the {@link RedactHook}. */
export interface RedactInfo {
  /**
   * `input`/`output` of a run, a `sql` statement reported by a node, or the `error` message (and stack) of a
   * failed run, which goes on the span's status, its exception event and `langfuse.observation.status_message`.
   */
  field: "input" | "output" | "sql" | "error";
  /** The kind of run the value belongs to. */
  runType: "workflow" | "node" | "chain" | "llm" | "tool" | "retriever";
  /** The run's name (node name, model, tool name). */
  name: string;
}

/** Rewrites captured text before it is put on a span, e.g. to mask e-mail addresses. */
export type RedactHook = (text: string, info: RedactInfo) => string;

/**
 * Domain results a node reports; each becomes a span attribute on the node (and, with metrics, a metric
 * sample; with the Langfuse exporter, a score).
 */
export interface NodeResults {
  /** Classified intent of the question (bounded set, e.g. `sql_query`, `clarification`, `out_of_scope`). */
  intent?: string;
  /** Confidence in [0, 1] of the intent or of the generated query. */
  confidence?: number;
  /** Whether the generated query validated. */
  valid?: boolean;
  /** Category of the validation error (`syntax`, `unknown_table`, …) when `valid` is false. */
  errorCategory?: string;
  /** Correction attempt number, 1-based. */
  correctionAttempt?: number;
  /** The generated SQL (truncated and passed through `redact`). */
  sql?: string;
  /** Rows returned by execution. */
  rowCount?: number;
  /** Final outcome of the query, when this node decides it. */
  outcome?: WorkflowOutcome;
  /** User-defined numeric scores, e.g. `{ relevance: 0.8 }`. */
  scores?: Record<string, number>;
  /**
   * Extra span attributes (primitive values only). Names the tracer owns are refused and counted in
   * `stats().refusedAttributes`: `workflow.*`, `langfuse.*`, `gen_ai.*`, `langgraph.*`, `langgraph_*`, `user.id`,
   * `session.id`, `error.type` (report outcomes, validation and scores through their own fields).
   */
  attributes?: Record<string, string | number | boolean>;
}
