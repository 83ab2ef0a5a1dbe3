import { context, propagation, trace, type MeterProvider, type TracerProvider } from "@opentelemetry/api";
import type { SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { VERSION } from "../version.js";
import { raceDeadline } from "./batch-queue.js";
import { BufferedSpanExporter } from "./buffered-exporter.js";
import { LangfuseScoreProcessor } from "./langfuse-scores.js";
import { LangfuseViewExporter } from "./langfuse-view.js";
import { resolveMetricsExport, startMetricsExport, type MetricsExport } from "./metrics-export.js";
import { resolveTelemetryOptions, type ResolvedTelemetryOptions, type TelemetryOptions } from "./options.js";
import { TailSamplingProcessor, type TailSamplingStats } from "./tail-sampling-processor.js";

/** What each export pipeline has done so far. */
export interface ExportStats {
  /** Spans (or scores) accepted by the backend. */
  sent: number;
  /** Lost to a full queue or a failed export. */
  dropped: number;
  /** Waiting to be sent. */
  queued: number;
}

export interface Telemetry {
  /** The provider spans go to; registered globally unless `register: false`. */
  tracerProvider: TracerProvider;
  /** The provider OTLP metrics go to (registered globally unless `register: false`); undefined when metrics are not exported. */
  meterProvider: MeterProvider | undefined;
  /** Sends what is buffered (spans and metrics); resolves within `shutdownTimeoutMs` whatever the backends do. */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; resolves within `shutdownTimeoutMs`, never hangs the process. */
  shutdown(): Promise<void>;
  /** Export counters per backend, for health checks and tests. */
  stats(): { langfuse?: ExportStats; langfuseScores?: ExportStats; otlp?: ExportStats; otlpMetrics?: ExportStats; sampling?: TailSamplingStats };
}

const LANGFUSE_OTLP_PATH = "/api/public/otel/v1/traces";
/** The highest version Langfuse accepts (it answers 400 above it). */
const LANGFUSE_INGESTION_VERSION = "4";

/**
 * Sets up OpenTelemetry for LLM workflows: one tracer provider (service resource, parent-based ratio
 * sampling) exporting to Langfuse (through `@langfuse/otel`'s span processor, plus scores) and/or any
 * OTLP/HTTP backend, each behind a bounded queue that never makes the workflow wait and counts what it drops.
 *
 * The SDK packages are loaded here, on call, so code that only uses `WorkflowTracer` never loads them.
 */
export async function setupTelemetry(options?: TelemetryOptions): Promise<Telemetry> {
  const o = resolveTelemetryOptions(options);
  const metricsTarget = resolveMetricsExport(options?.otlpMetrics, options?.env ?? process.env);
  const [{ NodeTracerProvider }, base, resources, semconv] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
  ]);

  const onDropped = (count: number) => o.metrics?.recordSpansDropped(count);
  const buffered = (inner: SpanExporter) =>
    new BufferedSpanExporter(inner, {
      maxQueueSize: o.maxQueueSize,
      maxBatchSize: o.maxExportBatchSize,
      delayMs: o.scheduledDelayMs,
      flushTimeoutMs: o.shutdownTimeoutMs,
      onDropped,
    });

  const processors: SpanProcessor[] = [];
  let langfuseExporter: BufferedSpanExporter | undefined;
  let scores: LangfuseScoreProcessor | undefined;
  let otlpExporter: BufferedSpanExporter | undefined;

  if (o.langfuse !== undefined) {
    const lf = o.langfuse;
    const [{ LangfuseSpanProcessor }, { OTLPTraceExporter }] = await Promise.all([import("@langfuse/otel"), import("@opentelemetry/exporter-trace-otlp-http")]);
    langfuseExporter = buffered(
      new LangfuseViewExporter(
        new OTLPTraceExporter({
          url: `${lf.baseUrl}${LANGFUSE_OTLP_PATH}`,
          headers: {
            Authorization: `Basic ${Buffer.from(`${lf.publicKey}:${lf.secretKey}`).toString("base64")}`,
            // Ingestion version 4: Langfuse writes the spans straight to its events table (shown at once);
            // other third-party traffic takes its "dual" path, which it says can show up ~10 minutes late.
            "x-langfuse-ingestion-version": LANGFUSE_INGESTION_VERSION,
            "x-langfuse-sdk-name": "langgraph-telemetry",
            "x-langfuse-sdk-version": VERSION,
            "x-langfuse-public-key": lf.publicKey,
          },
          timeoutMillis: o.exportTimeoutMs,
        }),
      ),
    );
    // "immediate" hands each span to our exporter as it ends; the batching and its bound are ours.
    processors.push(
      new LangfuseSpanProcessor({
        publicKey: lf.publicKey,
        secretKey: lf.secretKey,
        baseUrl: lf.baseUrl,
        exporter: langfuseExporter,
        exportMode: "immediate",
        ...(lf.environment !== undefined ? { environment: lf.environment } : {}),
        ...(lf.release !== undefined ? { release: lf.release } : {}),
        ...(lf.mask !== undefined ? { mask: lf.mask } : {}),
      }),
    );
    if (lf.scores) {
      scores = new LangfuseScoreProcessor({
        baseUrl: lf.baseUrl,
        publicKey: lf.publicKey,
        secretKey: lf.secretKey,
        environment: lf.environment,
        timeoutMs: o.exportTimeoutMs,
        maxQueueSize: o.maxQueueSize,
        flushTimeoutMs: o.shutdownTimeoutMs,
        onDropped: () => undefined,
      });
      processors.push(scores);
    }
  }

  if (o.otlp !== undefined) {
    const { OTLPTraceExporter } = o.otlp.protocol === "http/json" ? await import("@opentelemetry/exporter-trace-otlp-http") : await import("@opentelemetry/exporter-trace-otlp-proto");
    otlpExporter = buffered(new OTLPTraceExporter({ url: o.otlp.url, headers: o.otlp.headers, timeoutMillis: o.exportTimeoutMs }));
    processors.push(new base.SimpleSpanProcessor(otlpExporter));
  }
  processors.push(...o.spanProcessors);

  const attributes: Record<string, string> = { ...o.resourceAttributes, [semconv.ATTR_SERVICE_NAME]: o.serviceName };
  if (o.serviceVersion !== undefined) attributes[semconv.ATTR_SERVICE_VERSION] = o.serviceVersion;
  if (o.environment !== undefined) attributes["deployment.environment.name"] = o.environment;
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(attributes));

  // Tail sampling wraps every processor, so kept traces reach all of them whole and scores go only with kept
  // traces; `keepRuns: false` (or nothing to drop) is plain head sampling, decided when the root starts.
  const sampling =
    o.sampleRate < 1 && o.keepRuns !== false
      ? new TailSamplingProcessor({ processors, sampleRate: o.sampleRate, keepRuns: o.keepRuns, maxWaitingSpans: o.maxWaitingSpans, maxWaitingBytes: o.maxWaitingBytes, metrics: o.metrics })
      : undefined;
  const provider = new NodeTracerProvider({
    resource,
    sampler: sampling?.sampler ?? new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(o.sampleRate) }),
    spanProcessors: sampling !== undefined ? [sampling] : processors,
  });
  if (o.register) provider.register();
  const metricsExport: MetricsExport | undefined = metricsTarget && (await startMetricsExport(metricsTarget, resource, o.exportTimeoutMs, o.register));

  o.log(summary(o) + (metricsTarget ? ` Metrics: OTLP ${metricsTarget.protocol} at ${metricsTarget.url} every ${metricsTarget.intervalMs / 1000}s.` : ""));

  const stats = (exporter: BufferedSpanExporter | undefined) => exporter && { sent: exporter.queue.sent, dropped: exporter.queue.dropped, queued: exporter.queue.size };
  let shutdownPromise: Promise<void> | undefined;
  return {
    tracerProvider: provider,
    meterProvider: metricsExport?.meterProvider,
    async forceFlush() {
      const deadline = Date.now() + o.shutdownTimeoutMs;
      await Promise.all([raceDeadline(provider.forceFlush(), deadline), metricsExport?.forceFlush(deadline)]);
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        const deadline = Date.now() + o.shutdownTimeoutMs;
        await Promise.all([raceDeadline(provider.shutdown(), deadline), metricsExport?.shutdown(deadline)]);
        // The queues close at their own deadlines, which may fall a moment after this one: what they still
        // hold is counted now, so stats() and the dropped-spans metric are complete when shutdown() resolves.
        for (const queue of [langfuseExporter?.queue, scores?.queue, otlpExporter?.queue]) queue?.abandon();
        if (o.register) {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })();
      return shutdownPromise;
    },
    stats() {
      const out: ReturnType<Telemetry["stats"]> = {};
      const lf = stats(langfuseExporter);
      if (lf) out.langfuse = lf;
      if (scores) out.langfuseScores = { sent: scores.queue.sent, dropped: scores.queue.dropped, queued: scores.queue.size };
      const ot = stats(otlpExporter);
      if (ot) out.otlp = ot;
      if (sampling) out.sampling = sampling.stats();
      if (metricsExport) out.otlpMetrics = { sent: metricsExport.exporter.sent, dropped: metricsExport.exporter.dropped, queued: 0 };
      return out;
    },
  };
}

function summary(o: ResolvedTelemetryOptions): string {
  const targets: string[] = [];
  if (o.langfuse) targets.push(`Langfuse at ${o.langfuse.baseUrl}${o.langfuse.scores ? " (traces and scores)" : ""}`);
  if (o.otlp) targets.push(`OTLP ${o.otlp.protocol} at ${o.otlp.url}`);
  const where = targets.length > 0 ? `exporting to ${targets.join(" and ")}` : "no exporter configured (set LANGFUSE_PUBLIC_KEY/LANGFUSE_SECRET_KEY or OTEL_EXPORTER_OTLP_ENDPOINT): spans stay in this process";
  const kept = o.keepRuns === false ? " (head sampling)" : o.keepRuns === true ? " plus every run that fails, is corrected or is slow (decided when each trace ends)" : " plus the runs keepRuns keeps (decided when each trace ends)";
  const sampling = o.sampleRate < 1 ? `, sampling ${o.sampleRate * 100}% of traces${kept}` : "";
  return `langgraph-telemetry: service ${o.serviceName}, ${where}${sampling}.`;
}
