import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer } from "@opentelemetry/api";
import { GenAI, GenAIOperation, Langfuse, LangGraph, ObservationType, TailSamplingState, Workflow } from "../attributes.js";
import type { LlmCall, Pricer } from "../shared/llm-call.js";
import type { TelemetrySink } from "../shared/sink.js";
import { RecentMap, RecentSet } from "../shared/recent.js";
import type { WorkflowOutcome } from "../shared/workflow.js";
import { now, WallClock } from "./clock.js";
import { errorMessage, errorType, exceptionOf, isAbort, isControlFlow, isInterrupt, isTimeout } from "./errors.js";
import { Invocation } from "./invocation.js";
import { describeLlmCall, describeLlmOutput } from "./llm-span.js";
import type { ResolvedTracerOptions } from "./options.js";
import { RunKind, runTypeOf } from "./run-kind.js";
import { RunState, RunTable } from "./run-state.js";
import { captured, errorText, type Identity } from "./span-attributes.js";

/** Interrupted runs remembered per thread, to link the run that resumes them (the oldest forgotten). */
const MAX_INTERRUPTED_THREADS = 1000;
/** Run ids left untraced, remembered so their late children are dropped too (the oldest forgotten). */
const MAX_UNTRACKED = 10_000;
/** Runs that ended, remembered so work started under them later joins their trace (the oldest forgotten). */
const MAX_ENDED = 4096;
/** Invocations whose trace id `traceIdOf` remembers (the oldest forgotten). */
const MAX_TRACE_IDS = 10_000;
/** The status message of a run ended as abandoned, by how it ended. */
const ABANDONED_IDLE = "abandoned: the run never ended (its consumer stopped, or nothing happened for runTtlMs)";
const ABANDONED_ABORTED = "abandoned: aborted by its signal (its stream's consumer broke off, or the caller's AbortSignal fired)";

/**
 * The one life of every span: a run starts → its SDK span starts (in the caller's context, on the trace's
 * clock) → attributes as callbacks arrive → the run ends → status, root summary and metrics → the span ends,
 * whatever threw on the way. Also ends runs that never end: left open when their root ended, or idle for
 * the TTL (an unref'd timer; no traffic needed).
 */
export class RunLifecycle {
  readonly runs: RunTable;
  reapedRuns = 0;
  droppedRuns = 0;
  private sweepTimer: ReturnType<typeof setInterval> | undefined = undefined;
  private readonly interruptedThreads = new RecentMap<string, SpanContext>(MAX_INTERRUPTED_THREADS);
  /** The wall clock's offset from the monotonic one, from this tracer's readings: each trace's anchor. */
  private readonly wall = new WallClock();
  /** Trace ids of the latest invocations by their root's run id (`tracer.traceIdOf`), oldest forgotten first. */
  private readonly traceIds = new RecentMap<string, string>(MAX_TRACE_IDS);
  /** Runs refused: a run started below one of them is not traced either. */
  private readonly untracked = new RecentSet<string>(MAX_UNTRACKED);
  /** Runs that ended and could have children: a run started below one later joins their trace. */
  private readonly ended = new RecentMap<string, RunState>(MAX_ENDED);
  private readonly sink: TelemetrySink | undefined;
  private readonly pricer: Pricer;

  constructor(
    private readonly otel: Tracer,
    private readonly options: ResolvedTracerOptions,
    private readonly fault: (where: string, error: unknown) => void,
  ) {
    this.runs = new RunTable(options.maxActiveRuns);
    this.sink = options.sink;
    this.pricer = options.pricer;
  }

  /** The run that carries the children of `entry`: itself, or for hidden plumbing its nearest traced ancestor. */
  carrierOf(entry: RunState | undefined): RunState | undefined {
    return entry?.kind === RunKind.Hidden ? entry.parent : entry;
  }

  /** A run of an invocation that is traced (its invocation's clock restarts the idle countdown). */
  touch(runId: unknown, at: number): RunState | undefined {
    const state = this.runs.get(runId);
    if (state !== undefined) state.invocation.lastActivityAt = at;
    return state;
  }

  /**
   * The parent of a run starting now: the run `parentRunId` names while it is open, or after it ended (work a
   * node started and did not await joins the node's trace, not a trace of its own).
   */
  parentOf(parentRunId: unknown, at: number): RunState | undefined {
    const open = this.touch(parentRunId, at);
    if (open !== undefined || this.ended.size === 0 || typeof parentRunId !== "string") return open;
    return this.ended.get(parentRunId);
  }

  /**
   * For a run LangChain gives no parent: the run it was started inside, when that is one of ours. Agent code
   * invokes sub-agents with callbacks of their own (`inner.invoke(x, { callbacks: [tracer] })` in a tool or a
   * node), which cuts LangChain's parent link; but LangChain hands the enclosing config's metadata on (through
   * its AsyncLocalStorage), and LangGraph's names the task it runs in (`langgraph_checkpoint_ns`). The run joins
   * that node, or the one tool running in it.
   */
  enclosingRun(metadata: Record<string, unknown> | undefined, at: number): RunState | undefined {
    const namespace = metadata?.langgraph_checkpoint_ns;
    if (typeof namespace !== "string" || namespace.length === 0) return undefined;
    const node = this.runs.openNodeOf(namespace);
    if (node === undefined) return undefined;
    node.invocation.lastActivityAt = at;
    let tool: RunState | undefined;
    for (const open of this.runs.openDescendantsOf(node)) {
      if (open.kind !== RunKind.Tool) continue;
      if (tool !== undefined) return node; // tools running side by side: the node is all that is sure
      tool = open;
    }
    return tool ?? node;
  }

  /**
   * A new child of a retry or fallback wrapper's root: an attempt. Earlier attempts' reports are dropped, and a
   * root still named by default takes the attempt's name (or the tracer's `workflowName`, when the attempt's is a
   * default one too), so the trace keeps the graph's name rather than `RunnableWithFallbacks`.
   */
  newAttempt(root: RunState, name: string, defaultName: boolean): void {
    const invocation = root.invocation;
    invocation.newAttempt();
    if (!invocation.nameFromAttempt) return;
    invocation.nameFromAttempt = false;
    const workflowName = defaultName ? (this.options.workflowName ?? name) : name;
    if (workflowName === invocation.workflowName) return;
    invocation.workflowName = workflowName;
    root.span?.updateName(`${GenAIOperation.INVOKE_WORKFLOW} ${workflowName}`);
    root.span?.setAttributes({ [GenAI.WORKFLOW_NAME]: workflowName, [Workflow.NAME]: workflowName, [Langfuse.TRACE_NAME]: workflowName });
  }

  /** Track a run with no span yet (hidden runs, chains until a descendant needs them). */
  track(state: RunState): boolean {
    if (this.runs.add(state)) {
      state.invocation.lastActivityAt = state.startedAt;
      return true;
    }
    const holder = this.runs.get(state.runId);
    // A run id already in flight (a caller reused `runId`): the run holding it ignores one end, this one's.
    if (holder !== undefined) holder.shadowed++;
    else if (typeof state.runId === "string") this.forget(state.runId);
    this.droppedRuns++;
    return false;
  }

  /** True when `parentRunId` names a run that was refused or ended early: its children are dropped with it. */
  isUntracked(parentRunId: unknown): boolean {
    return typeof parentRunId === "string" && this.untracked.size > 0 && this.untracked.has(parentRunId) && this.runs.get(parentRunId) === undefined;
  }

  /** Drop a run below an untracked one (counted), so it does not become a root of a trace of its own. */
  refuse(runId: unknown): void {
    this.droppedRuns++;
    if (typeof runId === "string") this.forget(runId);
  }

  private forget(runId: string): void {
    this.untracked.add(runId);
  }

  /**
   * A root: a new invocation, parented in the caller's active context (an HTTP server span, baggage,
   * suppression), with the trace's clock anchored now.
   */
  startRoot(runId: string, kind: RunKind, name: string, identity: Identity, at: number, spanName: string, spanKind: SpanKind, attributes: Attributes): RunState | undefined {
    const parentContext = context.active();
    const invocation = new Invocation(parentContext, this.wall.anchor(), name, identity, at);
    const state = new RunState(runId, kind, name, undefined, invocation, at);
    if (!this.track(state)) return undefined;
    let span: Span;
    try {
      span = this.otel.startSpan(spanName, { kind: spanKind, startTime: invocation.clock.time(at), attributes, links: this.resumeLink(identity) }, parentContext);
    } catch (error) {
      // A sampler or a processor's onStart threw: the invocation is not traced (nor counted), whole.
      this.untrack(state, "span start", error);
      return undefined;
    }
    state.span = span;
    const spanContext = span.spanContext();
    if (isSpanContextValid(spanContext)) this.rememberTraceId(runId, spanContext.traceId);
    // Exemplars link only to traces sure to be exported: sampled, and not pending a tail sampling decision.
    invocation.traceId = (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 && spanContext.traceState?.get(TailSamplingState.KEY) !== TailSamplingState.PENDING ? spanContext.traceId : undefined;
    if (kind === RunKind.Workflow && this.sink !== undefined) {
      try {
        this.sink.workflowStarted();
      } catch (error) {
        this.fault("metrics", error);
      }
    }
    this.armSweep();
    return state;
  }

  /** The trace id of the invocation whose root had run id `runId`, if remembered. */
  traceIdOf(runId: unknown): string | undefined {
    return typeof runId === "string" ? this.traceIds.get(runId) : undefined;
  }

  private rememberTraceId(runId: string, traceId: string): void {
    this.traceIds.set(runId, traceId);
  }

  /**
   * A run below `parent`, its span started now with its recorded start time. A parent that has ended (work
   * started and not awaited) still parents it, in its trace; the run is then marked as ending after its parent.
   */
  startChild(runId: string, kind: RunKind, name: string, parent: RunState, at: number, spanName: string, spanKind: SpanKind, attributes: Attributes): RunState | undefined {
    const state = new RunState(runId, kind, name, parent, parent.invocation, at);
    if (!this.track(state)) return undefined;
    try {
      this.openSpan(state, spanName, spanKind, attributes);
    } catch (error) {
      this.untrack(state, "span start", error);
      return undefined;
    }
    return state;
  }

  private untrack(state: RunState, where: string, error: unknown): void {
    this.runs.delete(state);
    this.forget(state.runId);
    this.droppedRuns++;
    this.fault(where, error);
  }

  /** The span of a run, started now for a chain that had none yet (its recorded start time, its parents first). */
  spanOf(state: RunState): Span | undefined {
    if (state.span !== undefined || state.kind !== RunKind.Chain || state.ended) return state.span;
    const span = this.openSpan(state, state.name, SpanKind.INTERNAL, {
      [GenAI.WORKFLOW_NAME]: state.invocation.workflowName,
      [Langfuse.OBSERVATION_TYPE]: ObservationType.CHAIN,
    });
    if (state.pendingInputs !== undefined && span.isRecording()) {
      span.setAttribute(Langfuse.OBSERVATION_INPUT, captured(state.pendingInputs, this.options, { field: "input", runType: "chain", name: state.name }));
    }
    state.pendingInputs = undefined;
    return span;
  }

  private openSpan(state: RunState, spanName: string, spanKind: SpanKind, attributes: Attributes): Span {
    const invocation = state.invocation;
    const identity = invocation.identity;
    if (identity.userId !== undefined) attributes[Langfuse.TRACE_USER_ID] = identity.userId;
    if (identity.sessionId !== undefined) attributes[Langfuse.TRACE_SESSION_ID] = identity.sessionId;
    const node = state.node;
    if (node !== undefined && state.kind !== RunKind.Node) {
      attributes[Workflow.STAGE] = state.stage ?? "other";
      attributes[LangGraph.NODE] = node.name;
    }
    const parent = state.parent as RunState;
    if (parent.ended) {
      // Work started under a run that had ended: in its trace, and the one kind of span that ends after its parent.
      attributes[Workflow.ENDS_AFTER_PARENT] = true;
      this.armSweep();
    }
    const span = this.otel.startSpan(spanName, { kind: spanKind, startTime: invocation.clock.time(state.startedAt), attributes }, this.childContext(parent));
    state.span = span;
    return span;
  }

  /**
   * The context children of `parent` start in: the invocation's own context with the parent's span (for a
   * parent that ended, its span context: the span itself was let go; for one that ended with no span, its own
   * parent's).
   */
  private childContext(parent: RunState): Context {
    if (parent.childContext !== undefined) return parent.childContext;
    if (parent.ended) {
      if (parent.spanContext !== undefined) return (parent.childContext = trace.setSpan(parent.invocation.context, trace.wrapSpanContext(parent.spanContext)));
      return parent.parent !== undefined ? this.childContext(parent.parent) : parent.invocation.context;
    }
    const span = this.spanOf(parent);
    return (parent.childContext = span === undefined ? parent.invocation.context : trace.setSpan(parent.invocation.context, span));
  }

  /**
   * End a run: status and attributes, the root's summary, metrics, then the span — which ends whatever
   * throws before it. `output` is an LLM call's end payload. Runs below it still open are ended first, at the
   * same time, as abandoned — except LLM calls, which go on to their own end (so what they cost is counted)
   * and are marked as ending after their parent.
   */
  end(state: RunState, error: unknown, at: number, abandoned = false, output?: unknown): void {
    if (state.shadowed > 0 && !abandoned) {
      state.shadowed--;
      return;
    }
    if (state.openChildren > 0) this.settleDescendants(state, at);
    this.runs.delete(state);
    const invocation = state.invocation;
    if (error !== undefined && isTimeout(error)) invocation.timedOut = true;
    // Stopped by its abort signal (its stream's consumer went away, its caller gave up): abandoned, not failed;
    // unless a deadline cut one of its steps short, which fails the invocation.
    const aborted = error !== undefined && isAbort(error) && !(state.parent === undefined && invocation.timedOut);
    const failed = error !== undefined && !aborted && !isControlFlow(error);
    const interrupted = error !== undefined && isInterrupt(error);
    if (interrupted) invocation.interrupted = true;
    const span = state.span;
    const durationSeconds = (at - state.startedAt) / 1000;
    const gone = abandoned ? ABANDONED_IDLE : aborted ? ABANDONED_ABORTED : undefined;
    let outcome: WorkflowOutcome | undefined;
    let call: LlmCall | undefined;
    try {
      if (state.kind === RunKind.Workflow) outcome = invocation.finalOutcome(failed, interrupted, gone !== undefined);
      if (state.llm !== undefined) call = this.llmCall(state, output, failed ? error : undefined, at);
      if (span !== undefined) {
        this.describeEnd(state, span, error, failed, interrupted, gone, outcome, at);
        if (call !== undefined) {
          const firstChunkAt = state.llm!.firstChunkAt;
          describeLlmCall(span, call, firstChunkAt > 0 ? new Date(invocation.clock.epochMillis(firstChunkAt)).toISOString() : undefined);
          if (output !== undefined && this.options.contentLimit > 0 && span.isRecording()) describeLlmOutput(span, output, call, state.name, this.options);
        }
      }
    } catch (e) {
      this.fault("end", e);
    }
    // Reaped runs are runs that had a span (plumbing and lazy chains ended with them are not counted).
    const reaped = abandoned && span !== undefined;
    if (reaped) this.reapedRuns++;
    if (this.sink !== undefined) {
      try {
        this.feed(this.sink, state, failed ? error : undefined, reaped, outcome, durationSeconds, call);
      } catch (e) {
        this.fault("metrics", e);
      }
    }
    if (span !== undefined) {
      try {
        span.end(invocation.clock.time(at));
      } catch (e) {
        this.fault("span end", e);
      }
    }
    this.rememberEnded(state);
  }

  /** The record of an LLM call that ends now, its cost added to its invocation's. */
  private llmCall(state: RunState, output: unknown, error: unknown, at: number): LlmCall {
    const invocation = state.invocation;
    const call = state.llm!.finish(
      output,
      {
        stage: state.stage ?? "other",
        errorType: error !== undefined ? errorType(error) : undefined,
        startedAt: state.startedAt,
        endedAt: at,
        endedAtEpochMs: invocation.clock.epochMillis(at),
        traceId: invocation.traceId,
      },
      this.pricer,
    );
    if (call.cost !== undefined && Number.isFinite(call.cost.total)) invocation.costUsd += call.cost.total;
    return call;
  }

  /**
   * A run that ended, kept (bounded, oldest forgotten first) for work started under it later, which then
   * joins its trace. Only its span context is kept, not the span.
   */
  private rememberEnded(state: RunState): void {
    state.ended = true;
    state.pendingInputs = undefined;
    // Work is started from a node's or a tool's code, with its config (or at the top, the invocation's): those
    // are the runs late work names as its parent. LLM calls, retrievers, chains and LangGraph's plumbing are not.
    const kind = state.kind;
    if (kind !== RunKind.Node && kind !== RunKind.Tool && kind !== RunKind.Workflow && kind !== RunKind.Graph) return;
    const span = state.span;
    if (span !== undefined) {
      state.spanContext = span.spanContext();
      state.span = undefined;
      state.childContext = undefined;
    }
    this.ended.set(state.runId, state);
  }

  private describeEnd(state: RunState, span: Span, error: unknown, failed: boolean, interrupted: boolean, abandoned: string | undefined, outcome: WorkflowOutcome | undefined, at: number): void {
    if (failed) {
      const type = errorType(error);
      const info = { field: "error", runType: runTypeOf(state.kind), name: state.name } as const;
      const message = errorText(errorMessage(error), this.options, info);
      const exception = exceptionOf(error, type, message);
      if (exception.stack !== undefined) exception.stack = errorText(exception.stack, this.options, info);
      span.recordException(exception, state.invocation.clock.time(at));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.setAttribute("error.type", type);
      span.setAttribute(Langfuse.OBSERVATION_LEVEL, "ERROR");
      span.setAttribute(Langfuse.OBSERVATION_STATUS_MESSAGE, message);
    } else if (interrupted) {
      span.setAttribute(Workflow.INTERRUPTED, true);
    }
    if (abandoned !== undefined) {
      span.setAttribute(Workflow.ABANDONED, true);
      span.setAttribute(Langfuse.OBSERVATION_LEVEL, "WARNING");
      span.setAttribute(Langfuse.OBSERVATION_STATUS_MESSAGE, abandoned);
    }
    if (outcome === undefined) return;
    const invocation = state.invocation;
    span.setAttribute(Workflow.OUTCOME, outcome);
    if (invocation.intent !== undefined) span.setAttribute(Workflow.INTENT, invocation.intent);
    if (invocation.confidence !== undefined) span.setAttribute(Workflow.CONFIDENCE, invocation.confidence);
    if (invocation.corrections > 0) span.setAttribute(Workflow.CORRECTIONS, invocation.corrections);
    if (invocation.valid !== undefined) span.setAttribute(Workflow.VALIDATION_VALID, invocation.valid);
    if (invocation.costUsd > 0) span.setAttribute(Workflow.COST_USD, invocation.costUsd);
    if (outcome === "failed") span.setAttribute(Langfuse.OBSERVATION_LEVEL, "WARNING");
    if (outcome === "interrupted") this.rememberInterrupted(invocation, span);
  }

  private feed(sink: TelemetrySink, state: RunState, error: unknown, reaped: boolean, outcome: WorkflowOutcome | undefined, durationSeconds: number, call: LlmCall | undefined): void {
    try {
      this.feedEnd(sink, state, error, outcome, durationSeconds, call);
    } finally {
      if (reaped) sink.runReaped();
    }
  }

  private feedEnd(sink: TelemetrySink, state: RunState, error: unknown, outcome: WorkflowOutcome | undefined, durationSeconds: number, call: LlmCall | undefined): void {
    const traceId = state.invocation.traceId;
    switch (state.kind) {
      case RunKind.Workflow: {
        const invocation = state.invocation;
        sink.workflowEnded({ outcome: outcome ?? "error", intent: invocation.intent, corrections: invocation.corrections, valid: invocation.valid, durationSeconds, traceId });
        return;
      }
      case RunKind.Node:
        // A stage is timed once per entry: nodes nested in a node of the same stage (a subgraph's inner
        // nodes) are inside its time already.
        if (state.parent?.node?.stage !== state.stage) sink.nodeEnded({ name: state.stage ?? "other", failed: error !== undefined, durationSeconds, traceId });
        return;
      case RunKind.Llm:
        if (call !== undefined) sink.llmEnded(call);
        return;
      case RunKind.Tool:
        sink.toolEnded({ name: state.name, failed: error !== undefined, durationSeconds, traceId });
        return;
      case RunKind.Retriever:
        sink.retrieverEnded({ name: state.name, failed: error !== undefined, durationSeconds, traceId });
        return;
    }
  }

  /**
   * The runs still open below a run that ends: LLM calls go on (marked: they end after their parent); the
   * others end now, as abandoned.
   */
  private settleDescendants(state: RunState, at: number): void {
    for (const open of this.runs.openDescendantsOf(state)) {
      try {
        if (open.kind === RunKind.Llm) open.span?.setAttribute(Workflow.ENDS_AFTER_PARENT, true);
        else if (this.runs.holds(open)) this.end(open, undefined, at, true);
      } catch (error) {
        this.fault("end", error);
      }
    }
  }

  // ---------------------------------------------------------------- abandoned invocations

  /**
   * End every invocation idle for `runTtlMs` or more, as abandoned, at the time of its last activity (so
   * durations are not inflated by the wait). Returns the number of runs ended.
   */
  sweep(): number {
    const idle = this.runs.idle(now(), this.options.runTtlMs);
    let ended = 0;
    if (idle.length > 0) {
      // One pass over the table for all of them, children before their parents.
      for (const open of this.runs.openRunsOf(new Set(idle))) {
        if (!this.runs.holds(open)) continue;
        ended++;
        try {
          this.end(open, undefined, open.invocation.lastActivityAt, true);
        } catch (error) {
          this.fault("sweep", error);
        }
      }
    }
    if (this.runs.openInvocations === 0 && this.sweepTimer !== undefined) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    return ended;
  }

  /** While any invocation is open, an unref'd timer looks for idle ones (it never keeps the process alive). */
  private armSweep(): void {
    if (this.sweepTimer !== undefined) return;
    const period = Math.min(30_000, Math.max(10, this.options.runTtlMs / 4));
    this.sweepTimer = setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.fault("sweep", error);
      }
    }, period);
    this.sweepTimer.unref?.();
  }

  // ---------------------------------------------------------------- interrupt → resume links

  private rememberInterrupted(invocation: Invocation, span: Span): void {
    const thread = invocation.identity.conversationId;
    if (thread === undefined || !isSpanContextValid(span.spanContext())) return;
    this.interruptedThreads.set(thread, span.spanContext());
  }

  /** A link to the interrupted run of the same thread, for the invocation that resumes it. */
  private resumeLink(identity: Identity): Link[] | undefined {
    const thread = identity.conversationId;
    if (thread === undefined || this.interruptedThreads.size === 0) return undefined;
    const interrupted = this.interruptedThreads.get(thread);
    if (interrupted === undefined) return undefined;
    this.interruptedThreads.delete(thread);
    return [{ context: interrupted, attributes: { "workflow.link": "resumes" } }];
  }
}
