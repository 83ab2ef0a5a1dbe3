import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { diag, SpanKind, trace, type Attributes, type Span } from "@opentelemetry/api";
import { GenAI, GenAIOperation, Langfuse, ObservationType, Workflow } from "../attributes.js";
import { LlmCallInFlight, UNKNOWN_MODEL } from "../llm/call.js";
import { readLlmRequest } from "../llm/request.js";
import { objectOf } from "../shared/read.js";
import type { TelemetrySink } from "../shared/sink.js";
import { cut } from "../shared/text.js";
import type { WorkflowStage } from "../shared/workflow.js";
import { VERSION } from "../version.js";
import { now } from "./clock.js";
import { errorMessage } from "./errors.js";
import { RunLifecycle } from "./lifecycle.js";
import { llmRequestAttributes, llmSpanName } from "./llm-span.js";
import { NodeCatalog } from "./node-catalog.js";
import { NODE_HOOKS, nodeHooks } from "./node-hooks.js";
import type { ResolvedTracerOptions } from "./options.js";
import { promptAttributes, promptOf, takePrompt } from "./prompt-link.js";
import { boundedName, chainKind, DEFAULT_GRAPH_NAME, isAttemptWrapper, isDefaultName, metadataOf, RunKind, runNameOf, runTypeOf } from "./run-kind.js";
import { RunState } from "./run-state.js";
import { captured, capturedArguments, inputMessagesAttributes, nodeAttributes, readIdentity, userTags, workflowAttributes } from "./span-attributes.js";
import type { TracerStats } from "./types.js";

/**
 * The LangChain callback handler that turns every run of a LangChain/LangGraph invocation into
 * OpenTelemetry spans that Langfuse reads as traces, generations and observations, given its resolved
 * options: its prices and metric sinks come from outside (`WorkflowTracer`, src/workflow-tracer.ts, builds
 * them), so this area imports neither pricing nor metrics.
 *
 * One long-lived instance serves every invocation: `graph.invoke(input, { callbacks: [tracer] })`.
 * It never throws into the workflow, never changes its result and does no I/O on the callback path. Each
 * handler reads its arguments (which run, what attributes), then hands the span's life to `RunLifecycle`.
 */
export class RunTracer extends BaseCallbackHandler {
  readonly name = "WorkflowTracer";

  private readonly options: ResolvedTracerOptions;
  /** The metrics fed in the same pass as spans (`options.metrics`). */
  private readonly sink: TelemetrySink | undefined;
  private readonly life: RunLifecycle;
  private internalErrors = 0;
  private refusedAttributes = 0;
  private readonly warned = new Set<string>();
  private readonly nodes: NodeCatalog;

  /** @internal The options resolved, with their parts (WorkflowTracer builds them). */
  constructor(options: ResolvedTracerOptions) {
    super();
    this.options = options;
    this.sink = options.sink;
    this.nodes = new NodeCatalog(this.options);
    // Await our handlers: they do no I/O, so awaiting costs a microtask, and in exchange spans end before
    // invoke() returns and the root sees the caller's active OpenTelemetry context (an HTTP span).
    this.awaitHandlers = true;
    this.raiseError = false;
    const provider = this.options.tracerProvider ?? trace.getTracerProvider();
    this.life = new RunLifecycle(provider.getTracer("langgraph-telemetry", VERSION), this.options, (where, error) => this.fault(where, error));
    // traceNode's entry points, under a registered symbol: not part of the published type.
    const hooks = nodeHooks(this.life, this.options, this.sink, (where, error) => this.fault(where, error), (key) => this.refuse(key));
    Object.defineProperty(this, NODE_HOOKS, { value: hooks });
  }

  /** One instance serves every invocation: LangChain must not clone it. */
  override copy(): this {
    return this;
  }

  /** Counters of the tracer's own health. */
  stats(): TracerStats {
    return {
      internalErrors: this.internalErrors,
      activeRuns: this.life.runs.size,
      reapedRuns: this.life.reapedRuns,
      droppedRuns: this.life.droppedRuns,
      refusedAttributes: this.refusedAttributes,
    };
  }

  /**
   * The trace id of the invocation started with `runId` (the `runId` of its `RunnableConfig`), while it runs and
   * after it ended, for the last 10,000 invocations: to attach user feedback to a finished run later (a Langfuse
   * score, a log line). Undefined for an invocation not traced (suppressed, refused) or forgotten.
   */
  traceIdOf(runId: string): string | undefined {
    return this.life.traceIdOf(runId);
  }

  /**
   * End now, as `abandoned`, every invocation that has seen no callback for `runTtlMs` (the tracer's own
   * timer does this too, within a quarter of the TTL). Returns the number of runs ended.
   */
  sweep(): number {
    try {
      return this.life.sweep();
    } catch (error) {
      this.fault("sweep", error);
      return 0;
    }
  }

  // ---------------------------------------------------------------- chains (workflow, graphs, nodes)

  override handleChainStart(chain: unknown, inputs: unknown, runId: string, parentRunId?: string, tags?: string[], metadata?: unknown, _runType?: string, runName?: string): void {
    try {
      const at = now();
      const md = metadataOf(metadata);
      const parentEntry = parentRunId === undefined ? this.life.enclosingRun(md, at) : this.life.parentOf(parentRunId, at);
      if (parentEntry === undefined && this.life.isUntracked(parentRunId)) return this.life.refuse(runId);
      const parent = this.life.carrierOf(parentEntry);
      const name = runNameOf(chain, runName, "chain");
      const kind = chainKind(chain, name, tags, md, parent?.kind, parentEntry !== undefined);
      // Langfuse's prompt-management pattern: the template carries the prompt; the next generation under the
      // same parent uses it. Kept on the parent's state, so it goes when the parent ends or fails.
      if (parentEntry !== undefined && md?.langfusePrompt !== undefined) parentEntry.prompt = promptOf(md);
      if (parent?.kind === RunKind.Workflow && parent.invocation.attempts) this.life.newAttempt(parent, name, isDefaultName(name, chain));
      if (kind === RunKind.Workflow) {
        // A name given (runName, a graph compiled with a name) wins; `workflowName` replaces default names only.
        const defaultName = isDefaultName(name, chain);
        const workflowName = defaultName ? (this.options.workflowName ?? name) : name;
        const identity = readIdentity(md);
        const attributes = workflowAttributes(workflowName, identity, userTags(tags, md), md, this.options);
        const state = this.life.startRoot(runId, kind, workflowName, identity, at, `${GenAIOperation.INVOKE_WORKFLOW} ${workflowName}`, SpanKind.INTERNAL, attributes);
        if (state === undefined) return;
        if (isAttemptWrapper(chain)) {
          state.invocation.attempts = true;
          state.invocation.nameFromAttempt = defaultName;
        }
        this.captureInput(state, inputs, Langfuse.TRACE_INPUT);
      } else if (kind === RunKind.Hidden || kind === RunKind.Chain) {
        const state = new RunState(runId, kind, name, parent, (parent as RunState).invocation, at);
        if (this.life.track(state) && kind === RunKind.Chain && this.options.contentLimit > 0) state.pendingInputs = inputs;
      } else if (kind === RunKind.Node) {
        this.startNode(runId, name, parent as RunState, inputs, md, at);
      } else {
        // A subgraph keeps the name it was given; LangGraph's default one says less than the node it runs in.
        const graphName = name === DEFAULT_GRAPH_NAME ? (boundedName(md?.langgraph_node) ?? name) : name;
        const state = this.life.startChild(runId, kind, graphName, parent as RunState, at, graphName, SpanKind.INTERNAL, {
          [GenAI.WORKFLOW_NAME]: (parent as RunState).invocation.workflowName,
          [Langfuse.OBSERVATION_TYPE]: ObservationType.AGENT,
        });
        if (state !== undefined) this.captureInput(state, inputs);
      }
    } catch (error) {
      this.fault("handleChainStart", error);
    }
  }

  override handleChainEnd(outputs: unknown, runId: string): void {
    try {
      const at = now();
      const state = this.life.touch(runId, at);
      if (state === undefined) return;
      const span = state.span;
      if (this.capturing(span)) {
        const text = captured(outputs, this.options, { field: "output", runType: runTypeOf(state.kind), name: state.name });
        span.setAttribute(Langfuse.OBSERVATION_OUTPUT, text);
        if (state.kind === RunKind.Workflow) span.setAttribute(Langfuse.TRACE_OUTPUT, text);
      }
      this.life.end(state, undefined, at);
    } catch (error) {
      this.fault("handleChainEnd", error);
    }
  }

  override handleChainError(error: unknown, runId: string): void {
    this.endWithError(error, runId, "handleChainError");
  }

  // ---------------------------------------------------------------- LLMs and chat models

  override handleChatModelStart(llm: unknown, messages: unknown[][], runId: string, parentRunId?: string, extraParams?: unknown, tags?: string[], metadata?: unknown): void {
    try {
      const batch = Array.isArray(messages) && Array.isArray(messages[0]) ? messages[0] : undefined;
      const state = this.startLlm(runId, parentRunId, llm, extraParams, tags, metadata, GenAIOperation.CHAT);
      if (state !== undefined && batch !== undefined && this.capturing(state.span)) {
        state.span.setAttributes(inputMessagesAttributes(batch, this.options, { field: "input", runType: "llm", name: state.name }));
      }
    } catch (error) {
      this.fault("handleChatModelStart", error);
    }
  }

  override handleLLMStart(llm: unknown, prompts: string[], runId: string, parentRunId?: string, extraParams?: unknown, tags?: string[], metadata?: unknown): void {
    try {
      const state = this.startLlm(runId, parentRunId, llm, extraParams, tags, metadata, GenAIOperation.TEXT_COMPLETION);
      if (state !== undefined && Array.isArray(prompts) && this.capturing(state.span)) {
        state.span.setAttribute(Langfuse.OBSERVATION_INPUT, captured(prompts, this.options, { field: "input", runType: "llm", name: state.name }));
      }
    } catch (error) {
      this.fault("handleLLMStart", error);
    }
  }

  override handleLLMNewToken(_token: string, _idx: unknown, runId: string, _parentRunId?: string, _tags?: string[], fields?: unknown): void {
    try {
      const at = now();
      const state = this.life.touch(runId, at);
      const llm = state?.llm;
      if (llm === undefined) return;
      if (llm.firstChunkAt === 0) llm.firstChunkAt = at;
      const chunk = objectOf(objectOf(fields)?.chunk);
      if (chunk !== undefined) llm.chunk(chunk);
    } catch (error) {
      this.fault("handleLLMNewToken", error);
    }
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    try {
      const at = now();
      const state = this.life.touch(runId, at);
      if (state === undefined) return;
      this.life.end(state, undefined, at, false, output);
    } catch (error) {
      this.fault("handleLLMEnd", error);
    }
  }

  override handleLLMError(error: unknown, runId: string): void {
    this.endWithError(error, runId, "handleLLMError");
  }

  // ---------------------------------------------------------------- tools and retrievers

  override handleToolStart(tool: unknown, input: string, runId: string, parentRunId?: string, tags?: string[], metadata?: unknown, runName?: string, toolCallId?: string): void {
    try {
      const name = runNameOf(tool, runName, "tool");
      const attributes: Attributes = {
        [GenAI.OPERATION_NAME]: GenAIOperation.EXECUTE_TOOL,
        [GenAI.TOOL_NAME]: name,
        [Langfuse.OBSERVATION_TYPE]: ObservationType.TOOL,
      };
      const callId = boundedName(toolCallId);
      if (callId !== undefined) attributes[GenAI.TOOL_CALL_ID] = callId;
      const kwargs = tool !== null && typeof tool === "object" ? (tool as { kwargs?: unknown }).kwargs : undefined;
      const description = kwargs !== null && typeof kwargs === "object" ? (kwargs as { description?: unknown }).description : undefined;
      if (typeof description === "string") attributes[GenAI.TOOL_DESCRIPTION] = cut(description, 500);
      const state = this.startStep(runId, parentRunId, RunKind.Tool, name, `${GenAIOperation.EXECUTE_TOOL} ${name}`, attributes, tags, metadata);
      if (state !== undefined && this.capturing(state.span)) {
        const text = capturedArguments(input, this.options, { field: "input", runType: "tool", name });
        state.span.setAttribute(Langfuse.OBSERVATION_INPUT, text);
        state.span.setAttribute(GenAI.TOOL_CALL_ARGUMENTS, text);
      }
    } catch (error) {
      this.fault("handleToolStart", error);
    }
  }

  override handleToolEnd(output: unknown, runId: string): void {
    try {
      const at = now();
      const state = this.life.touch(runId, at);
      if (state === undefined) return;
      if (this.capturing(state.span)) {
        const text = captured(output, this.options, { field: "output", runType: "tool", name: state.name });
        state.span.setAttribute(Langfuse.OBSERVATION_OUTPUT, text);
        state.span.setAttribute(GenAI.TOOL_CALL_RESULT, text);
      }
      this.life.end(state, undefined, at);
    } catch (error) {
      this.fault("handleToolEnd", error);
    }
  }

  override handleToolError(error: unknown, runId: string): void {
    this.endWithError(error, runId, "handleToolError");
  }

  override handleRetrieverStart(retriever: unknown, query: string, runId: string, parentRunId?: string, tags?: string[], metadata?: unknown, name?: string): void {
    try {
      const retrieverName = runNameOf(retriever, name, "retriever");
      const state = this.startStep(runId, parentRunId, RunKind.Retriever, retrieverName, `${GenAIOperation.RETRIEVAL} ${retrieverName}`, {
        [GenAI.OPERATION_NAME]: GenAIOperation.RETRIEVAL,
        [Langfuse.OBSERVATION_TYPE]: ObservationType.RETRIEVER,
      }, tags, metadata);
      if (state !== undefined && this.capturing(state.span)) {
        const text = captured(query, this.options, { field: "input", runType: "retriever", name: retrieverName });
        state.span.setAttribute(Langfuse.OBSERVATION_INPUT, text);
        state.span.setAttribute(GenAI.RETRIEVAL_QUERY_TEXT, text);
      }
    } catch (error) {
      this.fault("handleRetrieverStart", error);
    }
  }

  override handleRetrieverEnd(documents: unknown, runId: string): void {
    try {
      const at = now();
      const state = this.life.touch(runId, at);
      if (state === undefined) return;
      if (state.span !== undefined) {
        if (Array.isArray(documents)) state.span.setAttribute(Workflow.RETRIEVER_DOCUMENTS, documents.length);
        if (this.capturing(state.span)) {
          state.span.setAttribute(Langfuse.OBSERVATION_OUTPUT, captured(documents, this.options, { field: "output", runType: "retriever", name: state.name }));
        }
      }
      this.life.end(state, undefined, at);
    } catch (error) {
      this.fault("handleRetrieverEnd", error);
    }
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    this.endWithError(error, runId, "handleRetrieverError");
  }

  // ---------------------------------------------------------------- traceNode's entry points

  /** Count a node result attribute refused for a reserved name (warned once). */
  private refuse(key: string): void {
    this.refusedAttributes++;
    if (!this.warned.has("reserved attribute")) {
      this.warned.add("reserved attribute");
      diag.warn(`langgraph-telemetry: a node reported attribute ${JSON.stringify(key)}, a name the tracer owns; refused (counted in stats().refusedAttributes)`);
    }
  }

  /** Count an internal failure of ours (traceNode's result extractors use it too). */
  private fault(where: string, error: unknown): void {
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

  /** The three `handle*Error` of chains, LLMs, tools and retrievers alike. */
  private endWithError(error: unknown, runId: string, where: string): void {
    try {
      const at = now();
      const state = this.life.touch(runId, at);
      if (state !== undefined) this.life.end(state, error === undefined ? new Error("unknown error") : error, at);
    } catch (e) {
      this.fault(where, e);
    }
  }

  private startNode(runId: string, name: string, parent: RunState, inputs: unknown, metadata: Record<string, unknown> | undefined, at: number): void {
    const known = this.nodes.info(name);
    // A node of a subgraph without a stage of its own takes the stage of the node that runs the subgraph.
    const stage = known.stage ?? parent.node?.stage ?? "other";
    const source = known.stage !== undefined ? known.source : parent.node?.stage !== undefined ? "parent" : "default";
    const attributes = nodeAttributes(name, known.observationType, metadata?.langgraph_step, metadata?.langgraph_checkpoint_ns, parent.invocation.workflowName);
    attributes[Workflow.STAGE] = stage;
    attributes[Workflow.STAGE_SOURCE] = source;
    const state = this.life.startChild(runId, RunKind.Node, name, parent, at, name, SpanKind.INTERNAL, attributes);
    if (state === undefined) return;
    state.stage = stage;
    const namespace = metadata?.langgraph_checkpoint_ns;
    if (typeof namespace === "string" && namespace.length > 0) state.namespace = namespace;
    this.captureInput(state, inputs);
  }

  private startLlm(runId: string, parentRunId: unknown, llm: unknown, extraParams: unknown, tags: unknown, metadata: unknown, operation: string): RunState | undefined {
    const md = metadataOf(metadata);
    const request = readLlmRequest(llm, extraParams, md, this.options);
    const attributes = llmRequestAttributes(request, operation);
    const state = this.startStep(runId, parentRunId, RunKind.Llm, request.model ?? UNKNOWN_MODEL, llmSpanName(operation, request.model), attributes, tags, md, SpanKind.CLIENT);
    if (state !== undefined) state.llm = new LlmCallInFlight(request, operation);
    return state;
  }

  /** LLM, tool and retriever runs: children of a tracked run, or roots of their own trace. */
  private startStep(runId: string, parentRunId: unknown, kind: RunKind, name: string, spanName: string, attributes: Attributes, tags: unknown, metadata: unknown, spanKind = SpanKind.INTERNAL): RunState | undefined {
    const at = now();
    const parentEntry = parentRunId === undefined ? this.life.enclosingRun(metadataOf(metadata), at) : this.life.parentOf(parentRunId, at);
    if (parentEntry === undefined && this.life.isUntracked(parentRunId)) {
      this.life.refuse(runId);
      return undefined;
    }
    if (kind === RunKind.Llm) {
      // The prompt its template registered on the parent run while that run is open (the entry just found:
      // an open run is one not ended), else one in its own metadata.
      const open = parentRunId !== undefined && parentEntry !== undefined && !parentEntry.ended ? parentEntry : undefined;
      const prompt = takePrompt(open, metadataOf(metadata));
      if (prompt !== undefined) Object.assign(attributes, promptAttributes(prompt));
    }
    const parent = this.life.carrierOf(parentEntry);
    if (parent !== undefined) return this.life.startChild(runId, kind, name, parent, at, spanName, spanKind, attributes);
    // Called outside any traced chain (e.g. `model.invoke(x, { callbacks: [tracer] })`): its own trace,
    // with the trace attributes; its own type and operation win.
    const md = metadataOf(metadata);
    const identity = readIdentity(md);
    const rootAttributes = Object.assign(workflowAttributes(name, identity, userTags(tags, md), md, this.options), attributes);
    return this.life.startRoot(runId, kind, name, identity, at, spanName, spanKind, rootAttributes);
  }

  /** Content capture is on and the span records (a trace sampled out or suppressed pays nothing for it). */
  private capturing(span: Span | undefined): span is Span {
    return this.options.contentLimit > 0 && span !== undefined && span.isRecording();
  }

  /** A run's inputs, when content capture is on (and, on a root, the trace's input too). */
  private captureInput(state: RunState, inputs: unknown, alsoKey?: string): void {
    const span = state.span;
    if (!this.capturing(span)) return;
    const text = captured(inputs, this.options, { field: "input", runType: runTypeOf(state.kind), name: state.name });
    span.setAttribute(Langfuse.OBSERVATION_INPUT, text);
    if (alsoKey !== undefined) span.setAttribute(alsoKey, text);
  }
}
