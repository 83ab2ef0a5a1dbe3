import { register as globalRegistry, Registry, type RegistryContentType } from "prom-client";
import { checkPricing, type PricingTable } from "../pricing/pricing.js";

export interface WorkflowMetricsOptions {
  /**
   * The prom-client registry to register on.
   * @default prom-client's global registry (`register`)
   */
  registry?: Registry<RegistryContentType>;
  /**
   * Prefix of every metric name: letters, digits and underscores, ending in `_` (or empty).
   * @default "langgraph_"
   */
  prefix?: string;
  /**
   * Your own prices (USD per million tokens), by model family; they win over the @pydantic/genai-prices catalogue.
   * @default {}
   */
  pricing?: PricingTable;
  /**
   * Most distinct values kept per label (model, intent, tool, error type, …); later new values become `other`.
   * @default 100
   */
  maxLabelValues?: number;
  /**
   * Buckets (seconds) of the stage and run duration histogram.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]
   */
  latencyBuckets?: number[];
  /**
   * Buckets (seconds) of the LLM call duration histogram.
   * @default [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]
   */
  llmLatencyBuckets?: number[];
  /**
   * Attach the trace id as an exemplar to duration histograms. prom-client writes exemplars only in the
   * OpenMetrics format, so this needs a registry set to it: `registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)`.
   * @default true when the registry is an OpenMetrics registry, else false
   */
  exemplars?: boolean;
}

export interface ResolvedMetricsOptions {
  registry: Registry<RegistryContentType>;
  prefix: string;
  pricing: PricingTable;
  maxLabelValues: number;
  latencyBuckets: number[];
  llmLatencyBuckets: number[];
  exemplars: boolean;
}

const DEFAULTS = {
  prefix: "langgraph_",
  maxLabelValues: 100,
  latencyBuckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  llmLatencyBuckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
} as const;

const KNOWN = new Set(["registry", "prefix", "pricing", "maxLabelValues", "latencyBuckets", "llmLatencyBuckets", "exemplars"]);
const PREFIX = /^(?:[a-zA-Z_][a-zA-Z0-9_]*_)?$/;

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(option: string, value: unknown, expected: string): never {
  throw new TypeError(`WorkflowMetrics: invalid option ${option}: ${show(value)}. Expected ${expected}.`);
}

function buckets(option: string, value: unknown, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length === 0 || !value.every((b, i) => typeof b === "number" && Number.isFinite(b) && b > 0 && (i === 0 || b > (value[i - 1] as number)))) {
    fail(option, value, "a non-empty array of increasing positive numbers (seconds)");
  }
  return [...value];
}

export function resolveMetricsOptions(options: WorkflowMetricsOptions | undefined): ResolvedMetricsOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") fail("options", options, "an options object");
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(key, (options as Record<string, unknown>)[key], `one of the known options (${[...KNOWN].join(", ")})`);

  const registry: Registry<RegistryContentType> = options.registry ?? globalRegistry;
  if (registry === null || typeof registry !== "object" || typeof registry.registerMetric !== "function" || typeof registry.getSingleMetric !== "function") {
    fail("registry", "[not a prom-client Registry]", "a prom-client Registry");
  }
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) fail("prefix", prefix, 'letters, digits and underscores, starting with a letter or underscore and ending with "_" (e.g. "text2query_"), or ""');

  const pricing = checkPricing(options.pricing, fail);

  const maxLabelValues = options.maxLabelValues ?? DEFAULTS.maxLabelValues;
  if (typeof maxLabelValues !== "number" || !Number.isInteger(maxLabelValues) || maxLabelValues < 1) fail("maxLabelValues", maxLabelValues, "a positive integer");
  const openMetrics = registry.contentType === Registry.OPENMETRICS_CONTENT_TYPE;
  const exemplars = options.exemplars ?? openMetrics;
  if (typeof exemplars !== "boolean") fail("exemplars", exemplars, "true or false");
  if (exemplars && !openMetrics) {
    fail("exemplars", exemplars, "false with this registry: prom-client writes exemplars only in OpenMetrics; call registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE) first");
  }

  return {
    registry,
    prefix,
    pricing,
    maxLabelValues,
    latencyBuckets: buckets("latencyBuckets", options.latencyBuckets, DEFAULTS.latencyBuckets),
    llmLatencyBuckets: buckets("llmLatencyBuckets", options.llmLatencyBuckets, DEFAULTS.llmLatencyBuckets),
    exemplars,
  };
}
