import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, WorkflowMetrics, WorkflowTracer, type Telemetry, type TelemetryOptions } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { LoopbackReceiver, type WireSpan } from "../support/otlp-receiver.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { askStep, stepsGraph } from "../support/steps-graph.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

const LANGFUSE_TRACES = "/api/public/otel/v1/traces";
const keys = { publicKey: "pk-lf-test-1234", secretKey: "sk-lf-test-5678" };

/** Each test's telemetry, receivers and log lines, torn down after it. */
const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[] } = { telemetry: [], receivers: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
});

async function receiver(mode: "ok" | "fail" | "hang" = "ok") {
  const r = await new LoopbackReceiver().start(mode);
  open.receivers.push(r);
  return r;
}

async function telemetry(options: TelemetryOptions) {
  const memory = new InMemorySpanExporter();
  const logs: string[] = [];
  const registry = new Registry();
  const metrics = new WorkflowMetrics({ registry });
  const t = await setupTelemetry({ register: false, env: {}, metrics, log: (m) => logs.push(m), spanProcessors: [new SimpleSpanProcessor(memory)], ...options });
  open.telemetry.push(t);
  const tracer = new WorkflowTracer({ tracerProvider: t.tracerProvider, metrics, stages: { schema_context: "reasoning" } });
  return { telemetry: t, tracer, memory, logs, registry, metrics };
}

const byName = (spans: readonly WireSpan[], name: string) => spans.filter((s) => s.name === name);
const idsOf = (spans: readonly ReadableSpan[]) => spans.map((s) => s.spanContext().spanId).sort();

describe("setupTelemetry → Langfuse (loopback server on Langfuse's ingestion paths)", () => {
  it("sends every span of a run as Langfuse OTLP with Basic auth: generations with model, usage and cost; trace name, user, session, tags", async () => {
    const langfuse = await receiver();
    const { telemetry: t, tracer, memory } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url }, serviceName: "text2query", serviceVersion: "1.4.2", environment: "staging" });
    await buildText2QueryGraph().invoke(
      { question: "How many orders per user?" },
      { callbacks: [tracer], runName: "text2query", metadata: { user_id: "u-42", session_id: "s-7" }, tags: ["prod", "eu"] },
    );
    await t.forceFlush();

    const requests = langfuse.requests.filter((r) => r.path === LANGFUSE_TRACES);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.method).toBe("POST");
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${keys.publicKey}:${keys.secretKey}`).toString("base64")}`);
      expect(r.headers["x-langfuse-public-key"]).toBe(keys.publicKey);
    }
    const wire = langfuse.spans(LANGFUSE_TRACES);
    // Langfuse's processor filters what it exports; every one of our spans passes.
    expect(wire.map((s) => s.spanId).sort()).toEqual(idsOf(memory.getFinishedSpans()));
    expect(wire).toHaveLength(17);

    const root = byName(wire, "invoke_workflow text2query")[0]!;
    expect(root.attributes).toMatchObject({ "langfuse.trace.name": "text2query", "user.id": "u-42", "session.id": "s-7", "langfuse.environment": "staging", "langfuse.release": "1.4.2" });
    expect(root.attributes["langfuse.trace.tags"]).toEqual(["prod", "eu"]);
    expect(root.resource).toMatchObject({ "service.name": "text2query", "service.version": "1.4.2", "deployment.environment.name": "staging" });

    const generations = byName(wire, "chat gpt-4o");
    expect(generations).toHaveLength(4);
    // (Langfuse receives our attributes as metadata keys.)
    const intent = generations.find((g) => g.attributes["langfuse.observation.metadata.langgraph_node"] === "classify_intent")!;
    expect(intent.attributes).toMatchObject({ "langfuse.observation.type": "generation", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 210, "gen_ai.usage.output_tokens": 4 });
    expect(JSON.parse(String(intent.attributes["langfuse.observation.usage_details"]))).toMatchObject({ input: 210, output: 4 });
    expect(JSON.parse(String(intent.attributes["langfuse.observation.cost_details"]))).toEqual({ input: (210 * 2.5) / 1e6, output: (4 * 10) / 1e6, total: (210 * 2.5 + 4 * 10) / 1e6 });
    expect(intent.traceId).toBe(root.traceId);
    expect(t.stats().langfuse).toEqual({ sent: 17, dropped: 0, queued: 0 });
  });

  it("sends node results as Langfuse scores on the right trace: query_valid and confidence on the trace, user scores on their observation", async () => {
    const langfuse = await receiver();
    const { telemetry: t, tracer } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url } });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    await buildText2QueryGraph().invoke({ question: "Tell me a joke" }, { callbacks: [tracer] });
    await t.forceFlush();

    const wire = langfuse.spans(LANGFUSE_TRACES);
    const roots = wire.filter((s) => s.attributes["gen_ai.operation.name"] === "invoke_workflow");
    expect(roots).toHaveLength(2);
    const intentOf = (r: WireSpan) => r.attributes["langfuse.observation.metadata.workflow.intent"];
    const [answered, joke] = [roots.find((r) => intentOf(r) === "sql_query")!, roots.find((r) => intentOf(r) === "out_of_scope")!];
    const execute = wire.find((s) => s.name === "execute_sql")!;

    const events = langfuse.ingestionEvents();
    expect(events.every((e) => e.type === "score-create")).toBe(true);
    const scores = events.map((e) => e.body).map(({ traceId, observationId, name, value, dataType }) => ({ traceId, observationId, name, value, dataType }));
    expect(scores).toEqual(
      expect.arrayContaining([
        { traceId: answered.traceId, observationId: undefined, name: "query_valid", value: 1, dataType: "BOOLEAN" },
        { traceId: answered.traceId, observationId: undefined, name: "confidence", value: 0.92, dataType: "NUMERIC" },
        { traceId: answered.traceId, observationId: execute.spanId, name: "query_valid", value: 1, dataType: "NUMERIC" },
        // The out-of-scope run validated nothing: only its confidence is scored.
        { traceId: joke.traceId, observationId: undefined, name: "confidence", value: 0.92, dataType: "NUMERIC" },
      ]),
    );
    expect(scores).toHaveLength(4);
    const auth = langfuse.requests.find((r) => r.path === "/api/public/ingestion")!.headers.authorization;
    expect(auth).toBe(`Basic ${Buffer.from(`${keys.publicKey}:${keys.secretKey}`).toString("base64")}`);
  });

  it("scores a run that threw as query_valid 0 with the error as comment", async () => {
    const langfuse = await receiver();
    const { telemetry: t, tracer } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url } });
    const graph = buildText2QueryGraph({ failIn: { node: "generate_sql", error: new Error("database is down") } });
    await expect(graph.invoke({ question: "How many orders per user?" }, { callbacks: [tracer] })).rejects.toThrow("database is down");
    await t.forceFlush();
    const valid = langfuse.ingestionEvents().find((e) => e.body.name === "query_valid")!;
    expect(valid.body).toMatchObject({ value: 0, dataType: "BOOLEAN", comment: "database is down" });
  });

  it("never sends a key echoed in an error as a score comment, whoever made the span", async () => {
    const langfuse = await receiver();
    const { telemetry: t } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url } });
    // A workflow span from other instrumentation, its status message straight from a provider's 401.
    const span = t.tracerProvider.getTracer("other-sdk").startSpan("invoke_workflow other", { attributes: { "gen_ai.operation.name": "invoke_workflow", "workflow.outcome": "error" } });
    span.setStatus({ code: 2, message: "401 Incorrect API key provided: sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" });
    span.end();
    await t.forceFlush();
    const valid = langfuse.ingestionEvents().find((e) => e.body.name === "query_valid")!;
    expect(valid.body).toMatchObject({ value: 0, comment: "401 Incorrect API key provided: [redacted]" });
  });
});

describe("setupTelemetry → any OTLP backend (loopback collector)", () => {
  it.each(["http/protobuf", "http/json"] as const)("exports %s from the standard environment variables, with headers and the service resource", async (protocol) => {
    const collector = await receiver();
    const { telemetry: t, tracer, memory, logs } = await telemetry({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%20def,x-tenant=acme", OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: "text2query", OTEL_RESOURCE_ATTRIBUTES: "k8s.pod.name=api-7f9" },
    });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "text2query" });
    await t.forceFlush();

    const request = collector.requests.find((r) => r.path === "/v1/traces")!;
    expect(request.headers["content-type"]).toBe(protocol === "http/protobuf" ? "application/x-protobuf" : "application/json");
    expect(request.headers["x-api-key"]).toBe("abc def");
    expect(request.headers["x-tenant"]).toBe("acme");
    const wire = collector.spans("/v1/traces");
    const local = memory.getFinishedSpans();
    expect(wire.map((s) => s.spanId).sort()).toEqual(idsOf(local));
    for (const s of local) {
      const w = wire.find((x) => x.spanId === s.spanContext().spanId)!;
      expect(w.name).toBe(s.name);
      expect(w.parentSpanId).toBe(s.parentSpanContext?.spanId);
      expect(w.traceId).toBe(s.spanContext().traceId);
      expect(w.scope).toBe("langgraph-telemetry");
      for (const [k, v] of Object.entries(s.attributes)) expect(w.attributes[k], `${s.name} ${k}`).toEqual(v);
    }
    expect(wire[0]!.resource).toMatchObject({ "service.name": "text2query", "k8s.pod.name": "api-7f9", "telemetry.sdk.language": "nodejs" });
    // The same variables turn on OTLP metrics (test/export/otlp-metrics.test.ts) and logs (test/export/otlp-logs.test.ts), and the summary says so.
    expect(logs).toEqual([
      `langgraph-telemetry: service text2query, exporting to OTLP ${protocol} at ${collector.url}/v1/traces. Metrics: OTLP ${protocol} at ${collector.url}/v1/metrics every 60s. Logs: OTLP ${protocol} at ${collector.url}/v1/logs.`,
    ]);
  });

  it("exports to Langfuse and an OTLP backend from one provider at once", async () => {
    const [langfuse, collector] = [await receiver(), await receiver()];
    const { telemetry: t, tracer, memory } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url }, otlp: { url: `${collector.url}/v1/traces` } });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    await t.forceFlush();
    const expected = idsOf(memory.getFinishedSpans());
    expect(langfuse.spans(LANGFUSE_TRACES).map((s) => s.spanId).sort()).toEqual(expected);
    expect(collector.spans("/v1/traces").map((s) => s.spanId).sort()).toEqual(expected);
  });

  it("forceFlush() in the middle of a run sends the spans that have ended so far (a shutdown on SIGTERM keeps them)", async () => {
    const collector = await receiver();
    const { telemetry: t, tracer } = await telemetry({ otlp: { url: `${collector.url}/v1/traces` } });
    let sentMidRun: string[] = [];
    const graph = stepsGraph({
      plan: askStep(new ScriptedChatModel({ model: "gpt-4o-mini", replies: [{ content: "plan" }] }), "plan it"),
      work: async () => {
        await t.forceFlush();
        sentMidRun = collector.spans("/v1/traces").map((s) => s.name);
        return { answer: "worked" };
      },
    });
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runName: "wf" });
    expect(sentMidRun.sort()).toEqual(["chat gpt-4o-mini", "plan"]);
    await t.forceFlush();
    expect(collector.spans("/v1/traces").map((s) => s.name).sort()).toEqual(["chat gpt-4o-mini", "invoke_workflow wf", "plan", "work"]);
  });

  it("works with no exporter configured, keeps spans local and says so once", async () => {
    const { telemetry: t, tracer, memory, logs } = await telemetry({});
    const result = await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    expect(result.rows).toBe(42);
    expect(memory.getFinishedSpans()).toHaveLength(17);
    expect(t.stats()).toEqual({});
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/no exporter configured \(set LANGFUSE_PUBLIC_KEY\/LANGFUSE_SECRET_KEY or OTEL_EXPORTER_OTLP_ENDPOINT\): spans stay in this process/);
  });
});

describe("setupTelemetry sampling", () => {
  it("keeps about a quarter of 400 traces at 0.25, whole, while metrics count all 400; sampled-out traces get no scores", async () => {
    const langfuse = await receiver();
    const { telemetry: t, tracer, memory, registry } = await telemetry({ langfuse: { ...keys, baseUrl: langfuse.url }, env: { LANGFUSE_SAMPLE_RATE: "0.25" } });
    const graph = buildText2QueryGraph();
    for (let i = 0; i < 400; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => graph.invoke({ question: "Tell me a joke" }, { callbacks: [tracer] })));
    }
    await t.forceFlush();
    const wire = langfuse.spans(LANGFUSE_TRACES);
    const roots = wire.filter((s) => s.parentSpanId === undefined);
    // Binomial(400, 0.25): mean 100, sd 8.7; the bounds are over 4.5 sd away.
    expect(roots.length).toBeGreaterThan(60);
    expect(roots.length).toBeLessThan(140);
    // Parent-based: a kept trace is kept whole (3 spans per out-of-scope run), and nothing else is exported.
    expect(wire).toHaveLength(roots.length * 3);
    expect(memory.getFinishedSpans()).toHaveLength(wire.length);
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_queries_total", { intent: "out_of_scope", status: "success" })).toBe(400);
    expect(m.value("langgraph_llm_calls_total", { operation: "intent", model: "gpt-4o-2024-08-06" })).toBe(400);
    const kept = new Set(roots.map((r) => r.traceId));
    const scores = langfuse.ingestionEvents();
    expect(scores).toHaveLength(roots.length); // one confidence score per kept trace
    for (const s of scores) expect(kept.has(String(s.body.traceId))).toBe(true);
    // Exemplars only point at traces that were kept.
    expect(t.stats().langfuse!.dropped).toBe(0);
  });
});

describe("setupTelemetry when the backends are down", () => {
  it("shutdown() resolves by its deadline against a hanging backend, and twice is harmless", async () => {
    const collector = await receiver("hang");
    const { telemetry: t, tracer } = await telemetry({ otlp: { url: `${collector.url}/v1/traces` }, exportTimeoutMs: 60_000, shutdownTimeoutMs: 400 });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    const first = t.shutdown();
    const outcome = await Promise.race([first.then(() => "resolved"), new Promise((r) => setTimeout(() => r("hung"), 5000))]);
    expect(outcome).toBe("resolved");
    await t.shutdown();
    expect(collector.requests.length).toBeGreaterThan(0); // it did try
  });
});

describe("setupTelemetry options", () => {
  it.each([
    [{ sampleRate: 1.5 }, "setupTelemetry: invalid option sampleRate: 1.5. Expected a number from 0 to 1."],
    [{ env: { LANGFUSE_SAMPLE_RATE: "half" } }, 'setupTelemetry: invalid option sampleRate (from the environment): "half". Expected a number from 0 to 1.'],
    [{ env: { LANGFUSE_PUBLIC_KEY: "pk-lf-1" } }, 'setupTelemetry: invalid option langfuse.secretKey: "[missing]". Expected a Langfuse secret key (sk-lf-…), or LANGFUSE_SECRET_KEY in the environment.'],
    [{ langfuse: { ...keys, baseUrl: "cloud.langfuse.com" } }, 'setupTelemetry: invalid option langfuse.baseUrl: "cloud.langfuse.com". Expected an http(s) URL.'],
    [{ otlp: { url: "http://localhost:4317", protocol: "grpc" } }, /invalid option otlp\.protocol: "grpc"\. Expected "http\/protobuf" or "http\/json" \(gRPC is not supported/],
    [{ otlp: {} }, /invalid option otlp\.url: null\. Expected the OTLP\/HTTP traces URL/],
    [{ maxQueueSize: 0 }, "setupTelemetry: invalid option maxQueueSize: 0. Expected a positive integer."],
    [{ exporters: [] }, /invalid option exporters: \[\]\. Expected one of the known options/],
  ])("rejects %j with a message that says what to fix", async (options, message) => {
    await expect(setupTelemetry({ register: false, env: {}, log: () => undefined, ...(options as TelemetryOptions) })).rejects.toThrow(message);
  });

  it("registers globally by default, so a tracer without options exports, and unregisters on shutdown", async () => {
    const collector = await receiver();
    const { trace } = await import("@opentelemetry/api");
    const t = await setupTelemetry({ otlp: { url: `${collector.url}/v1/traces`, protocol: "http/json" }, env: {}, log: () => undefined });
    open.telemetry.push(t);
    await buildText2QueryGraph().invoke({ question: "Tell me a joke" }, { callbacks: [new WorkflowTracer()] });
    await t.forceFlush();
    expect(collector.spans("/v1/traces")).toHaveLength(3);
    await t.shutdown();
    expect(trace.getTracerProvider().getTracer("x").startSpan("after").isRecording()).toBe(false);
  });
});
