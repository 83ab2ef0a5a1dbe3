import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import {
  context,
  diag,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { GenAI, GenAIOperation, LANGSMITH_HIDDEN_TAG, Langfuse, ObservationType, Workflow } from "../attributes.js";
import type { NodeResults, TracerStats, WorkflowOutcome, WorkflowStage, WorkflowTracerOptions } from "../types.js";
import { VERSION } from "../version.js";
import { toSemconvMessages } from "./content.js";
import { DeferredSpan, flushDeferredSpans, SpanBatch } from "./deferred-span.js";
import { errorMessage, errorType, isGraphInterrupt } from "./errors.js";
import { generationOutput, lastGeneration, readChunkUsage, readLlmRequest, readResponse, readUsage, UNKNOWN_MODEL } from "./llm-info.js";
import { resolveTracerOptions, type ResolvedTracerOptions } from "./options.js";
import { RunKind, RunState, RunTable, WorkflowSummary } from "./run-state.js";
import type { TelemetrySink } from "./sink.js";
import {
  applyLlmResponse,
  applyResults,
  captured,
  inputMessagesAttributes,
  llmRequestAttributes,
  nodeAttributes,
  nodeObservationType,
  readIdentity,
  userTags,
  workflowAttributes,
} from "./span-attributes.js";
import { inferStage } from "./stages.js";

type Obj = Record<string, unknown>;

/** Marks our handler so `traceNode` finds it among a run's callbacks without importing this class. */
export const TRACER_BRAND = Symbol.for("langgraph-telemetry.WorkflowTracer");

const MAX_CACHED_NODE_NAMES = 1000;

interface NodeInfo {
  stage: WorkflowStage | undefined;
  source: "option" | "name" | "parent" | "default";
  observationType: string;
}

const GRAPH_CLASS = /^(Compiled\w*Graph|Pregel)$/;

/**
 * One monotonic clock for every span time and duration: spans start at `startedAt` and end at `now()`, both
 * `performance.now()` readings that the SDK maps to epoch time. (A Date.now() start would make the SDK end
 * spans on Date.now() too, at millisecond resolution; and chain spans materialise after their start.)
 */
function now(): number {
  return performance.now();
}

function lastId(serialized: unknown): string {
  const ids = (serialized as { id?: unknown } | undefined)?.id;
  return Array.isArray(ids) && ids.length > 0 ? String(ids[ids.length - 1]) : "";
}

function runNameOf(serialized: unknown, runName: unknown, fallback: string): string {
  if (typeof runName === "string" && runName.length > 0) return runName;
  const name = (serialized as { name?: unknown } | undefined)?.name;
  if (typeof name === "string" && name.length > 0) return name;
  return lastId(serialized) || fallback;
}

/** The trace id to link from a metric exemplar: only for sampled traces, the ones a backend will have. */
function exemplarTraceId(root: Span): string | undefined {
  const ctx = root.spanContext();
  return (ctx.traceFlags & TraceFlags.SAMPLED) !== 0 ? ctx.traceId : undefined;
}

/**
 * A LangChain callback handler that turns every run of a LangChain/LangGraph invocation into
 * OpenTelemetry spans that Langfuse reads as traces, generations and observations.
 *
 * One long-lived instance serves every invocation: `graph.invoke(input, { callbacks: [tracer] })`.
 * It never throws into the workflow, never changes its result and does no I/O on the callback path.
 */
export class WorkflowTracer extends BaseCallbackHandler {
  readonly name = "WorkflowTracer";
  readonly [TRACER_BRAND] = true;

  private readonly options: ResolvedTracerOptions;
  private readonly otel: Tracer;
  private readonly runs: RunTable;
  /** The metrics fed in the same pass as spans (`options.metrics`). */
  private readonly sink: TelemetrySink | undefined;
  private internalErrors = 0;
  private reapedRuns = 0;
  private droppedRuns = 0;
  private readonly warned = new Set<string>();
  private readonly nodes = new Map<string, NodeInfo>();
  /** A span processor threw while a SpanBatch handed spans over (made once, shared by every batch). */
  private readonly onExportError = (error: unknown): void => this.fault("span processor", error);

  constructor(options?: WorkflowTracerOptions) {
    super();
    this.options = resolveTracerOptions(options);
    this.runs = new RunTable(this.options.runTtlMs, this.options.maxActiveRuns);
    this.sink = this.options.metrics;
    // Await our handlers: they do no I/O, so awaiting costs a microtask, and in exchange spans end before
    // invoke() returns and the root sees the caller's active OpenTelemetry context (an HTTP span).
    this.awaitHandlers = true;
    this.raiseError = false;
    const provider = this.options.tracerProvider ?? trace.getTracerProvider();
    this.otel = provider.getTracer("langgraph-telemetry", VERSION);
  }

  /** One instance serves every invocation: LangChain must not clone it. */
  override copy(): this {
    return this;
  }

  /** Counters of the tracer's own health. */
  stats(): TracerStats {
    return {
      internalErrors: this.internalErrors,
      activeRuns: this.runs.size,
      reapedRuns: this.reapedRuns,
      droppedRuns: this.droppedRuns,
    };
  }

  /**
   * Hand the spans that have ended, in runs still going, to the OpenTelemetry SDK now rather than within the
   * second (see "Spans below the root reach the SDK in batches" in README). Call it before your own
   * `provider.forceFlush()` or `shutdown()`; `setupTelemetry`'s do it for you.
   */
  flush(): void {
    try {
      flushDeferredSpans();
    } catch (error) {
      this.fault("flush", error);
    }
  }

  /** End (status ERROR) and free every run older than `runTtlMs` now, rather than at the next run start. */
  sweep(): number {
    const stale = this.runs.allExpired(now());
    for (const state of stale) this.reap(state);
    return stale.length;
  }

  // ---------------------------------------------------------------- chains (workflow, graphs, nodes)

  override handleChainStart(
    chain: unknown,
    inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Obj,
    _runType?: string,
    runName?: string,
  ): void {
    try {
      const parentEntry = this.runs.get(parentRunId);
      const parent = parentEntry?.kind === RunKind.Hidden ? parentEntry.parent : parentEntry;
      const name = runNameOf(chain, runName, "chain");
      if (Array.isArray(tags) && tags.includes(LANGSMITH_HIDDEN_TAG) && parentEntry !== undefined) {
        this.track(new RunState(runId, RunKind.Hidden, name, parent, undefined, now()));
        return;
      }
      if (parent === undefined) {
        this.startWorkflow(runId, name, inputs, tags, metadata);
        return;
      }
      const nodeName = metadata?.langgraph_node;
      if (nodeName === name && (parent.kind === RunKind.Workflow || parent.kind === RunKind.Graph)) {
        this.startNode(runId, name, parent, inputs, metadata);
      } else if (GRAPH_CLASS.test(lastId(chain))) {
        const state = new RunState(runId, RunKind.Graph, name, parent, undefined, now());
        if (!this.track(state)) return;
        this.openSpan(state, name, SpanKind.INTERNAL, {
          [GenAI.WORKFLOW_NAME]: state.summary.workflowName,
          [Langfuse.OBSERVATION_TYPE]: ObservationType.AGENT,
        });
        this.captureInput(state, inputs, "chain");
      } else {
        const state = new RunState(runId, RunKind.Chain, name, parent, undefined, now());
        if (!this.track(state)) return;
        if (this.options.contentLimit > 0) state.pendingInputs = inputs;
      }
    } catch (error) {
      this.fault("handleChainStart", error);
    }
  }

  override handleChainEnd(outputs: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      if (state.span !== undefined && this.options.contentLimit > 0) {
        const text = captured(outputs, this.options, { field: "output", runType: this.runType(state), name: state.name });
        state.span.setAttribute(Langfuse.OBSERVATION_OUTPUT, text);
        if (state.kind === RunKind.Workflow) state.span.setAttribute(Langfuse.TRACE_OUTPUT, text);
      }
      this.finish(state, undefined);
    } catch (error) {
      this.fault("handleChainEnd", error);
    }
  }

  override handleChainError(error: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      this.finish(state, error);
    } catch (e) {
      this.fault("handleChainError", e);
    }
  }

  // ---------------------------------------------------------------- LLMs and chat models

  override handleChatModelStart(
    llm: unknown,
    messages: unknown[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Obj,
    tags?: string[],
    metadata?: Obj,
    _runName?: string,
  ): void {
    try {
      const batch = Array.isArray(messages) && Array.isArray(messages[0]) ? messages[0] : undefined;
      this.startLlm(runId, parentRunId, llm, extraParams, tags, metadata, GenAIOperation.CHAT, batch);
    } catch (error) {
      this.fault("handleChatModelStart", error);
    }
  }

  override handleLLMStart(
    llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Obj,
    tags?: string[],
    metadata?: Obj,
    _runName?: string,
  ): void {
    try {
      const state = this.startLlm(runId, parentRunId, llm, extraParams, tags, metadata, GenAIOperation.TEXT_COMPLETION, undefined);
      if (state?.span !== undefined && this.options.contentLimit > 0 && Array.isArray(prompts)) {
        state.span.setAttribute(Langfuse.OBSERVATION_INPUT, captured(prompts, this.options, { field: "input", runType: "llm", name: state.name }));
      }
    } catch (error) {
      this.fault("handleLLMStart", error);
    }
  }

  override handleLLMNewToken(_token: string, _idx: unknown, runId: string, _parentRunId?: string, _tags?: string[], fields?: unknown): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      if (state.firstTokenAt === 0) {
        state.firstTokenAt = now();
        state.span?.setAttribute(Langfuse.OBSERVATION_COMPLETION_START_TIME, new Date().toISOString());
        state.span?.setAttribute(GenAI.RESPONSE_TIME_TO_FIRST_CHUNK, (state.firstTokenAt - state.startedAt) / 1000);
      }
      // Providers that stream usage put it on the last chunk only: keep the latest seen.
      if (fields !== undefined) {
        const usage = readChunkUsage(fields);
        if (usage !== undefined) state.chunkUsage = usage;
      }
    } catch (error) {
      this.fault("handleLLMNewToken", error);
    }
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      const endedAt = now();
      const span = state.span;
      if (span !== undefined) {
        const generation = lastGeneration(output);
        const usage = readUsage(output, generation) ?? state.chunkUsage;
        const response = readResponse(output, generation);
        applyLlmResponse(span, usage, response);
        if (this.options.contentLimit > 0) {
          const message = generationOutput(generation);
          const info = { field: "output", runType: "llm", name: state.name } as const;
          span.setAttribute(Langfuse.OBSERVATION_OUTPUT, captured(message, this.options, info));
          span.setAttribute(GenAI.OUTPUT_MESSAGES, captured(toSemconvMessages([message], this.options.contentLimit), this.options, info));
        }
        if (this.sink !== undefined) {
          // Priced and labelled by the requested model (stable across dated versions), else by the one that answered.
          const model = state.name !== UNKNOWN_MODEL ? state.name : (response.model ?? UNKNOWN_MODEL);
          const cost = this.sink.llmEnded(state.stage ?? "other", model, usage, (endedAt - state.startedAt) / 1000, state.summary.traceId);
          if (cost !== undefined) {
            // JSON written directly (finite numbers; every LLM call runs this).
            span.setAttribute(Langfuse.OBSERVATION_COST_DETAILS, `{"input":${cost.input},"input_cache_read":${cost.cacheRead},"output":${cost.output},"total":${cost.total}}`);
            span.setAttribute(Workflow.COST_USD, cost.total);
            state.summary.costUsd += cost.total;
          }
        }
      }
      this.finish(state, undefined, endedAt);
    } catch (error) {
      this.fault("handleLLMEnd", error);
    }
  }

  override handleLLMError(error: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      if (this.sink !== undefined && state.span !== undefined) {
        this.sink.llmFailed(state.stage ?? "other", state.name, errorType(error), (now() - state.startedAt) / 1000, state.summary.traceId);
      }
      this.finish(state, error);
    } catch (e) {
      this.fault("handleLLMError", e);
    }
  }

  // ---------------------------------------------------------------- tools and retrievers

  override handleToolStart(
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Obj,
    runName?: string,
    toolCallId?: string,
  ): void {
    try {
      const name = runNameOf(tool, runName, "tool");
      const state = this.startChild(runId, parentRunId, RunKind.Tool, name, tags, metadata);
      if (state === undefined) return;
      const attributes: Attributes = {
        [GenAI.OPERATION_NAME]: GenAIOperation.EXECUTE_TOOL,
        [GenAI.TOOL_NAME]: name,
        [Langfuse.OBSERVATION_TYPE]: ObservationType.TOOL,
      };
      if (typeof toolCallId === "string") attributes[GenAI.TOOL_CALL_ID] = toolCallId;
      const description = ((tool as Obj | undefined)?.kwargs as Obj | undefined)?.description;
      if (typeof description === "string") attributes[GenAI.TOOL_DESCRIPTION] = description.slice(0, 500);
      const span = this.openSpan(state, `${GenAIOperation.EXECUTE_TOOL} ${name}`, SpanKind.INTERNAL, attributes);
      if (span !== undefined && this.options.contentLimit > 0) {
        const text = captured(input, this.options, { field: "input", runType: "tool", name });
        span.setAttribute(Langfuse.OBSERVATION_INPUT, text);
        span.setAttribute(GenAI.TOOL_CALL_ARGUMENTS, text);
      }
    } catch (error) {
      this.fault("handleToolStart", error);
    }
  }

  override handleToolEnd(output: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      if (state.span !== undefined && this.options.contentLimit > 0) {
        const text = captured(output, this.options, { field: "output", runType: "tool", name: state.name });
        state.span.setAttribute(Langfuse.OBSERVATION_OUTPUT, text);
        state.span.setAttribute(GenAI.TOOL_CALL_RESULT, text);
      }
      this.finish(state, undefined);
    } catch (error) {
      this.fault("handleToolEnd", error);
    }
  }

  override handleToolError(error: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state !== undefined) this.finish(state, error);
    } catch (e) {
      this.fault("handleToolError", e);
    }
  }

  override handleRetrieverStart(retriever: unknown, query: string, runId: string, parentRunId?: string, tags?: string[], metadata?: Obj, name?: string): void {
    try {
      const retrieverName = runNameOf(retriever, name, "retriever");
      const state = this.startChild(runId, parentRunId, RunKind.Retriever, retrieverName, tags, metadata);
      if (state === undefined) return;
      const span = this.openSpan(state, `${GenAIOperation.RETRIEVAL} ${retrieverName}`, SpanKind.INTERNAL, {
        [GenAI.OPERATION_NAME]: GenAIOperation.RETRIEVAL,
        [Langfuse.OBSERVATION_TYPE]: ObservationType.RETRIEVER,
      });
      if (span !== undefined && this.options.contentLimit > 0) {
        const text = captured(query, this.options, { field: "input", runType: "retriever", name: retrieverName });
        span.setAttribute(Langfuse.OBSERVATION_INPUT, text);
        span.setAttribute(GenAI.RETRIEVAL_QUERY_TEXT, text);
      }
    } catch (error) {
      this.fault("handleRetrieverStart", error);
    }
  }

  override handleRetrieverEnd(documents: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined) return;
      if (state.span !== undefined) {
        if (Array.isArray(documents)) state.span.setAttribute("workflow.retriever.documents", documents.length);
        if (this.options.contentLimit > 0) {
          state.span.setAttribute(Langfuse.OBSERVATION_OUTPUT, captured(documents, this.options, { field: "output", runType: "retriever", name: state.name }));
        }
      }
      this.finish(state, undefined);
    } catch (error) {
      this.fault("handleRetrieverEnd", error);
    }
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    try {
      const state = this.runs.get(runId);
      if (state !== undefined) this.finish(state, error);
    } catch (e) {
      this.fault("handleRetrieverError", e);
    }
  }

  // ---------------------------------------------------------------- traceNode's entry points

  /** @internal Stage set by `traceNode` for the node run `runId`; LLM and tool runs started later inherit it. */
  setNodeStage(runId: string, stage: WorkflowStage): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined || state.kind !== RunKind.Node) return;
      state.stage = stage;
      state.span?.setAttribute(Workflow.STAGE, stage);
      state.span?.setAttribute(Workflow.STAGE_SOURCE, "traceNode");
    } catch (error) {
      this.fault("setNodeStage", error);
    }
  }

  /**
   * @internal The span of node run `runId`, so traceNode can make it active while the node runs: the SDK span
   * itself (created now if it was deferred), so code in the node sees a real span.
   */
  nodeSpan(runId: string): Span | undefined {
    try {
      const state = this.runs.get(runId);
      if (state?.kind !== RunKind.Node) return undefined;
      const span = state.span;
      return span instanceof DeferredSpan ? span.materialize() : span;
    } catch (error) {
      this.fault("nodeSpan", error);
      return undefined;
    }
  }

  /** @internal Results reported by a node: span attributes now, summary for the root and metrics. */
  reportResults(runId: string, results: NodeResults): void {
    try {
      const state = this.runs.get(runId);
      if (state === undefined || state.span === undefined) return;
      applyResults(state.span, results, this.options, state.name);
      const summary = state.summary;
      if (typeof results.intent === "string") summary.intent = results.intent;
      if (typeof results.confidence === "number" && Number.isFinite(results.confidence)) summary.confidence = results.confidence;
      if (typeof results.valid === "boolean") {
        summary.valid = results.valid;
        summary.errorCategory = results.valid ? undefined : results.errorCategory;
      }
      if (typeof results.correctionAttempt === "number" && results.correctionAttempt > summary.corrections) summary.corrections = results.correctionAttempt;
      if (typeof results.outcome === "string") summary.outcome = results.outcome;
      if (results.scores) summary.scores = { ...summary.scores, ...results.scores };
      this.sink?.resultsReported(results);
    } catch (error) {
      this.fault("reportResults", error);
    }
  }

  /** @internal Count an internal failure of ours (traceNode's result extractors use it too). */
  fault(where: string, error: unknown): void {
    this.internalErrors++;
    try {
      this.sink?.internalError();
      if (!this.warned.has(where)) {
        this.warned.add(where);
        diag.warn(`langgraph-telemetry: internal error in ${where} (swallowed; counted in stats().internalErrors): ${errorMessage(error)}`);
      }
    } catch {
      // Nothing more we can do without risking the workflow.
    }
  }

  // ---------------------------------------------------------------- internals

  private track(state: RunState): boolean {
    if (this.runs.add(state)) return true;
    this.droppedRuns++;
    return false;
  }

  private startWorkflow(runId: string, name: string, inputs: unknown, tags: string[] | undefined, metadata: Obj | undefined): void {
    const startedAt = now();
    this.reapExpired(startedAt);
    const workflowName = this.options.workflowName ?? name;
    const identity = readIdentity(metadata);
    const summary = new WorkflowSummary(workflowName);
    summary.userId = identity.userId;
    summary.sessionId = identity.sessionId;
    const state = new RunState(runId, RunKind.Workflow, workflowName, undefined, summary, startedAt);
    if (!this.track(state)) return;
    const attributes = workflowAttributes(workflowName, identity, userTags(tags, metadata), metadata, this.options);
    // The caller's active context (an HTTP server span) parents the workflow; LangChain runs awaited
    // handlers in the caller's async context, which is why awaitHandlers is on.
    const span = this.otel.startSpan(`${GenAIOperation.INVOKE_WORKFLOW} ${workflowName}`, { kind: SpanKind.INTERNAL, startTime: state.startedAt, attributes }, context.active());
    state.span = span;
    this.startBatch(summary, span);
    if (this.options.contentLimit > 0) {
      const text = captured(inputs, this.options, { field: "input", runType: "workflow", name: workflowName });
      span.setAttribute(Langfuse.OBSERVATION_INPUT, text);
      span.setAttribute(Langfuse.TRACE_INPUT, text);
    }
    this.sink?.workflowStarted();
  }

  private startNode(runId: string, name: string, parent: RunState, inputs: unknown, metadata: Obj | undefined): void {
    const state = new RunState(runId, RunKind.Node, name, parent, undefined, now());
    if (!this.track(state)) return;
    const known = this.nodeInfo(name);
    let stage = known.stage;
    let source = known.source;
    if (stage === undefined && parent.node !== undefined) {
      // A node of a subgraph takes the stage of the node that runs the subgraph.
      stage = parent.node.stage;
      source = "parent";
    }
    if (stage === undefined) {
      stage = "other";
      source = "default";
    }
    state.stage = stage;
    const attributes = nodeAttributes(name, known.observationType, metadata?.langgraph_step, metadata?.langgraph_checkpoint_ns, state.summary.workflowName);
    attributes[Workflow.STAGE] = stage;
    attributes[Workflow.STAGE_SOURCE] = source;
    this.openSpan(state, name, SpanKind.INTERNAL, attributes);
    this.captureInput(state, inputs, "node");
  }

  /** What a node's name says (stage from the options or the name rules, observation type), cached per name. */
  private nodeInfo(name: string): NodeInfo {
    let info = this.nodes.get(name);
    if (info !== undefined) return info;
    let stage = this.options.stages.get(name);
    let source: NodeInfo["source"] = "option";
    if (stage === undefined && this.options.inferStages) {
      stage = inferStage(name);
      source = "name";
    }
    info = { stage, source, observationType: nodeObservationType(name) };
    // Node names come from graph definitions, so they are few; the bound only guards against generated names.
    if (this.nodes.size < MAX_CACHED_NODE_NAMES) this.nodes.set(name, info);
    return info;
  }

  private startLlm(
    runId: string,
    parentRunId: string | undefined,
    llm: unknown,
    extraParams: Obj | undefined,
    tags: string[] | undefined,
    metadata: Obj | undefined,
    operation: string,
    messages: unknown[] | undefined,
  ): RunState | undefined {
    const request = readLlmRequest(llm, extraParams, metadata);
    const state = this.startChild(runId, parentRunId, RunKind.Llm, request.model, tags, metadata);
    if (state === undefined) return undefined;
    state.request = request;
    // Semconv: the span is `{operation} {model}`, or just `{operation}` when the model is not known.
    const spanName = request.model === UNKNOWN_MODEL ? operation : `${operation} ${request.model}`;
    const span = this.openSpan(state, spanName, SpanKind.CLIENT, llmRequestAttributes(request, operation));
    if (span !== undefined && messages !== undefined && this.options.contentLimit > 0) {
      span.setAttributes(inputMessagesAttributes(messages, this.options, { field: "input", runType: "llm", name: request.model }));
    }
    return state;
  }

  /** LLM, tool and retriever runs: children of a tracked run, or roots of their own trace. */
  private startChild(runId: string, parentRunId: string | undefined, kind: RunKind, name: string, tags: string[] | undefined, metadata: Obj | undefined): RunState | undefined {
    const parentEntry = this.runs.get(parentRunId);
    const parent = parentEntry?.kind === RunKind.Hidden ? parentEntry.parent : parentEntry;
    const startedAt = now();
    let summary: WorkflowSummary | undefined;
    if (parent === undefined) {
      // Called outside any traced chain (e.g. `model.invoke(x, { callbacks: [tracer] })`): its own trace.
      this.reapExpired(startedAt);
      const identity = readIdentity(metadata);
      summary = new WorkflowSummary(name);
      summary.userId = identity.userId;
      summary.sessionId = identity.sessionId;
    }
    const state = new RunState(runId, kind, name, parent, summary, startedAt);
    if (!this.track(state)) return undefined;
    if (parent === undefined) state.pendingInputs = { tags, metadata };
    return state;
  }

  /** Start the span of `state`: under its parent's span (materialising lazy chain ancestors first), or as a root. */
  private openSpan(state: RunState, name: string, kind: SpanKind, attributes: Attributes): Span | undefined {
    const summary = state.summary;
    const parent = state.parent;
    if (parent !== undefined) {
      if (summary.userId !== undefined) attributes[Langfuse.TRACE_USER_ID] = summary.userId;
      if (summary.sessionId !== undefined) attributes[Langfuse.TRACE_SESSION_ID] = summary.sessionId;
      const node = state.node;
      if (node !== undefined && state.kind !== RunKind.Node) {
        attributes[Workflow.STAGE] = state.stage ?? "other";
        attributes["langgraph_node"] = node.name;
      }
      const parentSpan = this.materialize(parent);
      const batch = summary.batch;
      let span: Span;
      if (parentSpan !== undefined && batch !== undefined) span = batch.start(parentSpan, name, kind, state.startedAt, attributes);
      else span = this.otel.startSpan(name, { kind, startTime: state.startedAt, attributes }, parentSpan === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parentSpan));
      state.span = span;
      return span;
    }
    // A root of its own (an LLM, tool or retriever called outside any traced chain): the trace attributes too.
    const root = state.pendingInputs as { tags?: string[]; metadata?: Obj } | undefined;
    state.pendingInputs = undefined;
    Object.assign(attributes, workflowAttributes(state.name, readIdentity(root?.metadata), userTags(root?.tags, root?.metadata), root?.metadata, this.options), {
      [Langfuse.OBSERVATION_TYPE]: attributes[Langfuse.OBSERVATION_TYPE],
      [GenAI.OPERATION_NAME]: attributes[GenAI.OPERATION_NAME],
    });
    const span = this.otel.startSpan(name, { kind, startTime: state.startedAt, attributes }, context.active());
    state.span = span;
    this.startBatch(summary, span);
    return span;
  }

  private startBatch(summary: WorkflowSummary, root: Span): void {
    summary.traceId = exemplarTraceId(root);
    // A trace sampled out (or a no-op tracer) has nothing to defer: its children are non-recording too.
    if (root.isRecording()) summary.batch = new SpanBatch(this.otel, root, this.onExportError);
  }

  /** The span of a run, creating it now for a chain that had none yet (so routing lambdas never show). */
  private materialize(state: RunState): Span | undefined {
    if (state.span !== undefined || state.kind !== RunKind.Chain) return state.span;
    const span = this.openSpan(state, state.name, SpanKind.INTERNAL, {
      [GenAI.WORKFLOW_NAME]: state.summary.workflowName,
      [Langfuse.OBSERVATION_TYPE]: ObservationType.CHAIN,
    });
    if (state.pendingInputs !== undefined) {
      this.captureInput(state, state.pendingInputs, "chain");
      state.pendingInputs = undefined;
    }
    return span;
  }

  private captureInput(state: RunState, inputs: unknown, runType: "node" | "chain"): void {
    if (this.options.contentLimit === 0 || state.span === undefined) return;
    state.span.setAttribute(Langfuse.OBSERVATION_INPUT, captured(inputs, this.options, { field: "input", runType, name: state.name }));
  }

  /** End a run's span (with error status unless the error is a LangGraph interrupt) and free its state. */
  private finish(state: RunState, error: unknown, endedAt = now()): void {
    this.runs.delete(state);
    const span = state.span;
    const interrupted = error !== undefined && isGraphInterrupt(error);
    if (span !== undefined) {
      if (error !== undefined) {
        if (interrupted) {
          span.setAttribute(Workflow.INTERRUPTED, true);
        } else {
          const message = errorMessage(error);
          span.recordException(error instanceof Error ? error : message, endedAt);
          span.setStatus({ code: SpanStatusCode.ERROR, message });
          span.setAttribute("error.type", errorType(error));
          span.setAttribute(Langfuse.OBSERVATION_LEVEL, "ERROR");
          span.setAttribute(Langfuse.OBSERVATION_STATUS_MESSAGE, message.slice(0, 1000));
        }
      }
      const duration = (endedAt - state.startedAt) / 1000;
      const traceId = state.summary.traceId;
      if (state.kind === RunKind.Node) {
        // A stage is timed once per entry: nodes nested in a node of the same stage (a subgraph's inner
        // nodes) are inside its time already.
        if (state.parent?.node?.stage !== state.stage) this.sink?.nodeEnded(state.stage ?? "other", duration, traceId);
      } else if (state.kind === RunKind.Tool) {
        this.sink?.toolEnded(state.name, duration, error !== undefined && !interrupted, traceId);
      } else if (state.kind === RunKind.Retriever) {
        this.sink?.retrieverEnded(state.name, duration, error !== undefined && !interrupted, traceId);
      }
      if (state.kind === RunKind.Workflow) this.endWorkflow(state, span, error, interrupted, duration);
      // The root's children go to the SDK before the root ends (and the root ends whatever they do).
      try {
        if (state.parent === undefined) state.summary.batch?.close();
      } finally {
        span.end(endedAt);
      }
    }
    // A root that ends with runs of its invocation still open (a stream abandoned mid-way): free them.
    if (state.parent === undefined && state.summary.openRuns > 0) {
      for (const open of this.runs.openRunsOf(state.summary)) this.reap(open);
    }
  }

  private endWorkflow(state: RunState, span: Span, error: unknown, interrupted: boolean, duration: number): void {
    const summary = state.summary;
    let outcome: WorkflowOutcome;
    if (interrupted) outcome = "interrupted";
    else if (error !== undefined) outcome = "error";
    // A run whose last validation failed, and that no node gave an outcome, ended without a usable query.
    else outcome = summary.outcome ?? (summary.valid === false ? "failed" : "success");
    span.setAttribute(Workflow.OUTCOME, outcome);
    if (summary.intent !== undefined) span.setAttribute(Workflow.INTENT, summary.intent);
    if (summary.confidence !== undefined) span.setAttribute(Workflow.CONFIDENCE, summary.confidence);
    if (summary.corrections > 0) span.setAttribute(Workflow.CORRECTIONS, summary.corrections);
    if (summary.valid !== undefined) span.setAttribute(Workflow.VALIDATION_VALID, summary.valid);
    if (summary.costUsd > 0) span.setAttribute(Workflow.COST_USD, summary.costUsd);
    if (outcome === "failed") span.setAttribute(Langfuse.OBSERVATION_LEVEL, "WARNING");
    this.sink?.workflowEnded(outcome, summary.intent, summary.corrections, summary.valid, duration, state.summary.traceId);
  }

  private reapExpired(at: number): void {
    const stale = this.runs.expired(at);
    if (stale !== undefined) for (const state of stale) this.reap(state);
  }

  private reap(state: RunState): void {
    this.reapedRuns++;
    this.sink?.runReaped(state.kind === RunKind.Workflow);
    this.runs.delete(state);
    const span = state.span;
    if (span !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: "run never ended (reaped by langgraph-telemetry)" });
      span.setAttribute(Langfuse.OBSERVATION_LEVEL, "ERROR");
      span.setAttribute(Langfuse.OBSERVATION_STATUS_MESSAGE, "run never ended (reaped)");
      try {
        if (state.parent === undefined) state.summary.batch?.close();
      } finally {
        span.end(now());
      }
    }
  }

  private runType(state: RunState): "workflow" | "node" | "chain" | "llm" | "tool" | "retriever" {
    switch (state.kind) {
      case RunKind.Workflow:
        return "workflow";
      case RunKind.Node:
        return "node";
      case RunKind.Llm:
        return "llm";
      case RunKind.Tool:
        return "tool";
      case RunKind.Retriever:
        return "retriever";
      default:
        return "chain";
    }
  }
}
