import type { Registry, RegistryContentType } from "prom-client";
import { PriceBook } from "../pricing/pricing.js";
import type { CostBreakdown, TokenUsage } from "../shared/llm-call.js";
import { TELEMETRY_PARTS, type TelemetryParts } from "../shared/sink.js";
import { WORKFLOW_OUTCOMES, type WorkflowOutcome } from "../shared/workflow.js";
import { resolveMetricsOptions, type WorkflowMetricsOptions } from "./options.js";
import { METRIC_NAMES, PromSink } from "./prom-sink.js";
import { registeredOn, remember } from "./registered.js";

export { METRIC_NAMES } from "./prom-sink.js";

/**
 * Prometheus metrics of LLM workflows (prom-client): runs, stage latency, LLM calls, tokens, cost, errors,
 * validation, corrections, confidence, tools, retrievers, and the library's own health.
 *
 * Hand it to the tracer (`new WorkflowTracer({ metrics })`) and it is fed in the same callback pass that
 * makes spans; or call its `record*` methods from code that is not a LangGraph node.
 */
export class WorkflowMetrics {
  // `!`: assigned in the constructor, except when it returns the instance already registered (then unused).
  readonly registry!: Registry<RegistryContentType>;
  readonly prefix!: string;
  /** @internal What the tracer feeds and prices with: not part of the API, and not in the published types. */
  readonly [TELEMETRY_PARTS]!: TelemetryParts;
  readonly #prices!: PriceBook;
  readonly #sink!: PromSink;

  constructor(options?: WorkflowMetricsOptions) {
    const o = resolveMetricsOptions(options);
    // prom-client users expect a second registration (hot reload, a re-imported module) to get the registered
    // metrics back: the same options return the instance already on the registry, other options are a clash.
    // (Read through the registered symbol: the instance may come from a second copy of this package.)
    const existing = registeredOn<WorkflowMetrics>(o, (m) => o.registry.getSingleMetric(o.prefix + METRIC_NAMES.queries) === (m[TELEMETRY_PARTS]?.sink as { queries?: unknown } | undefined)?.queries);
    if (existing !== undefined) return existing as this;
    this.registry = o.registry;
    this.prefix = o.prefix;
    for (const name of Object.values(METRIC_NAMES)) {
      if (o.registry.getSingleMetric(o.prefix + name) !== undefined) {
        throw new Error(
          `WorkflowMetrics: the registry already has a metric named ${o.prefix + name}. Create one WorkflowMetrics per registry and share it, or give this one another prefix.`,
        );
      }
    }
    this.#prices = new PriceBook(o.pricing);
    this.#sink = new PromSink(o);
    this[TELEMETRY_PARTS] = { sink: this.#sink, pricer: this.#prices };
    remember(o, this);
  }

  /** Record a validation result (for code that is not a traced node). */
  recordValidation(valid: boolean, errorCategory?: string): void {
    this.#sink.validation(valid, errorCategory);
  }

  /** Record how many correction attempts a run needed, and whether it ended with a valid query. */
  recordCorrection(attempts: number, success: boolean): void {
    this.#sink.correction(attempts, success);
  }

  /** Record a confidence in [0, 1]. */
  recordConfidence(confidence: number): void {
    this.#sink.confidenceOf(confidence);
  }

  /** Record a finished query (for workflows not traced by WorkflowTracer). */
  recordQuery(intent: string | undefined, outcome: WorkflowOutcome, durationSeconds: number): void {
    if (!WORKFLOW_OUTCOMES.includes(outcome)) throw new TypeError(`WorkflowMetrics.recordQuery: invalid outcome ${JSON.stringify(outcome)}. Expected one of ${WORKFLOW_OUTCOMES.join(", ")}.`);
    this.#sink.query(intent, outcome, durationSeconds, undefined);
  }

  /** Count one tail sampling decision (called by `TailSamplingProcessor`). */
  recordSampling(decision: "kept" | "dropped", reason: string): void {
    this.#sink.sampledTraces.inc({ decision, reason });
  }

  /** Count spans dropped by an export pipeline (the exporters of `setupTelemetry` call this). */
  recordSpansDropped(count: number): void {
    if (Number.isFinite(count) && count > 0) this.#sink.spansDropped.inc(count);
  }

  /** @internal Count what the export spool wrote or delivered (called by `setupTelemetry`'s spool; backend is one of four names). */
  recordSpool(backend: string, event: "spooled" | "replayed", count: number): void {
    if (count > 0) (event === "spooled" ? this.#sink.spooled : this.#sink.spoolReplayed).inc({ backend }, count);
  }

  /** @internal Count items lost from the export spool (reason is one of four names). */
  recordSpoolDropped(backend: string, reason: string, count: number): void {
    if (count > 0) this.#sink.spoolDropped.inc({ backend, reason }, count);
  }

  /** @internal Bytes the export spool holds for `backend`. */
  setSpoolBytes(backend: string, bytes: number): void {
    this.#sink.spoolBytes.set({ backend }, bytes);
  }

  /**
   * What a call to `model` (served by `provider`, a `gen_ai.provider.name` such as `openai`) with `usage` (disjoint
   * buckets; missing ones are 0) costs by this instance's prices: its `pricing` over the catalogue. Undefined
   * when the model has no price.
   */
  costOf(model: string, usage: Partial<Pick<TokenUsage, "input" | "cacheRead" | "cacheWrite" | "output" | "reasoning">>, provider?: string): CostBreakdown | undefined {
    return this.#prices.costOf(model, usage, provider);
  }
}
