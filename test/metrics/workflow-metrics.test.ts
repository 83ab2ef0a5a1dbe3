import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Langfuse, Workflow, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { parentId, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

describe("WorkflowMetrics fed by WorkflowTracer on a real Text2Query graph", () => {
  let otel: ReturnType<typeof setupOtel>;
  let registry: Registry;
  let metrics: WorkflowMetrics;
  let tracer: WorkflowTracer;
  beforeEach(() => {
    otel = setupOtel();
    registry = new Registry();
    metrics = new WorkflowMetrics({ registry, prefix: "text2query_" });
    tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics, stages: { schema_context: "reasoning" } });
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  const graph = buildText2QueryGraph();
  const ask = (question: string, config: Record<string, unknown> = {}) => graph.invoke({ question }, { callbacks: [tracer], ...config });

  it("counts the run, times each stage once per entry and the whole run, and leaves nothing in flight", async () => {
    await ask("How many orders per user?");
    const m = await Scrape.of(registry);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "success" })).toBe(1);
    expect(m.value("text2query_active_queries")).toBe(0);
    // validate_sql ran twice (invalid, corrected, valid); the reasoning subgraph's inner nodes are inside its time.
    const counts = Object.fromEntries(m.labelValues("text2query_query_latency_seconds_count", "stage").map((stage) => [stage, m.value("text2query_query_latency_seconds_count", { stage })]));
    expect(counts).toEqual({ intent: 1, reasoning: 1, generation: 1, validation: 2, correction: 1, execution: 1, total: 1 });
    // The whole run is at least as long as the sum of its sequential stages.
    const stageSum = ["intent", "reasoning", "generation", "validation", "correction", "execution"].reduce((a, stage) => a + m.value("text2query_query_latency_seconds_sum", { stage }), 0);
    expect(m.value("text2query_query_latency_seconds_sum", { stage: "total" })).toBeGreaterThanOrEqual(stageSum);
    // Buckets are cumulative and end at the count.
    const buckets = m.samples("text2query_query_latency_seconds_bucket", { stage: "validation" });
    expect(buckets.at(-1)).toMatchObject({ labels: { le: "+Inf" }, value: 2 });
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
  });

  it("counts LLM calls by operation (stage) and model, and tokens by disjoint type", async () => {
    await ask("How many orders per user?");
    const m = await Scrape.of(registry);
    for (const operation of ["intent", "reasoning", "generation", "correction"]) {
      expect(m.value("text2query_llm_calls_total", { operation, model: "gpt-4o-2024-08-06" })).toBe(1);
      expect(m.value("text2query_llm_latency_seconds_count", { operation, model: "gpt-4o-2024-08-06" })).toBe(1);
    }
    expect(m.sum("text2query_llm_calls_total")).toBe(4);
    // Script: intent 210/4, plan 640 (512 cached)/85, generate 900/48, correct 980/50 (20 reasoning).
    expect(m.value("text2query_llm_tokens_total", { type: "input", model: "gpt-4o-2024-08-06" })).toBe(210 + 128 + 900 + 980);
    expect(m.value("text2query_llm_tokens_total", { type: "cache_read", model: "gpt-4o-2024-08-06" })).toBe(512);
    expect(m.value("text2query_llm_tokens_total", { type: "output", model: "gpt-4o-2024-08-06" })).toBe(4 + 85 + 48 + 30);
    expect(m.value("text2query_llm_tokens_total", { type: "reasoning", model: "gpt-4o-2024-08-06" })).toBe(20);
    // The four types add up to what the provider billed: every input and output token exactly once.
    expect(m.sum("text2query_llm_tokens_total")).toBe(210 + 640 + 900 + 980 + 4 + 85 + 48 + 50);
  });

  it("costs the run at list price, cached tokens once at the cached rate, and puts the same cost on the spans", async () => {
    await ask("How many orders per user?");
    const m = await Scrape.of(registry);
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per million tokens.
    const expected = ((210 + 128 + 900 + 980) * 2.5 + 512 * 1.25 + (4 + 85 + 48 + 50) * 10) / 1e6;
    expect(m.value("text2query_llm_cost_dollars_total", { model: "gpt-4o-2024-08-06" })).toBeCloseTo(expected, 12);
    expect(m.samples("text2query_llm_unpriced_tokens_total")).toHaveLength(0);

    const spans = otel.spans();
    const llmSpans = spans.filter((s) => s.name === "chat gpt-4o");
    expect(llmSpans).toHaveLength(4);
    let spanTotal = 0;
    for (const s of llmSpans) {
      const details = JSON.parse(String(s.attributes[Langfuse.OBSERVATION_COST_DETAILS])) as Record<string, number>;
      // The parts (each usage bucket's cost) sum to the total.
      expect(details.total).toBe(Object.entries(details).reduce((sum, [k, v]) => (k === "total" ? sum : sum + v), 0));
      expect(s.attributes[Workflow.COST_USD]).toBe(details.total);
      spanTotal += details.total!;
    }
    expect(spanTotal).toBeCloseTo(expected, 12);
    const plan = llmSpans.find((s) => s.attributes["langgraph_node"] === "plan_query")!;
    expect(JSON.parse(String(plan.attributes[Langfuse.OBSERVATION_COST_DETAILS]))).toEqual({
      input: (128 * 2.5) / 1e6,
      input_cache_read: (512 * 1.25) / 1e6,
      output: (85 * 10) / 1e6,
      total: (128 * 2.5) / 1e6 + (512 * 1.25) / 1e6 + (85 * 10) / 1e6,
    });
    expect(spans.find((s) => parentId(s) === undefined)!.attributes[Workflow.COST_USD]).toBeCloseTo(expected, 12);
  });

  it("records validation results, correction attempts by final result, confidence, tool and retriever calls", async () => {
    await ask("How many orders per user?");
    const m = await Scrape.of(registry);
    expect(m.value("text2query_validation_results_total", { result: "invalid", error_category: "unknown_column" })).toBe(1);
    expect(m.value("text2query_validation_results_total", { result: "valid", error_category: "none" })).toBe(1);
    expect(m.value("text2query_correction_attempts_count", { result: "success" })).toBe(1);
    expect(m.value("text2query_correction_attempts_sum", { result: "success" })).toBe(1);
    expect(m.value("text2query_correction_attempts_bucket", { result: "success", le: "0" })).toBe(0);
    expect(m.value("text2query_correction_attempts_bucket", { result: "success", le: "1" })).toBe(1);
    expect(m.value("text2query_query_confidence_count")).toBe(1);
    expect(m.value("text2query_query_confidence_sum")).toBeCloseTo(0.92, 12);
    expect(m.value("text2query_query_confidence_bucket", { le: "0.9" })).toBe(0);
    expect(m.value("text2query_query_confidence_bucket", { le: "0.95" })).toBe(1);
    expect(m.value("text2query_tool_calls_total", { tool: "run_sql", status: "ok" })).toBe(1);
    expect(m.value("text2query_tool_duration_seconds_count", { tool: "run_sql" })).toBe(1);
    expect(m.value("text2query_retriever_calls_total", { retriever: "SchemaRetriever", status: "ok" })).toBe(1);
    expect(m.value("text2query_retriever_duration_seconds_count", { retriever: "SchemaRetriever" })).toBe(1);
  });

  it("accumulates across runs: an out-of-scope question is its own intent and needs no correction", async () => {
    await ask("How many orders per user?");
    await ask("Tell me a joke");
    await ask("Orders per user last week?");
    const m = await Scrape.of(registry);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "success" })).toBe(2);
    expect(m.value("text2query_queries_total", { intent: "out_of_scope", status: "success" })).toBe(1);
    expect(m.value("text2query_query_latency_seconds_count", { stage: "total" })).toBe(3);
    // Only runs that validated something report correction attempts.
    expect(m.value("text2query_correction_attempts_count", { result: "success" })).toBe(2);
    expect(m.value("text2query_llm_calls_total", { operation: "intent", model: "gpt-4o-2024-08-06" })).toBe(3);
  });

  it("counts a run whose last validation failed as failed, with its correction attempts under failed", async () => {
    // Corrections never fix the query: three attempts, then the graph gives up.
    const model = new ScriptedChatModel({
      model: "gpt-4o",
      replies: (messages) => (String(messages[0]?.content).startsWith("[correct]") ? { content: "SELECT nme FROM users", inputTokens: 500, outputTokens: 10 } : text2queryReplies(messages)),
    });
    await buildText2QueryGraph({ model }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    const m = await Scrape.of(registry);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "failed" })).toBe(1);
    expect(m.value("text2query_correction_attempts_count", { result: "failed" })).toBe(1);
    expect(m.value("text2query_correction_attempts_sum", { result: "failed" })).toBe(3);
    expect(m.value("text2query_correction_attempts_bucket", { result: "failed", le: "2" })).toBe(0);
    expect(m.value("text2query_correction_attempts_bucket", { result: "failed", le: "3" })).toBe(1);
    expect(m.value("text2query_validation_results_total", { result: "invalid", error_category: "unknown_column" })).toBe(4);
  });

  it("counts LLM errors by operation and error type, and the run as error, without changing what the caller sees", async () => {
    class RateLimitError extends Error {
      override name = "RateLimitError";
    }
    const model = new ScriptedChatModel({
      model: "gpt-4o",
      replies: (messages) => (String(messages[0]?.content).startsWith("[generate]") ? { content: "", error: new RateLimitError("429 Too Many Requests") } : text2queryReplies(messages)),
    });
    await expect(buildText2QueryGraph({ model }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer] })).rejects.toThrow("429 Too Many Requests");
    const m = await Scrape.of(registry);
    expect(m.value("text2query_llm_errors_total", { operation: "generation", error_type: "RateLimitError" })).toBe(1);
    // A call that failed names no model that answered: it is counted under the one requested.
    expect(m.value("text2query_llm_calls_total", { operation: "generation", model: "gpt-4o" })).toBe(1);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "error" })).toBe(1);
    expect(m.value("text2query_active_queries")).toBe(0);
  });

  it("shows runs in flight while they run", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const started = new Promise<void>((r) => (entered = r));
    const waiting = new StateGraph(Annotation.Root({ n: Annotation<number>() }))
      .addNode("wait", async () => {
        entered();
        await gate;
        return { n: 1 };
      })
      .addEdge(START, "wait")
      .addEdge("wait", END)
      .compile();
    const a = waiting.invoke({ n: 0 }, { callbacks: [tracer] });
    const b = waiting.invoke({ n: 0 }, { callbacks: [tracer] });
    await started;
    await new Promise((r) => setTimeout(r, 10));
    expect((await Scrape.of(registry)).value("text2query_active_queries")).toBe(2);
    release();
    await Promise.all([a, b]);
    expect((await Scrape.of(registry)).value("text2query_active_queries")).toBe(0);
  });

  it("counts runs abandoned past the tracer's TTL as status abandoned and takes them out of the in-flight gauge", async () => {
    const reaping = new WorkflowTracer({ tracerProvider: otel.provider, metrics: new WorkflowMetrics({ registry, prefix: "reaping_" }), runTtlMs: 1000 });
    reaping.handleChainStart({ lc: 1, type: "not_implemented", id: ["CompiledStateGraph"] }, {}, "crashed-root", undefined, [], {}, undefined, "crashed");
    expect((await Scrape.of(registry)).value("reaping_active_queries")).toBe(1);
    expect(reaping.sweep()).toBe(0);
    await new Promise((r) => setTimeout(r, 1010));
    // The tracer's timer (every 250 ms here) may have been first; either way it is ended once.
    reaping.sweep();
    const m = await Scrape.of(registry);
    expect(m.value("reaping_active_queries")).toBe(0);
    expect(m.value("reaping_telemetry_runs_reaped_total")).toBe(1);
    expect(m.value("reaping_queries_total", { intent: "unknown", status: "abandoned" })).toBe(1);
    expect(reaping.stats()).toMatchObject({ activeRuns: 0, reapedRuns: 1 });
  });

  it("never turns user or session ids into label values", async () => {
    await ask("How many orders per user?", { metadata: { user_id: "user-8f3a2c", session_id: "sess-19d2", langfuse_user_id: "lf-user-77" }, tags: ["tenant:acme"] });
    const text = (await Scrape.of(registry)).text;
    for (const secret of ["user-8f3a2c", "sess-19d2", "lf-user-77", "tenant:acme"]) expect(text).not.toContain(secret);
  });
});

describe("WorkflowMetrics pricing through the tracer", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  async function call(model: string, metrics: WorkflowMetrics, reply = { content: "ok", inputTokens: 1000, outputTokens: 500 }, provider = "openai") {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics });
    await new ScriptedChatModel({ model, provider, replies: [reply] }).invoke([new HumanMessage("hi")], { callbacks: [tracer] });
    return otel.spans().at(-1)!;
  }

  it("prices 1,000 input + 500 output tokens of gpt-4o at $0.0075, under versioned and router-prefixed names alike", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    for (const model of ["gpt-4o", "gpt-4o-2024-08-06", "openai/gpt-4o"]) {
      const span = await call(model, metrics);
      expect(span.attributes[Workflow.COST_USD]).toBeCloseTo(0.0075, 15);
    }
    const m = await Scrape.of(registry);
    // The label is the model as the provider named it, as on the spans: the version is what ran.
    for (const model of ["gpt-4o", "gpt-4o-2024-08-06", "openai/gpt-4o"]) {
      expect(m.value("langgraph_llm_cost_dollars_total", { provider: "openai", model })).toBeCloseTo(0.0075, 15);
    }
    expect(m.labelValues("langgraph_llm_calls_total", "model")).toEqual(["gpt-4o", "gpt-4o-2024-08-06", "openai/gpt-4o"]);
  });

  it("prices an unknown model at zero, counts its tokens as unpriced, and puts no cost on its span", async () => {
    const registry = new Registry();
    const span = await call("acme-finetune-v2", new WorkflowMetrics({ registry }));
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_llm_unpriced_tokens_total", { model: "acme-finetune-v2" })).toBe(1500);
    expect(m.samples("langgraph_llm_cost_dollars_total")).toHaveLength(0);
    expect(m.value("langgraph_llm_calls_total", { model: "acme-finetune-v2", operation: "other" })).toBe(1);
    expect(span.attributes[Langfuse.OBSERVATION_COST_DETAILS]).toBeUndefined();
    expect(span.attributes[Workflow.COST_USD]).toBeUndefined();
  });

  it("uses the caller's prices: new models and overrides of the table", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry, pricing: { "acme-finetune": { input: 1, output: 4 }, "gpt-4o": { input: 2, output: 8 } } });
    expect((await call("acme-finetune-v2", metrics)).attributes[Workflow.COST_USD]).toBeCloseTo((1000 * 1 + 500 * 4) / 1e6, 15);
    expect((await call("gpt-4o", metrics)).attributes[Workflow.COST_USD]).toBeCloseTo((1000 * 2 + 500 * 8) / 1e6, 15);
    // gpt-4o-mini keeps its own default price: the override of gpt-4o is not a prefix match for it.
    expect((await call("gpt-4o-mini", metrics)).attributes[Workflow.COST_USD]).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 15);
    expect((await Scrape.of(registry)).samples("langgraph_llm_unpriced_tokens_total")).toHaveLength(0);
  });

  it("labels and prices a call by the model that answered when the request named none", async () => {
    const registry = new Registry();
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics: new WorkflowMetrics({ registry }) });
    await new ScriptedChatModel({ model: "", responseModel: "gpt-4o-mini-2024-07-18", replies: [{ content: "ok", inputTokens: 1000, outputTokens: 500 }] }).invoke([new HumanMessage("hi")], { callbacks: [tracer] });
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_llm_cost_dollars_total", { model: "gpt-4o-mini-2024-07-18" })).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 15);
    expect(otel.spans().at(-1)!.attributes[Workflow.COST_USD]).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 15);
  });

  it("prices a call served locally at zero without calling it unpriced, whatever its model's name", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    for (const model of ["llama3.1:8b", "gpt-4o"]) {
      const span = await call(model, metrics, undefined, "ollama");
      expect(span.attributes[Workflow.COST_USD]).toBe(0);
      expect(span.attributes[Workflow.PRICED_AS]).toBe("local");
    }
    const m = await Scrape.of(registry);
    expect(m.samples("langgraph_llm_unpriced_tokens_total")).toHaveLength(0);
    expect(m.value("langgraph_llm_calls_total", { provider: "ollama", model: "gpt-4o", operation: "other" })).toBe(1);
  });

  it("never prices a hosted call at zero for its name: a llama through an unknown host is unpriced, and counted", async () => {
    const registry = new Registry();
    const span = await call("llama3.1:8b", new WorkflowMetrics({ registry }));
    expect(span.attributes[Workflow.COST_USD]).toBeUndefined();
    expect(span.attributes[Langfuse.OBSERVATION_COST_DETAILS]).toBeUndefined();
    expect((await Scrape.of(registry)).value("langgraph_llm_unpriced_tokens_total", { provider: "openai", model: "llama3.1:8b" })).toBe(1500);
  });
});
