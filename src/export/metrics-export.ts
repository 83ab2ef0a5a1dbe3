import { metrics, type MeterProvider } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { raceDeadline } from "./batch-queue.js";
import { fail, nonEmpty, parseHeaders, positiveInt, url, type OtlpMetricsExportOptions } from "./options.js";

// ExportResultCode of @opentelemetry/core, inlined so this module loads no SDK code.
const SUCCESS = 0;
/** OpenTelemetry's default export interval (OTEL_METRIC_EXPORT_INTERVAL). */
const DEFAULT_INTERVAL_MS = 60_000;

export interface ResolvedMetricsExport {
  url: string;
  headers: Record<string, string>;
  protocol: "http/protobuf" | "http/json";
  intervalMs: number;
}

/**
 * The OTLP metrics target, from the `otlpMetrics` option or the standard variables: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
 * else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/metrics". Undefined when neither says to export metrics, or
 * OTEL_METRICS_EXPORTER is `none`.
 */
export function resolveMetricsExport(option: OtlpMetricsExportOptions | false | undefined, env: Record<string, string | undefined>): ResolvedMetricsExport | undefined {
  if (option === false) return undefined;
  // The standard switch: OTEL_METRICS_EXPORTER=none keeps metrics off when OTEL_EXPORTER_OTLP_ENDPOINT is
  // set for spans only (a traces-only backend such as Tempo).
  if (option === undefined && nonEmpty(env.OTEL_METRICS_EXPORTER)?.toLowerCase() === "none") return undefined;
  const o = option ?? {};
  if (typeof o !== "object" || o === null) fail("otlpMetrics", o, "an object of OTLP metrics options, or false");
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const target = o.url ?? nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) ?? (base !== undefined ? `${base.replace(/\/+$/, "")}/v1/metrics` : undefined);
  if (target === undefined && option === undefined) return undefined;
  if (target === undefined) fail("otlpMetrics.url", null, "the OTLP/HTTP metrics URL (http://collector:4318/v1/metrics), or OTEL_EXPORTER_OTLP_ENDPOINT in the environment");
  const protocol = o.protocol ?? nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") fail("otlpMetrics.protocol", protocol, '"http/protobuf" or "http/json" (gRPC is not supported: point at the collector\'s HTTP port, 4318)');
  const headers = o.headers ?? { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS) };
  if (typeof headers !== "object" || headers === null) fail("otlpMetrics.headers", headers, "an object of header names to values");
  const envInterval = nonEmpty(env.OTEL_METRIC_EXPORT_INTERVAL);
  const intervalMs =
    o.exportIntervalMs !== undefined ? positiveInt("otlpMetrics.exportIntervalMs", o.exportIntervalMs, DEFAULT_INTERVAL_MS) : envInterval !== undefined ? positiveInt("otlpMetrics.exportIntervalMs (from OTEL_METRIC_EXPORT_INTERVAL)", Number(envInterval), DEFAULT_INTERVAL_MS) : DEFAULT_INTERVAL_MS;
  return { url: url("otlpMetrics.url", target), headers, protocol, intervalMs };
}

function dataPoints(resourceMetrics: ResourceMetrics): number {
  let n = 0;
  for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) n += metric.dataPoints.length;
  return n;
}

/**
 * Counts what an OTLP metrics exporter delivers and loses, in data points. The reader in front of it sends
 * one export at a time on its own timer, so recording never waits on the network, and memory is bounded by
 * the attribute sets (bounded by the tracer), not by how long the backend is down. Temporality is cumulative:
 * a failed export loses that interval's report, not the totals, which the next export carries.
 */
export class CountingMetricExporter implements PushMetricExporter {
  sent = 0;
  dropped = 0;

  constructor(private readonly inner: PushMetricExporter) {
    if (inner.selectAggregationTemporality) this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: PushMetricExporter["selectAggregationTemporality"];
  selectAggregation?: PushMetricExporter["selectAggregation"];

  export(resourceMetrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const n = dataPoints(resourceMetrics);
    try {
      this.inner.export(resourceMetrics, (result) => {
        if (result.code === SUCCESS) this.sent += n;
        else this.dropped += n;
        resultCallback(result);
      });
    } catch (error) {
      this.dropped += n;
      resultCallback({ code: 1, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export interface MetricsExport {
  meterProvider: MeterProvider;
  exporter: CountingMetricExporter;
  forceFlush(deadline: number): Promise<void>;
  shutdown(deadline: number): Promise<void>;
}

/**
 * A MeterProvider exporting over OTLP/HTTP every `intervalMs`, registered globally when `register` is set so
 * `WorkflowTracer`s constructed afterwards record into it. The SDK is loaded here, on call.
 */
export async function startMetricsExport(target: ResolvedMetricsExport, resource: Resource, exportTimeoutMs: number, register: boolean): Promise<MetricsExport> {
  const [{ MeterProvider: SdkMeterProvider, PeriodicExportingMetricReader }, { OTLPMetricExporter }] = await Promise.all([
    import("@opentelemetry/sdk-metrics"),
    target.protocol === "http/json" ? import("@opentelemetry/exporter-metrics-otlp-http") : import("@opentelemetry/exporter-metrics-otlp-proto"),
  ]);
  const exporter = new CountingMetricExporter(new OTLPMetricExporter({ url: target.url, headers: target.headers, timeoutMillis: exportTimeoutMs }));
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: target.intervalMs,
    // The SDK requires timeout ≤ interval.
    exportTimeoutMillis: Math.min(exportTimeoutMs, target.intervalMs),
  });
  const provider = new SdkMeterProvider({ resource, readers: [reader] });
  if (register) metrics.setGlobalMeterProvider(provider);
  let shutdownPromise: Promise<void> | undefined;
  return {
    meterProvider: provider,
    exporter,
    async forceFlush(deadline) {
      await raceDeadline(provider.forceFlush().catch(() => undefined), deadline);
    },
    shutdown(deadline) {
      shutdownPromise ??= (async () => {
        await raceDeadline(provider.shutdown().catch(() => undefined), deadline);
        if (register) metrics.disable();
      })();
      return shutdownPromise;
    },
  };
}
