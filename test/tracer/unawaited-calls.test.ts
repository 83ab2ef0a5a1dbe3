/**
 * Every billed call is counted: an LLM call a node does not await (fire-and-forget, or the loser of a latency
 * guard's `Promise.race`) keeps its span open until its own end arrives, in the same trace, marked as the one
 * kind of span allowed to end after its parent; its tokens and cost reach the span and the metrics. Work started
 * under a run that has ended joins that run's trace instead of starting a workflow of its own.
 */
import { HumanMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { calcPrice } from "@pydantic/genai-prices";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Workflow, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { hrMs, one, parentId, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { stepsGraph } from "../support/steps-graph.js";
import { until } from "../support/wait.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = (what: string, ok: () => boolean, timeoutMs?: number) => until(what, () => (ok() ? true : undefined), timeoutMs);

/** gpt-4o-mini's price of 1,000 input and 500 output tokens, by the catalogue's own calculation. */
const PRICE = calcPrice({ input_tokens: 1000, output_tokens: 500 }, "gpt-4o-mini", { providerId: "openai" })!.total_price;

describe("LLM calls a node does not await", () => {
  let otel: ReturnType<typeof setupOtel>;
  let registry: Registry;
  let metrics: WorkflowMetrics;
  let tracer: WorkflowTracer;
  beforeEach(() => {
    otel = setupOtel();
    registry = new Registry();
    metrics = new WorkflowMetrics({ registry });
    tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics });
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  const slowModel = (delayMs: number) => new ScriptedChatModel({ model: "gpt-4o-mini", replies: [{ content: "late answer", inputTokens: 1000, outputTokens: 500, delayMs }] });

  /** The call's span once it ended, and the checks every case shares: same trace, under its node, counted once. */
  async function settledCall(node: string, via?: string) {
    await waitFor("the call's span", () => otel.spans().some((s) => s.name === "chat gpt-4o-mini"));
    const spans = otel.spans();
    const root = one(spans, "invoke_workflow LangGraph");
    const nodeSpan = one(spans, node);
    const call = one(spans, "chat gpt-4o-mini");
    expect(call.spanContext().traceId).toBe(root.spanContext().traceId);
    // Under its node (through the chain it ran in, if any).
    const late = via === undefined ? [call] : [one(spans, via), call];
    expect(parentId(late[0]!)).toBe(nodeSpan.spanContext().spanId);
    if (late.length > 1) expect(parentId(call)).toBe(late[0]!.spanContext().spanId);
    // It ended after its node and its workflow, and the span that did says so; nothing else does (a call inside
    // a late chain nests in that chain exactly).
    expect(hrMs(call.endTime)).toBeGreaterThan(hrMs(nodeSpan.endTime));
    expect(hrMs(call.endTime)).toBeGreaterThan(hrMs(root.endTime));
    expect(late[0]!.attributes[Workflow.ENDS_AFTER_PARENT]).toBe(true);
    for (const s of spans) if (s !== late[0]) expect(s.attributes[Workflow.ENDS_AFTER_PARENT], s.name).toBeUndefined();
    // What it used and cost is on its span and in the metrics: the provider billed it.
    expect(call.attributes["gen_ai.usage.input_tokens"]).toBe(1000);
    expect(call.attributes["gen_ai.usage.output_tokens"]).toBe(500);
    expect(call.attributes[Workflow.COST_USD]).toBeCloseTo(PRICE, 15);
    expect(call.attributes["workflow.abandoned"]).toBeUndefined();
    const m = await Scrape.of(registry);
    expect(m.sum("langgraph_llm_calls_total")).toBe(1);
    expect(m.sum("langgraph_llm_cost_dollars_total")).toBeCloseTo(PRICE, 15);
    expect(m.sum("langgraph_llm_tokens_total")).toBe(1500);
    // One workflow, one query: the late call started no trace of its own.
    expect(spans.filter((s) => parentId(s) === undefined)).toHaveLength(1);
    expect(m.sum("langgraph_queries_total")).toBe(1);
    expect(m.value("langgraph_active_queries")).toBe(0);
    await waitFor("no run in flight", () => tracer.stats().activeRuns === 0);
    return call;
  }

  it("fire-and-forget (`void model.invoke(q, config)`): the call's span stays open until it ends, then carries its tokens and cost", async () => {
    const model = slowModel(60);
    const graph = stepsGraph({
      notify: (_state, config) => {
        void model.invoke([new HumanMessage("summarise for the audit log")], config);
        return { answer: "sent" };
      },
      reply: () => ({ answer: "done" }),
    });
    const result = await graph.invoke({ question: "q" }, { callbacks: [tracer] });
    expect(result.answer).toBe("done");
    // The workflow ended first, with its call still going.
    expect(otel.spans().map((s) => s.name)).toContain("invoke_workflow LangGraph");
    expect(otel.spans().map((s) => s.name)).not.toContain("chat gpt-4o-mini");
    expect(tracer.stats().activeRuns).toBe(1);
    await settledCall("notify");
  });

  it("a latency guard (`Promise.race([model.invoke(q, config), timeout])`): the losing call is still counted when it ends", async () => {
    const model = slowModel(80);
    const graph = stepsGraph({
      guarded: async (_state, config) => {
        const answer = await Promise.race([model.invoke([new HumanMessage("q")], config).then((m) => String(m.content)), sleep(10).then(() => "fallback")]);
        return { answer };
      },
    });
    const result = await graph.invoke({ question: "q" }, { callbacks: [tracer] });
    expect(result.answer).toBe("fallback");
    await settledCall("guarded");
  });

  it("a chain started after its node returned joins the node's trace, and is not a second workflow", async () => {
    const model = slowModel(5);
    const chain = ChatPromptTemplate.fromMessages([["human", "{question}"]]).pipe(model);
    const graph = stepsGraph({
      later: (state, config) => {
        // Started on a later turn of the event loop, when LangGraph has ended the node.
        setTimeout(() => void chain.invoke({ question: state.question }, config), 5);
        return { answer: "queued" };
      },
    });
    await graph.invoke({ question: "q" }, { callbacks: [tracer] });
    const call = await settledCall("later", "RunnableSequence");
    expect(call.attributes["langgraph_node"]).toBe("later");
  });

  it("a call that never ends is ended by the run TTL, as abandoned, its run freed", async () => {
    tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics, runTtlMs: 40 });
    const never = new ScriptedChatModel({ model: "gpt-4o-mini", replies: [{ content: "", delayMs: 10_000 }] });
    const graph = stepsGraph({
      hang: (_state, config) => {
        void never.invoke([new HumanMessage("q")], config).catch(() => undefined);
        return { answer: "ok" };
      },
    });
    await graph.invoke({ question: "q" }, { callbacks: [tracer] });
    await waitFor("the reaped call's span", () => otel.spans().some((s) => s.name === "chat gpt-4o-mini"), 2000);
    const call = one(otel.spans(), "chat gpt-4o-mini");
    expect(call.attributes["workflow.abandoned"]).toBe(true);
    expect(call.attributes[Workflow.ENDS_AFTER_PARENT]).toBe(true);
    expect(tracer.stats().activeRuns).toBe(0);
    expect(tracer.stats().reapedRuns).toBe(1);
  });

  it("everything awaited still nests exactly: no span of an awaited run is marked or ends after its parent", async () => {
    const model = slowModel(1);
    const graph = stepsGraph({
      ask: async (_state, config) => ({ answer: String((await model.invoke([new HumanMessage("q")], config)).content) }),
    });
    await graph.invoke({ question: "q" }, { callbacks: [tracer] });
    const spans = otel.spans();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    for (const s of spans) {
      expect(s.attributes[Workflow.ENDS_AFTER_PARENT]).toBeUndefined();
      const parent = byId.get(parentId(s) ?? "");
      if (parent === undefined) continue;
      expect(hrMs(s.startTime)).toBeGreaterThanOrEqual(hrMs(parent.startTime));
      expect(hrMs(s.endTime)).toBeLessThanOrEqual(hrMs(parent.endTime));
    }
    expect(one(spans, "chat gpt-4o-mini").attributes[Workflow.COST_USD]).toBeCloseTo(PRICE, 15);
  });
});
