import { ChatPromptTemplate } from "@langchain/core/prompts";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, WorkflowTracer, type Telemetry, type TelemetryOptions, type WorkflowTracerOptions } from "../../src/index.js";
import { LoopbackReceiver, type WireSpan } from "../support/otlp-receiver.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

/**
 * What our Langfuse export sends, checked against what Langfuse's own server (langfuse/langfuse v4.16.0, the
 * release deploy/docker-compose.yml runs: worker/src/queues/otelIngestionQueue.ts,
 * packages/shared/src/server/otel/OtelIngestionProcessor.ts) reads.
 */
const LANGFUSE_TRACES = "/api/public/otel/v1/traces";
const keys = { publicKey: "pk-lf-test-1234", secretKey: "sk-lf-test-5678" };

const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[] } = { telemetry: [], receivers: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
});

async function langfuse(options: Partial<TelemetryOptions> = {}, tracerOptions: WorkflowTracerOptions = {}) {
  const receiver = await new LoopbackReceiver().start("ok");
  open.receivers.push(receiver);
  const memory = new InMemorySpanExporter();
  const telemetry = await setupTelemetry({ register: false, env: {}, log: () => undefined, langfuse: { ...keys, baseUrl: receiver.url, scores: false }, spanProcessors: [new SimpleSpanProcessor(memory)], ...options });
  open.telemetry.push(telemetry);
  const tracer = new WorkflowTracer({ tracerProvider: telemetry.tracerProvider, stages: { schema_context: "reasoning" }, ...tracerOptions });
  return { receiver, memory, telemetry, tracer, wire: () => receiver.spans(LANGFUSE_TRACES) };
}

const named = (spans: readonly WireSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

describe("the Langfuse export, as Langfuse's server reads it", () => {
  it("asks for the direct write path: x-langfuse-ingestion-version 4 on every request (the highest the server accepts)", async () => {
    const { receiver, telemetry, tracer } = await langfuse();
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    await telemetry.forceFlush();
    const requests = receiver.requests.filter((r) => r.path === LANGFUSE_TRACES);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.headers["x-langfuse-ingestion-version"]).toBe("4");
      // Attribution only: we never claim to be Langfuse's own SDK.
      expect(r.headers["x-langfuse-sdk-name"]).toBe("langgraph-telemetry");
    }
  });

  it("sends workflow attributes and node results as langfuse.observation.metadata.* keys with their types; other exporters keep workflow.*", async () => {
    const { memory, telemetry, tracer, wire } = await langfuse();
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    await telemetry.forceFlush();
    const spans = wire();
    const root = named(spans, "invoke_workflow LangGraph");
    expect(root.attributes).toMatchObject({ "langfuse.observation.metadata.workflow.outcome": "success", "langfuse.observation.metadata.workflow.intent": "sql_query" });
    const validate = spans.filter((s) => s.name === "validate_sql");
    expect(validate.map((s) => s.attributes["langfuse.observation.metadata.workflow.validation.valid"])).toEqual([false, true]);
    const generate = named(spans, "generate_sql");
    expect(generate.attributes["langfuse.observation.metadata.workflow.stage"]).toBe("generation");
    expect(generate.attributes["langfuse.observation.metadata.langgraph_node"]).toBe("generate_sql");
    expect(typeof generate.attributes["langfuse.observation.metadata.langgraph_step"]).toBe("number");
    // On the Langfuse wire only as metadata keys (no copy in Langfuse's catch-all attributes blob) …
    expect(spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith("workflow.") || k.startsWith("langgraph_"))).toEqual([]);
    // … while the same spans reach other exporters as they were made.
    const local = memory.getFinishedSpans().find((s) => s.name === "invoke_workflow LangGraph")!;
    expect(local.attributes["workflow.outcome"]).toBe("success");
    expect(Object.keys(local.attributes).some((k) => k.startsWith("langfuse.observation.metadata."))).toBe(false);
  });

  it("sends captured content once per span: Langfuse's own input/output keys, not their semconv copies", async () => {
    const { memory, telemetry, tracer, wire } = await langfuse({}, { captureContent: true });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    await telemetry.forceFlush();
    const spans = wire();
    const generation = spans.find((s) => s.attributes["langfuse.observation.type"] === "generation")!;
    expect(String(generation.attributes["langfuse.observation.input"])).toContain("How many orders per user?");
    expect(generation.attributes["langfuse.observation.output"]).toBeDefined();
    for (const key of ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "langfuse.trace.input", "langfuse.trace.output"]) {
      expect(spans.filter((s) => s.attributes[key] !== undefined).map((s) => s.name), key).toEqual([]);
    }
    const tools = spans.filter((s) => s.attributes["langfuse.observation.type"] === "tool");
    expect(tools.length).toBeGreaterThan(0);
    for (const t of tools) expect(t.attributes["langfuse.observation.input"], t.name).toBeDefined();
    const root = named(spans, "invoke_workflow LangGraph");
    expect(String(root.attributes["langfuse.observation.input"])).toContain("How many orders per user?");
    // An OTLP backend still gets the GenAI semantic-convention messages.
    const local = memory.getFinishedSpans().find((s) => s.attributes["langfuse.observation.type"] === "generation")!;
    expect(local.attributes["gen_ai.input.messages"]).toBeDefined();
    // Content bytes on the Langfuse wire: each captured text once.
    const bytes = (s: WireSpan) => Object.values(s.attributes).filter((v) => typeof v === "string").join("").length;
    const localGeneration = memory.getFinishedSpans().find((s) => s.spanContext().spanId === generation.spanId)!;
    const localBytes = Object.values(localGeneration.attributes).filter((v) => typeof v === "string").join("").length;
    expect(bytes(generation)).toBeLessThan(localBytes);
  });

  it("makes a workflow under an HTTP span Langfuse does not receive the trace's root on both ingestion paths", async () => {
    const { telemetry, tracer, wire } = await langfuse({ register: true });
    const http = telemetry.tracerProvider.getTracer("@opentelemetry/instrumentation-http").startSpan("POST /api/query", { kind: 1 });
    await context.with(trace.setSpan(context.active(), http), () => buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] }));
    http.end();
    await telemetry.forceFlush();
    const spans = wire();
    // Langfuse's span processor keeps the HTTP span out of Langfuse …
    expect(spans.filter((s) => s.name === "POST /api/query")).toEqual([]);
    const root = named(spans, "invoke_workflow LangGraph");
    expect(root.parentSpanId).toBe(http.spanContext().spanId);
    // … marks the workflow as the app root (the events path), and we add as_root (the legacy path reads only that).
    expect(root.attributes["langfuse.internal.is_app_root"]).toBe(true);
    expect(root.attributes["langfuse.internal.as_root"]).toBe(true);
    expect(spans.filter((s) => s.attributes["langfuse.internal.as_root"] !== undefined).map((s) => s.name)).toEqual(["invoke_workflow LangGraph"]);
  });

  it("links a generation to its Langfuse prompt with the version as an OTLP integer (a string version makes Langfuse drop the observation)", async () => {
    const { telemetry, tracer, wire } = await langfuse();
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "SELECT 1", inputTokens: 100, outputTokens: 5 }] });
    const template = ChatPromptTemplate.fromMessages([["human", "{question}"]]).withConfig({ metadata: { langfusePrompt: { name: "sql-gen", version: 12, isFallback: false } } });
    await template.pipe(model).invoke({ question: "Orders?" }, { callbacks: [tracer] });
    await telemetry.forceFlush();
    const generation = named(wire(), "chat gpt-4o");
    expect(generation.attributes["langfuse.observation.prompt.name"]).toBe("sql-gen");
    expect(generation.attributes["langfuse.observation.prompt.version"]).toBe(12);
    expect(generation.intAttributes).toContain("langfuse.observation.prompt.version");
  });
});
