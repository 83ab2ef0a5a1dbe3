import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import type { WorkflowMetrics } from "./metrics/workflow-metrics.js";
import type { PricingTable } from "./pricing/pricing.js";

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
 * never ended and the tracer ended it after `runTtlMs` without activity).
 */
export type WorkflowOutcome = "success" | "failed" | "error" | "interrupted" | "abandoned";

export const WORKFLOW_OUTCOMES: readonly WorkflowOutcome[] = ["success", "failed", "error", "interrupted", "abandoned"];

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

/** The handle a node wrapped by `traceNode` receives to report its results. */
export interface NodeReport {
  /** Report several results at once. */
  set(results: NodeResults): void;
  intent(intent: string, confidence?: number): void;
  validation(valid: boolean, errorCategory?: string): void;
  correction(attempt: number): void;
  sql(sql: string): void;
  rows(rowCount: number): void;
  outcome(outcome: WorkflowOutcome): void;
  score(name: string, value: number): void;
  /** True when a tracer is attached to this run (so expensive result extraction can be skipped). */
  readonly recording: boolean;
}

export interface TraceNodeOptions<State, Update> {
  /**
   * Extract results from the node's returned update, instead of (or as well as) calling the report
   * handle. Runs only when a tracer is attached; a throw here is swallowed and counted.
   */
  results?: (update: Update, state: State) => NodeResults | undefined;
}

/** Counters of the tracer's own health, readable at any time. */
export interface TracerStats {
  /** Internal failures swallowed so the workflow never saw them. */
  internalErrors: number;
  /** Runs currently tracked (should return to 0 when the process is idle). */
  activeRuns: number;
  /** Runs that never ended and were ended by the tracer (`runTtlMs` without activity, or left open when their root ended). */
  reapedRuns: number;
  /** Runs not traced because `maxActiveRuns` was reached, or because their run id was already in flight. */
  droppedRuns: number;
  /** Node result attributes refused for a reserved name (`workflow.*`, `langfuse.*`, `gen_ai.*`, …; see `NodeResults.attributes`). */
  refusedAttributes: number;
}

export interface WorkflowTracerOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`)
   */
  tracerProvider?: TracerProvider;
  /**
   * Where the OpenTelemetry metrics in the GenAI conventions go (`gen_ai.client.token.usage`,
   * `gen_ai.client.operation.duration`, `workflow.*`); `false` records none. Instruments are created when the
   * tracer is constructed: register a global MeterProvider (`setupTelemetry` does) before that. With none
   * registered the API's no-op instruments make recording all but free.
   * @default the global meter provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: MeterProvider | false;
  /**
   * Prometheus metrics fed in the same callback pass that makes spans.
   * @default undefined (no metrics)
   */
  metrics?: WorkflowMetrics;
  /**
   * Your own prices (USD per million tokens), by model family, over the @pydantic/genai-prices catalogue; LLM spans
   * carry the cost (`langfuse.observation.cost_details`, `workflow.cost_usd`) with or without metrics.
   * @default the `pricing` of `metrics` when given, else {} (the catalogue only)
   */
  pricing?: PricingTable;
  /**
   * Stage of each node by name, used when the node is not wrapped with `traceNode`.
   * @default {}
   */
  stages?: Record<string, WorkflowStage>;
  /**
   * Infer a node's stage from its name when neither `traceNode` nor `stages` gives one
   * (`classify_intent` → intent; the rules are in docs/tracer.md).
   * @default true
   */
  inferStages?: boolean;
  /**
   * Capture prompts, completions, tool arguments and node inputs/outputs: `false` (off), `true` (on) or a
   * number N (on, each value truncated to N characters).
   * @default false
   */
  captureContent?: boolean | number;
  /**
   * Rewrites each captured text, reported SQL and error message/stack before it goes on a span. Error texts
   * have key-shaped strings (`sk-…`, `Bearer …`, `api_key=…`; see `redactSecrets`) stripped first, hook or not.
   * @default undefined
   */
  redact?: RedactHook;
  /**
   * Longest reported SQL kept on a span, in characters.
   * @default 4000
   */
  maxSqlLength?: number;
  /**
   * An invocation that sees no callback at all for this many milliseconds (a stream nobody reads any more but
   * nobody closed, a process path that hangs) is ended as `abandoned` by an unref'd timer, its open runs with
   * it, and its state freed. (A consumer that breaks off a stream needs no timer: LangGraph aborts the run,
   * which ends `abandoned` at once.) Set it above your longest single LLM or tool call.
   * @default 300000 (5 minutes)
   */
  runTtlMs?: number;
  /**
   * Most runs tracked at once; beyond it new runs are not traced (counted in `stats().droppedRuns`).
   * @default 100000
   */
  maxActiveRuns?: number;
  /**
   * Workflow name (root span, `gen_ai.workflow.name`, Langfuse trace name) for invocations that name none:
   * an invocation's `runName` wins, then a name the graph was compiled with (`compile({ name })`); this option
   * replaces only the names nobody chose (LangGraph's `LangGraph`, a runnable's class name). A
   * `withRetry()`/`withFallbacks()` wrapper takes its first attempt's name.
   * @default the root runnable's name (`LangGraph` for an unnamed compiled graph)
   */
  workflowName?: string;
  /**
   * Invocation metadata keys copied to the trace (primitive values only). `langgraph_*`, `ls_*`, `thread_id`
   * and the user, session, tag and prompt keys (`user_id`, `langfuseUserId`, `session_id`, `langfuseSessionId`,
   * `langfuseTags`, … which set the trace's user, session and tags) are not copied unless listed here.
   * @default all other keys, at most 32
   */
  metadataKeys?: readonly string[];
}
