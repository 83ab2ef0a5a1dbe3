import type { Context } from "@opentelemetry/api";
import type { NodeResults, WorkflowOutcome } from "../shared/workflow.js";
import type { TraceClock } from "./clock.js";
import type { Identity } from "./span-attributes.js";

/**
 * One invocation (one trace): where its spans parent, its clock, and the facts its nodes reported, read when
 * it ends (root attributes, metrics).
 */
export class Invocation {
  /** The context that was active when the invocation started: every span of it parents in it (baggage, suppression, processor keys). */
  readonly context: Context;
  readonly clock: TraceClock;
  /** The workflow's name; a retry or fallback wrapper's default name is replaced by its first attempt's. */
  workflowName: string;
  readonly identity: Identity;
  /** The root span's trace id when sampled and not pending a tail sampling decision (metric exemplars link to it). */
  traceId: string | undefined = undefined;
  /** Monotonic time of the last callback of any of its runs: an invocation idle for the TTL is abandoned. */
  lastActivityAt: number;
  /** Runs of this invocation still open. */
  openRuns = 0;
  /** A run of it paused on `interrupt()` (LangGraph then ends the root normally when a checkpointer is set). */
  interrupted = false;
  /**
   * Its root is a retry or fallback wrapper: each child of the root is an attempt, and only the last attempt's
   * reports count. `nameFromAttempt` while the root's name is still a default one, to be replaced by its first
   * attempt's.
   */
  attempts = false;
  nameFromAttempt = false;
  /** A run of it ended with a TimeoutError (`AbortSignal.timeout`): its root's abort is then a failure. */
  timedOut = false;

  intent: string | undefined = undefined;
  confidence: number | undefined = undefined;
  outcome: WorkflowOutcome | undefined = undefined;
  corrections = 0;
  valid: boolean | undefined = undefined;
  costUsd = 0;

  constructor(context: Context, clock: TraceClock, workflowName: string, identity: Identity, startedAt: number) {
    this.context = context;
    this.clock = clock;
    this.workflowName = workflowName;
    this.identity = identity;
    this.lastActivityAt = startedAt;
  }

  /** Fold a node's reported results into the summary (already checked by `readResults`: cut, finite, a known outcome). */
  record(results: NodeResults): void {
    if (results.intent !== undefined) this.intent = results.intent;
    if (results.confidence !== undefined) this.confidence = results.confidence;
    if (results.valid !== undefined) this.valid = results.valid;
    if (results.correctionAttempt !== undefined && results.correctionAttempt > this.corrections) this.corrections = results.correctionAttempt;
    if (results.outcome !== undefined) this.outcome = results.outcome;
  }

  /** A new attempt of a retried or fallen-back workflow starts: what the earlier attempts reported no longer stands. */
  newAttempt(): void {
    this.intent = undefined;
    this.confidence = undefined;
    this.outcome = undefined;
    this.corrections = 0;
    this.valid = undefined;
    this.interrupted = false;
    this.timedOut = false;
  }

  /** How the invocation ended, given how its root ended. */
  finalOutcome(failed: boolean, interrupted: boolean, abandoned: boolean): WorkflowOutcome {
    if (abandoned) return "abandoned";
    if (interrupted || (this.interrupted && !failed)) return "interrupted";
    if (failed) return "error";
    // A run whose last validation failed, and that no node gave an outcome, ended without a usable query.
    return this.outcome ?? (this.valid === false ? "failed" : "success");
  }
}
