import { metrics } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, WorkflowMetrics, WorkflowTracer, type Telemetry, type TelemetryOptions } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { decodeMetrics, type WirePoint } from "../support/otlp-metrics.js";
import { LoopbackReceiver } from "../support/otlp-receiver.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { askStep, stepsGraph } from "../support/steps-graph.js";

const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

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

/** Telemetry exporting metrics only (registered globally, as an app does), and a tracer made after it. */
async function telemetry(options: TelemetryOptions) {
  const t = await setupTelemetry({ env: {}, log: () => undefined, langfuse: false, otlp: false, ...options });
  open.telemetry.push(t);
  return t;
}

/** The data points of the last metrics request (cumulative: it carries everything so far). */
function lastReport(r: LoopbackReceiver): WirePoint[] {
  const requests = r.requests.filter((q) => q.path === "/v1/metrics");
  expect(requests.length).toBeGreaterThan(0);
  const last = requests[requests.length - 1]!;
  return decodeMetrics(last.body, String(last.headers["content-type"] ?? ""));
}

const named = (points: WirePoint[], metric: string) => points.filter((p) => p.metric === metric);

/** What a user does first: a two-node graph, each node asking a different model. */
function twoModelGraph() {
  const planner = new ScriptedChatModel({ model: "gpt-4o", responseModel: "gpt-4o-2024-08-06", provider: "openai", replies: [{ content: "plan", inputTokens: 1200, outputTokens: 85, cachedTokens: 1024, delayMs: 30 }] });
  const writer = new ScriptedChatModel({ model: "claude-sonnet-4", responseModel: "claude-sonnet-4-20250514", provider: "anthropic", replies: [{ content: "answer", inputTokens: 310, outputTokens: 42, reasoningTokens: 12, delayMs: 30 }] });
  return stepsGraph({ plan: askStep(planner, "plan it"), write: askStep(writer, "write it") });
}

describe("OTLP metrics in the GenAI conventions (loopback collector decoding the real payload)", () => {
  it.each(["http/protobuf", "http/json"] as const)("carries the exact token counts per token type and model, durations in seconds, over %s", async (protocol) => {
    const collector = await receiver();
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics`, protocol }, serviceName: "shop-assistant" });
    expect(t.meterProvider).toBeDefined();
    // Prometheus and OTLP side by side: the same pass feeds both.
    const registry = new Registry();
    const tracer = new WorkflowTracer({ metrics: new WorkflowMetrics({ registry }) });
    await twoModelGraph().invoke({ question: "q" }, { callbacks: [tracer], runName: "assistant" });
    await t.forceFlush();

    const points = lastReport(collector);
    expect(collector.requests.at(-1)!.headers["content-type"]).toBe(protocol === "http/json" ? "application/json" : "application/x-protobuf");
    expect(points[0]!.resource["service.name"]).toBe("shop-assistant");
    expect(points[0]!.scope).toBe("langgraph-telemetry");

    const tokens = named(points, "gen_ai.client.token.usage");
    const summary = tokens.map((p): Record<string, unknown> => ({ ...p.attributes, count: p.count, sum: p.sum })).sort((a, b) => String(a["gen_ai.request.model"]).localeCompare(String(b["gen_ai.request.model"])) || String(a["gen_ai.token.type"]).localeCompare(String(b["gen_ai.token.type"])));
    // Cached input is part of input and reasoning part of output (the convention's two types): nothing counted twice.
    expect(summary).toEqual([
      { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4", "gen_ai.response.model": "claude-sonnet-4-20250514", "gen_ai.token.type": "input", count: 1, sum: 310 },
      { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4", "gen_ai.response.model": "claude-sonnet-4-20250514", "gen_ai.token.type": "output", count: 1, sum: 42 },
      { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.token.type": "input", count: 1, sum: 1200 },
      { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.token.type": "output", count: 1, sum: 85 },
    ]);
    for (const p of tokens) {
      expect(p.unit).toBe("{token}");
      expect(p.bounds).toEqual(TOKEN_BUCKETS);
    }
    // 1200 tokens fall in (1024, 4096]: the 7th bucket.
    expect(tokens.find((p) => p.sum === 1200)!.bucketCounts[6]).toBe(1);

    const durations = named(points, "gen_ai.client.operation.duration");
    expect(durations.map((p) => p.attributes["gen_ai.request.model"]).sort()).toEqual(["claude-sonnet-4", "gpt-4o"]);
    for (const p of durations) {
      expect(p.unit).toBe("s");
      expect(p.bounds).toEqual(DURATION_BUCKETS);
      expect(p.count).toBe(1);
      // Each model answered after a 30 ms timer: seconds, not milliseconds. Node runs a timer against the
      // event loop's cached millisecond clock, so it may fire up to 1 ms early by the monotonic clock we time with.
      expect(p.sum).toBeGreaterThanOrEqual(0.029);
      expect(p.sum).toBeLessThan(1);
      expect(p.attributes).not.toHaveProperty("error.type");
    }

    const runs = named(points, "workflow.run.duration");
    expect(runs.map((p) => ({ ...p.attributes, count: p.count, unit: p.unit }))).toEqual([{ "workflow.outcome": "success", "workflow.intent": "unknown", count: 1, unit: "s" }]);
    expect(runs[0]!.sum).toBeGreaterThanOrEqual(0.06);
    expect(named(points, "workflow.stage.duration").reduce((n, p) => n + p.count, 0)).toBe(2);
    expect(named(points, "workflow.active_runs").map((p) => p.value)).toEqual([0]);

    // Prometheus got the same call, with its finer token types.
    const scrape = await Scrape.of(registry);
    expect(scrape.value("langgraph_llm_tokens_total", { type: "cache_read", model: "gpt-4o-2024-08-06" })).toBe(1024);
    expect(scrape.value("langgraph_llm_tokens_total", { type: "input", model: "gpt-4o-2024-08-06" })).toBe(176);
  });

  it("gives a failed LLM call error.type on its duration, and counts its run as an error", async () => {
    const collector = await receiver();
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics`, protocol: "http/json" } });
    class RateLimitError extends Error {
      override name = "RateLimitError";
    }
    const model = new ScriptedChatModel({ model: "gpt-4o-mini", provider: "openai", replies: [{ content: "", error: new RateLimitError("429 slow down") }] });
    const tracer = new WorkflowTracer();
    await expect(stepsGraph({ ask: askStep(model, "hi") }).invoke({ question: "q" }, { callbacks: [tracer] })).rejects.toThrow("429 slow down");
    await t.forceFlush();

    const points = lastReport(collector);
    const [duration, ...others] = named(points, "gen_ai.client.operation.duration");
    expect(others).toEqual([]);
    expect(duration!.attributes).toEqual({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini", "error.type": "RateLimitError" });
    // No usage reported, none recorded.
    expect(named(points, "gen_ai.client.token.usage")).toEqual([]);
    expect(named(points, "workflow.run.duration").map((p) => p.attributes["workflow.outcome"])).toEqual(["error"]);
  });

  it("costs the workflow nothing while the collector is down, and counts the data points it could not deliver", async () => {
    const collector = await receiver("fail");
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics` } });
    const tracer = new WorkflowTracer();
    const graph = twoModelGraph();
    for (let i = 0; i < 3; i++) await graph.invoke({ question: "q" }, { callbacks: [tracer] });
    // Recording sent nothing: exports happen on the reader's timer (or a flush), never in the workflow's path.
    expect(collector.requests).toEqual([]);
    await t.forceFlush();
    const failed = t.stats().otlpMetrics!;
    expect(failed.sent).toBe(0);
    const points = lastReport(collector).length;
    expect(failed.dropped).toBe(points);

    // Back up: cumulative temporality, so the totals lost with the failed report arrive with the next one.
    collector.mode = "ok";
    await t.forceFlush();
    expect(t.stats().otlpMetrics).toEqual({ sent: points, dropped: points, queued: 0 });
    const tokens = named(lastReport(collector), "gen_ai.client.token.usage");
    expect(tokens.find((p) => p.attributes["gen_ai.request.model"] === "gpt-4o" && p.attributes["gen_ai.token.type"] === "input")).toMatchObject({ count: 3, sum: 3600 });
  });

  it("keeps forceFlush and shutdown within their deadline when the collector never answers", async () => {
    const collector = await receiver("hang");
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics` }, exportTimeoutMs: 60_000, shutdownTimeoutMs: 300 });
    await twoModelGraph().invoke({ question: "q" }, { callbacks: [new WorkflowTracer()] });
    let started = performance.now();
    await t.forceFlush();
    const flushMs = performance.now() - started;
    started = performance.now();
    await t.shutdown();
    const shutdownMs = performance.now() - started;
    // The deadline is the point: 300 ms, plus a timer's tick.
    expect(flushMs).toBeLessThan(300 + 50);
    expect(shutdownMs).toBeLessThan(300 + 50);
    expect(collector.requests.length).toBeGreaterThan(0);
  });

  it("takes the endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* variables, and unregisters on shutdown", async () => {
    const collector = await receiver();
    const t = await telemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-tenant=shop%20eu" } });
    expect(metrics.getMeterProvider()).toBe(t.meterProvider);
    await twoModelGraph().invoke({ question: "q" }, { callbacks: [new WorkflowTracer()] });
    await t.forceFlush();
    const request = collector.requests.at(-1)!;
    expect(request.path).toBe("/v1/metrics");
    expect(request.headers["x-tenant"]).toBe("shop eu");
    expect(named(lastReport(collector), "gen_ai.client.token.usage")).toHaveLength(4);
    await t.shutdown();
    expect(metrics.getMeterProvider()).not.toBe(t.meterProvider);
  });

  it("exports no metrics unless an endpoint or the option says so, and rejects bad metrics options naming them", async () => {
    const t = await telemetry({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:1/v1/traces" }, otlp: false });
    expect(t.meterProvider).toBeUndefined();
    expect(t.stats().otlpMetrics).toBeUndefined();
    // A traces-only backend (Tempo) behind OTEL_EXPORTER_OTLP_ENDPOINT: the standard switch keeps metrics off.
    const tracesOnly = await telemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1", OTEL_METRICS_EXPORTER: "none" }, otlp: false });
    expect(tracesOnly.meterProvider).toBeUndefined();
    await expect(setupTelemetry({ env: {}, otlpMetrics: {} })).rejects.toThrow(/invalid option otlpMetrics\.url: null\. Expected the OTLP\/HTTP metrics URL/);
    await expect(setupTelemetry({ env: {}, otlpMetrics: { url: "http://c:4318/v1/metrics", protocol: "grpc" as "http/json" } })).rejects.toThrow(/invalid option otlpMetrics\.protocol: "grpc"/);
    await expect(setupTelemetry({ env: {}, otlpMetrics: { url: "http://c:4318/v1/metrics", exportIntervalMs: 0 } })).rejects.toThrow(/invalid option otlpMetrics\.exportIntervalMs: 0\. Expected a positive integer/);
  });
});

describe("WorkflowTracer's meterProvider option", () => {
  it("records into the given MeterProvider, records nothing with false, and names a bad value", async () => {
    const collector = await receiver();
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics`, protocol: "http/json" }, register: false });
    expect(metrics.getMeterProvider()).not.toBe(t.meterProvider);
    const graph = twoModelGraph();
    await graph.invoke({ question: "q" }, { callbacks: [new WorkflowTracer({ meterProvider: t.meterProvider! })] });
    await graph.invoke({ question: "q" }, { callbacks: [new WorkflowTracer({ meterProvider: false })] });
    await t.forceFlush();
    expect(named(lastReport(collector), "workflow.run.duration").map((p) => p.count)).toEqual([1]);
    expect(() => new WorkflowTracer({ meterProvider: {} as never })).toThrow('WorkflowTracer: invalid option meterProvider: "[not a MeterProvider]". Expected an OpenTelemetry MeterProvider (an object with getMeter()), or false.');
  });

  it("records into the global provider whichever comes first, the tracer or setupTelemetry(); runs begun before it do not count active runs down", async () => {
    // Built first, as a module-level tracer is: no MeterProvider yet.
    const early = new WorkflowTracer({ tracerProvider: new BasicTracerProvider() });
    const graph = twoModelGraph();
    await graph.invoke({ question: "before" }, { callbacks: [early] });
    const collector = await receiver();
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics`, protocol: "http/json" } });
    expect(metrics.getMeterProvider()).toBe(t.meterProvider);
    await graph.invoke({ question: "after" }, { callbacks: [early] });
    await t.forceFlush();
    const points = lastReport(collector);
    // The run after setupTelemetry() is recorded; the one before it could not be.
    expect(named(points, "workflow.run.duration").map((p) => p.count)).toEqual([1]);
    expect(named(points, "gen_ai.client.token.usage").reduce((n, p) => n + p.sum!, 0)).toBe(1200 + 85 + 310 + 42);
    expect(named(points, "workflow.active_runs").map((p) => p.value)).toEqual([0]);
  });
});

describe("one record, three outputs: the spans, Prometheus and OpenTelemetry metrics agree", () => {
  it("Prometheus tokens and cost, and the OTel token usage, are the sums over the LLM spans", async () => {
    const collector = await receiver();
    const t = await telemetry({ otlpMetrics: { url: `${collector.url}/v1/metrics`, protocol: "http/json" } });
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const registry = new Registry();
    const tracer = new WorkflowTracer({ tracerProvider, metrics: new WorkflowMetrics({ registry }) });
    for (let i = 0; i < 3; i++) await twoModelGraph().invoke({ question: `q${i}` }, { callbacks: [tracer] });
    await t.forceFlush();
    const calls = spans.getFinishedSpans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(calls).toHaveLength(6);
    const sum = (key: string) => calls.reduce((n, s) => n + Number(s.attributes[key] ?? 0), 0);
    const scrape = await Scrape.of(registry);
    expect(scrape.sum("langgraph_llm_tokens_total")).toBe(sum("gen_ai.usage.input_tokens") + sum("gen_ai.usage.output_tokens"));
    expect(scrape.sum("langgraph_llm_tokens_total", { type: "cache_read" })).toBe(sum("gen_ai.usage.cache_read.input_tokens"));
    expect(scrape.sum("langgraph_llm_tokens_total", { type: "reasoning" })).toBe(sum("gen_ai.usage.reasoning.output_tokens"));
    expect(scrape.sum("langgraph_llm_cost_dollars_total")).toBeCloseTo(sum("workflow.cost_usd"), 12);
    expect(scrape.sum("langgraph_llm_calls_total")).toBe(6);
    const usage = named(lastReport(collector), "gen_ai.client.token.usage");
    const otel = (type: string) => usage.filter((p) => p.attributes["gen_ai.token.type"] === type).reduce((n, p) => n + p.sum!, 0);
    expect(otel("input")).toBe(sum("gen_ai.usage.input_tokens"));
    expect(otel("output")).toBe(sum("gen_ai.usage.output_tokens"));
    await tracerProvider.shutdown();
  });
});
