import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import type { TracerProvider } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { WorkflowTracer } from "../../src/index.js";
import { one, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

const ERROR = 2; // SpanStatusCode.ERROR

describe("errors and garbage", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("marks a failing node and its ancestors ERROR with an exception event, and rethrows the same error object", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    const boom = new QuotaError("quota exceeded for tenant acme");
    const caught = await buildText2QueryGraph({ failIn: { node: "generate_sql", error: boom } })
      .invoke({ question: "orders?" }, { callbacks: [tracer] })
      .catch((e: unknown) => e);
    expect(caught).toBe(boom);

    const spans = otel.spans();
    const node = one(spans, "generate_sql");
    expect(node.status).toEqual({ code: ERROR, message: "quota exceeded for tenant acme" });
    expect(node.attributes).toMatchObject({ "error.type": "QuotaError", "langfuse.observation.level": "ERROR", "langfuse.observation.status_message": "quota exceeded for tenant acme" });
    const exception = node.events.find((e) => e.name === "exception");
    expect(exception?.attributes?.["exception.type"]).toBe("QuotaError");
    expect(exception?.attributes?.["exception.message"]).toBe("quota exceeded for tenant acme");

    const root = one(spans, "invoke_workflow LangGraph");
    expect(root.status.code).toBe(ERROR);
    expect(root.attributes["workflow.outcome"]).toBe("error");
    expect(tracer.stats().activeRuns).toBe(0);
  });

  it("marks a failing LLM call ERROR with its error type, and the workflow sees the provider's error", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const rateLimit = Object.assign(new Error("429 Too Many Requests"), { name: "RateLimitError" });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "", error: rateLimit }] });
    await expect(model.invoke([new HumanMessage("hi")], { callbacks: [tracer] })).rejects.toBe(rateLimit);
    const span = one(otel.spans(), "chat gpt-4o");
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes["error.type"]).toBe("RateLimitError");
    expect(tracer.stats().activeRuns).toBe(0);
  });

  it("keeps a key echoed in a provider error out of the span: status, status_message, exception message and stack; then runs redact on them", async () => {
    const key = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f";
    const seen: Array<{ field: string; runType: string; name: string }> = [];
    const tracer = new WorkflowTracer({
      tracerProvider: otel.provider,
      redact: (text, info) => (seen.push({ field: info.field, runType: info.runType, name: info.name }), text.replace(/acme/g, "[tenant]")),
    });
    const refused = Object.assign(new Error(`401 Incorrect API key provided: ${key} for tenant acme`), { name: "AuthenticationError" });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "", error: refused }] });
    await expect(model.invoke([new HumanMessage("hi")], { callbacks: [tracer] })).rejects.toBe(refused);
    expect(refused.message).toContain(key); // the user's error object is untouched

    const span = one(otel.spans(), "chat gpt-4o");
    const expected = "401 Incorrect API key provided: [redacted] for tenant [tenant]";
    expect(span.status).toEqual({ code: ERROR, message: expected });
    expect(span.attributes["langfuse.observation.status_message"]).toBe(expected);
    const exception = span.events.find((e) => e.name === "exception")!;
    expect(exception.attributes?.["exception.message"]).toBe(expected);
    expect(String(exception.attributes?.["exception.stacktrace"])).toMatch(/^AuthenticationError: 401 Incorrect API key provided: \[redacted\] for tenant \[tenant\]\n\s+at /);
    expect(JSON.stringify([span.status, span.attributes, span.events])).not.toContain(key.slice(8));
    expect(seen).toEqual([
      { field: "error", runType: "llm", name: "gpt-4o" },
      { field: "error", runType: "llm", name: "gpt-4o" },
    ]);
  });

  it("marks a failing tool ERROR", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const broken = tool(async () => {
      throw new Error("connection reset");
    }, { name: "run_sql", description: "run", schema: z.object({ sql: z.string() }) });
    await expect(broken.invoke({ sql: "SELECT 1" }, { callbacks: [tracer] })).rejects.toThrow("connection reset");
    const span = one(otel.spans(), "execute_tool run_sql");
    expect(span.status.code).toBe(ERROR);
    expect(tracer.stats().activeRuns).toBe(0);
  });

  // interrupt() with a checkpointer, and the resume: test/tracer/langgraph-features.test.ts.

  it("never throws on garbage fed straight to the handler: unknown run ids, undefined outputs, cyclic metadata", () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const cyclic: Record<string, unknown> = { user_id: "u" };
    cyclic.self = cyclic;
    const h = tracer as unknown as Record<string, (...args: unknown[]) => unknown>;
    const calls: Array<[string, unknown[]]> = [
      ["handleChainEnd", [undefined, "no-such-run"]],
      ["handleChainError", [undefined, "no-such-run"]],
      ["handleLLMEnd", [undefined, "no-such-run"]],
      ["handleLLMError", [null, "no-such-run"]],
      ["handleToolEnd", [undefined, "no-such-run"]],
      ["handleRetrieverEnd", [undefined, "no-such-run"]],
      ["handleLLMNewToken", ["tok", undefined, "no-such-run"]],
      ["handleChainStart", [null, cyclic, "r1", undefined, "not-an-array", cyclic, undefined, 42]],
      ["handleChainStart", [{ id: "not-an-array" }, undefined, "r2", "r1", undefined, { langgraph_node: {} }]],
      ["handleChatModelStart", [null, "not-messages", "r3", "r2", { invocation_params: cyclic }, undefined, cyclic]],
      ["handleLLMNewToken", [undefined, undefined, "r3", undefined, undefined, { chunk: cyclic }]],
      ["handleLLMEnd", [{ generations: "nope" }, "r3"]],
      ["handleLLMEnd", [{ generations: [[{ message: { usage_metadata: { input_tokens: "many" } } }]] }, "r3"]],
      ["handleToolStart", [undefined, undefined, "r4", "r2"]],
      ["handleToolEnd", [cyclic, "r4"]],
      ["handleRetrieverStart", [{}, {}, "r5", "r2"]],
      ["handleRetrieverEnd", ["not-docs", "r5"]],
      ["handleChainEnd", [cyclic, "r2"]],
      ["handleChainError", [{ weird: true }, "r1"]],
      ["handleChainEnd", [undefined, "r1"]],
    ];
    for (const [method, args] of calls) expect(() => h[method]!(...args), method).not.toThrow();
    expect(tracer.stats().activeRuns).toBe(0);
    // Spans were still produced for the well-formed parts.
    expect(otel.spans().length).toBeGreaterThanOrEqual(3);
  });

  it("swallows and counts its own failures (a broken tracer provider) without touching the workflow's result", async () => {
    const broken: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error("exporter misconfigured");
        },
        startActiveSpan: () => {
          throw new Error("exporter misconfigured");
        },
      }),
    };
    const tracer = new WorkflowTracer({ tracerProvider: broken });
    const bare = await buildText2QueryGraph().invoke({ question: "How many orders per user?" });
    const traced = await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    expect(traced).toEqual(bare);
    expect(tracer.stats().internalErrors).toBeGreaterThan(0);
  });

  it("keeps a failing node's state out of the table when a streamed run errors", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: (m) => (String(m[0]?.content).startsWith("[plan]") ? { content: "", error: new Error("stream broke") } : text2queryReplies(m)) });
    const stream = await buildText2QueryGraph({ model }).stream({ question: "orders?" }, { callbacks: [tracer], streamMode: "updates" });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // consume
        }
      })(),
    ).rejects.toThrow("stream broke");
    expect(tracer.stats().activeRuns).toBe(0);
    const chats = otel.spans().filter((s) => s.name === "chat gpt-4o");
    expect(chats.map((s) => [s.attributes["langgraph_node"], s.status.code])).toEqual([["classify_intent", 0], ["plan_query", ERROR]]);
    expect(otel.spans().filter((s) => s.status.code === ERROR).map((s) => s.name).sort()).toEqual(["schema_context", "chat gpt-4o", "invoke_workflow LangGraph", "plan_query", "schema_context"].sort());
  });
});
