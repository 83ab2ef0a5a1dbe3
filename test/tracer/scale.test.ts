import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { one, setupOtel } from "../support/otel.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

describe("concurrency and memory", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("ends runs idle for runTtlMs as abandoned on its own timer, with no other traffic, at their last activity", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, runTtlMs: 30 });
    // A crashed run: started, never ended.
    tracer.handleChainStart({ lc: 1, type: "not_implemented", id: ["CompiledStateGraph"] }, {}, "orphan-root", undefined, [], {}, undefined, "crashed");
    tracer.handleChainStart({ lc: 1, type: "not_implemented", id: ["RunnableSequence"] }, {}, "orphan-node", "orphan-root", [], { langgraph_node: "generate_sql" }, undefined, "generate_sql");
    expect(tracer.stats().activeRuns).toBe(2);
    expect(tracer.sweep()).toBe(0); // not idle long enough yet
    const deadline = Date.now() + 2000;
    while (tracer.stats().activeRuns > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(tracer.stats()).toMatchObject({ activeRuns: 0, reapedRuns: 2, internalErrors: 0 });
    const root = one(otel.spans(), "invoke_workflow crashed");
    const node = one(otel.spans(), "generate_sql");
    expect(root.attributes["workflow.outcome"]).toBe("abandoned");
    for (const s of [root, node]) {
      expect(s.status.code).toBe(0);
      expect(s.attributes["workflow.abandoned"]).toBe(true);
      expect(s.attributes["langfuse.observation.level"]).toBe("WARNING");
    }
    // Ended when the last thing happened (the node's start), not when the timer noticed.
    expect(root.endTime).toEqual(node.startTime);
    expect(node.endTime).toEqual(node.startTime);
  });

  it("stops tracing new runs at maxActiveRuns and counts them, without affecting the workflow", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, maxActiveRuns: 3 });
    tracer.handleChainStart({ id: ["CompiledStateGraph"] }, {}, "held-1", undefined, [], {}, undefined, "held");
    tracer.handleChainStart({ id: ["CompiledStateGraph"] }, {}, "held-2", undefined, [], {}, undefined, "held");
    const result = await buildText2QueryGraph().invoke({ question: "tell me a joke" }, { callbacks: [tracer] });
    expect(result.intent).toBe("out_of_scope");
    expect(tracer.stats().droppedRuns).toBeGreaterThan(0);
    tracer.handleChainEnd({}, "held-1");
    tracer.handleChainEnd({}, "held-2");
    expect(tracer.stats().activeRuns).toBe(0);
  });

  it("keeps runs below a refused or abandoned run out of the traces: no phantom roots, no phantom queries", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics, maxActiveRuns: 1, runTtlMs: 1000 });
    const graph = { lc: 1, type: "not_implemented", id: ["CompiledStateGraph"] };
    tracer.handleChainStart(graph, {}, "held", undefined, [], {}, undefined, "held");
    tracer.handleChainStart(graph, {}, "refused", undefined, [], {}, undefined, "refused"); // the table is full
    tracer.handleChainEnd({}, "held");
    // Room again, but the refused invocation's node and LLM call belong to it: not roots of their own.
    tracer.handleChainStart({ id: ["RunnableSequence"] }, {}, "refused-node", "refused", [], { langgraph_node: "generate_sql" }, undefined, "generate_sql");
    tracer.handleChatModelStart({ id: ["ChatOpenAI"] }, [[]], "refused-llm", "refused-node", {}, [], { ls_model_name: "gpt-4o" });
    tracer.handleLLMEnd({ generations: [] }, "refused-llm");
    tracer.handleChainEnd({}, "refused-node");
    tracer.handleChainEnd({}, "refused");
    expect(otel.spans().map((s) => s.name)).toEqual(["invoke_workflow held"]);
    expect(tracer.stats()).toMatchObject({ activeRuns: 0, droppedRuns: 3 });
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_queries_total", { intent: "unknown", status: "success" })).toBe(1);
    expect(m.value("langgraph_active_queries")).toBe(0);
  });

  it("lets the invocation that holds a reused run id ignore the other's end, so neither ends the other's root early", () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const graph = { lc: 1, type: "not_implemented", id: ["CompiledStateGraph"] };
    tracer.handleChainStart(graph, {}, "same-id", undefined, [], {}, undefined, "first");
    tracer.handleChainStart(graph, {}, "same-id", undefined, [], {}, undefined, "second"); // refused
    tracer.handleChainStart({ id: ["RunnableSequence"] }, {}, "first-node", "same-id", [], { langgraph_node: "plan" }, undefined, "plan");
    tracer.handleChainEnd({}, "same-id"); // the second's end: ignored
    expect(tracer.stats()).toMatchObject({ activeRuns: 2, droppedRuns: 1, reapedRuns: 0 });
    tracer.handleChainEnd({}, "first-node");
    tracer.handleChainEnd({}, "same-id");
    const root = one(otel.spans(), "invoke_workflow first");
    expect(root.attributes["workflow.outcome"]).toBe("success");
    expect(one(otel.spans(), "plan").attributes["workflow.abandoned"]).toBeUndefined();
    expect(tracer.stats()).toMatchObject({ activeRuns: 0, reapedRuns: 0 });
  });
});
