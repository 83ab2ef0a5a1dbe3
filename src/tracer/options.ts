import { metrics as metricsApi, type TracerProvider } from "@opentelemetry/api";
import { GenAiMetrics } from "../metrics/genai-metrics.js";
import { teeSinks } from "./tee-sink.js";
import { checkPricing, PriceBook } from "../pricing/pricing.js";
import type { LlmUsage } from "./llm-info.js";
import type { CostBreakdown, TelemetrySink } from "./sink.js";
import { WORKFLOW_STAGES, type RedactHook, type WorkflowStage, type WorkflowTracerOptions } from "../types.js";

export interface ResolvedTracerOptions {
  tracerProvider: TracerProvider | undefined;
  /** Every metrics backend fed by the tracer: the prom-client `metrics`, then the OpenTelemetry GenAI metrics. */
  metrics: TelemetrySink | undefined;
  /** Cost of one LLM call: the tracer's own prices, else the metrics' (each over the price catalogue), else the catalogue. */
  costOf: (model: string, usage: LlmUsage, provider: string | undefined) => CostBreakdown | undefined;
  stages: ReadonlyMap<string, WorkflowStage>;
  inferStages: boolean;
  /** 0 when content capture is off. */
  contentLimit: number;
  redact: RedactHook | undefined;
  maxSqlLength: number;
  runTtlMs: number;
  maxActiveRuns: number;
  workflowName: string | undefined;
  metadataKeys: ReadonlySet<string> | undefined;
}

const DEFAULTS = {
  inferStages: true,
  captureContent: false,
  maxSqlLength: 4000,
  /** A streaming server wants abandoned runs out of `active_queries` within minutes, not at the next deploy. */
  runTtlMs: 5 * 60 * 1000,
  maxActiveRuns: 100_000,
  /** Content capture with `true`: long enough for real prompts, short enough to keep spans exportable. */
  contentLimit: 16_384,
} as const;

const KNOWN_OPTIONS = new Set([
  "tracerProvider",
  "stages",
  "inferStages",
  "captureContent",
  "redact",
  "maxSqlLength",
  "runTtlMs",
  "maxActiveRuns",
  "workflowName",
  "metadataKeys",
  "metrics",
  "pricing",
  "meterProvider",
]);

function fail(option: string, value: unknown, allowed: string): never {
  let shown: string;
  try {
    shown = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    shown = String(value);
  }
  throw new TypeError(`WorkflowTracer: invalid option ${option}: ${shown}. Expected ${allowed}.`);
}

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) fail(option, value, "a positive integer");
  return value;
}

/** Merge defaults and validate, once, at construction. Throws a TypeError naming the bad option. */
export function resolveTracerOptions(options: WorkflowTracerOptions | undefined): ResolvedTracerOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") fail("options", options, "an options object");
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(key, (options as Record<string, unknown>)[key], `one of the known options (${[...KNOWN_OPTIONS].join(", ")})`);
  }

  const provider = options.tracerProvider;
  if (provider !== undefined && (typeof provider !== "object" || provider === null || typeof provider.getTracer !== "function")) {
    fail("tracerProvider", provider, "an OpenTelemetry TracerProvider (an object with getTracer())");
  }

  const metrics = options.metrics as unknown as TelemetrySink | undefined;
  if (metrics !== undefined && (metrics === null || typeof metrics !== "object" || typeof metrics.llmEnded !== "function" || typeof metrics.workflowEnded !== "function")) {
    fail("metrics", "[not a WorkflowMetrics]", "a WorkflowMetrics instance");
  }
  const meterProvider = options.meterProvider ?? metricsApi.getMeterProvider();
  if (meterProvider !== false && (typeof meterProvider !== "object" || meterProvider === null || typeof meterProvider.getMeter !== "function")) {
    fail("meterProvider", "[not a MeterProvider]", "an OpenTelemetry MeterProvider (an object with getMeter()), or false");
  }

  const stages = new Map<string, WorkflowStage>();
  if (options.stages !== undefined) {
    if (typeof options.stages !== "object" || options.stages === null || Array.isArray(options.stages)) {
      fail("stages", options.stages, "an object mapping node names to stages");
    }
    for (const [node, stage] of Object.entries(options.stages)) {
      if (!WORKFLOW_STAGES.includes(stage)) fail(`stages.${node}`, stage, `one of ${WORKFLOW_STAGES.join(", ")}`);
      stages.set(node, stage);
    }
  }

  const inferStages = options.inferStages ?? DEFAULTS.inferStages;
  if (typeof inferStages !== "boolean") fail("inferStages", inferStages, "true or false");

  const capture = options.captureContent ?? DEFAULTS.captureContent;
  let contentLimit: number;
  if (capture === false) contentLimit = 0;
  else if (capture === true) contentLimit = DEFAULTS.contentLimit;
  else if (typeof capture === "number" && Number.isInteger(capture) && capture > 0) contentLimit = capture;
  else fail("captureContent", capture, "false, true, or a positive integer (characters to keep)");

  if (options.redact !== undefined && typeof options.redact !== "function") fail("redact", options.redact, "a function (text, info) => string");

  const workflowName = options.workflowName;
  if (workflowName !== undefined && (typeof workflowName !== "string" || workflowName.length === 0)) {
    fail("workflowName", workflowName, "a non-empty string");
  }

  let metadataKeys: Set<string> | undefined;
  if (options.metadataKeys !== undefined) {
    if (!Array.isArray(options.metadataKeys) || !options.metadataKeys.every((k) => typeof k === "string")) {
      fail("metadataKeys", options.metadataKeys, "an array of strings");
    }
    metadataKeys = new Set(options.metadataKeys);
  }

  let costOf: ResolvedTracerOptions["costOf"];
  if (options.pricing !== undefined) {
    const book = new PriceBook(checkPricing(options.pricing, fail));
    costOf = (model, usage, provider) => book.costOf(model, usage, provider);
  } else if (metrics !== undefined && typeof (metrics as { costOf?: unknown }).costOf === "function") {
    const withPrices = metrics as unknown as { costOf: ResolvedTracerOptions["costOf"] };
    costOf = (model, usage, provider) => withPrices.costOf(model, usage, provider);
  } else {
    const book = new PriceBook();
    costOf = (model, usage, provider) => book.costOf(model, usage, provider);
  }

  return {
    tracerProvider: provider,
    metrics: teeSinks(metrics, meterProvider === false ? undefined : GenAiMetrics.of(meterProvider)),
    costOf,
    stages,
    inferStages,
    contentLimit,
    redact: options.redact,
    maxSqlLength: positiveInteger("maxSqlLength", options.maxSqlLength, DEFAULTS.maxSqlLength),
    runTtlMs: positiveInteger("runTtlMs", options.runTtlMs, DEFAULTS.runTtlMs),
    maxActiveRuns: positiveInteger("maxActiveRuns", options.maxActiveRuns, DEFAULTS.maxActiveRuns),
    workflowName,
    metadataKeys,
  };
}
