import type { RunnableConfig } from "@langchain/core/runnables";
import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { assertExactNesting, assertNodesDoNotOverlap } from "../support/nesting.js";
import { one, parentId, setupOtel, treeOf } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

describe("concurrency and memory", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("500 concurrent invocations give 500 disjoint, complete and correct trees", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, stages: { schema_context: "reasoning" } });
    // Random delays interleave the runs' callbacks.
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: (m) => ({ ...text2queryReplies(m), delayMs: Math.floor(Math.random() * 4) }) });
    const graph = buildText2QueryGraph({ model });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        graph.invoke({ question: i % 5 === 0 ? "tell me a joke" : `orders for user ${i}?` }, { callbacks: [tracer], metadata: { user_id: `user-${i}` }, runName: "text2query" }),
      ),
    );
    const spans = otel.spans();
    const roots = spans.filter((s) => parentId(s) === undefined);
    expect(roots).toHaveLength(500);

    const byTrace = new Map<string, typeof spans>();
    for (const s of spans) {
      const list = byTrace.get(s.spanContext().traceId) ?? [];
      list.push(s);
      byTrace.set(s.spanContext().traceId, list);
    }
    expect(byTrace.size).toBe(500);
    const inScope = treeOf(spans.filter((s) => s.spanContext().traceId === roots.find((r) => r.attributes["workflow.intent"] === "sql_query")!.spanContext().traceId), roots.find((r) => r.attributes["workflow.intent"] === "sql_query")!);
    for (const root of roots) {
      const traceSpans = byTrace.get(root.spanContext().traceId)!;
      const user = root.attributes["user.id"];
      // Every span of the trace is reachable from its root, and belongs to the same user.
      expect(treeOf(traceSpans, root).split("\n").filter(Boolean)).toHaveLength(traceSpans.length);
      for (const s of traceSpans) expect(s.attributes["user.id"]).toBe(user);
      if (root.attributes["workflow.intent"] === "sql_query") {
        expect(treeOf(traceSpans, root)).toBe(inScope);
        expect(traceSpans).toHaveLength(17);
      } else {
        expect(traceSpans).toHaveLength(3);
      }
    }
    expect(results.filter((r) => r.rows === 42)).toHaveLength(400);
    // Spec item 1, exactly (HrTime compared as integers, no slack), under the interleaving of 500 runs:
    // every non-root span lies within its parent, and nodes of successive steps never overlap.
    expect(assertExactNesting(spans)).toBe(spans.length - roots.length);
    // Ordered pairs of nodes of different steps under one parent: an in-scope run has 7 top-level nodes
    // (validate_sql twice) → 21 pairs, and 2 subgraph nodes → 1; an out-of-scope run has 1 node → 0.
    expect(assertNodesDoNotOverlap(spans)).toBe(400 * (21 + 1));
    expect(tracer.stats()).toEqual({ internalErrors: 0, activeRuns: 0, reapedRuns: 0, droppedRuns: 0, refusedAttributes: 0 });
  });

  it("10,000 runs leave no per-run state behind", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o-mini", replies: [{ content: "sql_query", inputTokens: 50, outputTokens: 2 }] });
    const State = Annotation.Root({ q: Annotation<string>(), intent: Annotation<string>() });
    const graph = new StateGraph(State)
      .addNode("classify_intent", async (s: typeof State.State, config?: RunnableConfig) => ({ intent: String((await model.invoke([new HumanMessage(s.q)], config)).content) }))
      .addNode("respond", () => ({}))
      .addEdge(START, "classify_intent")
      .addEdge("classify_intent", "respond")
      .addEdge("respond", END)
      .compile();
    let spans = 0;
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => graph.invoke({ q: "orders?" }, { callbacks: [tracer] })));
      spans += otel.spans().length;
      otel.reset();
      expect(tracer.stats().activeRuns).toBe(0);
    }
    expect(spans).toBe(10_000 * 4);
    expect(tracer.stats()).toEqual({ internalErrors: 0, activeRuns: 0, reapedRuns: 0, droppedRuns: 0, refusedAttributes: 0 });
  }, 240_000); // ~40 s alone; far more with the other suites on two cores

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
