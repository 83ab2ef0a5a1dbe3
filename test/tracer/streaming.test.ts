import type { RunnableConfig } from "@langchain/core/runnables";
import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowTracer } from "../../src/index.js";
import { parentId, setupOtel, treeOf } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

function shape(spans: readonly ReadableSpan[]): string {
  const root = spans.find((s) => parentId(s) === undefined);
  if (!root) throw new Error("no root span");
  return treeOf(spans, root);
}

function usageByNode(spans: readonly ReadableSpan[]) {
  return spans
    .filter((s) => s.attributes["gen_ai.operation.name"] === "chat")
    .map((s) => [s.attributes["langgraph_node"], s.attributes["gen_ai.usage.input_tokens"], s.attributes["gen_ai.usage.output_tokens"]]);
}

describe("streaming", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("graph.stream and graph.streamEvents produce the same spans, with usage, as graph.invoke", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const input = { question: "How many orders per user?" };

    await buildText2QueryGraph().invoke(input, { callbacks: [tracer] });
    const invoked = otel.spans();
    otel.reset();

    for await (const _ of await buildText2QueryGraph().stream(input, { callbacks: [tracer], streamMode: "updates" })) {
      // consume
    }
    const streamed = otel.spans();
    otel.reset();

    let events = 0;
    for await (const _ of buildText2QueryGraph().streamEvents(input, { callbacks: [tracer], version: "v2" })) events++;
    const evented = otel.spans();

    expect(events).toBeGreaterThan(10);
    expect(shape(streamed)).toBe(shape(invoked));
    expect(shape(evented)).toBe(shape(invoked));
    expect(usageByNode(streamed)).toEqual(usageByNode(invoked));
    expect(usageByNode(evented)).toEqual(usageByNode(invoked));
    expect(usageByNode(invoked)).toEqual([
      ["classify_intent", 210, 4],
      ["plan_query", 640, 85],
      ["generate_sql", 900, 48],
      ["correct_sql", 980, 50],
    ]);
    expect(tracer.stats().activeRuns).toBe(0);
  });

  it("a node that streams its model gets usage from the last chunk", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "claude-sonnet-4-5", provider: "anthropic", replies: [{ content: "SELECT name FROM users LIMIT 10", inputTokens: 512, outputTokens: 9 }] });
    const State = Annotation.Root({ q: Annotation<string>(), sql: Annotation<string>() });
    const graph = new StateGraph(State)
      .addNode("generate_sql", async (s: typeof State.State, config?: RunnableConfig) => {
        let sql = "";
        for await (const chunk of await model.stream([new HumanMessage(s.q)], config)) sql += String(chunk.content);
        return { sql };
      })
      .addEdge(START, "generate_sql")
      .addEdge("generate_sql", END)
      .compile();
    const out = await graph.invoke({ q: "ten users" }, { callbacks: [tracer] });
    expect(out.sql).toBe("SELECT name FROM users LIMIT 10");
    const chat = otel.spans().find((s) => s.name === "chat claude-sonnet-4-5");
    expect(chat?.attributes).toMatchObject({
      "gen_ai.provider.name": "anthropic",
      "gen_ai.usage.input_tokens": 512,
      "gen_ai.usage.output_tokens": 9,
      "workflow.stage": "generation",
    });
    expect(chat?.attributes["langfuse.observation.completion_start_time"]).toBeTypeOf("string");
  });

  it("frees the state of a stream the consumer abandons, once its TTL passes", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, runTtlMs: 20 });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: () => ({ content: "sql_query", delayMs: 5 }) });
    for await (const _ of await buildText2QueryGraph({ model }).stream({ question: "orders?" }, { callbacks: [tracer], streamMode: "updates" })) {
      break; // walk away after the first update
    }
    await new Promise((r) => setTimeout(r, 60));
    tracer.sweep();
    expect(tracer.stats().activeRuns).toBe(0);
    // Whatever was still open was ended, so nothing is lost from the trace.
    expect(otel.spans().every((s) => s.ended)).toBe(true);
  });
});
