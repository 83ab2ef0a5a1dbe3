import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RecentTraces, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

function setup(options: ConstructorParameters<typeof RecentTraces>[0] = {}, tracerOptions: Record<string, unknown> = {}) {
  const recent = new RecentTraces(options);
  const provider = new BasicTracerProvider({ spanProcessors: [recent] });
  const tracer = new WorkflowTracer({ tracerProvider: provider, metrics: new WorkflowMetrics({ registry: new Registry() }), ...tracerOptions });
  return { recent, tracer };
}

/** A one-node workflow with one LLM call: cheap enough to run thousands of times. */
function tinyGraph(prompt = "hi") {
  const model = new ScriptedChatModel({ model: "gpt-4o-mini", replies: () => ({ content: "ok", inputTokens: 12, outputTokens: 3 }) });
  return new StateGraph(Annotation.Root({ q: Annotation<string>() }))
    .addNode("answer", async (s: { q: string }, config) => ({ q: String((await model.invoke([new HumanMessage(prompt + s.q)], config)).content) }))
    .addEdge(START, "answer")
    .addEdge("answer", END)
    .compile();
}

describe("RecentTraces (the console's buffer)", () => {
  it("keeps a third-party span's error status without the key it echoes", () => {
    const recent = new RecentTraces();
    const provider = new BasicTracerProvider({ spanProcessors: [recent] });
    const span = provider.getTracer("other-sdk").startSpan("invoke_workflow other", { attributes: { "gen_ai.operation.name": "invoke_workflow" } });
    span.setStatus({ code: 2, message: "401 Incorrect API key provided: sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" });
    span.end();
    const [summary] = recent.list();
    expect(recent.get(summary!.traceId)!.spans[0]!.status).toEqual({ code: 2, message: "401 Incorrect API key provided: [redacted]" });
  });

  it("keeps a run as a summary (name, outcome, intent, tokens, cost) and its spans in start order", async () => {
    const { recent, tracer } = setup();
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "text2query" });
    const [summary] = recent.list();
    expect(summary).toMatchObject({ name: "text2query", outcome: "success", intent: "sql_query", complete: true, corrections: 1, spanCount: 17, inputTokens: 210 + 640 + 900 + 980, outputTokens: 4 + 85 + 48 + 50 });
    expect(summary!.costUsd).toBeCloseTo(((210 + 128 + 900 + 980) * 2.5 + 512 * 1.25 + 187 * 10) / 1e6, 12);
    const trace = recent.get(summary!.traceId)!;
    expect(trace.spans).toHaveLength(17);
    expect(trace.spans[0]!.name).toBe("invoke_workflow text2query");
    for (let i = 1; i < trace.spans.length; i++) expect(trace.spans[i]!.startTime).toBeGreaterThanOrEqual(trace.spans[i - 1]!.startTime);
    const validations = trace.spans.filter((s) => s.name === "validate_sql");
    expect(validations.map((s) => s.attributes["workflow.validation.valid"])).toEqual([false, true]);
    expect(recent.get("f".repeat(32))).toBeUndefined();
  });

  it("lists newest first and filters by outcome", async () => {
    const { recent, tracer } = setup();
    const stubborn = new ScriptedChatModel({ model: "gpt-4o", replies: (m) => (String(m[0]?.content).startsWith("[correct]") ? { content: "SELECT nme FROM users" } : text2queryReplies(m)) });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "ok-run" });
    await buildText2QueryGraph({ model: stubborn }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "failed-run" });
    await buildText2QueryGraph().invoke({ question: "Tell me a joke" }, { callbacks: [tracer], runName: "joke-run" });
    expect(recent.list().map((s) => s.name)).toEqual(["joke-run", "failed-run", "ok-run"]);
    expect(recent.list({ outcome: "failed" }).map((s) => s.name)).toEqual(["failed-run"]);
    expect(recent.list({ limit: 1 }).map((s) => s.name)).toEqual(["joke-run"]);
  });

  it("keeps the newest N of N + 1000 runs", async () => {
    const { recent, tracer } = setup({ maxTraces: 50 });
    const graph = tinyGraph();
    for (let i = 0; i < 1050; i++) await graph.invoke({ q: String(i) }, { callbacks: [tracer], runName: `run-${i}` });
    const list = recent.list();
    expect(list).toHaveLength(50);
    expect(list[0]!.name).toBe("run-1049");
    expect(list.at(-1)!.name).toBe("run-1000");
    expect(recent.stats()).toMatchObject({ traces: 50, evicted: 1000, dropped: 0 });
  }, 60_000);

  it("stays within the byte budget with huge prompts captured, cutting long values", async () => {
    const { recent, tracer } = setup({ maxBytes: 512 * 1024, maxValueLength: 4096 }, { captureContent: 2_000_000 });
    const graph = tinyGraph("x".repeat(1_000_000));
    for (let i = 0; i < 40; i++) await graph.invoke({ q: String(i) }, { callbacks: [tracer] });
    const stats = recent.stats();
    expect(stats.bytes).toBeLessThanOrEqual(512 * 1024);
    expect(stats.traces).toBeGreaterThan(0);
    expect(stats.traces).toBeLessThan(40);
    const llm = recent.get(recent.list()[0]!.traceId)!.spans.find((s) => s.attributes["gen_ai.operation.name"] === "chat")!;
    const input = String(llm.attributes["gen_ai.input.messages"]);
    expect(input.length).toBeLessThanOrEqual(4096 + "…[truncated]".length);
    expect(input.endsWith("…[truncated]")).toBe(true);
  });

  it("rejects bad options with a message that says what to fix", () => {
    expect(() => new RecentTraces({ maxTraces: 0 })).toThrow("RecentTraces: invalid option maxTraces: 0. Expected a positive integer.");
    expect(() => new RecentTraces({ maxBytes: 1.5 })).toThrow("RecentTraces: invalid option maxBytes: 1.5. Expected a positive integer.");
    expect(() => new RecentTraces({ size: 3 } as never)).toThrow("RecentTraces: invalid option size. Expected one of maxTraces, maxBytes, maxValueLength, workflowsOnly.");
  });
});
