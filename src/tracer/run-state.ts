import type { Span } from "@opentelemetry/api";
import type { NodeResults, WorkflowOutcome, WorkflowStage } from "../types.js";
import type { SpanBatch } from "./deferred-span.js";
import type { LlmRequest, LlmUsage } from "./llm-info.js";

/** What a LangChain run is to us. */
export enum RunKind {
  /** The root of an invocation: the workflow span, carrying the trace attributes. */
  Workflow,
  /** A compiled (sub)graph below the root. */
  Graph,
  /** A LangGraph node (a task of a graph). */
  Node,
  /** Any other chain; becomes a span only when a descendant needs a parent (see `materialize`). */
  Chain,
  Llm,
  Tool,
  Retriever,
  /** LangGraph plumbing (`langsmith:hidden`); never a span, its children attach to its parent. */
  Hidden,
}

/** Per-invocation facts kept on the root, read when the workflow ends (metrics, root attributes). */
export class WorkflowSummary {
  intent: string | undefined = undefined;
  confidence: number | undefined = undefined;
  outcome: WorkflowOutcome | undefined = undefined;
  corrections = 0;
  valid: boolean | undefined = undefined;
  errorCategory: string | undefined = undefined;
  scores: Record<string, number> | undefined = undefined;
  costUsd = 0;
  userId: string | undefined = undefined;
  sessionId: string | undefined = undefined;
  /** The root span's trace id when sampled (metric exemplars link to it). */
  traceId: string | undefined = undefined;
  /** The spans below the root, handed to the SDK together (see SpanBatch). */
  batch: SpanBatch | undefined = undefined;
  workflowName: string;
  /** Runs of this invocation still open; when the root ends with some left, they are swept. */
  openRuns = 0;

  constructor(workflowName: string) {
    this.workflowName = workflowName;
  }
}

export class RunState {
  /** The span (a DeferredSpan below the root), or undefined for a chain not materialised yet (and for hidden runs). */
  span: Span | undefined = undefined;
  stage: WorkflowStage | undefined;
  /** Nearest node at or above this run; gives LLM and tool spans their stage and node name. */
  node: RunState | undefined;
  /** The invocation's summary (shared by every run of one invocation). */
  readonly summary: WorkflowSummary;
  /** For lazily created chain spans: the inputs to attach if it materialises. */
  pendingInputs: unknown = undefined;
  /** LLM runs: the request read at start, first-token time and the last usage seen on a chunk. */
  request: LlmRequest | undefined = undefined;
  firstTokenAt = 0;
  chunkUsage: LlmUsage | undefined = undefined;
  /** Node runs: results reported through traceNode, applied to the span as they arrive. */
  results: NodeResults | undefined = undefined;

  constructor(
    readonly runId: string,
    readonly kind: RunKind,
    readonly name: string,
    /** Nearest tracked ancestor that can carry children (hidden runs are skipped over). */
    readonly parent: RunState | undefined,
    summary: WorkflowSummary | undefined,
    /** Start, `performance.now()`: the span's start time, and the origin of durations and the TTL. */
    readonly startedAt: number,
  ) {
    this.summary = summary ?? parent?.summary ?? new WorkflowSummary(name);
    this.node = kind === RunKind.Node ? this : parent?.node;
    this.stage = parent?.node?.stage;
  }
}

/**
 * All runs in flight, by run id. Entries are removed on end and error alike; runs that never end are
 * reaped after a TTL, checked lazily when runs start (no timers: the tracer must not keep a process alive).
 */
export class RunTable {
  private readonly runs = new Map<string, RunState>();
  private nextSweepAt = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxRuns: number,
  ) {}

  get size(): number {
    return this.runs.size;
  }

  get(runId: string | undefined): RunState | undefined {
    return runId === undefined ? undefined : this.runs.get(runId);
  }

  /** False when the table is full: the caller then leaves the run untraced. */
  add(state: RunState): boolean {
    if (this.runs.size >= this.maxRuns) return false;
    this.runs.set(state.runId, state);
    state.summary.openRuns++;
    return true;
  }

  delete(state: RunState): void {
    if (this.runs.delete(state.runId)) state.summary.openRuns--;
  }

  /** Runs older than the TTL, when a sweep is due (at most once per tenth of the TTL, and never more often than every 10 ms). */
  expired(now: number): RunState[] | undefined {
    if (now < this.nextSweepAt) return undefined;
    this.nextSweepAt = now + Math.max(10, this.ttlMs / 10);
    let stale: RunState[] | undefined;
    for (const state of this.runs.values()) {
      if (now - state.startedAt >= this.ttlMs) (stale ??= []).push(state);
    }
    return stale;
  }

  /** Every run still open of one invocation (called when its root ends with runs left open). */
  openRunsOf(summary: WorkflowSummary): RunState[] {
    const open: RunState[] = [];
    for (const state of this.runs.values()) if (state.summary === summary) open.push(state);
    return open;
  }

  /** Runs open longer than the TTL regardless of when the last sweep ran; for `WorkflowTracer.sweep()`. */
  allExpired(now: number): RunState[] {
    const stale: RunState[] = [];
    for (const state of this.runs.values()) if (now - state.startedAt >= this.ttlMs) stale.push(state);
    return stale;
  }
}
