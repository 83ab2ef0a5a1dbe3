/**
 * `WorkflowTracer`: the callback handler of src/tracer/ with the parts its options name — the prices calls are
 * costed with, and the metric backends it feeds (prom-client's `WorkflowMetrics`, OpenTelemetry's GenAI
 * metrics). The one place that knows all three areas, so none of them imports another.
 */
import type { MeterProvider } from "@opentelemetry/api";
import { GenAiMetrics, GlobalGenAiMetrics } from "./metrics/genai-metrics.js";
import { teeSinks } from "./metrics/tee-sink.js";
import { checkPricing, PriceBook } from "./pricing/pricing.js";
import { optionFailure } from "./shared/option-error.js";
import { TELEMETRY_PARTS, type TelemetryParts, type TelemetrySink } from "./shared/sink.js";
import { resolveRunTracerOptions, RUN_TRACER_OPTIONS, type RunTracerOptions } from "./tracer/options.js";
import { RunTracer } from "./tracer/run-tracer.js";
import type { WorkflowTracerOptions } from "./types.js";

const fail = optionFailure("WorkflowTracer");
const KNOWN_OPTIONS = new Set([...RUN_TRACER_OPTIONS, "metrics", "pricing", "meterProvider"]);

/**
 * A LangChain callback handler that turns every run of a LangChain/LangGraph invocation into
 * OpenTelemetry spans that Langfuse reads as traces, generations and observations, and feeds metrics in the
 * same pass.
 *
 * One long-lived instance serves every invocation: `graph.invoke(input, { callbacks: [tracer] })`.
 * It never throws into the workflow, never changes its result and does no I/O on the callback path.
 */
export class WorkflowTracer extends RunTracer {
  /** @throws TypeError naming the option, when an option is invalid. */
  constructor(options?: WorkflowTracerOptions) {
    if (options === undefined || options === null) options = {};
    if (typeof options !== "object") fail("options", options, "an options object");
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key)) fail(key, (options as Record<string, unknown>)[key], `one of the known options (${[...KNOWN_OPTIONS].join(", ")})`);
    }
    const parts = (options.metrics as { [TELEMETRY_PARTS]?: TelemetryParts } | undefined)?.[TELEMETRY_PARTS];
    if (options.metrics !== undefined && (parts === null || typeof parts !== "object" || typeof parts.sink?.llmEnded !== "function")) {
      fail("metrics", "[not a WorkflowMetrics]", "a WorkflowMetrics instance");
    }
    // Prices: the tracer's own, else the metrics' (each over the catalogue), else the catalogue.
    const pricer = options.pricing !== undefined ? new PriceBook(checkPricing(options.pricing, fail)) : (parts?.pricer ?? new PriceBook());
    super(resolveRunTracerOptions(options as RunTracerOptions, { sink: teeSinks(parts?.sink, otelMetricsOf(options.meterProvider)), pricer }, fail));
  }
}

/** The OpenTelemetry metrics the tracer feeds: the given provider's, none, or the global provider's once there is one. */
function otelMetricsOf(provider: MeterProvider | false | undefined): TelemetrySink | undefined {
  if (provider === false) return undefined;
  if (provider === undefined) return new GlobalGenAiMetrics();
  if (typeof provider !== "object" || provider === null || typeof provider.getMeter !== "function") {
    fail("meterProvider", "[not a MeterProvider]", "an OpenTelemetry MeterProvider (an object with getMeter()), or false");
  }
  return GenAiMetrics.of(provider);
}
