/**
 * The floor of a callback handler that makes our spans: the same ten spans of a bench run (the workflow, its
 * nodes, its LLM calls), parented alike, each with as many attributes as ours sets (short values), and nothing
 * else — no metrics, no prices, no usage reading, no bookkeeping past two maps. What the OpenTelemetry SDK and
 * LangChain's callback dispatch cost for those spans; ours and Langfuse's are read against it.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { context, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";

const NODES = new Set(["classify_intent", "generate_sql", "validate_sql", "correct_sql", "execute_sql"]);

export class FloorHandler extends BaseCallbackHandler {
  name = "FloorHandler";
  private readonly spans = new Map<string, Span>();
  private readonly contexts = new Map<string, Context>();
  private readonly parents = new Map<string, string>();

  constructor(private readonly tracer: Tracer) {
    super();
    this.awaitHandlers = true;
  }

  override copy(): this {
    return this;
  }

  /** The context of the nearest ancestor with a span (LangGraph's plumbing runs have none). */
  private parentContext(parentRunId: string | undefined): Context {
    for (let id = parentRunId; id !== undefined; id = this.parents.get(id)) {
      const found = this.contexts.get(id);
      if (found !== undefined) return found;
    }
    return context.active();
  }

  override handleChainStart(_chain: unknown, _inputs: unknown, runId: string, parentRunId?: string, _tags?: string[], metadata?: Record<string, unknown>, _runType?: string, runName?: string): void {
    if (parentRunId !== undefined) this.parents.set(runId, parentRunId);
    const node = metadata?.langgraph_node;
    const isNode = typeof node === "string" && runName === node && NODES.has(node);
    if (parentRunId !== undefined && !isNode) return;
    const parent = this.parentContext(parentRunId);
    const span = this.tracer.startSpan(runName ?? "workflow", { attributes: { a1: "x", a2: "y", a3: "z", a4: 1, a5: "ns", a6: "stage", a7: "source", a8: "user", a9: "session" } }, parent);
    this.spans.set(runId, span);
    this.contexts.set(runId, trace.setSpan(parent, span));
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.parents.delete(runId);
    const span = this.spans.get(runId);
    if (span === undefined) return;
    span.setAttribute("outcome", "success");
    span.end();
    this.spans.delete(runId);
    this.contexts.delete(runId);
  }

  override handleChatModelStart(_llm: unknown, _messages: unknown, runId: string, parentRunId?: string): void {
    const span = this.tracer.startSpan("chat gpt-4o", { attributes: { a1: "chat", a2: "openai", a3: "generation", a4: "gpt-4o", a5: "gpt-4o", a6: 0, a7: 512, a8: "{}", a9: "user", a10: "session", a11: "stage", a12: "node" } }, this.parentContext(parentRunId));
    this.spans.set(runId, span);
  }

  override handleLLMEnd(_output: unknown, runId: string): void {
    const span = this.spans.get(runId);
    if (span === undefined) return;
    span.setAttributes({ b1: "gpt-4o-2024-08-06", b2: "chatcmpl-1", b3: ["stop"], b4: 900, b5: 48, b6: "{}", b7: "{}", b8: 0.0027, b9: "gpt-4o" });
    span.end();
    this.spans.delete(runId);
  }
}
