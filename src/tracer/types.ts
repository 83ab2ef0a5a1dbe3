/**
 * The tracer's public types other than its options: what `traceNode` hands a node, and the tracer's health
 * counters.
 */
import type { NodeResults, WorkflowOutcome } from "../shared/workflow.js";

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
