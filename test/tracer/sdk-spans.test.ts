import { context, trace } from "@opentelemetry/api";
import { tool } from "@langchain/core/tools";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { traceNode, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { hrMs, one, parentId, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { askStep, stepsGraph, type StepState } from "../support/steps-graph.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const model = (...answers: string[]) => new ScriptedChatModel({ model: "gpt-4o-mini", replies: answers.map((content) => ({ content })) });

/**
 * Our spans live in the SDK like anyone else's: started when their run starts, ended when it ends. What a
 * user relies on: times as they happened, parents, a span of their own inside a node parented on it, span
 * processors seeing parents around children, and the provider's forceFlush() seeing every ended span.
 */
describe("spans in the SDK as their runs happen", () => {
  let otel: ReturnType<typeof setupOtel>;
  let tracer: WorkflowTracer;
  beforeEach(() => {
    otel = setupOtel();
    tracer = new WorkflowTracer({ tracerProvider: otel.provider });
  });
  afterEach(async () => {
    await otel.shutdown();
  });
  const run = (graph: ReturnType<typeof stepsGraph>, callbacks: unknown[] = [tracer]) =>
    graph.invoke({ question: "?" }, { callbacks: callbacks as never, runName: "wf" });

  it("keeps the times of what happened: a node that waits 60 ms lasts 60 ms and sits inside its workflow", async () => {
    await run(
      stepsGraph({
        think: async () => {
          await sleep(60);
          return { answer: "42" };
        },
        respond: () => ({ answer: "42!" }),
      }),
    );
    const spans = otel.spans();
    const root = one(spans, "invoke_workflow wf");
    const think = one(spans, "think");
    const respond = one(spans, "respond");
    const ms = (s: ReadableSpan) => hrMs(s.endTime) - hrMs(s.startTime);
    expect(ms(think)).toBeGreaterThanOrEqual(59);
    expect(ms(think)).toBeLessThan(1000);
    expect(hrMs(think.startTime)).toBeGreaterThanOrEqual(hrMs(root.startTime));
    expect(hrMs(respond.startTime)).toBeGreaterThanOrEqual(hrMs(think.endTime));
    expect(hrMs(respond.endTime)).toBeLessThanOrEqual(hrMs(root.endTime));
    expect(parentId(think)).toBe(root.spanContext().spanId);
    expect(think.spanContext().traceId).toBe(root.spanContext().traceId);
  });

  it("parents a span the node starts itself, and a log line's ids, on the node's span (traceNode)", async () => {
    const own = otel.provider.getTracer("db-client");
    let seenInside: { traceId: string; spanId: string } | undefined;
    await run(
      stepsGraph({
        execute_sql: traceNode("execution", async () => {
          seenInside = trace.getSpan(context.active())?.spanContext();
          const query = own.startSpan("SELECT orders");
          await sleep(5);
          query.end();
          return { answer: "3 rows" };
        }),
      }),
    );
    const spans = otel.spans();
    const node = one(spans, "execute_sql");
    const query = one(spans, "SELECT orders");
    expect(parentId(query)).toBe(node.spanContext().spanId);
    expect(query.spanContext().traceId).toBe(one(spans, "invoke_workflow wf").spanContext().traceId);
    expect(seenInside).toEqual(expect.objectContaining({ traceId: node.spanContext().traceId, spanId: node.spanContext().spanId }));
  });

  it("puts every span in the SDK when its run ends: the exporter has a node's spans before the workflow ends", async () => {
    const llm = model("plan", "done");
    let exportedDuringRun: string[] = [];
    await run(
      stepsGraph({
        plan: askStep(llm, "plan it"),
        report: async (state, config) => {
          exportedDuringRun = otel.spans().map((s) => s.name);
          return askStep(llm, "report")(state, config);
        },
      }),
    );
    expect(exportedDuringRun.sort()).toEqual(["chat gpt-4o-mini", "plan"]);
    expect(otel.spans()).toHaveLength(5);
    expect(tracer.stats()).toMatchObject({ internalErrors: 0, activeRuns: 0 });
  });

  it("lets the provider's own forceFlush() send every ended span of a running workflow, with a batching processor", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })] });
    const own = new WorkflowTracer({ tracerProvider: provider });
    let flushedDuringRun: string[] = [];
    await run(
      stepsGraph({
        plan: askStep(model("plan"), "plan it"),
        work: async () => {
          await provider.forceFlush();
          flushedDuringRun = exporter.getFinishedSpans().map((s) => s.name);
          return { answer: "worked" };
        },
      }),
      [own],
    );
    expect(flushedDuringRun.sort()).toEqual(["chat gpt-4o-mini", "plan"]);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(4);
    await provider.shutdown();
  });

  it("keeps a huge run whole and exports each call as it ends: 1,200 tool calls in one node", async () => {
    const lookup = tool(async ({ id }: { id: number }) => `row ${id}`, { name: "lookup", description: "Look a row up.", schema: z.object({ id: z.number() }) });
    let exportedDuringRun = 0;
    await run(
      stepsGraph({
        fetch: async (_s, config) => {
          for (let id = 0; id < 1200; id++) await lookup.invoke({ id }, config);
          exportedDuringRun = otel.spans().length;
          return { answer: "fetched" };
        },
      }),
    );
    expect(exportedDuringRun).toBe(1200);
    const spans = otel.spans();
    expect(spans.filter((s) => s.name === "execute_tool lookup")).toHaveLength(1200);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    const fetch = one(spans, "fetch");
    expect(spans.filter((s) => parentId(s) === fetch.spanContext().spanId)).toHaveLength(1200);
  });

  it("keeps an error's exception event and status on a node span, at the time it happened", async () => {
    const failing = stepsGraph({
      validate: async () => {
        await sleep(20);
        throw new Error("column users.nme does not exist");
      },
    });
    await expect(run(failing)).rejects.toThrow("nme");
    const node = one(otel.spans(), "validate");
    expect(node.status).toMatchObject({ code: 2, message: "column users.nme does not exist" });
    const event = node.events.find((e) => e.name === "exception");
    expect(event?.attributes?.["exception.message"]).toBe("column users.nme does not exist");
    expect(hrMs(event!.time)).toBeGreaterThanOrEqual(hrMs(node.startTime) + 19);
    expect(hrMs(event!.time)).toBeLessThanOrEqual(hrMs(node.endTime));
  });

  it("shows span processors every start before its children's and every end after its children's", async () => {
    const events: string[] = [];
    const recorder: SpanProcessor = {
      onStart: (span) => void events.push(`start ${span.name}`),
      onEnd: (span) => void events.push(`end ${span.name}`),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const provider = new BasicTracerProvider({ spanProcessors: [recorder] });
    const llm = model("a", "b");
    await run(
      stepsGraph({
        first: askStep(llm, "one"),
        second: traceNode("generation", (state: typeof StepState.State, config) => askStep(llm, "two")(state, config)),
      }),
      [new WorkflowTracer({ tracerProvider: provider })],
    );
    const at = (e: string, nth = 0) => {
      const i = events.map((x, k) => (x === e ? k : -1)).filter((k) => k >= 0)[nth];
      expect(i, `${e} #${nth} in ${events.join(", ")}`).toBeDefined();
      return i as number;
    };
    expect(events).toHaveLength(10);
    for (const [nth, node] of ["first", "second"].entries()) {
      expect(at(`start ${node}`)).toBeGreaterThan(at("start invoke_workflow wf"));
      expect(at(`end ${node}`)).toBeLessThan(at("end invoke_workflow wf"));
      // Each node's LLM call starts after its node and ends before it.
      expect(at("start chat gpt-4o-mini", nth)).toBeGreaterThan(at(`start ${node}`));
      expect(at("end chat gpt-4o-mini", nth)).toBeLessThan(at(`end ${node}`));
    }
    await provider.shutdown();
  });

  it("leaves an invocation untraced, whole and uncounted, when a span processor throws on its root's start", async () => {
    const registry = new Registry();
    const throwing: SpanProcessor = {
      onStart: (span) => {
        if (span.name.startsWith("invoke_workflow")) throw new Error("processor bug");
      },
      onEnd: () => {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [throwing, new SimpleSpanProcessor(exporter)] });
    const own = new WorkflowTracer({ tracerProvider: provider, metrics: new WorkflowMetrics({ registry }) });
    const result = await run(stepsGraph({ ask: askStep(model("a"), "q"), after: () => ({ answer: "after" }) }), [own]);
    expect(result.answer).toBe("after");
    // No node or LLM call became a root of its own trace.
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(own.stats()).toMatchObject({ activeRuns: 0, internalErrors: 1 });
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_active_queries")).toBe(0);
    await provider.shutdown();
  });

  it("ends the root and the rest of the run when a span processor throws, counts it, and leaves the result alone", async () => {
    const exporter = new InMemorySpanExporter();
    const throwing: SpanProcessor = {
      onStart: () => {},
      onEnd: (span) => {
        if (span.name.startsWith("chat")) throw new Error("processor bug");
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), throwing] });
    const own = new WorkflowTracer({ tracerProvider: provider });
    const result = await run(stepsGraph({ ask: askStep(model("a"), "q"), after: () => ({ answer: "after" }) }), [own]);
    expect(result.answer).toBe("after");
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual(["after", "ask", "chat gpt-4o-mini", "invoke_workflow wf"]);
    expect(own.stats().internalErrors).toBeGreaterThanOrEqual(1);
    expect(own.stats().activeRuns).toBe(0);
    await provider.shutdown();
  });
});
