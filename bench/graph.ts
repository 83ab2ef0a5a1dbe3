/**
 * The benchmark workload: a Text2Query-shaped LangGraph (5 nodes, 3 LLM calls, one correction loop) on a
 * chat model that answers at once, so every microsecond measured is framework and telemetry.
 *
 * Self-contained (no vitest, no test helpers). How nodes are wrapped is a parameter, so every mode runs the
 * same node bodies: plain functions (bare, peers, our tracer with stages inferred from node names), our
 * `traceNode` with domain reports, or hand-written OpenTelemetry spans (the floor).
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { BaseChatModel, type BaseChatModelCallOptions } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { context, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import { lib } from "./lib.js";
import type { NodeReport, WorkflowStage } from "../src/index.js";

// ---------------------------------------------------------------- the model

interface Reply {
  content: string;
  input: number;
  output: number;
  cached?: number;
  reasoning?: number;
}

function replyFor(messages: BaseMessage[]): Reply {
  const system = String(messages[0]?.content ?? "");
  if (system.startsWith("[intent]")) return { content: "sql_query", input: 210, output: 4 };
  if (system.startsWith("[generate]")) return { content: "SELECT nme, COUNT(*) FROM users JOIN orders USING (user_id) GROUP BY nme", input: 900, output: 48, cached: 512 };
  if (system.startsWith("[correct]")) return { content: "SELECT name, COUNT(*) FROM users JOIN orders USING (user_id) GROUP BY name", input: 980, output: 50, reasoning: 20 };
  return { content: "ok", input: 10, output: 1 };
}

let responseCounter = 0;

/**
 * A chat model shaped like a provider integration (LangChain's ls_* params, invocation params, AIMessage with
 * usage_metadata and response_metadata) that answers without any delay.
 */
export class InstantChatModel extends BaseChatModel<BaseChatModelCallOptions> {
  model = "gpt-4o";
  temperature = 0;
  maxTokens = 512;

  static override lc_name() {
    return "InstantChatModel";
  }

  _llmType(): string {
    return "instant";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ls_provider: "openai", ls_model_name: this.model, ls_model_type: "chat" as const, ls_temperature: this.temperature, ls_max_tokens: this.maxTokens, ls_stop: options.stop };
  }

  override invocationParams(): Record<string, unknown> {
    return { model: this.model, temperature: this.temperature, max_tokens: this.maxTokens };
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const r = replyFor(messages);
    const id = `chatcmpl-${++responseCounter}`;
    const message = new AIMessage({
      content: r.content,
      id,
      usage_metadata: {
        input_tokens: r.input,
        output_tokens: r.output,
        total_tokens: r.input + r.output,
        ...(r.cached ? { input_token_details: { cache_read: r.cached } } : {}),
        ...(r.reasoning ? { output_token_details: { reasoning: r.reasoning } } : {}),
      },
      response_metadata: { model_name: "gpt-4o-2024-08-06", finish_reason: "stop", id },
    });
    return { generations: [{ text: r.content, message }], llmOutput: {} };
  }
}

// ---------------------------------------------------------------- the graph

const State = Annotation.Root({
  question: Annotation<string>(),
  intent: Annotation<string | undefined>(),
  sql: Annotation<string | undefined>(),
  valid: Annotation<boolean | undefined>(),
  error: Annotation<string | undefined>(),
  attempts: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  rows: Annotation<number | undefined>(),
  outcome: Annotation<string | undefined>(),
});
export type BenchState = typeof State.State;
type Update = Partial<BenchState>;
type NodeBody = (state: BenchState, config: RunnableConfig, report: NodeReport | undefined) => Promise<Update>;
type LangGraphNode = (state: BenchState, config: RunnableConfig) => Promise<Update>;

/**
 * How node bodies are wrapped: `plain` (no wrapper), `traceNode` (ours, with domain reports), or `otel`
 * (a hand-written span per node and per LLM call, with a few attributes: the floor for the same work).
 */
export type NodeStyle = { kind: "plain" } | { kind: "traceNode" } | { kind: "otel"; tracer: Tracer };

async function withSpan<T>(tracer: Tracer, name: string, kind: SpanKind, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } finally {
    span.end();
  }
}

export function buildBenchGraph(style: NodeStyle) {
  const model = new InstantChatModel({});

  const node = (name: string, stage: WorkflowStage, body: NodeBody): LangGraphNode => {
    if (style.kind === "traceNode") return lib.traceNode(stage, body) as unknown as LangGraphNode;
    if (style.kind === "otel") {
      const attributes = { "workflow.stage": stage, langgraph_node: name };
      return (state, config) => withSpan(style.tracer, name, SpanKind.INTERNAL, attributes, () => body(state, config, undefined));
    }
    return (state, config) => body(state, config, undefined);
  };

  const chat = async (system: string, human: string, config: RunnableConfig): Promise<string> => {
    const messages = [new SystemMessage(system), new HumanMessage(human)];
    if (style.kind !== "otel") return String((await model.invoke(messages, config)).content);
    const span = style.tracer.startSpan(`chat ${model.model}`, {
      kind: SpanKind.CLIENT,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": model.model },
    });
    try {
      const reply = await context.with(trace.setSpan(context.active(), span), () => model.invoke(messages, config));
      const usage = reply.usage_metadata;
      if (usage !== undefined) span.setAttributes({ "gen_ai.usage.input_tokens": usage.input_tokens, "gen_ai.usage.output_tokens": usage.output_tokens });
      const responseModel = reply.response_metadata?.model_name;
      if (typeof responseModel === "string") span.setAttribute("gen_ai.response.model", responseModel);
      return String(reply.content);
    } finally {
      span.end();
    }
  };

  return new StateGraph(State)
    .addNode(
      "classify_intent",
      node("classify_intent", "intent", async (state, config, report) => {
        const intent = await chat("[intent] Classify the question.", state.question, config);
        report?.intent(intent, 0.92);
        return { intent };
      }),
    )
    .addNode(
      "generate_sql",
      node("generate_sql", "generation", async (state, config) => ({ sql: await chat("[generate] Write SQL.", state.question, config) })),
    )
    .addNode(
      "validate_sql",
      node("validate_sql", "validation", async (state, _config, report) => {
        const valid = !/\bnme\b/.test(state.sql ?? "");
        report?.validation(valid, valid ? undefined : "unknown_column");
        report?.sql(state.sql ?? "");
        return { valid, error: valid ? undefined : 'column "nme" does not exist' };
      }),
    )
    .addNode(
      "correct_sql",
      node("correct_sql", "correction", async (state, config, report) => {
        const attempt = state.attempts + 1;
        report?.correction(attempt);
        return { sql: await chat("[correct] Fix the SQL.", `${state.sql}\n${state.error}`, config), attempts: attempt };
      }),
    )
    .addNode(
      "execute_sql",
      node("execute_sql", "execution", async (state, _config, report) => {
        const rows = state.sql?.includes("name") ? 42 : 0;
        report?.set({ rowCount: rows, outcome: "success" });
        return { rows, outcome: "success" };
      }),
    )
    .addEdge(START, "classify_intent")
    .addConditionalEdges("classify_intent", (s: BenchState) => (s.intent === "out_of_scope" ? END : "generate_sql"))
    .addEdge("generate_sql", "validate_sql")
    .addConditionalEdges("validate_sql", (s: BenchState) => (s.valid ? "execute_sql" : s.attempts < 3 ? "correct_sql" : END))
    .addEdge("correct_sql", "validate_sql")
    .addEdge("execute_sql", END)
    .compile({ name: "text2query" });
}

export type BenchGraph = ReturnType<typeof buildBenchGraph>;

/** The invocation every mode makes: a question that needs one correction. */
export const BENCH_INPUT = { question: "How many orders per user?" };
export const benchConfig = (callbacks: unknown[] | undefined): RunnableConfig => ({
  ...(callbacks !== undefined ? { callbacks: callbacks as RunnableConfig["callbacks"] } : {}),
  runName: "text2query",
  metadata: { user_id: "u-42", session_id: "s-7" },
  tags: ["bench"],
});

/** Throws unless the run went intent → generate → validate → correct → validate → execute. */
export function checkResult(result: unknown): void {
  const r = result as Partial<BenchState>;
  if (r.rows !== 42 || r.attempts !== 1 || r.outcome !== "success" || r.intent !== "sql_query") {
    throw new Error(`bench graph returned an unexpected state: ${JSON.stringify(r)}`);
  }
}
