import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { METRIC_NAMES, TailSamplingProcessor, traceNode, WorkflowMetrics, WorkflowTracer, type WorkflowTracerOptions } from "../../src/index.js";
import { assertExactNesting } from "../support/nesting.js";
import { parentId, treeOf } from "../support/otel.js";
import { OpenAiStreamServer } from "../support/openai-stream-server.js";
import { stepsGraph } from "../support/steps-graph.js";
import { ToolCallingModel } from "../support/tool-calling-model.js";
import { until } from "../support/wait.js";

const UNSET = 0;
const ERROR = 2;

/**
 * What the root of a run says happened to it, for the things that happen to runs in production: a client that
 * goes away mid-stream, a caller that aborts or times out, a graph retried or fallen back, and agent code that
 * invokes a sub-agent with its own callbacks. Real LangGraph, real ChatOpenAI against a loopback endpoint, the
 * real SDK, the real tail sampler and a real prom-client registry.
 */
describe("outcomes that say what happened", () => {
  let llm: OpenAiStreamServer;
  let contextManager: AsyncLocalStorageContextManager;
  const providers: BasicTracerProvider[] = [];
  beforeEach(async () => {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    llm = await new OpenAiStreamServer(() => ({ content: "It is sunny in Paris today with a light breeze", chunkDelayMs: 15 })).start();
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) await p.shutdown();
    await llm.stop();
    contextManager.disable();
    context.disable();
  });

  /**
   * A tracer on the real SDK with metrics in a fresh registry; every span goes to `spans()`, and through a tail
   * sampler at rate 0 (only runs kept for their outcome pass) to `kept()`.
   */
  function harness(options: WorkflowTracerOptions = {}) {
    const all = new InMemorySpanExporter();
    const kept = new InMemorySpanExporter();
    const sampler = new TailSamplingProcessor({ processors: [new SimpleSpanProcessor(kept)], sampleRate: 0 });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(all), sampler] });
    providers.push(provider);
    const registry = new Registry();
    const tracer = new WorkflowTracer({ tracerProvider: provider, metrics: new WorkflowMetrics({ registry }), ...options });
    const metric = async (name: string) => (await registry.getMetricsAsJSON()).find((m) => m.name === `langgraph_${name}`)?.values ?? [];
    return {
      tracer,
      sampler,
      spans: () => all.getFinishedSpans(),
      kept: () => kept.getFinishedSpans(),
      root(): ReadableSpan {
        const roots = all.getFinishedSpans().filter((s) => parentId(s) === undefined);
        if (roots.length !== 1) throw new Error(`expected one root, found [${roots.map((s) => s.name).join(", ")}]`);
        return roots[0]!;
      },
      /** queries_total by status, series at 0 left out. */
      async queries(): Promise<Record<string, number>> {
        const out: Record<string, number> = {};
        for (const v of await metric(METRIC_NAMES.queries)) if (v.value > 0) out[String(v.labels["status"])] = (out[String(v.labels["status"])] ?? 0) + v.value;
        return out;
      },
      activeQueries: async () => (await metric(METRIC_NAMES.activeQueries))[0]?.value,
    };
  }

  /** lookup → respond, each asking the loopback ChatOpenAI, which answers word by word. */
  function chatGraph(server = llm) {
    const State = Annotation.Root({ city: Annotation<string>(), facts: Annotation<string>(), answer: Annotation<string>() });
    const model = server.model();
    return new StateGraph(State)
      .addNode("lookup", async (s: typeof State.State, config: LangGraphRunnableConfig) => ({ facts: (await model.invoke([new HumanMessage(`Weather in ${s.city}?`)], config)).text }))
      .addNode("respond", async (s: typeof State.State, config: LangGraphRunnableConfig) => ({ answer: (await model.invoke([new HumanMessage(s.facts)], config)).text }))
      .addEdge(START, "lookup")
      .addEdge("lookup", "respond")
      .addEdge("respond", END)
      .compile();
  }

  /** A run nobody failed: outcome abandoned, status UNSET, no span at Langfuse level ERROR, outside the error counts, not kept for its outcome. */
  async function expectAbandoned(h: ReturnType<typeof harness>) {
    await until("every run of the invocation to end", () => (h.tracer.stats().activeRuns === 0 ? true : undefined), 5000);
    const root = h.root();
    expect(root.attributes["workflow.outcome"], treeOf(h.spans(), root)).toBe("abandoned");
    expect(root.status.code).toBe(UNSET);
    expect(root.attributes["langfuse.observation.level"]).toBe("WARNING");
    expect(h.spans().filter((s) => s.status.code === ERROR || s.attributes["langfuse.observation.level"] === "ERROR").map((s) => s.name)).toEqual([]);
    expect(await h.queries()).toEqual({ abandoned: 1 });
    expect(await h.activeQueries()).toBe(0);
    expect(h.sampler.stats().kept.outcome).toBe(0);
    expect(h.kept()).toEqual([]);
  }

  it.each(["messages", "updates", "values"] as const)('a consumer that breaks off graph.stream "%s" after the first chunk: outcome abandoned, not a failure', async (streamMode) => {
    const h = harness({ runTtlMs: 400 });
    let chunks = 0;
    for await (const _ of await chatGraph().stream({ city: "Paris" }, { callbacks: [h.tracer], streamMode })) {
      chunks++;
      break;
    }
    expect(chunks).toBe(1);
    await expectAbandoned(h);
  });

  it("the caller's own AbortSignal: the caller sees its AbortError; the run is abandoned, not failed", async () => {
    const h = harness();
    const abort = new AbortController();
    // The caller gives up while the provider is answering the first question.
    const server = await new OpenAiStreamServer(() => {
      setTimeout(() => abort.abort(), 30);
      return { content: "It is sunny in Paris today with a light breeze", chunkDelayMs: 15 };
    }).start();
    try {
      await expect(chatGraph(server).invoke({ city: "Paris" }, { callbacks: [h.tracer], signal: abort.signal })).rejects.toMatchObject({ name: "AbortError" });
      await until("the provider to see its client go", () => (server.disconnected === 1 ? true : undefined));
      expect(server.requests).toBe(1);
    } finally {
      await server.stop();
    }
    await expectAbandoned(h);
  });

  it("a deadline (AbortSignal.timeout) that cuts a step short is a failure: outcome error, status ERROR, kept", async () => {
    const h = harness();
    await chatGraph().invoke({ city: "Paris" }); // warm: the deadline falls inside the traced run's first answer (~150 ms)
    await expect(chatGraph().invoke({ city: "Paris" }, { callbacks: [h.tracer], signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: "TimeoutError" });
    const root = h.root();
    expect(root.attributes["workflow.outcome"]).toBe("error");
    expect(root.status.code).toBe(ERROR);
    expect(h.spans().some((s) => s.attributes["error.type"] === "TimeoutError")).toBe(true);
    expect(await h.queries()).toEqual({ error: 1 });
    expect(h.sampler.stats().kept.outcome).toBe(1);
  });

  it("graph.withRetry(): the attempt that succeeded decides; the failed attempt's reports do not reach the root", async () => {
    const h = harness();
    let attempt = 0;
    const graph = stepsGraph({
      validate_sql: traceNode("validation", async (_s, _c, report) => {
        if (++attempt === 1) {
          report.validation(false, "syntax");
          throw new Error("connection reset");
        }
        report.rows(3);
        return { answer: "3 rows" };
      }),
    });
    const out = await graph.withRetry({ stopAfterAttempt: 2 }).invoke({ question: "?" }, { callbacks: [h.tracer] });
    expect(out.answer).toBe("3 rows");
    const root = h.root();
    expect(root.name).toBe("invoke_workflow LangGraph");
    expect(root.attributes).toMatchObject({ "workflow.outcome": "success", "langfuse.trace.name": "LangGraph", "gen_ai.workflow.name": "LangGraph" });
    expect(root.attributes).not.toHaveProperty("workflow.validation.valid");
    expect(root.attributes).not.toHaveProperty("langfuse.observation.level");
    expect(root.status.code).toBe(UNSET);
    // Both attempts are in the trace: the failed one as an error below the root.
    expect(h.spans().filter((s) => s.name === "validate_sql").map((s) => s.status.code).sort()).toEqual([UNSET, ERROR]);
    expect(await h.queries()).toEqual({ success: 1 });
    expect(assertExactNesting(h.spans())).toBe(h.spans().length - 1);
  });

  it("graph.withFallbacks([...]): the fallback that answered decides, and the trace keeps the graph's name", async () => {
    const h = harness();
    const primary = stepsGraph({
      validate_sql: traceNode("validation", async (_s, _c, report) => {
        report.validation(false, "unknown_column");
        report.outcome("failed");
        throw new Error("column users.nme does not exist");
      }),
    });
    const fallback = stepsGraph({ respond: traceNode("generation", async () => ({ answer: "fallback answer" })) });
    for (const [label, runnable, name] of [
      // (LangGraph's types do not see that two graphs of one state are interchangeable.)
      ["unnamed graphs", primary.withFallbacks([fallback as never]), "LangGraph"],
      ["named graphs", primary.withConfig({ runName: "text2query" }).withFallbacks([fallback.withConfig({ runName: "text2query" }) as never]), "text2query"],
    ] as const) {
      h.spans().length = 0;
      const out = await runnable.invoke({ question: "?" }, { callbacks: [h.tracer] });
      expect(out.answer, label).toBe("fallback answer");
      const root = h.root();
      expect(root.name, label).toBe(`invoke_workflow ${name}`);
      expect(root.attributes, label).toMatchObject({ "workflow.outcome": "success", "langfuse.trace.name": name, "gen_ai.workflow.name": name, "workflow.name": name });
      expect(root.attributes, label).not.toHaveProperty("workflow.validation.valid");
      expect(root.attributes, label).not.toHaveProperty("langfuse.observation.level");
      expect(h.spans().filter((s) => s.name !== root.name).every((s) => s.attributes["gen_ai.workflow.name"] === name), label).toBe(true);
    }
    expect(await h.queries()).toEqual({ success: 2 });
  });

  it("a run that names itself keeps its name whatever wraps it (runName on the invocation)", async () => {
    const h = harness({ workflowName: "default-name" });
    const graph = stepsGraph({ respond: async () => ({ answer: "ok" }) });
    await graph.withFallbacks([graph as never]).invoke({ question: "?" }, { callbacks: [h.tracer], runName: "support-bot" });
    expect(h.root().attributes).toMatchObject({ "langfuse.trace.name": "support-bot", "workflow.outcome": "success" });
  });

  describe("a sub-agent invoked with its own callbacks joins the enclosing run", () => {
    const Inner = Annotation.Root({ question: Annotation<string>(), answer: Annotation<string>() });
    const innerGraph = (model: ReturnType<OpenAiStreamServer["model"]>) =>
      new StateGraph(Inner)
        .addNode("research", async (s: typeof Inner.State, config: LangGraphRunnableConfig) => ({ answer: (await model.invoke([new HumanMessage(s.question)], config)).text }))
        .addEdge(START, "research")
        .addEdge("research", END)
        .compile({ name: "researcher" });

    it("inside a tool: one trace and one query per request, the sub-agent's spans under the tool's", async () => {
      const h = harness();
      const inner = innerGraph(llm.model());
      const ask = tool(async ({ question }: { question: string }) => (await inner.invoke({ question }, { callbacks: [h.tracer] })).answer, {
        name: "ask_researcher",
        description: "Ask the research agent",
        schema: z.object({ question: z.string() }),
      });
      const agent = new ToolCallingModel({ turns: () => ({ toolCalls: [{ name: "ask_researcher", args: { question: "Weather?" } }] }) });
      const Outer = Annotation.Root({ messages: Annotation<HumanMessage[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
      const outer = () =>
        new StateGraph(Outer)
          .addNode("agent", async (s: typeof Outer.State, config: LangGraphRunnableConfig) => ({ messages: [await agent.bindTools([ask]).invoke(s.messages, config)] as never }))
          .addNode("tools", new ToolNode([ask]))
          .addEdge(START, "agent")
          .addEdge("agent", "tools")
          .addEdge("tools", END)
          .compile();
      for (let i = 0; i < 3; i++) {
        await outer().invoke({ messages: [new HumanMessage("Weather?")] }, { callbacks: [h.tracer] });
      }
      const spans = h.spans();
      expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(3);
      expect(spans.filter((s) => s.attributes["gen_ai.operation.name"] === "invoke_workflow")).toHaveLength(3);
      expect(await h.queries()).toEqual({ success: 3 });
      for (const toolSpan of spans.filter((s) => s.name === "execute_tool ask_researcher")) {
        const below = spans.filter((s) => parentId(s) === toolSpan.spanContext().spanId);
        expect(below.map((s) => s.name)).toEqual(["researcher"]);
        expect(spans.filter((s) => parentId(s) === below[0]!.spanContext().spanId).map((s) => s.name)).toEqual(["research"]);
      }
      expect(assertExactNesting(spans)).toBe(spans.length - 3);
      expect(h.tracer.stats().activeRuns).toBe(0);
    });

    it("inside a plain node (no traceNode): the sub-agent is a child of the node, not a second workflow", async () => {
      const h = harness();
      const inner = innerGraph(llm.model());
      const graph = stepsGraph({ delegate: async (s) => ({ answer: (await inner.invoke({ question: s.question }, { callbacks: [h.tracer] })).answer }) });
      await graph.invoke({ question: "Weather?" }, { callbacks: [h.tracer], runName: "outer" });
      const root = h.root();
      expect(treeOf(h.spans(), root)).toBe("invoke_workflow outer\n  delegate\n    researcher\n      research\n        chat gpt-4o-mini\n");
      expect(await h.queries()).toEqual({ success: 1 });
    });

    it("with another tracer instance, or none, the enclosing run is not this tracer's: the inner run is its own workflow", async () => {
      const h = harness();
      const other = harness();
      const inner = innerGraph(llm.model());
      const graph = stepsGraph({ delegate: async (s) => ({ answer: (await inner.invoke({ question: s.question }, { callbacks: [other.tracer] })).answer }) });
      await graph.invoke({ question: "Weather?" }, { callbacks: [h.tracer], runName: "outer" });
      expect(await h.queries()).toEqual({ success: 1 });
      expect(await other.queries()).toEqual({ success: 1 });
    });
  });
});
