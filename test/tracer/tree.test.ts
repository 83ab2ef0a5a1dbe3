import { context, trace } from "@opentelemetry/api";
import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inferStage, WorkflowTracer } from "../../src/index.js";
import { childrenOf, one, parentId, setupOtel, treeOf } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

describe("WorkflowTracer on a Text2Query-shaped LangGraph", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  async function run(question = "How many orders per user?", config: Record<string, unknown> = {}) {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, stages: { schema_context: "reasoning" } });
    const result = await buildText2QueryGraph().invoke({ question }, { callbacks: [tracer], runName: "text2query", ...config });
    return { tracer, result, spans: otel.spans() };
  }

  it("mirrors the run tree: workflow → nodes → LLM, tool and retriever spans, with the subgraph nested and no plumbing", async () => {
    const { spans, tracer } = await run();
    const roots = spans.filter((s) => parentId(s) === undefined);
    expect(roots).toHaveLength(1);
    expect(treeOf(spans, roots[0]!)).toBe(
      [
        "invoke_workflow text2query",
        "  classify_intent",
        "    chat gpt-4o",
        "  schema_context",
        "    schema_context",
        "      plan_query",
        "        chat gpt-4o",
        "      select_tables",
        "        retrieval SchemaRetriever",
        "  generate_sql",
        "    chat gpt-4o",
        "  validate_sql",
        "  correct_sql",
        "    chat gpt-4o",
        "  validate_sql",
        "  execute_sql",
        "    execute_tool run_sql",
        "",
      ].join("\n"),
    );
    // Every span belongs to the one trace, and LangGraph's internals never show.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    for (const noise of ["__start__", "RunnableLambda", "RunnableSequence", "ChannelWrite", "<branch_run>"]) {
      expect(spans.some((s) => s.name === noise)).toBe(false);
    }
    expect(tracer.stats()).toEqual({ internalErrors: 0, activeRuns: 0, reapedRuns: 0, droppedRuns: 0, refusedAttributes: 0 });
  });

  it("gives every node langgraph_node, langgraph_step and a stage from traceNode, the stages option, the name or its parent", async () => {
    const { spans } = await run();
    const expectations: Array<[string, string, string]> = [
      ["classify_intent", "intent", "traceNode"],
      ["schema_context", "reasoning", "option"],
      ["plan_query", "reasoning", "name"],
      ["select_tables", "reasoning", "parent"],
      ["generate_sql", "generation", "name"],
      ["correct_sql", "correction", "traceNode"],
      ["execute_sql", "execution", "traceNode"],
    ];
    for (const [node, stage, source] of expectations) {
      // (schema_context runs a subgraph, whose span is named after the node too: the node's span is not an agent.)
      const span = one(spans.filter((s) => s.attributes["langfuse.observation.type"] !== "agent"), node);
      expect(span.attributes["langgraph_node"], node).toBe(node);
      expect(typeof span.attributes["langgraph_step"], node).toBe("number");
      expect(span.attributes["workflow.stage"], node).toBe(stage);
      expect(span.attributes["workflow.stage.source"], node).toBe(source);
    }
    const steps = spans.filter((s) => s.name === "validate_sql").map((s) => s.attributes["langgraph_step"]);
    expect(steps).toEqual([4, 6]);
  });

  it("lets LLM, tool and retriever spans inherit the stage of their node (the future `operation` label)", async () => {
    const { spans } = await run();
    const llmStages = spans.filter((s) => s.name === "chat gpt-4o").map((s) => [s.attributes["langgraph_node"], s.attributes["workflow.stage"]]);
    expect(llmStages).toEqual([
      ["classify_intent", "intent"],
      ["plan_query", "reasoning"],
      ["generate_sql", "generation"],
      ["correct_sql", "correction"],
    ]);
    expect(one(spans, "execute_tool run_sql").attributes["workflow.stage"]).toBe("execution");
    expect(one(spans, "retrieval SchemaRetriever").attributes["workflow.stage"]).toBe("reasoning");
  });

  it("puts Langfuse trace attributes on the root: name, user, session, tags and metadata", async () => {
    const { spans } = await run("How many orders per user?", {
      metadata: { user_id: "user-7", session_id: "sess-3", tenant: "acme", retries: 2, nested: { a: 1 } },
      tags: ["prod", "text2query"],
    });
    const root = one(spans, "invoke_workflow text2query");
    expect(root.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_workflow",
      "gen_ai.workflow.name": "text2query",
      "langfuse.trace.name": "text2query",
      "langfuse.observation.type": "agent",
      "user.id": "user-7",
      "session.id": "sess-3",
      "langfuse.trace.tags": ["prod", "text2query"],
      "langfuse.trace.metadata.tenant": "acme",
      "langfuse.trace.metadata.retries": 2,
    });
    // Objects are not flattened into metadata; LangGraph's step tags never become trace tags.
    expect(root.attributes["langfuse.trace.metadata.nested"]).toBeUndefined();
    expect(root.attributes["langfuse.trace.metadata.user_id"]).toBeUndefined();
    // Every span carries user and session, so observation-level filters work in Langfuse.
    for (const span of spans) expect(span.attributes["user.id"], span.name).toBe("user-7");
  });

  it("reads Langfuse's own metadata keys for user and session", async () => {
    const { spans } = await run("How many orders per user?", { metadata: { langfuse_user_id: "lf-user", langfuse_session_id: "lf-sess" } });
    const root = one(spans, "invoke_workflow text2query");
    expect(root.attributes["user.id"]).toBe("lf-user");
    expect(root.attributes["session.id"]).toBe("lf-sess");
  });

  it("records traceNode results on the node and sums them up on the root", async () => {
    const { spans, result } = await run();
    expect(one(spans, "classify_intent").attributes).toMatchObject({ "workflow.intent": "sql_query", "workflow.confidence": 0.92 });
    const [firstValidation, secondValidation] = spans.filter((s) => s.name === "validate_sql");
    expect(firstValidation!.attributes).toMatchObject({
      "workflow.validation.valid": false,
      "workflow.validation.error_category": "unknown_column",
      "workflow.sql": "SELECT nme, COUNT(*) FROM users JOIN orders USING (user_id) GROUP BY nme",
    });
    expect(secondValidation!.attributes["workflow.validation.valid"]).toBe(true);
    expect(secondValidation!.attributes["workflow.validation.error_category"]).toBeUndefined();
    expect(one(spans, "correct_sql").attributes["workflow.correction.attempt"]).toBe(1);
    // Extracted by the `results` option from the node's returned update.
    expect(one(spans, "execute_sql").attributes).toMatchObject({ "workflow.row_count": 42, "workflow.outcome": "success", "workflow.score.query_valid": 1 });
    expect(one(spans, "invoke_workflow text2query").attributes).toMatchObject({
      "workflow.outcome": "success",
      "workflow.intent": "sql_query",
      "workflow.confidence": 0.92,
      "workflow.corrections": 1,
    });
    // The workflow's own result is untouched by tracing.
    expect(result).toMatchObject({ intent: "sql_query", rows: 42, attempts: 1, valid: true });
  });

  it("stops after intent for an out-of-scope question", async () => {
    const { spans, result } = await run("Tell me a joke about the weather");
    const root = one(spans, "invoke_workflow text2query");
    expect(childrenOf(spans, root).map((s) => s.name)).toEqual(["classify_intent"]);
    expect(root.attributes["workflow.intent"]).toBe("out_of_scope");
    expect(result.sql).toBeUndefined();
  });

  it("makes the workflow a child of the caller's active span, and ends every span before invoke() returns", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const http = otel.provider.getTracer("http").startSpan("POST /api/query");
    await context.with(trace.setSpan(context.active(), http), () =>
      buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] }),
    );
    // No flush, no wait: awaitHandlers makes the spans end inside invoke().
    const spans = otel.spans();
    expect(spans.length).toBe(17);
    const root = one(spans, "invoke_workflow LangGraph");
    expect(parentId(root)).toBe(http.spanContext().spanId);
    expect(root.spanContext().traceId).toBe(http.spanContext().traceId);
    http.end();
  });

  it("names the workflow after the graph without runName, and after workflowName when given", async () => {
    const unnamed = new WorkflowTracer({ tracerProvider: otel.provider });
    await buildText2QueryGraph().invoke({ question: "Tell me a joke" }, { callbacks: [unnamed] });
    expect(otel.spans().some((s) => s.name === "invoke_workflow LangGraph")).toBe(true);
    otel.reset();
    const named = new WorkflowTracer({ tracerProvider: otel.provider, workflowName: "text2query" });
    await buildText2QueryGraph().invoke({ question: "Tell me a joke" }, { callbacks: [named] });
    expect(one(otel.spans(), "invoke_workflow text2query").attributes["langfuse.trace.name"]).toBe("text2query");
  });

  it("lets an invocation's runName, or the name a graph was compiled with, win over the workflowName default", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, workflowName: "text2query" });
    await buildText2QueryGraph().invoke({ question: "Tell me a joke" }, { callbacks: [tracer], runName: "support-bot" });
    const State = Annotation.Root({ x: Annotation<number>() });
    const compiledWithName = new StateGraph(State).addNode("step", () => ({ x: 1 })).addEdge(START, "step").addEdge("step", END).compile({ name: "billing-agent" });
    await compiledWithName.invoke({ x: 0 }, { callbacks: [tracer] });
    const roots = otel.spans().filter((s) => parentId(s) === undefined);
    expect(roots.map((s) => [s.name, s.attributes["langfuse.trace.name"], s.attributes["gen_ai.workflow.name"]])).toEqual([
      ["invoke_workflow support-bot", "support-bot", "support-bot"],
      ["invoke_workflow billing-agent", "billing-agent", "billing-agent"],
    ]);
  });

  it("treats an LLM called on its own as a trace of its own, with the trace attributes on it", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o-mini", replies: [{ content: "hi" }] });
    await model.invoke([new HumanMessage("hello")], { callbacks: [tracer], metadata: { user_id: "solo" }, tags: ["adhoc"] });
    const [span] = otel.spans();
    expect(span!.name).toBe("chat gpt-4o-mini");
    expect(parentId(span!)).toBeUndefined();
    expect(span!.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "langfuse.observation.type": "generation", "user.id": "solo", "langfuse.trace.tags": ["adhoc"] });
    expect(tracer.stats().activeRuns).toBe(0);
  });
});

describe("inferStage", () => {
  it.each([
    ["classify_intent", "intent"],
    ["route_question", "intent"],
    ["reasoning", "reasoning"],
    ["plan_query", "reasoning"],
    ["generate_sql", "generation"],
    ["write_answer", "generation"],
    ["validate_sql", "validation"],
    ["check_query", "validation"],
    ["correct_sql", "correction"],
    ["fix_query", "correction"],
    ["execute_sql", "execution"],
    ["retrieve_docs", "execution"],
    ["summarise", undefined],
  ])("%s → %s", (name, stage) => {
    expect(inferStage(name)).toBe(stage);
  });
});
