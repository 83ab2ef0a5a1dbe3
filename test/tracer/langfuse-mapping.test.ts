import { ChatPromptTemplate } from "@langchain/core/prompts";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { one, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";

/** What Langfuse's prompt client looks like to LangChain metadata (`langfuse.prompt.get(...)`). */
const prompt = (name: string, version: number, isFallback = false) => ({ name, version, isFallback, prompt: [{ role: "system", content: "Write SQL for {question}" }], config: {} });

describe("spans as Langfuse reads them (tracer side)", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  const generations = () => otel.spans().filter((s) => s.attributes["langfuse.observation.type"] === "generation");
  const linked = (span: { attributes: Record<string, unknown> }) => [span.attributes["langfuse.observation.prompt.name"], span.attributes["langfuse.observation.prompt.version"]];

  it("honours Langfuse's own per-invocation keys (langfuseUserId, langfuseSessionId, langfuseTags) and keeps them out of the trace metadata", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const State = Annotation.Root({ x: Annotation<number>() });
    const graph = new StateGraph(State).addNode("step", () => ({ x: 1 })).addEdge(START, "step").addEdge("step", END).compile();
    await graph.invoke({ x: 0 }, { callbacks: [tracer], tags: ["prod"], metadata: { langfuseUserId: "u-42", langfuseSessionId: "s-7", langfuseTags: ["beta"], tenant: "acme" } });
    const root = one(otel.spans(), "invoke_workflow LangGraph");
    expect(root.attributes).toMatchObject({ "user.id": "u-42", "session.id": "s-7", "langfuse.trace.tags": ["prod", "beta"], "langfuse.trace.metadata.tenant": "acme" });
    expect(Object.keys(root.attributes).filter((k) => /langfuse(User|Session)Id|langfuseTags/i.test(k))).toEqual([]);
    // Every observation carries the user and session, as Langfuse's own handler propagates them.
    expect(one(otel.spans(), "step").attributes).toMatchObject({ "user.id": "u-42", "session.id": "s-7" });
  });

  it("makes LangGraph's thread_id the conversation (gen_ai.conversation.id), which Langfuse takes as the session when none is named; a named session wins", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const State = Annotation.Root({ x: Annotation<number>() });
    const graph = new StateGraph(State).addNode("step", () => ({ x: 1 })).addEdge(START, "step").addEdge("step", END).compile();
    await graph.invoke({ x: 0 }, { callbacks: [tracer], configurable: { thread_id: "thread-9" } });
    await graph.invoke({ x: 0 }, { callbacks: [tracer], configurable: { thread_id: "thread-9" }, metadata: { langfuseSessionId: "support-chat-3" } });
    const [unnamed, named] = otel.spans().filter((s) => s.name === "invoke_workflow LangGraph");
    expect(unnamed!.attributes["gen_ai.conversation.id"]).toBe("thread-9");
    expect(unnamed!.attributes).not.toHaveProperty("session.id");
    expect(unnamed!.attributes).not.toHaveProperty("langfuse.trace.metadata.thread_id");
    expect(named!.attributes).toMatchObject({ "gen_ai.conversation.id": "thread-9", "session.id": "support-chat-3" });
  });

  it("splits cost by the usage buckets: cost_details has the keys of usage_details, and its parts sum to the total", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "o3-mini", replies: [{ content: "SELECT 1", inputTokens: 5000, cachedTokens: 3000, outputTokens: 2000, reasoningTokens: 1500 }] });
    await model.invoke("Orders per user?", { callbacks: [tracer] });
    const span = one(otel.spans(), "chat o3-mini");
    const usage = JSON.parse(String(span.attributes["langfuse.observation.usage_details"])) as Record<string, number>;
    const cost = JSON.parse(String(span.attributes["langfuse.observation.cost_details"])) as Record<string, number>;
    expect(usage).toEqual({ input: 2000, input_cache_read: 3000, output: 500, output_reasoning: 1500, total: 7000 });
    expect(Object.keys(cost).sort()).toEqual(Object.keys(usage).sort());
    // o3-mini: $1.10 input, $0.55 cached input, $4.40 output (reasoning is output).
    expect(cost.input).toBeCloseTo((2000 * 1.1) / 1e6, 15);
    expect(cost.input_cache_read).toBeCloseTo((3000 * 0.55) / 1e6, 15);
    expect(cost.output).toBeCloseTo((500 * 4.4) / 1e6, 15);
    expect(cost.output_reasoning).toBeCloseTo((1500 * 4.4) / 1e6, 15);
    expect(cost.total).toBe(cost.input! + cost.input_cache_read! + cost.output! + cost.output_reasoning!);
    expect(span.attributes["workflow.cost_usd"]).toBe(cost.total);
  });

  it("llm_cost_dollars_total is the sum of the spans' costs, over models with cache reads and reasoning", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics });
    const calls: Array<[string, string, number, number, number, number]> = [
      ["gpt-4o-mini", "openai", 12_000, 8_000, 900, 0],
      ["gpt-4o", "openai", 3_000, 1_024, 400, 0],
      ["claude-sonnet-4-20250514", "anthropic", 20_000, 15_000, 1_200, 0],
      ["gemini-2.5-flash", "google_genai", 9_000, 4_000, 3_000, 2_200],
      ["o4-mini", "openai", 1_500, 0, 5_000, 4_096],
    ];
    for (const [name, provider, input, cached, output, reasoning] of calls) {
      const model = new ScriptedChatModel({ model: name, provider, replies: [{ content: "ok", inputTokens: input, cachedTokens: cached, outputTokens: output, reasoningTokens: reasoning }] });
      await model.invoke("hi", { callbacks: [tracer] });
    }
    const spans = generations();
    expect(spans).toHaveLength(5);
    const spanTotal = spans.reduce((sum, s) => sum + (s.attributes["workflow.cost_usd"] as number), 0);
    const scrape = await Scrape.of(registry);
    const metricTotal = scrape.samples("langgraph_llm_cost_dollars_total").reduce((sum, s) => sum + s.value, 0);
    expect(spans.every((s) => typeof s.attributes["workflow.cost_usd"] === "number" && (s.attributes["workflow.cost_usd"] as number) > 0)).toBe(true);
    expect(metricTotal).toBeCloseTo(spanTotal, 15);
  });

  it("links the generation after a prompt template carrying metadata.langfusePrompt to that prompt, once, with an integer version", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "SELECT 1" }, { content: "SELECT 2" }] });
    const template = ChatPromptTemplate.fromMessages([["system", "Write SQL for {question}"]]).withConfig({ metadata: { langfusePrompt: prompt("sql-gen", 3) } });
    const chain = template.pipe(model);
    const State = Annotation.Root({ question: Annotation<string>(), sql: Annotation<string>() });
    const graph = new StateGraph(State)
      .addNode("generate_sql", async (s: typeof State.State, config) => {
        const first = await chain.invoke({ question: s.question }, config);
        // A second call in the same node, not after the template: not linked.
        const second = await model.invoke("Check it", config);
        return { sql: `${String(first.content)};${String(second.content)}` };
      })
      .addEdge(START, "generate_sql")
      .addEdge("generate_sql", END)
      .compile();
    await graph.invoke({ question: "How many orders?" }, { callbacks: [tracer] });
    const [first, second] = generations().sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
    expect(linked(first!)).toEqual(["sql-gen", 3]);
    expect(Number.isInteger(first!.attributes["langfuse.observation.prompt.version"])).toBe(true);
    expect(linked(second!)).toEqual([undefined, undefined]);
    // The prompt object itself (its text, its config) is not copied anywhere.
    expect(JSON.stringify(otel.spans().map((s) => s.attributes))).not.toContain("Write SQL for {question}");
  });

  it("links every generation of an invocation whose metadata carries the prompt (LangChain merges it over a template's own)", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "a" }, { content: "b" }, { content: "c" }] });
    const template = ChatPromptTemplate.fromMessages([["human", "{q}"]]).withConfig({ metadata: { langfusePrompt: prompt("template-prompt", 7) } });
    const State = Annotation.Root({ q: Annotation<string>() });
    const graph = new StateGraph(State)
      .addNode("plan", async (s: typeof State.State, config) => {
        await model.invoke(s.q, config);
        return {};
      })
      .addNode("answer", async (s: typeof State.State, config) => {
        await template.pipe(model).invoke({ q: s.q }, config);
        await model.invoke(s.q, config);
        return {};
      })
      .addEdge(START, "plan")
      .addEdge("plan", "answer")
      .addEdge("answer", END)
      .compile();
    await graph.invoke({ q: "hi" }, { callbacks: [tracer], metadata: { langfusePrompt: prompt("agent-prompt", 2) } });
    const byOrder = generations().sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
    // LangChain merges the invocation's metadata over a runnable's withConfig metadata, so the template's run
    // carries the invocation's prompt too (Langfuse's own handler sees the same).
    expect(byOrder.map(linked)).toEqual([
      ["agent-prompt", 2],
      ["agent-prompt", 2],
      ["agent-prompt", 2],
    ]);
    // The prompt object is not trace metadata.
    expect(Object.keys(otel.spans().find((s) => s.parentSpanContext === undefined)!.attributes).filter((k) => k.includes("langfusePrompt"))).toEqual([]);
  });

  it("does not link a fallback prompt (Langfuse does not know it), nor anything malformed", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: () => ({ content: "ok" }) });
    for (const langfusePrompt of [prompt("p", 1, true), { name: "p", version: "1" }, { name: "", version: 1 }, { name: "p", version: 1.5 }, "p", null]) {
      await ChatPromptTemplate.fromMessages([["human", "{q}"]]).withConfig({ metadata: { langfusePrompt } }).pipe(model).invoke({ q: "x" }, { callbacks: [tracer] });
    }
    expect(generations()).toHaveLength(6);
    expect(generations().map(linked)).toEqual(Array.from({ length: 6 }, () => [undefined, undefined]));
  });

  it("keeps no registered prompt once its parent ends, also when the template fails: nothing leaks to a later generation", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: () => ({ content: "ok" }) });
    // Missing the {question} variable: the template throws after its start registered the prompt.
    const failing = ChatPromptTemplate.fromMessages([["human", "{question}"]]).withConfig({ metadata: { langfusePrompt: prompt("broken", 1) } });
    const State = Annotation.Root({ q: Annotation<string>() });
    const graph = new StateGraph(State)
      .addNode("ask", async (s: typeof State.State, config) => {
        await failing
          .pipe(model)
          .invoke({ q: s.q } as never, config)
          .catch(() => undefined);
        await model.invoke(s.q, config);
        return {};
      })
      .addEdge(START, "ask")
      .addEdge("ask", END)
      .compile();
    for (let i = 0; i < 50; i++) await graph.invoke({ q: "hi" }, { callbacks: [tracer] });
    expect(generations()).toHaveLength(50);
    expect(generations().every((g) => g.attributes["langfuse.observation.prompt.name"] === undefined)).toBe(true);
    expect(tracer.stats().activeRuns).toBe(0);
  });

  it("names a subgraph after the node it runs in, unless it was named", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const State = Annotation.Root({ x: Annotation<number>() });
    const inner = new StateGraph(State).addNode("inner_a", (s: typeof State.State) => ({ x: s.x + 1 })).addEdge(START, "inner_a").addEdge("inner_a", END);
    const outer = new StateGraph(State)
      .addNode("research", inner.compile())
      .addNode("review", inner.compile({ name: "reviewer" }))
      .addEdge(START, "research")
      .addEdge("research", "review")
      .addEdge("review", END)
      .compile();
    await outer.invoke({ x: 1 }, { callbacks: [tracer] });
    const agents = otel.spans().filter((s) => s.attributes["langfuse.observation.type"] === "agent" && s.parentSpanContext !== undefined);
    expect(agents.map((s) => s.name).sort()).toEqual(["research", "reviewer"]);
    expect(otel.spans().filter((s) => s.name === "LangGraph")).toEqual([]);
  });
});
