import { Counter, Gauge, Histogram, type LabelValues, type Registry, type RegistryContentType } from "prom-client";
import type { LlmUsage } from "../tracer/llm-info.js";
import type { CostBreakdown, LlmCallInfo, StepInfo, TelemetrySink, WorkflowEndInfo } from "../tracer/sink.js";
import { WORKFLOW_OUTCOMES, type NodeResults, type WorkflowOutcome } from "../types.js";
import { LabelGuard } from "./label-guard.js";
import { registeredOn, remember } from "./registered.js";
import { resolveMetricsOptions, type ResolvedMetricsOptions, type WorkflowMetricsOptions } from "./options.js";
import { PRICE_DATA_SOURCE, priceDataVersion } from "../pricing/catalog.js";
import { normalizeModelName, PriceBook } from "../pricing/pricing.js";
import { CounterSeries, HistogramSeries } from "./series.js";

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
 * A histogram created with `enableExemplars` only accepts prom-client's object form of observe(); the
 * trace id, when there is one, becomes the exemplar.
 */
function observe<T extends string>(histogram: Histogram<T>, exemplars: boolean, labels: LabelValues<T>, value: number, traceId: string | undefined): void {
  if (!exemplars) histogram.observe(labels, value);
  else if (traceId === undefined) histogram.observe({ labels, value });
  else histogram.observe({ labels, value, exemplarLabels: { trace_id: traceId } as unknown as LabelValues<T> });
}

/** The series one model label needs on every LLM call, made on its first call. */
interface ModelSeries {
  label: string;
  calls: Map<string, CounterSeries>;
  latency: Map<string, HistogramSeries>;
  input: CounterSeries;
  cached: CounterSeries;
  output: CounterSeries;
  reasoning: CounterSeries;
  cost: CounterSeries;
  unpriced: CounterSeries;
}

/** Cached lookups (model names, series) stop growing here; label values are bounded separately. */
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
 * Prometheus metrics of LLM workflows (prom-client): runs, stage latency, LLM calls, tokens, cost, errors,
 * validation, corrections, confidence, tools, retrievers, and the library's own health.
 *
 * Hand it to the tracer (`new WorkflowTracer({ metrics })`) and it is fed in the same callback pass that
 * makes spans; or call its `record*` methods from code that is not a LangGraph node.
 */
export class WorkflowMetrics implements TelemetrySink {
  // `!`: assigned in the constructor, except when it returns the instance already registered (then unused).
  readonly registry!: Registry<RegistryContentType>;
  readonly prefix!: string;
  private readonly options!: ResolvedMetricsOptions;
  private readonly prices!: PriceBook;

  private readonly queries!: Counter<"intent" | "status">;
  private readonly queryLatency!: Histogram<"stage">;
  private readonly activeQueries!: Gauge;
  private readonly llmCalls!: Counter<"operation" | "model">;
  private readonly llmTokens!: Counter<"type" | "model">;
  private readonly llmLatency!: Histogram<"operation" | "model">;
  private readonly llmErrors!: Counter<"operation" | "error_type">;
  private readonly llmCost!: Counter<"model">;
  private readonly llmUnpricedTokens!: Counter<"model">;
  private readonly validations!: Counter<"result" | "error_category">;
  private readonly corrections!: Histogram<"result">;
  private readonly confidence!: Histogram;
  private readonly toolCalls!: Counter<"tool" | "status">;
  private readonly toolDuration!: Histogram<"tool">;
  private readonly retrieverCalls!: Counter<"retriever" | "status">;
  private readonly retrieverDuration!: Histogram<"retriever">;
  private readonly internalErrors!: Counter;
  private readonly spansDropped!: Counter;
  private readonly runsReaped!: Counter;
  private readonly sampledTraces!: Counter<"decision" | "reason">;
  private readonly spooled!: Counter<"backend">;
  private readonly spoolReplayed!: Counter<"backend">;
  private readonly spoolDropped!: Counter<"backend" | "reason">;
  private readonly spoolBytes!: Gauge<"backend">;

  private readonly models!: LabelGuard;
  private readonly intents!: LabelGuard;
  private readonly errorTypes!: LabelGuard;
  private readonly errorCategories!: LabelGuard;
  private readonly tools!: LabelGuard;
  private readonly retrievers!: LabelGuard;

  // Hot-path series (see series.ts), by label value; every key is a bounded label value.
  private readonly modelLabels = new Map<string, string>();
  private readonly modelSeries = new Map<string, ModelSeries>();
  private readonly stageLatency = new Map<string, HistogramSeries>();
  private readonly queryCounts = new Map<string, CounterSeries>();
  private readonly validSeries!: CounterSeries;
  private readonly invalidCounts = new Map<string, CounterSeries>();
  private readonly confidenceSeries!: HistogramSeries;
  private readonly correctionSeries!: { success: HistogramSeries; failed: HistogramSeries };

  constructor(options?: WorkflowMetricsOptions) {
    const o = resolveMetricsOptions(options);
    // prom-client users expect a second registration (hot reload, a re-imported module) to get the registered
    // metrics back: the same options return the instance already on the registry, other options are a clash.
    const existing = registeredOn<WorkflowMetrics>(o, (m) => o.registry.getSingleMetric(o.prefix + METRIC_NAMES.queries) === m.queries);
    if (existing !== undefined) return existing as this;
    this.options = o;
    this.registry = o.registry;
    this.prefix = o.prefix;
    for (const name of Object.values(METRIC_NAMES)) {
      if (o.registry.getSingleMetric(o.prefix + name) !== undefined) {
        throw new Error(
          `WorkflowMetrics: the registry already has a metric named ${o.prefix + name}. Create one WorkflowMetrics per registry and share it, or give this one another prefix.`,
        );
      }
    }
    this.prices = new PriceBook(o.pricing);
    const max = o.maxLabelValues;
    this.models = new LabelGuard(max);
    this.intents = new LabelGuard(max);
    this.errorTypes = new LabelGuard(max);
    this.errorCategories = new LabelGuard(max);
    this.tools = new LabelGuard(max);
    this.retrievers = new LabelGuard(max);

    const registers = [o.registry];
    const n = (key: keyof typeof METRIC_NAMES) => o.prefix + METRIC_NAMES[key];
    const exemplars = o.exemplars;
    this.queries = new Counter({ name: n("queries"), help: "Workflow runs, by intent and status (the outcome: success, failed, error, interrupted, abandoned).", labelNames: ["intent", "status"], registers });
    this.queryLatency = new Histogram({ name: n("queryLatency"), help: 'Duration of workflow stages, and of whole runs as stage="total".', labelNames: ["stage"], buckets: o.latencyBuckets, registers, enableExemplars: exemplars });
    this.activeQueries = new Gauge({ name: n("activeQueries"), help: "Workflow runs in flight.", registers });
    this.llmCalls = new Counter({ name: n("llmCalls"), help: "LLM calls, by operation (the workflow stage) and model.", labelNames: ["operation", "model"], registers });
    this.llmTokens = new Counter({ name: n("llmTokens"), help: "LLM tokens, by type and model. Types are disjoint: input (not cached), cached (input read from the prompt cache), output (not reasoning), reasoning.", labelNames: ["type", "model"], registers });
    this.llmLatency = new Histogram({ name: n("llmLatency"), help: "Duration of LLM calls, by operation and model.", labelNames: ["operation", "model"], buckets: o.llmLatencyBuckets, registers, enableExemplars: exemplars });
    this.llmErrors = new Counter({ name: n("llmErrors"), help: "Failed LLM calls, by operation and error type.", labelNames: ["operation", "error_type"], registers });
    this.llmCost = new Counter({ name: n("llmCost"), help: "Estimated LLM cost in US dollars, by model (list prices of @pydantic/genai-prices, or your own).", labelNames: ["model"], registers });
    this.llmUnpricedTokens = new Counter({ name: n("llmUnpricedTokens"), help: "Tokens of models with no known price (counted at zero cost), by model.", labelNames: ["model"], registers });
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
    remember(o, this);
    this.validSeries = new CounterSeries(this.validations, { result: "valid", error_category: "none" });
    this.confidenceSeries = new HistogramSeries(this.confidence, {}, CONFIDENCE_BUCKETS);
    this.correctionSeries = {
      success: new HistogramSeries(this.corrections, { result: "success" }, CORRECTION_BUCKETS),
      failed: new HistogramSeries(this.corrections, { result: "failed" }, CORRECTION_BUCKETS),
    };
  }

  // ---------------------------------------------------------------- public record methods

  /** Record a validation result (for code that is not a traced node). */
  recordValidation(valid: boolean, errorCategory?: string): void {
    if (valid) {
      this.validSeries.inc(1);
      return;
    }
    const category = this.errorCategories.value(errorCategory, "unknown");
    const series =
      this.invalidCounts.get(category) ?? made(this.invalidCounts, category, (keep) => new CounterSeries(this.validations, { result: "invalid", error_category: category }, keep));
    series.inc(1);
  }

  /** Record how many correction attempts a run needed, and whether it ended with a valid query. */
  recordCorrection(attempts: number, success: boolean): void {
    if (Number.isFinite(attempts) && attempts >= 0) (success ? this.correctionSeries.success : this.correctionSeries.failed).observe(attempts);
  }

  /** Record a confidence in [0, 1]. */
  recordConfidence(confidence: number): void {
    if (Number.isFinite(confidence)) this.confidenceSeries.observe(Math.min(1, Math.max(0, confidence)));
  }

  /** Record a finished query (for workflows not traced by WorkflowTracer). */
  recordQuery(intent: string | undefined, outcome: WorkflowOutcome, durationSeconds: number): void {
    if (!WORKFLOW_OUTCOMES.includes(outcome)) throw new TypeError(`WorkflowMetrics.recordQuery: invalid outcome ${JSON.stringify(outcome)}. Expected one of ${WORKFLOW_OUTCOMES.join(", ")}.`);
    this.queryCount(intent, outcome).inc(1);
    this.observeStage("total", durationSeconds, undefined);
  }

  /** Count spans dropped by an export pipeline (the exporters of `setupTelemetry` call this). */
  /** Count one tail sampling decision (called by `TailSamplingProcessor`). */
  recordSampling(decision: "kept" | "dropped", reason: string): void {
    this.sampledTraces.inc({ decision, reason });
  }

  recordSpansDropped(count: number): void {
    if (Number.isFinite(count) && count > 0) this.spansDropped.inc(count);
  }

  /** @internal Count what the export spool wrote or delivered (called by `setupTelemetry`'s spool; backend is one of four names). */
  recordSpool(backend: string, event: "spooled" | "replayed", count: number): void {
    if (count > 0) (event === "spooled" ? this.spooled : this.spoolReplayed).inc({ backend }, count);
  }

  /** @internal Count items lost from the export spool (reason is one of four names). */
  recordSpoolDropped(backend: string, reason: string, count: number): void {
    if (count > 0) this.spoolDropped.inc({ backend, reason }, count);
  }

  /** @internal Bytes the export spool holds for `backend`. */
  setSpoolBytes(backend: string, bytes: number): void {
    this.spoolBytes.set({ backend }, bytes);
  }

  /** Cost of a call to `model` with `usage`, by the configured price table (undefined if unpriced). */
  costOf(model: string, usage: LlmUsage, provider?: string): CostBreakdown | undefined {
    return this.prices.costOf(model, usage, provider);
  }

  // ---------------------------------------------------------------- TelemetrySink (fed by WorkflowTracer)

  /** @internal */
  workflowStarted(): void {
    this.activeQueries.inc();
  }

  /** @internal */
  workflowEnded(info: WorkflowEndInfo): void {
    this.activeQueries.dec();
    this.queryCount(info.intent, info.outcome).inc(1);
    this.observeStage("total", info.durationSeconds, info.traceId);
    if (info.valid !== undefined) this.recordCorrection(info.corrections, info.valid);
  }

  /** @internal */
  nodeEnded(info: StepInfo): void {
    this.observeStage(info.name, info.durationSeconds, info.traceId);
  }

  /** @internal The call, its latency, tokens and cost (priced by the tracer). */
  llmEnded(info: LlmCallInfo): void {
    const series = this.seriesOfModel(info.model);
    this.llmCall(series, info.stage).inc(1);
    this.observeLlm(series, info.stage, info.durationSeconds, info.traceId);
    if (info.errorType !== undefined) this.llmErrors.inc({ operation: info.stage, error_type: this.errorTypes.value(info.errorType, "unknown") });
    const usage = info.usage;
    if (usage === undefined) return;
    const cached = usage.cacheRead;
    const input = Math.max(0, usage.input - cached);
    const reasoning = usage.reasoning;
    const output = Math.max(0, usage.output - reasoning);
    if (input > 0) series.input.inc(input);
    if (cached > 0) series.cached.inc(cached);
    if (output > 0) series.output.inc(output);
    if (reasoning > 0) series.reasoning.inc(reasoning);
    if (info.cost === undefined) {
      const tokens = usage.input + usage.output;
      if (tokens > 0) series.unpriced.inc(tokens);
    } else if (info.cost.total > 0) {
      series.cost.inc(info.cost.total);
    }
  }

  /** @internal */
  toolEnded(info: StepInfo): void {
    const label = this.tools.value(info.name, "unknown");
    this.toolCalls.inc({ tool: label, status: info.failed ? "error" : "ok" });
    observe(this.toolDuration, this.options.exemplars, { tool: label }, info.durationSeconds, info.traceId);
  }

  /** @internal */
  retrieverEnded(info: StepInfo): void {
    const label = this.retrievers.value(info.name, "unknown");
    this.retrieverCalls.inc({ retriever: label, status: info.failed ? "error" : "ok" });
    observe(this.retrieverDuration, this.options.exemplars, { retriever: label }, info.durationSeconds, info.traceId);
  }

  /** @internal */
  resultsReported(results: NodeResults): void {
    if (typeof results.valid === "boolean") this.recordValidation(results.valid, results.errorCategory);
    if (typeof results.confidence === "number") this.recordConfidence(results.confidence);
  }

  /** @internal */
  internalError(): void {
    this.internalErrors.inc();
  }

  /** @internal */
  runReaped(): void {
    this.runsReaped.inc();
  }

  // ---------------------------------------------------------------- hot-path series

  /** The bounded label of a model name (normalised, then guarded), cached per raw name. */
  private modelLabel(model: string): string {
    let label = this.modelLabels.get(model);
    if (label === undefined) {
      label = this.models.value(normalizeModelName(model), "unknown");
      if (this.modelLabels.size < MAX_CACHED) this.modelLabels.set(model, label);
    }
    return label;
  }

  private seriesOfModel(model: string): ModelSeries {
    const label = this.modelLabel(model);
    let series = this.modelSeries.get(label);
    if (series === undefined) {
      const tokens = (type: string) => new CounterSeries(this.llmTokens, { type, model: label });
      series = {
        label,
        calls: new Map(),
        latency: new Map(),
        input: tokens("input"),
        cached: tokens("cached"),
        output: tokens("output"),
        reasoning: tokens("reasoning"),
        cost: new CounterSeries(this.llmCost, { model: label }),
        unpriced: new CounterSeries(this.llmUnpricedTokens, { model: label }),
      };
      // Labels are bounded by the model guard, so this map is too.
      this.modelSeries.set(label, series);
    }
    return series;
  }

  private llmCall(series: ModelSeries, stage: string): CounterSeries {
    return series.calls.get(stage) ?? made(series.calls, stage, (keep) => new CounterSeries(this.llmCalls, { operation: stage, model: series.label }, keep));
  }

  private observeLlm(series: ModelSeries, stage: string, durationSeconds: number, traceId: string | undefined): void {
    // Exemplars go through prom-client's own observe, which stores them.
    if (this.options.exemplars || !Number.isFinite(durationSeconds)) {
      observe(this.llmLatency, this.options.exemplars, { operation: stage, model: series.label }, durationSeconds, traceId);
      return;
    }
    const latency =
      series.latency.get(stage) ??
      made(series.latency, stage, (keep) => new HistogramSeries(this.llmLatency, { operation: stage, model: series.label }, this.options.llmLatencyBuckets, keep));
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
