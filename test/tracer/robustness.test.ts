import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { Attributes } from "@opentelemetry/api";
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { traceNode, WorkflowMetrics, WorkflowTracer, type NodeReport, type WorkflowOutcome, type WorkflowTracerOptions } from "../../src/index.js";
import { CountingProcessor } from "../support/counting-processor.js";
import { Scrape } from "../support/exposition.js";
import { sinkOf } from "../support/llm-call.js";
import { one, parentId, setupOtel } from "../support/otel.js";
import { ScriptedChatModel, type ScriptedReply } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

/** Spec items 5–8 (every span ends, errors, run ids, bounded by construction) on real LangGraph graphs. */

const ERROR = 2; // SpanStatusCode.ERROR
const OUTCOMES = ["success", "failed", "error", "interrupted", "abandoned"]; // spec item 9
const QUESTION = { question: "How many orders per user?" };
type SinkMethod = "workflowStarted" | "workflowEnded" | "nodeEnded" | "llmEnded" | "toolEnded" | "retrieverEnded" | "resultsReported" | "internalError";

/** Milliseconds of the fastest of `times` runs of `fn` (the fastest run is the tracer's cost, not the machine's load). */
async function fastest(times: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const startedAt = performance.now();
    await fn();
    best = Math.min(best, performance.now() - startedAt);
  }
  return best;
}

/** A graph of one `traceNode` node (stage "execution") that reports through `report`, then a plain node. */
function reportingGraph(report: (report: NodeReport) => void, model?: ScriptedChatModel) {
  const State = Annotation.Root({ question: Annotation<string>(), answer: Annotation<string>() });
  return new StateGraph(State)
    .addNode(
      "execute_sql",
      traceNode("execution", async (state: typeof State.State, config: RunnableConfig, r) => {
        report(r);
        const answer = model ? String((await model.invoke([new HumanMessage(state.question)], config)).content) : "42 rows";
        return { answer };
      }),
    )
    .addNode("respond", () => ({}))
    .addEdge(START, "execute_sql")
    .addEdge("execute_sql", "respond")
    .addEdge("respond", END)
    .compile();
}

/** The garbage collector, exposed at run time when the process was not started with --expose-gc. */
function collector(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

describe("robustness (spec items 5–8)", () => {
  let otel: ReturnType<typeof setupOtel>;
  let counter: CountingProcessor;
  let provider: BasicTracerProvider;
  let registry: Registry;
  let metrics: WorkflowMetrics;
  beforeEach(() => {
    otel = setupOtel();
    counter = new CountingProcessor();
    provider = new BasicTracerProvider({ spanProcessors: [counter, new SimpleSpanProcessor(otel.exporter)] });
    registry = new Registry();
    metrics = new WorkflowMetrics({ registry });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await provider.shutdown();
    await otel.shutdown();
  });

  function tracer(options: WorkflowTracerOptions = {}) {
    return new WorkflowTracer({ tracerProvider: provider, metrics, ...options });
  }
  const roots = () => otel.spans().filter((s) => parentId(s) === undefined);
  const scrape = () => Scrape.of(registry);

  it.each([
    [["workflowEnded"]],
    [["nodeEnded"]],
    [["llmEnded"]],
    [["workflowStarted", "workflowEnded", "nodeEnded", "llmEnded", "toolEnded", "retrieverEnded", "resultsReported", "internalError"]],
  ] as Array<[SinkMethod[]]>)("5. a metrics sink whose %j throws costs no span, and the workflow's result is unchanged", async (throwing) => {
    const bare = await buildText2QueryGraph().invoke(QUESTION);
    // The spans of a healthy run, to compare with.
    await buildText2QueryGraph().invoke(QUESTION, { callbacks: [new WorkflowTracer({ tracerProvider: provider, metrics: new WorkflowMetrics({ registry: new Registry() }) })] });
    const shape = () => otel.spans().map((s) => `${s.name} status=${s.status.code}`).sort();
    const healthy = shape();
    expect(healthy).toHaveLength(17);
    otel.reset();

    const sink = sinkOf(metrics);
    const spies = throwing.map((method) => vi.spyOn(sink, method).mockImplementation(() => {
      throw new Error(`metrics backend down (${method})`);
    }));
    const t = tracer();
    const result = await buildText2QueryGraph().invoke(QUESTION, { callbacks: [t] });
    expect(result).toEqual(bare);
    for (const spy of spies) expect(spy).toHaveBeenCalled();

    await provider.forceFlush();
    // The same spans, with the same statuses, as with healthy metrics.
    expect(shape()).toEqual(healthy);
    expect(one(otel.spans(), "invoke_workflow LangGraph")).toBeDefined();
    expect(counter.ended, `started but never ended: ${counter.stillOpen()}`).toBe(counter.started);
    expect(t.stats().internalErrors).toBeGreaterThan(0);
    expect(t.stats().activeRuns).toBe(0);
  });

  it("6. a node throwing an Error whose message is not a string: the error reaches the caller unchanged, spans end as ERROR, metrics count it (10 runs)", async () => {
    const t = tracer();
    for (let i = 0; i < 10; i++) {
      const boom = Object.assign(new Error("x"), { message: { code: 42 } as unknown as string });
      const caught = await buildText2QueryGraph({ failIn: { node: "generate_sql", error: boom } })
        .invoke(QUESTION, { callbacks: [t] })
        .catch((e: unknown) => e);
      expect(caught).toBe(boom);
      expect((caught as Error).message).toEqual({ code: 42 });
    }
    await provider.forceFlush();
    const rs = roots();
    expect(rs).toHaveLength(10);
    for (const root of rs) {
      expect(root.name).toBe("invoke_workflow LangGraph");
      expect(root.status.code).toBe(ERROR);
      expect(root.attributes["workflow.outcome"]).toBe("error");
    }
    const nodes = otel.spans().filter((s) => s.name === "generate_sql");
    expect(nodes).toHaveLength(10);
    for (const node of nodes) expect(node.status.code).toBe(ERROR);
    expect(counter.ended, `started but never ended: ${counter.stillOpen()}`).toBe(counter.started);
    const m = await scrape();
    expect(m.sum("langgraph_queries_total", { status: "error" })).toBe(10);
    expect(m.sum("langgraph_queries_total")).toBe(10);
    expect(m.value("langgraph_active_queries")).toBe(0);
    expect(t.stats().activeRuns).toBe(0);
  });

  it("7. two concurrent runs given the same runId: no root is lost, nothing stays active, the collision is counted as dropped", async () => {
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: (m) => ({ ...text2queryReplies(m), delayMs: 5 }) });
    const graph = buildText2QueryGraph({ model });
    const bare = await graph.invoke(QUESTION);
    const t = tracer();
    const results = await Promise.all([0, 1].map(() => graph.invoke(QUESTION, { callbacks: [t], runId: "same-id" })));
    expect(results).toEqual([bare, bare]);

    await provider.forceFlush();
    expect(roots().filter((s) => s.name === "invoke_workflow LangGraph").length).toBeGreaterThanOrEqual(1);
    expect(counter.ended, `started but never ended: ${counter.stillOpen()}`).toBe(counter.started);
    expect(t.stats().activeRuns).toBe(0);
    expect(t.stats().droppedRuns).toBeGreaterThanOrEqual(1);
    expect((await scrape()).value("langgraph_active_queries")).toBe(0);
  });

  describe("8. bounded by construction", () => {
    it("captureContent: a ~1 KB state holding 64 references to one nested array is invoked well under a second", async () => {
      let shared: unknown = [1, 2, 3, 4];
      for (let i = 0; i < 4; i++) shared = Array.from({ length: 16 }, () => shared);
      const State = Annotation.Root({ rows: Annotation<unknown[]>(), answer: Annotation<string>() });
      const graph = new StateGraph(State)
        .addNode("inspect", (s: typeof State.State) => ({ answer: `${s.rows.length} rows` }))
        .addNode("respond", () => ({}))
        .addEdge(START, "inspect")
        .addEdge("inspect", "respond")
        .addEdge("respond", END)
        .compile();
      const input = { rows: Array.from({ length: 64 }, () => shared) };
      const t = tracer({ captureContent: true });
      const ms = await fastest(2, () => graph.invoke(input, { callbacks: [t] }));
      expect(ms).toBeLessThan(1000);
      for (const root of roots()) expect(String(root.attributes["langfuse.observation.input"]).length).toBeLessThanOrEqual(16_384);
      expect(t.stats().activeRuns).toBe(0);
    });

    it("metadata given as a 10 MB string costs each callback bounded time", async () => {
      const tenMb = "m".repeat(10 << 20) as unknown as Record<string, unknown>;
      const t = tracer({ captureContent: true });
      const graphClass = { lc: 1, type: "not_implemented", id: ["langgraph", "CompiledStateGraph"] };
      const calls: Array<[string, () => void]> = [
        ["handleChainStart root", () => t.handleChainStart(graphClass, QUESTION, "root", undefined, [], tenMb, "chain", "text2query")],
        ["handleChainStart node", () => t.handleChainStart(graphClass, QUESTION, "node", "root", [], tenMb, "chain", "generate_sql")],
        ["handleChatModelStart", () => t.handleChatModelStart({ id: ["ChatOpenAI"] }, [[new HumanMessage("hi")]], "llm", "node", { invocation_params: { model: "gpt-4o" } }, [], tenMb)],
        ["handleLLMEnd", () => t.handleLLMEnd({ generations: [[{ text: "ok", message: new AIMessage("ok") }]] }, "llm")],
        ["handleToolStart", () => t.handleToolStart({ id: ["DynamicTool"] }, "{}", "tool", "node", [], tenMb, "run_sql")],
        ["handleToolEnd", () => t.handleToolEnd("ok", "tool")],
        ["handleRetrieverStart", () => t.handleRetrieverStart({ id: ["Retriever"] }, "q", "ret", "node", [], tenMb, "schema")],
        ["handleRetrieverEnd", () => t.handleRetrieverEnd([], "ret")],
        ["handleChainEnd node", () => t.handleChainEnd({}, "node")],
        ["handleChainEnd root", () => t.handleChainEnd({}, "root")],
        ["handleLLMStart as a root", () => t.handleLLMStart({ id: ["OpenAI"] }, ["hi"], "solo", undefined, {}, [], tenMb)],
        ["handleLLMEnd as a root", () => t.handleLLMEnd({ generations: [] }, "solo")],
      ];
      for (const [what, call] of calls) {
        const startedAt = performance.now();
        call();
        expect(performance.now() - startedAt, what).toBeLessThan(200);
      }
      expect(t.stats().activeRuns).toBe(0);
      expect(roots()).toHaveLength(2);
    });

    it('report.set({ scores: "<2 MB string>" }) in a traceNode node costs bounded time per invocation', async () => {
      const twoMb = "s".repeat(2 << 20) as unknown as Record<string, number>;
      const graph = reportingGraph((r) => r.set({ scores: twoMb }));
      const t = tracer();
      expect(await fastest(3, () => graph.invoke({ question: "q" }, { callbacks: [t] }))).toBeLessThan(200);
      expect(roots()).toHaveLength(3);
      expect(t.stats().activeRuns).toBe(0);
    });

    it("3,000 distinct 100 kB model names: each callback is bounded, and the tracer and metrics keep none of them", async () => {
      const gc = collector();
      const settle = async () => {
        await new Promise((r) => setTimeout(r, 2));
        otel.reset();
      };
      const t = tracer();
      const modelName = (i: number) => {
        const bytes = Buffer.alloc(100_000, 0x6d); // a flat 100 kB string, distinct per i
        bytes.write(`model-${i}-`);
        return bytes.toString("latin1");
      };
      // Warm up (and leave the metrics' label bound full, as it is in a long-lived process).
      for (let i = 0; i < 200; i++) callModel(t, modelName(-i - 1), `warm-${i}`);
      await settle();
      gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      let slowest = 0;
      for (let i = 0; i < 3000; i++) {
        slowest = Math.max(slowest, callModel(t, modelName(i), `run-${i}`));
        // Exported spans are the exporter's memory, not the tracer's; and InMemorySpanExporter holds each
        // exported batch until a setTimeout(0) fires, so the loop must let timers run.
        if (i % 100 === 99) await settle();
      }
      expect(slowest).toBeLessThan(200);
      expect(t.stats().activeRuns).toBe(0);
      const last = callModel(t, modelName(3000), "run-last");
      expect(last).toBeLessThan(200);
      const span = otel.spans().find((s) => s.attributes["gen_ai.operation.name"] === "chat")!;
      await settle();
      if (gc !== undefined) {
        gc();
        const grown = process.memoryUsage().heapUsed - heapBefore;
        expect(grown, `heap grew by ${Math.round(grown / 1e6)} MB over 3,000 × 100 kB names`).toBeLessThan(30e6);
      } else {
        expect(span.name.length).toBeLessThan(100_000);
        expect(String(span.attributes["gen_ai.request.model"]).length).toBeLessThan(100_000);
      }
      for (const model of (await scrape()).labelValues("langgraph_llm_calls_total", "model")) expect(model.length).toBeLessThanOrEqual(100);
    });

    it('report.outcome("bogus") creates no queries_total{status="bogus"} series and no outcome outside the documented set', async () => {
      const t = tracer();
      await reportingGraph((r) => r.outcome("bogus" as WorkflowOutcome)).invoke({ question: "q" }, { callbacks: [t] });
      const m = await scrape();
      expect(m.labelValues("langgraph_queries_total", "status").filter((s) => !OUTCOMES.includes(s))).toEqual([]);
      expect(m.sum("langgraph_queries_total")).toBe(1);
      const outcomes = otel.spans().flatMap((s) => (s.attributes["workflow.outcome"] === undefined ? [] : [String(s.attributes["workflow.outcome"])]));
      expect(outcomes.length).toBeGreaterThan(0); // the root's
      expect(outcomes.filter((o) => !OUTCOMES.includes(o))).toEqual([]);
    });

    it("NaN and Infinity confidence, row counts, scores and usage tokens never reach an attribute or a metric", async () => {
      const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "ok", inputTokens: Infinity, outputTokens: NaN, cachedTokens: Infinity, reasoningTokens: NaN } as ScriptedReply] });
      const graph = reportingGraph((r) => {
        r.intent("sql_query", NaN);
        r.rows(Infinity);
        r.correction(Infinity);
        r.score("relevance", -Infinity);
        r.set({ confidence: Infinity, rowCount: NaN, scores: { nan: NaN } });
      }, model);
      const t = tracer();
      await graph.invoke({ question: "q" }, { callbacks: [t] });
      const numbers = (attributes: Attributes) => Object.entries(attributes).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).filter((x) => typeof x === "number").map((x) => [k, x] as const));
      const spans = otel.spans();
      expect(spans.length).toBeGreaterThanOrEqual(4);
      const notFinite = spans.flatMap((s: ReadableSpan) => numbers(s.attributes).filter(([, x]) => !Number.isFinite(x)).map(([k, x]) => `${s.name}: ${k}=${x}`));
      expect(notFinite).toEqual([]);
      const samples = [...(await scrape()).families.values()].flatMap((f) => f.samples).filter((s) => !Number.isFinite(s.value));
      expect(samples.map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)).toEqual([]);
    });

    it("a 1 MB intent is cut to at most 200 characters on the root", async () => {
      const t = tracer();
      await reportingGraph((r) => r.intent(`sql_query ${"i".repeat(1 << 20)}`, 0.9)).invoke({ question: "q" }, { callbacks: [t] });
      const intent = one(otel.spans(), "invoke_workflow LangGraph").attributes["workflow.intent"];
      expect(typeof intent).toBe("string");
      expect(String(intent).length).toBeLessThanOrEqual(200);
      expect(String(intent).startsWith("sql_query ")).toBe(true);
    });

    it("captureContent: a real tool's JSON arguments show password and api_key as [redacted]", async () => {
      const login = tool(async ({ user }: { user: string; password: string; api_key: string }) => `welcome ${user}`, {
        name: "login",
        description: "Log a user in",
        schema: z.object({ user: z.string(), password: z.string(), api_key: z.string() }),
      });
      const t = tracer({ captureContent: true });
      expect(await login.invoke({ user: "ada", password: "hunter2-secret", api_key: "sk-live-0123456789" }, { callbacks: [t] })).toBe("welcome ada");
      const span = one(otel.spans(), "execute_tool login");
      for (const key of ["gen_ai.tool.call.arguments", "langfuse.observation.input"]) {
        const text = String(span.attributes[key]);
        expect(text, key).not.toContain("hunter2-secret");
        expect(text, key).not.toContain("sk-live-0123456789");
        expect(JSON.parse(text), key).toEqual({ user: "ada", password: "[redacted]", api_key: "[redacted]" });
      }
    });
  });
});

/** One chat-model call with `model` as its model name, straight through the callbacks; returns the slowest callback's milliseconds. */
function callModel(t: WorkflowTracer, model: string, runId: string): number {
  const llm = { lc: 1, type: "not_implemented", id: ["langchain", "chat_models", "openai", "ChatOpenAI"] };
  const message = new AIMessage({ content: "ok", usage_metadata: { input_tokens: 10, output_tokens: 2, total_tokens: 12 }, response_metadata: { model_name: model } });
  let startedAt = performance.now();
  t.handleChatModelStart(llm, [[new HumanMessage("hi")]], runId, undefined, { invocation_params: { model } }, [], { ls_model_name: model, ls_provider: "openai" });
  const start = performance.now() - startedAt;
  startedAt = performance.now();
  t.handleLLMEnd({ generations: [[{ text: "ok", message }]] }, runId);
  return Math.max(start, performance.now() - startedAt);
}
