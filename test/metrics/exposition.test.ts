import { HumanMessage } from "@langchain/core/messages";
import { Counter, Registry, type OpenMetricsContentType } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { parentId, setupOtel } from "../support/otel.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { metricsWorkload } from "../support/metrics-workload.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

describe("the exposition Prometheus scrapes", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("writes every metric with help text and its type, under the prefix", async () => {
    const registry = new Registry();
    await metricsWorkload(otel.provider, new WorkflowMetrics({ registry, prefix: "text2query_" }));
    const m = await Scrape.of(registry);
    const families = [...m.families.values()];
    expect(families.map((f) => `${f.name} ${f.type}`).sort()).toEqual(
      [
        "text2query_active_queries gauge",
        "text2query_correction_attempts histogram",
        "text2query_llm_calls_total counter",
        "text2query_llm_cost_dollars_total counter",
        "text2query_llm_errors_total counter",
        "text2query_llm_latency_seconds histogram",
        "text2query_llm_tokens_total counter",
        "text2query_llm_unpriced_tokens_total counter",
        "text2query_price_data_info gauge",
        "text2query_queries_total counter",
        "text2query_query_confidence histogram",
        "text2query_query_latency_seconds histogram",
        "text2query_retriever_calls_total counter",
        "text2query_retriever_duration_seconds histogram",
        "text2query_telemetry_internal_errors_total counter",
        "text2query_telemetry_runs_reaped_total counter",
        "text2query_telemetry_sampled_traces_total counter",
        "text2query_telemetry_spans_dropped_total counter",
        "text2query_telemetry_spool_bytes gauge",
        "text2query_telemetry_spool_dropped_total counter",
        "text2query_telemetry_spool_replayed_total counter",
        "text2query_telemetry_spooled_total counter",
        "text2query_tool_calls_total counter",
        "text2query_tool_duration_seconds histogram",
        "text2query_validation_results_total counter",
      ].sort(),
    );
    for (const f of families) expect(f.help?.length, f.name).toBeGreaterThan(10);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "failed" })).toBe(1);
    expect(m.value("text2query_queries_total", { intent: "unknown", status: "error" })).toBe(1);
    expect(m.value("text2query_llm_errors_total", { operation: "intent", error_type: "TimeoutError" })).toBe(1);
    // A label value from user code is sanitised: no quotes or newlines reach the exposition.
    expect(m.labelValues("text2query_validation_results_total", "error_category")).toContain("syntax _near FROM_");
    expect(m.value("text2query_telemetry_internal_errors_total")).toBe(0);
  });

  it("bounds series: 10,000 distinct model names produce at most maxLabelValues model values, the rest as other", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry, maxLabelValues: 50 });
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics });
    const message = [new HumanMessage("hi")];
    for (let i = 0; i < 10_000; i++) {
      const model = new ScriptedChatModel({ model: `acme-model-${i}`, replies: [{ content: "ok", inputTokens: 10, outputTokens: 2 }] });
      await model.invoke(message, { callbacks: [tracer] });
      if (i % 1000 === 999) otel.reset();
    }
    const m = await Scrape.of(registry);
    const models = m.labelValues("langgraph_llm_calls_total", "model");
    expect(models).toHaveLength(51);
    expect(models).toContain("other");
    expect(m.samples("langgraph_llm_calls_total")).toHaveLength(51);
    expect(m.value("langgraph_llm_calls_total", { model: "other" })).toBe(10_000 - 50);
    expect(m.sum("langgraph_llm_calls_total")).toBe(10_000);
    expect(m.samples("langgraph_llm_tokens_total")).toHaveLength(51 * 2);
    expect(m.sum("langgraph_llm_tokens_total")).toBe(120_000);
    // Unpriced, every token is still counted (the bound is on label values, not on what is counted).
    expect(m.samples("langgraph_llm_unpriced_tokens_total")).toHaveLength(51);
    expect(m.sum("langgraph_llm_unpriced_tokens_total")).toBe(120_000);
    expect(tracer.stats().internalErrors).toBe(0);
  }, 120_000);

  it("carries the trace id as an exemplar on duration histograms when the registry is OpenMetrics", async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const metrics = new WorkflowMetrics({ registry, prefix: "text2query_" });
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
    const traceId = otel.spans().find((s) => parentId(s) === undefined)!.spanContext().traceId;
    const m = await Scrape.of(registry);
    expect(m.text.trimEnd().endsWith("# EOF")).toBe(true);
    for (const name of ["text2query_query_latency_seconds_bucket", "text2query_llm_latency_seconds_bucket", "text2query_tool_duration_seconds_bucket", "text2query_retriever_duration_seconds_bucket"]) {
      const withExemplar = m.samples(name).filter((s) => s.exemplar !== undefined);
      expect(withExemplar.length, name).toBeGreaterThan(0);
      for (const s of withExemplar) {
        expect(s.exemplar!.labels).toEqual({ trace_id: traceId });
        expect(s.exemplar!.value).toBeGreaterThanOrEqual(0);
        expect(s.exemplar!.value).toBeLessThanOrEqual(s.labels.le === "+Inf" ? Infinity : Number(s.labels.le));
      }
    }
    const total = m.samples("text2query_query_latency_seconds_bucket", { stage: "total" }).find((s) => s.exemplar);
    expect(total).toBeDefined();
    // A plain Prometheus registry writes none (and WorkflowMetrics does not ask it to).
    const plain = new Registry();
    const plainTracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics: new WorkflowMetrics({ registry: plain }) });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [plainTracer] });
    expect(await plain.metrics()).not.toContain("trace_id");
  });

  it("records validations, corrections and confidence from code that is not a traced node", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    metrics.recordValidation(true);
    metrics.recordValidation(false, "syntax");
    metrics.recordValidation(false);
    metrics.recordCorrection(2, true);
    metrics.recordCorrection(4, false);
    metrics.recordCorrection(Number.NaN, true);
    metrics.recordConfidence(0.75);
    metrics.recordConfidence(1.7);
    metrics.recordConfidence(Number.POSITIVE_INFINITY);
    metrics.recordQuery("sql_query", "success", 1.25);
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_validation_results_total", { result: "valid", error_category: "none" })).toBe(1);
    expect(m.value("langgraph_validation_results_total", { result: "invalid", error_category: "syntax" })).toBe(1);
    expect(m.value("langgraph_validation_results_total", { result: "invalid", error_category: "unknown" })).toBe(1);
    expect(m.value("langgraph_correction_attempts_bucket", { result: "success", le: "2" })).toBe(1);
    expect(m.value("langgraph_correction_attempts_bucket", { result: "failed", le: "3" })).toBe(0);
    expect(m.value("langgraph_correction_attempts_bucket", { result: "failed", le: "5" })).toBe(1);
    expect(m.sum("langgraph_correction_attempts_count")).toBe(2);
    // Out-of-range confidences are clamped into [0, 1]; non-finite ones are dropped.
    expect(m.value("langgraph_query_confidence_count")).toBe(2);
    expect(m.value("langgraph_query_confidence_sum")).toBeCloseTo(1.75, 12);
    expect(m.value("langgraph_queries_total", { intent: "sql_query", status: "success" })).toBe(1);
    expect(m.value("langgraph_query_latency_seconds_sum", { stage: "total" })).toBe(1.25);
  });
});

describe("WorkflowMetrics options", () => {
  it("defaults to prom-client's global registry and the langgraph_ prefix", async () => {
    const { register } = await import("prom-client");
    const metrics = new WorkflowMetrics();
    try {
      expect(metrics.registry).toBe(register);
      expect(register.getSingleMetric("langgraph_queries_total")).toBeDefined();
    } finally {
      register.clear();
    }
  });

  it("gives the registered instance back for the same options (hot reload, re-import), on the default registry too", async () => {
    const registry = new Registry();
    const first = new WorkflowMetrics({ registry, prefix: "text2query_", latencyBuckets: [0.1, 1, 10] });
    expect(new WorkflowMetrics({ registry, prefix: "text2query_", latencyBuckets: [0.1, 1, 10] })).toBe(first);
    expect(new WorkflowMetrics({ registry, prefix: "billing_" })).not.toBe(first);
    const { register } = await import("prom-client");
    try {
      const global = new WorkflowMetrics();
      expect(new WorkflowMetrics()).toBe(global);
      // A cleared registry has none of its metrics: a new instance registers them again.
      register.clear();
      const fresh = new WorkflowMetrics();
      expect(fresh).not.toBe(global);
      expect(register.getSingleMetric("langgraph_queries_total")).toBeDefined();
    } finally {
      register.clear();
    }
  });

  it("names the clash when a second instance on one registry and prefix asks for other options", () => {
    const registry = new Registry();
    new WorkflowMetrics({ registry, prefix: "text2query_", maxLabelValues: 50 });
    expect(() => new WorkflowMetrics({ registry, prefix: "text2query_", maxLabelValues: 20, llmLatencyBuckets: [1, 5] })).toThrow(
      'WorkflowMetrics: the registry already has WorkflowMetrics with prefix "text2query_" and other options (maxLabelValues 50 there, 20 here; llmLatencyBuckets [0.05,0.1,0.25,0.5,1,2,5,10,30,60] there, [1,5] here). Pass the same options to get that instance back, or give this one another prefix.',
    );
  });

  it("refuses a registry whose metric names are taken by something else", () => {
    const registry = new Registry();
    new Counter({ name: "text2query_queries_total", help: "the app's own", registers: [registry] });
    expect(() => new WorkflowMetrics({ registry, prefix: "text2query_" })).toThrow(
      "WorkflowMetrics: the registry already has a metric named text2query_queries_total. Create one WorkflowMetrics per registry and share it, or give this one another prefix.",
    );
  });

  it.each([
    [{ prefix: "text2query" }, /invalid option prefix: "text2query"\. Expected letters, digits and underscores, .*ending with "_"/],
    [{ prefix: "2q_" }, /invalid option prefix: "2q_"/],
    [{ prefix: "text-2-query_" }, /invalid option prefix/],
    [{ registry: {} }, /invalid option registry: .*Expected a prom-client Registry/],
    [{ maxLabelValues: 0 }, /invalid option maxLabelValues: 0\. Expected a positive integer/],
    [{ latencyBuckets: [1, 0.5] }, /invalid option latencyBuckets: \[1,0\.5\]\. Expected a non-empty array of increasing positive numbers/],
    [{ llmLatencyBuckets: [] }, /invalid option llmLatencyBuckets/],
    [{ pricing: { "gpt-4o": { input: -1, output: 10 } } }, /invalid option pricing\.gpt-4o: .*Expected \{ input, output, cachedInput\?, cacheWrite\?, reasoning\? \} in USD per million tokens/],
    [{ pricing: { "gpt-4o": { input: "2.5", output: 10 } } }, /invalid option pricing\.gpt-4o/],
    [{ exemplars: true }, /invalid option exemplars: true\. Expected false with this registry: prom-client writes exemplars only in OpenMetrics; call registry\.setContentType\(Registry\.OPENMETRICS_CONTENT_TYPE\) first/],
    [{ prefx: "x_" }, /invalid option prefx: "x_"\. Expected one of the known options/],
  ])("rejects %j with a message that says what to fix", (options, message) => {
    const registry = new Registry();
    expect(() => new WorkflowMetrics({ registry, ...(options as object) })).toThrow(message);
    // Nothing half-registered is left behind.
    expect(registry.getMetricsAsArray()).toHaveLength(0);
  });

  it("is rejected by the tracer when it is not a WorkflowMetrics", () => {
    expect(() => new WorkflowTracer({ metrics: {} as never })).toThrow("WorkflowTracer: invalid option metrics");
  });

  it("accepts an empty prefix", async () => {
    const registry = new Registry();
    new WorkflowMetrics({ registry, prefix: "" }).recordQuery(undefined, "success", 0.1);
    expect((await Scrape.of(registry)).value("queries_total", { intent: "unknown", status: "success" })).toBe(1);
  });
});
