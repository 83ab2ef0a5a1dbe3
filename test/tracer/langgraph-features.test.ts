import { HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, Command, END, interrupt, MemorySaver, Send, START, StateGraph, type LangGraphRunnableConfig, type StreamMode } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { context, propagation, type Context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createAgent } from "langchain";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { METRIC_NAMES, WorkflowMetrics, WorkflowTracer, type WorkflowTracerOptions } from "../../src/index.js";
import { assertExactNesting, assertNodesDoNotOverlap, isNodeSpan } from "../support/nesting.js";
import { one, parentId, setupOtel, treeOf } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { abortableDelay, ToolCallingModel } from "../support/tool-calling-model.js";
import { until } from "../support/wait.js";

const UNSET = 0;
const ERROR = 2;
const STREAM_MODES: StreamMode[] = ["values", "updates", "messages", "custom", "debug", "tasks", "checkpoints", "tools"];

/** Records every span a provider starts (to find spans that never end) and the caller's baggage it started under. */
class StartRecorder implements SpanProcessor {
  readonly started: Span[] = [];
  readonly tenants: Array<string | undefined> = [];
  onStart(span: Span, parentContext: Context): void {
    this.started.push(span);
    this.tenants.push(propagation.getBaggage(parentContext)?.getEntry("tenant")?.value);
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const getWeather = tool(async ({ city }) => `sunny in ${city}`, { name: "get_weather", description: "Current weather of a city", schema: z.object({ city: z.string() }) });
const getTime = tool(async ({ city }) => `noon in ${city}`, { name: "get_time", description: "Local time of a city", schema: z.object({ city: z.string() }) });

const text = (messages: BaseMessage[]) => messages.map((m) => m.text);
const isChat = (s: ReadableSpan) => s.attributes["gen_ai.operation.name"] === "chat";
const isTool = (s: ReadableSpan) => s.attributes["gen_ai.operation.name"] === "execute_tool";

/** The one root span of `spans` (no parent), or an error naming the roots found. */
function theRoot(spans: readonly ReadableSpan[]): ReadableSpan {
  const roots = spans.filter((s) => parentId(s) === undefined);
  if (roots.length !== 1) throw new Error(`expected one root span, found ${roots.length}: [${roots.map((s) => s.name).join(", ")}]`);
  return roots[0]!;
}

/** The nearest ancestor of `span` that is a LangGraph node span or the root (plumbing in between is ignored). */
function owner(spans: readonly ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  for (let p = byId.get(parentId(span) ?? ""); p !== undefined; p = byId.get(parentId(p) ?? "")) {
    if (isNodeSpan(p) || parentId(p) === undefined) return p;
  }
  return undefined;
}

/** Names of the node spans owned by `parent`, in start order. */
function nodesUnder(spans: readonly ReadableSpan[], parent: ReadableSpan): string[] {
  return spans.filter((s) => isNodeSpan(s) && owner(spans, s) === parent).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]).map((s) => s.name);
}

/** Checks spec item 1 on a whole trace: every span but the root has its parent exported, all nested exactly. */
function expectExactlyNested(spans: readonly ReadableSpan[], sequentialPairs: number) {
  expect(assertExactNesting(spans)).toBe(spans.length - 1);
  expect(assertNodesDoNotOverlap(spans)).toBe(sequentialPairs);
}

describe("WorkflowTracer on LangGraph features", () => {
  let otel: ReturnType<typeof setupOtel>;
  let providers: BasicTracerProvider[];
  beforeEach(() => {
    otel = setupOtel();
    providers = [];
  });
  afterEach(async () => {
    for (const p of providers) await p.shutdown();
    await otel.shutdown();
  });

  /** A tracer on the real SDK with a fresh metrics registry, and a recorder of every span started. */
  function harness(options: WorkflowTracerOptions = {}) {
    const registry = new Registry();
    const recorder = new StartRecorder();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(otel.exporter), recorder] });
    providers.push(provider);
    const tracer = new WorkflowTracer({ tracerProvider: provider, metrics: new WorkflowMetrics({ registry }), ...options });
    const metric = async (name: string) => (await registry.getMetricsAsJSON()).find((m) => m.name === `langgraph_${name}`)?.values ?? [];
    return {
      tracer,
      recorder,
      spans: () => otel.spans(),
      /** Names of spans started and never ended. */
      unended: () => recorder.started.filter((s) => !s.ended).map((s) => s.name),
      /** queries_total summed by status, series at 0 left out. */
      async queries(): Promise<Record<string, number>> {
        const out: Record<string, number> = {};
        for (const v of await metric(METRIC_NAMES.queries)) if (v.value > 0) out[String(v.labels["status"])] = (out[String(v.labels["status"])] ?? 0) + v.value;
        return out;
      },
      activeQueries: async () => (await metric(METRIC_NAMES.activeQueries))[0]?.value,
    };
  }

  /** lookup (a tool, a custom stream write) → respond (a chat model), with a checkpointer so every stream mode has output. */
  function weatherGraph() {
    const State = Annotation.Root({ city: Annotation<string>(), facts: Annotation<string>(), answer: Annotation<string>() });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: () => ({ content: "It is sunny in Paris", delayMs: 5, inputTokens: 50, outputTokens: 6 }) });
    return new StateGraph(State)
      .addNode("lookup", async (s: typeof State.State, config: LangGraphRunnableConfig) => {
        config.writer?.({ progress: "looking up" });
        return { facts: String(await getWeather.invoke({ city: s.city }, config)) };
      })
      .addNode("respond", async (s: typeof State.State, config: LangGraphRunnableConfig) => ({ answer: String((await model.invoke([new HumanMessage(s.facts)], config)).content) }))
      .addEdge(START, "lookup")
      .addEdge("lookup", "respond")
      .addEdge("respond", END)
      .compile({ checkpointer: new MemorySaver() });
  }

  it("prebuilt createReactAgent with two tools: root → agent → chat, tools → execute_tool, usage on chats, exact nesting", async () => {
    const h = harness();
    const model = new ToolCallingModel({
      turns: [
        { toolCalls: [{ name: "get_weather", args: { city: "Paris" } }, { name: "get_time", args: { city: "Paris" } }], inputTokens: 100, outputTokens: 20 },
        { content: "Sunny, noon.", inputTokens: 180, outputTokens: 12 },
      ],
    });
    const out = await createReactAgent({ llm: model, tools: [getWeather, getTime] }).invoke({ messages: [new HumanMessage("Weather and time in Paris?")] }, { callbacks: [h.tracer] });
    expect(text(out.messages)).toEqual(["Weather and time in Paris?", "", "sunny in Paris", "noon in Paris", "Sunny, noon."]);

    const spans = h.spans();
    const root = theRoot(spans);
    expect(nodesUnder(spans, root), treeOf(spans, root)).toEqual(["agent", "tools", "agent"]);
    const chats = spans.filter(isChat).sort((a, b) => (a.attributes["langgraph_step"] as number) - (b.attributes["langgraph_step"] as number));
    expect(chats.map((s) => [owner(spans, s)?.name, s.attributes["gen_ai.usage.input_tokens"], s.attributes["gen_ai.usage.output_tokens"]])).toEqual([
      ["agent", 100, 20],
      ["agent", 180, 12],
    ]);
    const tools = spans.filter(isTool);
    expect(tools.map((s) => [owner(spans, s)?.name, s.attributes["gen_ai.tool.name"]]).sort()).toEqual([["tools", "get_time"], ["tools", "get_weather"]]);
    expect(new Set(tools.map((s) => parentId(s))).size).toBe(1); // one ToolNode ran both calls
    expectExactlyNested(spans, 3);
    expect(h.unended()).toEqual([]);
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  it("langchain createAgent with a tool: root → model_request → chat, tools → execute_tool, usage on chats, exact nesting", async () => {
    const h = harness();
    const model = new ToolCallingModel({
      turns: [
        { toolCalls: [{ name: "get_weather", args: { city: "Oslo" } }], inputTokens: 90, outputTokens: 15 },
        { content: "Sunny in Oslo.", inputTokens: 140, outputTokens: 8 },
      ],
    });
    const out = await createAgent({ model, tools: [getWeather] }).invoke({ messages: [new HumanMessage("Weather in Oslo?")] }, { callbacks: [h.tracer] });
    expect(text(out.messages)).toEqual(["Weather in Oslo?", "", "sunny in Oslo", "Sunny in Oslo."]);

    const spans = h.spans();
    const root = theRoot(spans);
    expect(nodesUnder(spans, root), treeOf(spans, root)).toEqual(["model_request", "tools", "model_request"]);
    expect(spans.filter(isChat).map((s) => [owner(spans, s)?.name, s.attributes["gen_ai.usage.input_tokens"], s.attributes["gen_ai.usage.output_tokens"]])).toEqual([
      ["model_request", 90, 15],
      ["model_request", 140, 8],
    ]);
    expect(spans.filter(isTool).map((s) => [owner(spans, s)?.name, s.attributes["gen_ai.tool.name"]])).toEqual([["tools", "get_weather"]]);
    expectExactlyNested(spans, 3);
    expect(h.unended()).toEqual([]);
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  it("Send fan-out: three parallel branches are three node spans under the root, and the results are all there", async () => {
    const h = harness();
    const State = Annotation.Root({ items: Annotation<string[]>(), item: Annotation<string>(), results: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
    const graph = new StateGraph(State)
      .addNode("plan", () => ({ items: ["a", "b", "c"] }))
      .addNode("work", async (s: typeof State.State) => {
        await new Promise((r) => setTimeout(r, 5));
        return { results: [s.item.toUpperCase()] };
      })
      .addEdge(START, "plan")
      .addConditionalEdges("plan", (s) => s.items.map((item) => new Send("work", { item })), ["work"])
      .addEdge("work", END)
      .compile();
    const out = await graph.invoke({ items: [] }, { callbacks: [h.tracer] });
    expect([...out.results].sort()).toEqual(["A", "B", "C"]);

    const spans = h.spans();
    const root = theRoot(spans);
    expect(nodesUnder(spans, root), treeOf(spans, root)).toEqual(["plan", "work", "work", "work"]);
    const work = spans.filter((s) => s.name === "work");
    expect(work.every((s) => parentId(s) === root.spanContext().spanId)).toBe(true);
    expect(new Set(work.map((s) => s.attributes["langgraph_step"])).size).toBe(1);
    expectExactlyNested(spans, 3); // plan before each branch
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  it("a compiled subgraph as a node: its node spans nest under the outer node span", async () => {
    const h = harness();
    const State = Annotation.Root({ x: Annotation<number>() });
    const inner = new StateGraph(State)
      .addNode("inner_a", (s: typeof State.State) => ({ x: s.x + 1 }))
      .addNode("inner_b", (s: typeof State.State) => ({ x: s.x * 10 }))
      .addEdge(START, "inner_a")
      .addEdge("inner_a", "inner_b")
      .addEdge("inner_b", END)
      .compile();
    const outer = new StateGraph(State)
      .addNode("prepare", (s: typeof State.State) => ({ x: s.x + 1 }))
      .addNode("research", inner)
      .addNode("finish", (s: typeof State.State) => ({ x: s.x + 100 }))
      .addEdge(START, "prepare")
      .addEdge("prepare", "research")
      .addEdge("research", "finish")
      .addEdge("finish", END)
      .compile();
    expect(await outer.invoke({ x: 1 }, { callbacks: [h.tracer] })).toEqual({ x: 130 });

    const spans = h.spans();
    const root = theRoot(spans);
    expect(nodesUnder(spans, root), treeOf(spans, root)).toEqual(["prepare", "research", "finish"]);
    // The subgraph's own span is named after its node too (LangGraph calls every unnamed graph "LangGraph").
    const research = spans.filter((s) => s.name === "research");
    expect(research.map((s) => s.attributes["langfuse.observation.type"]).sort()).toEqual(["agent", "span"]);
    expect(nodesUnder(spans, research.find((s) => s.attributes["langfuse.observation.type"] === "span")!), treeOf(spans, root)).toEqual(["inner_a", "inner_b"]);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expectExactlyNested(spans, 4); // prepare < research < finish (3 pairs), inner_a < inner_b
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  it("interrupt() in a node with MemorySaver: interrupted outcome, UNSET status, counted; the resume is a linked trace of the thread", async () => {
    const h = harness();
    const State = Annotation.Root({ sql: Annotation<string>(), approved: Annotation<boolean | undefined>() });
    const graph = new StateGraph(State)
      .addNode("review_sql", (s: typeof State.State) => ({ approved: interrupt({ sql: s.sql }) as boolean }))
      .addNode("execute_sql", () => ({}))
      .addEdge(START, "review_sql")
      .addEdge("review_sql", "execute_sql")
      .addEdge("execute_sql", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { callbacks: [h.tracer], configurable: { thread_id: "thread-review-1" } };

    expect(await graph.invoke({ sql: "SELECT 1" }, config)).toHaveProperty("__interrupt__");
    const paused = h.spans();
    const pausedRoot = theRoot(paused);
    const review = one(paused, "review_sql");
    expect(review.attributes["workflow.interrupted"]).toBe(true);
    expect(review.status.code).toBe(UNSET);
    expect(pausedRoot.attributes["workflow.outcome"]).toBe("interrupted");
    expect(pausedRoot.status.code).toBe(UNSET);
    expect(await h.queries()).toEqual({ interrupted: 1 });
    expect(await h.activeQueries()).toBe(0);

    otel.reset();
    expect(await graph.invoke(new Command({ resume: true }), config)).toEqual({ sql: "SELECT 1", approved: true });
    const resumedRoot = theRoot(h.spans());
    expect(resumedRoot.spanContext().traceId).not.toBe(pausedRoot.spanContext().traceId);
    expect(resumedRoot.attributes["gen_ai.conversation.id"]).toBe("thread-review-1");
    expect(resumedRoot.links[0]?.context.spanId).toBe(pausedRoot.spanContext().spanId);
    expect(resumedRoot.attributes["workflow.outcome"]).toBe("success");
    expect(await h.queries()).toEqual({ interrupted: 1, success: 1 });
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  it("interrupt() inside a tool of a prebuilt agent with MemorySaver: same contract, and the resumed run finishes the agent", async () => {
    const h = harness();
    const refund = tool(async ({ amount }) => ((interrupt({ approve: amount }) as boolean) ? `refunded ${amount}` : "denied"), {
      name: "issue_refund",
      description: "Refund an amount (needs approval)",
      schema: z.object({ amount: z.number() }),
    });
    const model = new ToolCallingModel({ turns: (m) => (m.some((x) => x.getType() === "tool") ? { content: "Refund done." } : { toolCalls: [{ name: "issue_refund", args: { amount: 30 } }] }) });
    const agent = createReactAgent({ llm: model, tools: [refund], checkpointSaver: new MemorySaver() });
    const config = { callbacks: [h.tracer], configurable: { thread_id: "thread-refund-1" } };

    expect(await agent.invoke({ messages: [new HumanMessage("Refund my order")] }, config)).toHaveProperty("__interrupt__");
    const paused = h.spans();
    const pausedRoot = theRoot(paused);
    const toolSpan = one(paused, "execute_tool issue_refund");
    expect(toolSpan.attributes["workflow.interrupted"]).toBe(true);
    expect(toolSpan.status.code).toBe(UNSET);
    expect(paused.filter((s) => s.status.code === ERROR).map((s) => s.name)).toEqual([]);
    expect(pausedRoot.attributes["workflow.outcome"]).toBe("interrupted");
    expect(pausedRoot.status.code).toBe(UNSET);
    expect(await h.queries()).toEqual({ interrupted: 1 });

    otel.reset();
    const resumed = await agent.invoke(new Command({ resume: true }), config);
    expect(text(resumed.messages).slice(-2)).toEqual(["refunded 30", "Refund done."]);
    const resumedRoot = theRoot(h.spans());
    expect(resumedRoot.spanContext().traceId).not.toBe(pausedRoot.spanContext().traceId);
    expect(resumedRoot.attributes["gen_ai.conversation.id"]).toBe("thread-refund-1");
    expect(resumedRoot.links[0]?.context.spanId).toBe(pausedRoot.spanContext().spanId);
    expect(resumedRoot.attributes["workflow.outcome"]).toBe("success");
    expect(await h.queries()).toEqual({ interrupted: 1, success: 1 });
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  /** Spec: a stream consumed to the end is a complete trace like invoke's. */
  async function expectCompleteTrace(h: ReturnType<typeof harness>) {
    const spans = h.spans();
    const root = theRoot(spans);
    expect(nodesUnder(spans, root), treeOf(spans, root)).toEqual(["lookup", "respond"]);
    expect(root.attributes["workflow.outcome"]).toBe("success");
    expect(h.unended()).toEqual([]);
    expectExactlyNested(spans, 1);
    expect(h.tracer.stats().activeRuns).toBe(0);
    expect(await h.queries()).toEqual({ success: 1 });
  }

  it.each(STREAM_MODES)('graph.stream with streamMode "%s", consumed fully, gives a complete trace', async (mode) => {
    const h = harness();
    let chunks = 0;
    for await (const _ of await weatherGraph().stream({ city: "Paris" }, { callbacks: [h.tracer], streamMode: mode, configurable: { thread_id: `full-${mode}` } })) chunks++;
    expect(chunks).toBeGreaterThan(0);
    await expectCompleteTrace(h);
  });

  it('graph.streamEvents(version "v2"), consumed fully, gives a complete trace', async () => {
    const h = harness();
    let events = 0;
    for await (const _ of weatherGraph().streamEvents({ city: "Paris" }, { callbacks: [h.tracer], version: "v2", configurable: { thread_id: "full-events" } })) events++;
    expect(events).toBeGreaterThan(5);
    await expectCompleteTrace(h);
  });

  /** Spec item 3: a run the consumer walked away from ends (by LangGraph's abort or the tracer's own timer), abandoned, counted once. */
  async function expectEndedByItself(h: ReturnType<typeof harness>) {
    // No sweep(), no other run: only the tracer's timer may end what LangGraph left open.
    await until("the tracer to end the abandoned run", () => (h.tracer.stats().activeRuns === 0 ? true : undefined), 2000);
    const root = theRoot(h.spans());
    // LangGraph 1.7 aborts the run when its consumer breaks off (or leaves it open, and the tracer ends it): abandoned either way.
    expect(root.attributes["workflow.outcome"]).toBe("abandoned");
    expect(root.status.code).toBe(UNSET);
    expect(h.unended()).toEqual([]);
    expect(await h.activeQueries()).toBe(0);
    const counted = await h.queries();
    expect(Object.values(counted), JSON.stringify(counted)).toEqual([1]);
  }

  it.each(STREAM_MODES)('breaking out of graph.stream "%s" after the first chunk: the run ends by itself within runTtlMs', async (mode) => {
    const h = harness({ runTtlMs: 50 });
    let chunks = 0;
    for await (const _ of await weatherGraph().stream({ city: "Paris" }, { callbacks: [h.tracer], streamMode: mode, configurable: { thread_id: `break-${mode}` } })) {
      chunks++;
      break;
    }
    expect(chunks).toBe(1);
    await expectEndedByItself(h);
  });

  it("breaking out of graph.streamEvents after the first event: the run ends by itself within runTtlMs", async () => {
    const h = harness({ runTtlMs: 50 });
    let events = 0;
    for await (const _ of weatherGraph().streamEvents({ city: "Paris" }, { callbacks: [h.tracer], version: "v2", configurable: { thread_id: "break-events" } })) {
      events++;
      break;
    }
    expect(events).toBe(1);
    await expectEndedByItself(h);
  });

  /** Spec items 5 and 6 for an AbortSignal: the caller sees the rejection; every span ends; the run was abandoned, not failed. */
  async function expectAborted(h: ReturnType<typeof harness>, run: Promise<unknown>) {
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(h.unended()).toEqual([]);
    const root = theRoot(h.spans());
    expect(root.status.code).toBe(UNSET);
    expect(root.attributes["workflow.outcome"]).toBe("abandoned");
    expect(h.spans().filter((s) => s.status.code === ERROR).map((s) => s.name)).toEqual([]);
    expect(h.tracer.stats().activeRuns).toBe(0);
    expect(await h.queries()).toEqual({ abandoned: 1 });
    expect(await h.activeQueries()).toBe(0);
  }

  it("abort mid-LLM (AbortSignal in the invoke config): rejected, every span ended, root UNSET with outcome abandoned", async () => {
    const h = harness();
    const abort = new AbortController();
    const model = new ToolCallingModel({
      turns: () => {
        setTimeout(() => abort.abort(), 20);
        return { content: "too late", delayMs: 10_000 };
      },
    });
    const agent = createReactAgent({ llm: model, tools: [getWeather] });
    await expectAborted(h, agent.invoke({ messages: [new HumanMessage("Weather?")] }, { callbacks: [h.tracer], signal: abort.signal }));
    expect(h.recorder.started.some((s) => s.name.startsWith("chat "))).toBe(true);
  });

  it("abort mid-tool (AbortSignal in the invoke config): rejected, every span ended, root UNSET with outcome abandoned", async () => {
    const h = harness();
    const abort = new AbortController();
    const slow = tool(
      async () => {
        setTimeout(() => abort.abort(), 20);
        await abortableDelay(10_000, abort.signal);
        return "too late";
      },
      { name: "slow_lookup", description: "A slow lookup", schema: z.object({ city: z.string() }) },
    );
    const model = new ToolCallingModel({ turns: [{ toolCalls: [{ name: "slow_lookup", args: { city: "Rome" } }] }, { content: "done" }] });
    const agent = createReactAgent({ llm: model, tools: [slow] });
    await expectAborted(h, agent.invoke({ messages: [new HumanMessage("Weather?")] }, { callbacks: [h.tracer], signal: abort.signal }));
    expect(h.recorder.started.some((s) => s.name === "execute_tool slow_lookup")).toBe(true);
  });

  it("suppressTracing: a run invoked under it exports no span at all, and metrics still count it", async () => {
    const h = harness();
    const out = await context.with(suppressTracing(context.active()), () => weatherGraph().invoke({ city: "Paris" }, { callbacks: [h.tracer], configurable: { thread_id: "quiet" } }));
    expect(out.answer).toBe("It is sunny in Paris");
    expect(h.spans().map((s) => s.name)).toEqual([]);
    expect(h.recorder.started.map((s) => s.name)).toEqual([]);
    expect(await h.queries()).toEqual({ success: 1 });
    expect(await h.activeQueries()).toBe(0);
    expect(h.tracer.stats().activeRuns).toBe(0);
  });

  it("baggage set by the caller is in the parent context of every span of the trace", async () => {
    const h = harness();
    const model = new ToolCallingModel({ turns: [{ toolCalls: [{ name: "get_weather", args: { city: "Lima" } }] }, { content: "Sunny in Lima." }] });
    const agent = createReactAgent({ llm: model, tools: [getWeather] });
    const withTenant = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: "acme" } }));
    await context.with(withTenant, () => agent.invoke({ messages: [new HumanMessage("Weather in Lima?")] }, { callbacks: [h.tracer] }));

    const spans = h.spans();
    theRoot(spans);
    expect(spans.length).toBeGreaterThanOrEqual(6); // root, agent, chat, tools, execute_tool, agent, chat
    expect(h.recorder.started.length).toBe(spans.length);
    expect(h.recorder.tenants).toEqual(spans.map(() => "acme"));
  });
});
