import type { RunnableConfig } from "@langchain/core/runnables";
import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowTracer } from "../../src/index.js";
import { assertExactNesting, assertNodesDoNotOverlap } from "../support/nesting.js";
import { parentId, setupOtel, treeOf } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

describe("concurrency and memory at scale", () => {
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
});
