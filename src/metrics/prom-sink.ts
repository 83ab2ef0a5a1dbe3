import { Counter, Gauge, Histogram, type LabelValues } from "prom-client";
import { PRICE_DATA_SOURCE, priceDataVersion } from "../pricing/catalog.js";
import type { LlmCall } from "../shared/llm-call.js";
import type { StepInfo, TelemetrySink, WorkflowEndInfo } from "../shared/sink.js";
import type { NodeResults, WorkflowOutcome } from "../shared/workflow.js";
import { LabelGuard } from "./label-guard.js";
import type { ResolvedMetricsOptions } from "./options.js";
import { CounterSeries, GaugeSeries, HistogramSeries } from "./series.js";

const CORRECTION_BUCKETS: readonly number[] = [0, 1, 2, 3, 5];
const CONFIDENCE_BUCKETS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];

/** Metric names without the prefix; the catalogue documented in docs/metrics.md. */
export const METRIC_NAMES = {
  queries: "queries_total",
  queryLatency: "query_latency_seconds",
  activeQueries: "active_queries",
  llmCalls: "llm_calls_total",
  llmTokens: "llm_tokens_total",
  llmLatency: "llm_latency_seconds",
  llmErrors: "llm_errors_total",
  llmCost: "llm_cost_dollars_total",
  llmUnpricedTokens: "llm_unpriced_tokens_total",
  priceData: "price_data_info",
  validations: "validation_results_total",
  corrections: "correction_attempts",
  confidence: "query_confidence",
  toolCalls: "tool_calls_total",
  toolDuration: "tool_duration_seconds",
  retrieverCalls: "retriever_calls_total",
  retrieverDuration: "retriever_duration_seconds",
  internalErrors: "telemetry_internal_errors_total",
  spansDropped: "telemetry_spans_dropped_total",
  runsReaped: "telemetry_runs_reaped_total",
  sampledTraces: "telemetry_sampled_traces_total",
  spooled: "telemetry_spooled_total",
  spoolReplayed: "telemetry_spool_replayed_total",
  spoolDropped: "telemetry_spool_dropped_total",
  spoolBytes: "telemetry_spool_bytes",
} as const;

/**
 * The `type` label of `llm_tokens_total`: the disjoint buckets of a call's usage (`TokenUsage`), so the sum over
 * types is what the provider billed.
 */
export const TOKEN_TYPES = ["input", "cache_read", "cache_write", "output", "reasoning"] as const;

/**
 * A histogram created with `enableExemplars` only accepts prom-client's object form of observe(); the
 * trace id, when there is one, becomes the exemplar.
 */
function observe<T extends string>(histogram: Histogram<T>, exemplars: boolean, labels: LabelValues<T>, value: number, traceId: string | undefined): void {
  if (!exemplars) histogram.observe(labels, value);
  else if (traceId === undefined) histogram.observe({ labels, value });
  else histogram.observe({ labels, value, exemplarLabels: { trace_id: traceId } as unknown as LabelValues<T> });
}

/** The series one (provider, model) needs on every LLM call, made on its first call. */
interface ModelSeries {
  provider: string;
  model: string;
  calls: Map<string, CounterSeries>;
  latency: Map<string, HistogramSeries>;
  input: CounterSeries;
  cacheRead: CounterSeries;
  cacheWrite: CounterSeries;
  output: CounterSeries;
  reasoning: CounterSeries;
  cost: CounterSeries;
  unpriced: CounterSeries;
}

/** Cached lookups (series, label pairs) stop growing here; label values are bounded separately. */
const MAX_CACHED = 1000;

/**
 * A series not in `cache` yet: made, and kept under `key` while the cache has room; past that a one-off
 * (`keep` false: public API, no lookup of prom-client's entry). Called on a miss only, so the hot path
 * allocates no closure.
 */
function made<S>(cache: Map<string, S>, key: string, make: (keep: boolean) => S): S {
  const keep = cache.size < MAX_CACHED;
  const series = make(keep);
  if (keep) cache.set(key, series);
  return series;
}

/**
 * The prom-client metrics of `WorkflowMetrics`, and the sink the tracer feeds them through: each event is
 * formatted into bounded labels and added to series resolved once.
 */
export class PromSink implements TelemetrySink {
  readonly queries: Counter<"intent" | "status">;
  readonly queryLatency: Histogram<"stage">;
  readonly activeQueries: Gauge;
  readonly llmCalls: Counter<"operation" | "provider" | "model">;
  readonly llmTokens: Counter<"type" | "provider" | "model">;
  readonly llmLatency: Histogram<"operation" | "provider" | "model">;
  readonly llmErrors: Counter<"operation" | "provider" | "error_type">;
  readonly llmCost: Counter<"provider" | "model">;
  readonly llmUnpricedTokens: Counter<"provider" | "model">;
  readonly validations: Counter<"result" | "error_category">;
  readonly corrections: Histogram<"result">;
  readonly confidence: Histogram;
  readonly toolCalls: Counter<"tool" | "status">;
  readonly toolDuration: Histogram<"tool">;
  readonly retrieverCalls: Counter<"retriever" | "status">;
  readonly retrieverDuration: Histogram<"retriever">;
  readonly internalErrors: Counter;
  readonly spansDropped: Counter;
  readonly runsReaped: Counter;
  readonly sampledTraces: Counter<"decision" | "reason">;
  readonly spooled: Counter<"backend">;
  readonly spoolReplayed: Counter<"backend">;
  readonly spoolDropped: Counter<"backend" | "reason">;
  readonly spoolBytes: Gauge<"backend">;

  private readonly providers: LabelGuard;
  private readonly models: LabelGuard;
  private readonly intents: LabelGuard;
  private readonly errorTypes: LabelGuard;
  private readonly errorCategories: LabelGuard;
  private readonly tools: LabelGuard;
  private readonly retrievers: LabelGuard;

  // Hot-path series (see series.ts), by label values; every key is made of bounded label values.
  /** By provider label, then model label. */
  private readonly modelSeries = new Map<string, Map<string, ModelSeries>>();
  private readonly stageLatency = new Map<string, HistogramSeries>();
  private readonly queryCounts = new Map<string, CounterSeries>();
  private readonly validSeries: CounterSeries;
  private readonly invalidCounts = new Map<string, CounterSeries>();
  private readonly confidenceSeries: HistogramSeries;
  private readonly correctionSeries: { success: HistogramSeries; failed: HistogramSeries };
  private readonly activeSeries: GaugeSeries;
  /** The series of the last LLM call, by its raw provider and model. */
  private lastProvider = "";
  private lastModel = "";
  private lastSeries: ModelSeries | undefined = undefined;

  constructor(private readonly options: ResolvedMetricsOptions) {
    const o = options;
    const registers = [o.registry];
    const n = (key: keyof typeof METRIC_NAMES) => o.prefix + METRIC_NAMES[key];
    const exemplars = o.exemplars;
    const max = o.maxLabelValues;
    this.providers = new LabelGuard(max);
    this.models = new LabelGuard(max);
    this.intents = new LabelGuard(max);
    this.errorTypes = new LabelGuard(max);
    this.errorCategories = new LabelGuard(max);
    this.tools = new LabelGuard(max);
    this.retrievers = new LabelGuard(max);
    this.queries = new Counter({ name: n("queries"), help: "Workflow runs, by intent and status (the outcome: success, failed, error, interrupted, abandoned, needs_clarification, cannot_answer).", labelNames: ["intent", "status"], registers });
    this.queryLatency = new Histogram({ name: n("queryLatency"), help: 'Duration of workflow stages, and of whole runs as stage="total".', labelNames: ["stage"], buckets: o.latencyBuckets, registers, enableExemplars: exemplars });
    this.activeQueries = new Gauge({ name: n("activeQueries"), help: "Workflow runs in flight.", registers });
    this.llmCalls = new Counter({ name: n("llmCalls"), help: "LLM calls, by operation (the workflow stage), provider and model (the one that answered).", labelNames: ["operation", "provider", "model"], registers });
    this.llmTokens = new Counter({ name: n("llmTokens"), help: "LLM tokens, by type, provider and model. Types are disjoint: input (neither read from nor written to the prompt cache), cache_read, cache_write, output (not reasoning), reasoning; their sum is what the provider billed.", labelNames: ["type", "provider", "model"], registers });
    this.llmLatency = new Histogram({ name: n("llmLatency"), help: "Duration of LLM calls, by operation, provider and model.", labelNames: ["operation", "provider", "model"], buckets: o.llmLatencyBuckets, registers, enableExemplars: exemplars });
    this.llmErrors = new Counter({ name: n("llmErrors"), help: "Failed LLM calls, by operation, provider and error type.", labelNames: ["operation", "provider", "error_type"], registers });
    this.llmCost = new Counter({ name: n("llmCost"), help: "Estimated LLM cost in US dollars, by provider and model (list prices of @pydantic/genai-prices, or your own).", labelNames: ["provider", "model"], registers });
    this.llmUnpricedTokens = new Counter({ name: n("llmUnpricedTokens"), help: "Tokens of calls with no known price (their cost is not in llm_cost_dollars_total), by provider and model.", labelNames: ["provider", "model"], registers });
    // Which price data the cost counter is in (a price change shows as a new version, not a silent step).
    new Gauge({ name: n("priceData"), help: "The price data LLM costs are computed with: source package and version (value 1).", labelNames: ["source", "version"], registers }).set({ source: PRICE_DATA_SOURCE, version: priceDataVersion() }, 1);
    this.validations = new Counter({ name: n("validations"), help: "Query validation results (valid, invalid), by error category.", labelNames: ["result", "error_category"], registers });
    this.corrections = new Histogram({ name: n("corrections"), help: "Correction attempts per validated run, by final result (success, failed).", labelNames: ["result"], buckets: [...CORRECTION_BUCKETS], registers });
    this.confidence = new Histogram({ name: n("confidence"), help: "Reported confidence of intent classification and generated queries, in [0, 1].", buckets: [...CONFIDENCE_BUCKETS], registers });
    this.toolCalls = new Counter({ name: n("toolCalls"), help: "Tool calls, by tool and status (ok, error).", labelNames: ["tool", "status"], registers });
    this.toolDuration = new Histogram({ name: n("toolDuration"), help: "Duration of tool calls, by tool.", labelNames: ["tool"], buckets: o.latencyBuckets, registers, enableExemplars: exemplars });
    this.retrieverCalls = new Counter({ name: n("retrieverCalls"), help: "Retriever calls, by retriever and status (ok, error).", labelNames: ["retriever", "status"], registers });
    this.retrieverDuration = new Histogram({ name: n("retrieverDuration"), help: "Duration of retriever calls, by retriever.", labelNames: ["retriever"], buckets: o.latencyBuckets, registers, enableExemplars: exemplars });
    this.internalErrors = new Counter({ name: n("internalErrors"), help: "Internal errors of langgraph-telemetry, swallowed so the workflow never saw them.", registers });
    this.spansDropped = new Counter({ name: n("spansDropped"), help: "Spans dropped before export (queue full or exporter failing).", registers });
    this.runsReaped = new Counter({ name: n("runsReaped"), help: "Runs that never ended and were ended by the tracer as abandoned (idle for its runTtlMs, or still open when their parent ended).", registers });
    this.sampledTraces = new Counter({ name: n("sampledTraces"), help: "Tail sampling decisions, one per trace: decision (kept, dropped) and reason (ratio, upstream, outcome; overflow, expired, shutdown).", labelNames: ["decision", "reason"], registers });
    this.spooled = new Counter({ name: n("spooled"), help: "Items (spans, log records, scores) written to the export spool because their backend did not take them, by backend.", labelNames: ["backend"], registers });
    this.spoolReplayed = new Counter({ name: n("spoolReplayed"), help: "Items delivered from the export spool, by backend.", labelNames: ["backend"], registers });
    this.spoolDropped = new Counter({ name: n("spoolDropped"), help: "Items lost from the export spool, by backend and reason (cap: oldest removed past maxBytes; corrupt: torn or corrupt file; unwritable; refused on replay).", labelNames: ["backend", "reason"], registers });
    this.spoolBytes = new Gauge({ name: n("spoolBytes"), help: "Bytes the export spool holds on disk, by backend.", labelNames: ["backend"], registers });
    this.activeSeries = new GaugeSeries(this.activeQueries, {});
    this.validSeries = new CounterSeries(this.validations, { result: "valid", error_category: "none" });
    this.confidenceSeries = new HistogramSeries(this.confidence, {}, CONFIDENCE_BUCKETS);
    this.correctionSeries = {
      success: new HistogramSeries(this.corrections, { result: "success" }, CORRECTION_BUCKETS),
      failed: new HistogramSeries(this.corrections, { result: "failed" }, CORRECTION_BUCKETS),
    };
  }

  // ---------------------------------------------------------------- what WorkflowMetrics' record methods add

  validation(valid: boolean, errorCategory: string | undefined): void {
    if (valid) {
      this.validSeries.inc(1);
      return;
    }
    const category = this.errorCategories.value(errorCategory, "unknown");
    const series =
      this.invalidCounts.get(category) ?? made(this.invalidCounts, category, (keep) => new CounterSeries(this.validations, { result: "invalid", error_category: category }, keep));
    series.inc(1);
  }

  correction(attempts: number, success: boolean): void {
    if (Number.isFinite(attempts) && attempts >= 0) (success ? this.correctionSeries.success : this.correctionSeries.failed).observe(attempts);
  }

  confidenceOf(confidence: number): void {
    if (Number.isFinite(confidence)) this.confidenceSeries.observe(Math.min(1, Math.max(0, confidence)));
  }

  query(intent: string | undefined, outcome: WorkflowOutcome, durationSeconds: number, traceId: string | undefined): void {
    this.queryCount(intent, outcome).inc(1);
    this.observeStage("total", durationSeconds, traceId);
  }

  // ---------------------------------------------------------------- TelemetrySink (fed by the tracer)

  workflowStarted(): void {
    this.activeSeries.add(1);
  }

  workflowEnded(info: WorkflowEndInfo): void {
    this.activeSeries.add(-1);
    this.query(info.intent, info.outcome, info.durationSeconds, info.traceId);
    if (info.valid !== undefined) this.correction(info.corrections, info.valid);
  }

  nodeEnded(info: StepInfo): void {
    this.observeStage(info.name, info.durationSeconds, info.traceId);
  }

  /** The call, its latency, tokens and cost: the record's numbers, under bounded labels. */
  llmEnded(call: LlmCall): void {
    const series = this.seriesOf(call.provider, call.model);
    const stage = call.stage;
    (series.calls.get(stage) ?? made(series.calls, stage, (keep) => new CounterSeries(this.llmCalls, { operation: stage, provider: series.provider, model: series.model }, keep))).inc(1);
    this.observeLlm(series, stage, call.durationSeconds, call.traceId);
    if (call.errorType !== undefined) this.llmErrors.inc({ operation: stage, provider: series.provider, error_type: this.errorTypes.value(call.errorType, "unknown") });
    const usage = call.usage;
    if (usage === undefined) return;
    if (usage.input > 0) series.input.inc(usage.input);
    if (usage.cacheRead > 0) series.cacheRead.inc(usage.cacheRead);
    if (usage.cacheWrite > 0) series.cacheWrite.inc(usage.cacheWrite);
    if (usage.output > 0) series.output.inc(usage.output);
    if (usage.reasoning > 0) series.reasoning.inc(usage.reasoning);
    const cost = call.cost;
    if (cost === undefined) {
      if (usage.total > 0) series.unpriced.inc(usage.total);
    } else if (cost.total > 0) {
      series.cost.inc(cost.total);
    }
  }

  toolEnded(info: StepInfo): void {
    const label = this.tools.value(info.name, "unknown");
    this.toolCalls.inc({ tool: label, status: info.failed ? "error" : "ok" });
    observe(this.toolDuration, this.options.exemplars, { tool: label }, info.durationSeconds, info.traceId);
  }

  retrieverEnded(info: StepInfo): void {
    const label = this.retrievers.value(info.name, "unknown");
    this.retrieverCalls.inc({ retriever: label, status: info.failed ? "error" : "ok" });
    observe(this.retrieverDuration, this.options.exemplars, { retriever: label }, info.durationSeconds, info.traceId);
  }

  resultsReported(results: NodeResults): void {
    if (typeof results.valid === "boolean") this.validation(results.valid, results.errorCategory);
    if (typeof results.confidence === "number") this.confidenceOf(results.confidence);
  }

  internalError(): void {
    this.internalErrors.inc();
  }

  runReaped(): void {
    this.runsReaped.inc();
  }

  // ---------------------------------------------------------------- hot-path series

  private seriesOf(rawProvider: string, rawModel: string): ModelSeries {
    // Calls come in runs of one model: the last (provider, model) skips both guards and both maps (a raw
    // value's label never changes once given).
    const last = this.lastSeries;
    if (last !== undefined && rawProvider === this.lastProvider && rawModel === this.lastModel) return last;
    const series = this.seriesFor(rawProvider, rawModel);
    this.lastProvider = rawProvider;
    this.lastModel = rawModel;
    this.lastSeries = series;
    return series;
  }

  private seriesFor(rawProvider: string, rawModel: string): ModelSeries {
    const provider = this.providers.value(rawProvider, "unknown");
    const model = this.models.value(rawModel, "unknown");
    let byModel = this.modelSeries.get(provider);
    if (byModel === undefined) this.modelSeries.set(provider, (byModel = new Map()));
    let series = byModel.get(model);
    if (series === undefined) {
      const tokens = (type: (typeof TOKEN_TYPES)[number]) => new CounterSeries(this.llmTokens, { type, provider, model });
      series = {
        provider,
        model,
        calls: new Map(),
        latency: new Map(),
        input: tokens("input"),
        cacheRead: tokens("cache_read"),
        cacheWrite: tokens("cache_write"),
        output: tokens("output"),
        reasoning: tokens("reasoning"),
        cost: new CounterSeries(this.llmCost, { provider, model }),
        unpriced: new CounterSeries(this.llmUnpricedTokens, { provider, model }),
      };
      // Both labels are bounded, so these maps are too.
      byModel.set(model, series);
    }
    return series;
  }

  private observeLlm(series: ModelSeries, stage: string, durationSeconds: number, traceId: string | undefined): void {
    // Exemplars go through prom-client's own observe, which stores them.
    if (this.options.exemplars || !Number.isFinite(durationSeconds)) {
      observe(this.llmLatency, this.options.exemplars, { operation: stage, provider: series.provider, model: series.model }, durationSeconds, traceId);
      return;
    }
    const latency =
      series.latency.get(stage) ??
      made(series.latency, stage, (keep) => new HistogramSeries(this.llmLatency, { operation: stage, provider: series.provider, model: series.model }, this.options.llmLatencyBuckets, keep));
    latency.observe(durationSeconds);
  }

  private queryCount(intent: string | undefined, outcome: WorkflowOutcome): CounterSeries {
    const label = this.intents.value(intent, "unknown");
    const key = `${label}\u0000${outcome}`;
    return this.queryCounts.get(key) ?? made(this.queryCounts, key, (keep) => new CounterSeries(this.queries, { intent: label, status: outcome }, keep));
  }

  private observeStage(stage: string, durationSeconds: number, traceId: string | undefined): void {
    if (this.options.exemplars || !Number.isFinite(durationSeconds)) {
      observe(this.queryLatency, this.options.exemplars, { stage }, durationSeconds, traceId);
      return;
    }
    const series = this.stageLatency.get(stage) ?? made(this.stageLatency, stage, (keep) => new HistogramSeries(this.queryLatency, { stage }, this.options.latencyBuckets, keep));
    series.observe(durationSeconds);
  }
}
