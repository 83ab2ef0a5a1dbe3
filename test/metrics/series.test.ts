import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { WorkflowMetrics } from "../../src/index.js";
import { tokenUsage, type TokenUsage } from "../../src/shared/llm-call.js";
import { Scrape } from "../support/exposition.js";
import { llmCall, sinkOf } from "../support/llm-call.js";

/** Usage as providers count it: input includes the cache reads, output the reasoning. */
const usage = (input: number, output: number, cacheRead = 0, reasoning = 0): TokenUsage => tokenUsage(input - cacheRead, cacheRead, 0, output - reasoning, reasoning);

/** Exposition lines of the metrics named, from a registry, without HELP/TYPE lines and the metric prefix. */
async function lines(registry: Registry, prefix: string, names: string[]): Promise<string[]> {
  const text = await registry.metrics();
  return text
    .split("\n")
    .filter((l) => !l.startsWith("#") && names.some((n) => l.startsWith(prefix + n)))
    .map((l) => l.slice(prefix.length));
}

/**
 * WorkflowMetrics records on its hot path straight into prom-client's series (src/metrics/series.ts). The
 * exposition must be exactly what prom-client's own inc()/observe() would have written.
 */
describe("WorkflowMetrics hot-path series", () => {
  // Durations on and around every bucket bound, above the last, zero; and a few ordinary ones.
  const durations = [0, 0.005, 0.0051, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 61, 1e6, 0.0001, 0.3, 1.7, 12.5];

  it("writes the same exposition as prom-client's own observe() and inc(), bucket bounds included", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry, prefix: "t_" });
    const reference = new Registry();
    const latency = new Histogram({ name: "t_query_latency_seconds", help: "h", labelNames: ["stage"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers: [reference] });
    const llmLatency = new Histogram({ name: "t_llm_latency_seconds", help: "h", labelNames: ["operation", "provider", "model"], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers: [reference] });
    const calls = new Counter({ name: "t_llm_calls_total", help: "h", labelNames: ["operation", "provider", "model"], registers: [reference] });
    const tokens = new Counter({ name: "t_llm_tokens_total", help: "h", labelNames: ["type", "provider", "model"], registers: [reference] });
    const cost = new Counter({ name: "t_llm_cost_dollars_total", help: "h", labelNames: ["provider", "model"], registers: [reference] });
    const sink = sinkOf(metrics);

    for (const [i, d] of durations.entries()) {
      const stage = i % 2 === 0 ? "validation" : "generation";
      sink.nodeEnded({ name: stage, failed: false, durationSeconds: d, traceId: undefined });
      latency.observe({ stage }, d);
      const [provider, model] = i % 3 === 0 ? ["openai", "gpt-4o"] : ["anthropic", "claude-3-5-sonnet-20241022"];
      const u = usage(1000 + i, 200 + i, i % 4 === 0 ? 300 : 0, i % 5 === 0 ? 50 : 0);
      const c = metrics.costOf(model!, u, provider);
      sink.llmEnded(llmCall({ stage, provider, model, usage: u, cost: c, durationSeconds: d }));
      llmLatency.observe({ operation: stage, provider, model }, d);
      calls.inc({ operation: stage, provider, model });
      tokens.inc({ type: "input", provider, model }, u.input);
      if (u.cacheRead > 0) tokens.inc({ type: "cache_read", provider, model }, u.cacheRead);
      tokens.inc({ type: "output", provider, model }, u.output);
      if (u.reasoning > 0) tokens.inc({ type: "reasoning", provider, model }, u.reasoning);
      cost.inc({ provider, model }, c!.total);
    }
    const names = ["query_latency_seconds", "llm_latency_seconds", "llm_calls_total", "llm_tokens_total", "llm_cost_dollars_total"];
    const ours = await lines(registry, "t_", names);
    const theirs = await lines(reference, "t_", names);
    expect(ours.length).toBeGreaterThan(90);
    expect(ours.sort()).toEqual(theirs.sort());
  });

  it("keeps counting after registry.resetMetrics(): the series start over from zero", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry, prefix: "t_" });
    const sink = sinkOf(metrics);
    const call = () => llmCall({ stage: "generation", model: "gpt-4o", usage: usage(100, 10), cost: metrics.costOf("gpt-4o", usage(100, 10), "openai"), durationSeconds: 0.4 });
    for (let i = 0; i < 3; i++) {
      sink.nodeEnded({ name: "execution", failed: false, durationSeconds: 0.2, traceId: undefined });
      sink.llmEnded(call());
      metrics.recordValidation(false, "syntax");
    }
    registry.resetMetrics();
    sink.nodeEnded({ name: "execution", failed: false, durationSeconds: 0.2, traceId: undefined });
    sink.llmEnded(call());
    metrics.recordValidation(false, "syntax");
    const m = await Scrape.of(registry);
    expect(m.value("t_query_latency_seconds_count", { stage: "execution" })).toBe(1);
    expect(m.value("t_query_latency_seconds_bucket", { stage: "execution", le: "0.25" })).toBe(1);
    expect(m.value("t_llm_calls_total", { operation: "generation", provider: "openai", model: "gpt-4o" })).toBe(1);
    expect(m.value("t_llm_tokens_total", { type: "input", provider: "openai", model: "gpt-4o" })).toBe(100);
    expect(m.value("t_validation_results_total", { result: "invalid", error_category: "syntax" })).toBe(1);
  });

  it("keeps valid and invalid apart even when an invalid result's category is called none", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry, prefix: "t_" });
    metrics.recordValidation(true);
    metrics.recordValidation(false, "none");
    metrics.recordValidation(false, "none");
    metrics.recordValidation(true);
    metrics.recordValidation(true);
    const m = await Scrape.of(registry);
    expect(m.value("t_validation_results_total", { result: "valid", error_category: "none" })).toBe(3);
    expect(m.value("t_validation_results_total", { result: "invalid", error_category: "none" })).toBe(2);
  });

  it("still records when a series of ours was removed from under it by prom-client's API", async () => {
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry, prefix: "t_" });
    const sink = sinkOf(metrics);
    sink.nodeEnded({ name: "intent", failed: false, durationSeconds: 0.02, traceId: undefined });
    (registry.getSingleMetric("t_query_latency_seconds") as Histogram<"stage">).remove({ stage: "intent" });
    sink.nodeEnded({ name: "intent", failed: false, durationSeconds: 0.03, traceId: undefined });
    sink.nodeEnded({ name: "intent", failed: false, durationSeconds: 0.04, traceId: undefined });
    const m = await Scrape.of(registry);
    expect(m.value("t_query_latency_seconds_count", { stage: "intent" })).toBe(2);
    expect(m.value("t_query_latency_seconds_sum", { stage: "intent" })).toBeCloseTo(0.07, 10);
  });
});
