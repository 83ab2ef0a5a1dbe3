import type { Context, Span, SpanContext } from "@opentelemetry/api";
import type { LlmCallInFlight } from "../llm/call.js";
import type { WorkflowStage } from "../shared/workflow.js";
import type { Invocation } from "./invocation.js";
import { RunKind } from "./run-kind.js";
import type { LinkedPrompt } from "./prompt-link.js";

/** One LangChain run in flight. */
export class RunState {
  /** Its SDK span; undefined for a chain not needed as a parent yet, and for hidden runs. */
  span: Span | undefined = undefined;
  stage: WorkflowStage | undefined;
  /** Nearest node at or above this run; gives LLM and tool spans their stage and node name. */
  readonly node: RunState | undefined;
  /** Starts refused because they reused this run's id: that many ends of this id are not this run's. */
  shadowed = 0;
  /** Tracked runs below it still open (hidden runs count under their nearest traced ancestor). */
  openChildren = 0;
  /** The context its children start in (made once, on the first child). */
  childContext: Context | undefined = undefined;
  /** Set when it ended; it then keeps only its span's context, for work started under it later. */
  ended = false;
  spanContext: SpanContext | undefined = undefined;
  /** A lazily created chain span's inputs, captured if it is created. */
  pendingInputs: unknown = undefined;
  /** LLM runs: the call's request and what its streamed chunks said so far. */
  llm: LlmCallInFlight | undefined = undefined;
  /** Node runs: LangGraph's task namespace (`langgraph_checkpoint_ns`), by which a run started inside it without a parent link finds it. */
  namespace: string | undefined = undefined;
  /** A Langfuse prompt a child (the prompt template) registered: the next generation under this run uses it. */
  prompt: LinkedPrompt | undefined = undefined;

  constructor(
    readonly runId: string,
    readonly kind: RunKind,
    readonly name: string,
    /** Nearest tracked ancestor that can carry children (hidden runs are skipped over). */
    readonly parent: RunState | undefined,
    readonly invocation: Invocation,
    /** Monotonic start: the span's start time and the origin of durations. */
    readonly startedAt: number,
  ) {
    this.node = kind === RunKind.Node ? this : parent?.node;
    this.stage = parent?.node?.stage;
  }
}

/**
 * All runs in flight, by run id, and the invocations they belong to. Entries are removed on end, error and
 * reaping alike. A run id already in flight is refused (LangChain gives each run a fresh UUID; a caller's
 * reused `runId` must not overwrite another invocation's state).
 */
export class RunTable {
  private readonly runs = new Map<string, RunState>();
  private readonly invocations = new Set<Invocation>();

  constructor(private readonly maxRuns: number) {}

  get size(): number {
    return this.runs.size;
  }

  get openInvocations(): number {
    return this.invocations.size;
  }

  get(runId: unknown): RunState | undefined {
    return typeof runId === "string" ? this.runs.get(runId) : undefined;
  }

  /** False when the table is full, the run id is in flight or not a string: the caller then leaves the run untraced. */
  add(state: RunState): boolean {
    if (typeof state.runId !== "string" || this.runs.size >= this.maxRuns || this.runs.has(state.runId)) return false;
    this.runs.set(state.runId, state);
    if (state.parent !== undefined) state.parent.openChildren++;
    const invocation = state.invocation;
    if (invocation.openRuns++ === 0) this.invocations.add(invocation);
    return true;
  }

  /** True while `state` is the run its id names. */
  holds(state: RunState): boolean {
    return this.runs.get(state.runId) === state;
  }

  delete(state: RunState): void {
    if (this.runs.get(state.runId) !== state) return;
    this.runs.delete(state.runId);
    if (state.parent !== undefined) state.parent.openChildren--;
    const invocation = state.invocation;
    if (--invocation.openRuns === 0) this.invocations.delete(invocation);
  }

  /** Invocations with no callback for `idleMs` or more. */
  idle(now: number, idleMs: number): Invocation[] {
    const stale: Invocation[] = [];
    for (const invocation of this.invocations) if (now - invocation.lastActivityAt >= idleMs) stale.push(invocation);
    return stale;
  }

  /** The open runs of some invocations, newest first (children before their parents), in one pass. */
  openRunsOf(invocations: ReadonlySet<Invocation>): RunState[] {
    const open: RunState[] = [];
    for (const state of this.runs.values()) if (invocations.has(state.invocation)) open.push(state);
    return open.reverse();
  }

  /**
   * The open node run of a LangGraph task (`langgraph_checkpoint_ns`), the latest started if several. A scan: only
   * runs LangChain gives no parent ask (a sub-agent invoked with callbacks of its own), and they scan the table for
   * their tools next anyway; an index kept for them cost every node two Map writes.
   */
  openNodeOf(namespace: string): RunState | undefined {
    let found: RunState | undefined;
    for (const state of this.runs.values()) if (state.kind === RunKind.Node && state.namespace === namespace) found = state;
    return found;
  }

  /** The open runs below `ancestor`, deepest first. */
  openDescendantsOf(ancestor: RunState): RunState[] {
    const open: RunState[] = [];
    for (const state of this.openRunsOf(new Set([ancestor.invocation]))) {
      for (let p = state.parent; p !== undefined; p = p.parent) {
        if (p === ancestor) {
          open.push(state);
          break;
        }
      }
    }
    return open;
  }
}
