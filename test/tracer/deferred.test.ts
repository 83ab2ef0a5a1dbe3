import { context, trace } from "@opentelemetry/api";
import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { traceNode, WorkflowTracer } from "../../src/index.js";
import { hrMs, one, parentId, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const State = Annotation.Root({ question: Annotation<string>(), answer: Annotation<string>() });

/**
 * The spans below a workflow's root are handed to the SDK in batches (src/tracer/deferred-span.ts). What a
 * user relies on must not change: times as they happened, parents, a span of their own inside a node parented
 * on it, and spans of a long run reaching the exporter while it is still running.
 */
describe("spans below the root, handed to the SDK in batches", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("keeps the times of what happened: a node that waits 60 ms lasts 60 ms and sits inside its workflow", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const graph = new StateGraph(State)
      .addNode("think", async () => {
        await sleep(60);
        return { answer: "42" };
      })
      .addNode("respond", async () => ({ answer: "42!" }))
      .addEdge(START, "think")
      .addEdge("think", "respond")
      .addEdge("respond", END)
      .compile();
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" });
    const spans = otel.spans();
    const root = one(spans, "invoke_workflow wf");
    const think = one(spans, "think");
    const respond = one(spans, "respond");
    const ms = (s: typeof root) => hrMs(s.endTime) - hrMs(s.startTime);
    expect(ms(think)).toBeGreaterThanOrEqual(59);
    expect(ms(think)).toBeLessThan(1000);
    expect(hrMs(think.startTime)).toBeGreaterThanOrEqual(hrMs(root.startTime));
    expect(hrMs(respond.startTime)).toBeGreaterThanOrEqual(hrMs(think.endTime));
    expect(hrMs(respond.endTime)).toBeLessThanOrEqual(hrMs(root.endTime));
    expect(parentId(think)).toBe(root.spanContext().spanId);
    expect(think.spanContext().traceId).toBe(root.spanContext().traceId);
  });

  it("parents a span the node starts itself, and a log line's ids, on the node's span (traceNode)", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const own = otel.provider.getTracer("db-client");
    let seenInside: { traceId: string; spanId: string } | undefined;
    const graph = new StateGraph(State)
      .addNode(
        "execute_sql",
        traceNode("execution", async () => {
          seenInside = trace.getSpan(context.active())?.spanContext();
          const query = own.startSpan("SELECT orders");
          await sleep(5);
          query.end();
          return { answer: "3 rows" };
        }),
      )
      .addEdge(START, "execute_sql")
      .addEdge("execute_sql", END)
      .compile();
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" });
    const spans = otel.spans();
    const node = one(spans, "execute_sql");
    const query = one(spans, "SELECT orders");
    expect(parentId(query)).toBe(node.spanContext().spanId);
    expect(query.spanContext().traceId).toBe(one(spans, "invoke_workflow wf").spanContext().traceId);
    expect(seenInside).toEqual(expect.objectContaining({ traceId: node.spanContext().traceId, spanId: node.spanContext().spanId }));
  });

  it("exports the spans of a long run while it runs: an LLM call is in the exporter a second later, before the run ends", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o-mini", replies: [{ content: "plan" }, { content: "done" }] });
    let exportedDuringRun: string[] = [];
    const graph = new StateGraph(State)
      .addNode("plan", async (_s, config) => {
        await model.invoke([new HumanMessage("plan it")], config);
        return { answer: "plan" };
      })
      .addNode("work", async () => {
        await sleep(1100);
        return { answer: "worked" };
      })
      .addNode("report", async (_s, config) => {
        exportedDuringRun = otel.spans().map((s) => s.name);
        await model.invoke([new HumanMessage("report")], config);
        return { answer: "done" };
      })
      .addEdge(START, "plan")
      .addEdge("plan", "work")
      .addEdge("work", "report")
      .addEdge("report", END)
      .compile();
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" });
    // `work` ended more than a second after the first span of the run ended: the batch went to the SDK then.
    expect(exportedDuringRun).toEqual(expect.arrayContaining(["chat gpt-4o-mini", "plan", "work"]));
    expect(exportedDuringRun).not.toContain("invoke_workflow wf");
    const spans = otel.spans();
    expect(spans.filter((s) => s.name === "chat gpt-4o-mini")).toHaveLength(2);
    expect(spans).toHaveLength(6);
    expect(tracer.stats()).toMatchObject({ internalErrors: 0, activeRuns: 0 });
  });

  it("hands a huge run to the SDK in bounded batches and loses none of it: 1,200 tool calls in one node", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const lookup = tool(async ({ id }: { id: number }) => `row ${id}`, { name: "lookup", description: "Look a row up.", schema: z.object({ id: z.number() }) });
    let exportedDuringRun = 0;
    const graph = new StateGraph(State)
      .addNode("fetch", async (_s, config) => {
        for (let id = 0; id < 1200; id++) await lookup.invoke({ id }, config);
        exportedDuringRun = otel.spans().length;
        return { answer: "fetched" };
      })
      .addEdge(START, "fetch")
      .addEdge("fetch", END)
      .compile();
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" });
    // Batches of at most 512 spans: two went to the SDK during the node (1,024 of the 1,201 recorded by then).
    expect(exportedDuringRun).toBeGreaterThanOrEqual(1000);
    expect(exportedDuringRun).toBeLessThan(1200);
    const spans = otel.spans();
    expect(spans.filter((s) => s.name === "execute_tool lookup")).toHaveLength(1200);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    const fetch = one(spans, "fetch");
    expect(spans.filter((s) => parentId(s) === fetch.spanContext().spanId)).toHaveLength(1200);
  });

  it("keeps an error's exception event and status on a node span, at the time it happened", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const graph = new StateGraph(State)
      .addNode("validate", async () => {
        await sleep(20);
        throw new Error("column users.nme does not exist");
      })
      .addEdge(START, "validate")
      .addEdge("validate", END)
      .compile();
    await expect(graph.invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" })).rejects.toThrow("nme");
    const node = one(otel.spans(), "validate");
    expect(node.status).toMatchObject({ code: 2, message: "column users.nme does not exist" });
    const event = node.events.find((e) => e.name === "exception");
    expect(event?.attributes?.["exception.message"]).toBe("column users.nme does not exist");
    expect(hrMs(event!.time)).toBeGreaterThanOrEqual(hrMs(node.startTime) + 19);
    expect(hrMs(event!.time)).toBeLessThanOrEqual(hrMs(node.endTime));
  });
});
