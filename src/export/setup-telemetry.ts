import { context, propagation, trace, type MeterProvider, type TracerProvider } from "@opentelemetry/api";
import type { LoggerProvider, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { VERSION } from "../version.js";
import { raceDeadline } from "./batch-queue.js";
import { BufferedSpanExporter } from "./buffered-exporter.js";
import { ExportLane, type ExportStats } from "./export-lane.js";
import { LangfuseScoreProcessor } from "./langfuse-scores.js";
import { langfuseView } from "./langfuse-view.js";
import { resolveLogsExport, startLogsExport, type LogsExport } from "./logs-export.js";
import { resolveMetricsExport, startMetricsExport, type MetricsExport } from "./metrics-export.js";
import { fail, resolveTelemetryOptions, type ResolvedTelemetryOptions, type TelemetryOptions } from "./options.js";
import type { HttpTarget } from "./otlp-http.js";
import { Spool, type SpoolHooks } from "./spool.js";
import { TailSamplingProcessor, type TailSamplingStats } from "./tail-sampling-processor.js";

export type { ExportStats } from "./export-lane.js";

export interface Telemetry {
  /** The provider spans go to; registered globally unless `register: false`. */
  tracerProvider: TracerProvider;
  /** The provider OTLP metrics go to (registered globally unless `register: false`); undefined when metrics are not exported. */
  meterProvider: MeterProvider | undefined;
  /** The provider log records go to (registered globally unless `register: false`); undefined when logs are not exported. */
  loggerProvider: LoggerProvider | undefined;
  /** Sends what is buffered (spans, metrics, logs); resolves within `shutdownTimeoutMs` whatever the backends do. */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting (with a spool, what is left goes to disk); resolves within `shutdownTimeoutMs`, never hangs the process. */
  shutdown(): Promise<void>;
  /** Export counters per backend, for health checks and tests. */
  stats(): { langfuse?: ExportStats; langfuseScores?: ExportStats; otlp?: ExportStats; otlpMetrics?: ExportStats; otlpLogs?: ExportStats; sampling?: TailSamplingStats };
}

const LANGFUSE_OTLP_PATH = "/api/public/otel/v1/traces";
/** The highest version Langfuse accepts (it answers 400 above it). */
const LANGFUSE_INGESTION_VERSION = "4";
/** The spool's subdirectories: every one is read at start (its bytes count), only configured ones replay. */
const SPOOL_BACKENDS = ["langfuse", "langfuse_scores", "otlp_traces", "otlp_logs"] as const;
const SPAN_BACKENDS: ReadonlySet<string> = new Set(["langfuse", "otlp_traces"]);
const CONTENT_TYPE = { "http/protobuf": "application/x-protobuf", "http/json": "application/json" } as const;

/**
 * Sets up OpenTelemetry for LLM workflows: one tracer provider (service resource, parent-based ratio
 * sampling) exporting to Langfuse (through `@langfuse/otel`'s span processor, plus scores) and/or any
 * OTLP/HTTP backend, OTLP metrics and logs when asked for, each behind a bounded queue that never makes the
 * workflow wait and counts what it drops, and, with `spool`, a bounded spool on disk for what a backend
 * does not take.
 *
 * The SDK packages are loaded here, on call, so code that only uses `WorkflowTracer` never loads them.
 */
export async function setupTelemetry(options?: TelemetryOptions): Promise<Telemetry> {
  const o = resolveTelemetryOptions(options);
  const env = options?.env ?? process.env;
  const metricsTarget = resolveMetricsExport(options?.otlpMetrics, env);
  const logsTarget = resolveLogsExport(options?.otlpLogs, env);
  const [{ NodeTracerProvider }, base, resources, semconv, transformer] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
    import("@opentelemetry/otlp-transformer"),
  ]);

  // Nothing to export, nothing to spool: the directory is not touched.
  const exports = o.langfuse !== undefined || o.otlp !== undefined || logsTarget !== undefined;
  const spool = o.spool && exports ? await openSpool(o.spool.dir, o.spool.maxBytes, spoolHooks(o)) : undefined;
  const lane = <T>(backend: (typeof SPOOL_BACKENDS)[number], target: HttpTarget, encode: (items: T[]) => Uint8Array, onDropped: (count: number) => void) =>
    new ExportLane<T>({
      target,
      encode,
      maxQueueSize: o.maxQueueSize,
      maxBatchSize: o.maxExportBatchSize,
      delayMs: o.scheduledDelayMs,
      exportTimeoutMs: o.exportTimeoutMs,
      spool: spool?.queue(backend),
      onDropped,
    });
  const spansDropped = (count: number) => o.metrics?.recordSpansDropped(count);

  const processors: SpanProcessor[] = [];
  let langfuseExporter: BufferedSpanExporter | undefined;
  let scores: LangfuseScoreProcessor | undefined;
  let otlpExporter: BufferedSpanExporter | undefined;

  if (o.langfuse !== undefined) {
    const lf = o.langfuse;
    const { LangfuseSpanProcessor } = await import("@langfuse/otel");
    const target: HttpTarget = {
      url: `${lf.baseUrl}${LANGFUSE_OTLP_PATH}`,
      headers: {
        authorization: `Basic ${Buffer.from(`${lf.publicKey}:${lf.secretKey}`).toString("base64")}`,
        // Ingestion version 4: Langfuse writes the spans straight to its events table (shown at once);
        // other third-party traffic takes its "dual" path, which it says can show up ~10 minutes late.
        "x-langfuse-ingestion-version": LANGFUSE_INGESTION_VERSION,
        "x-langfuse-sdk-name": "langgraph-telemetry",
        "x-langfuse-sdk-version": VERSION,
        "x-langfuse-public-key": lf.publicKey,
        "user-agent": `langgraph-telemetry/${VERSION}`,
      },
      contentType: CONTENT_TYPE["http/json"],
      gzip: false,
    };
    const encode = (spans: ReadableSpan[]) => transformer.JsonTraceSerializer.serializeRequest(spans.map(langfuseView)) ?? new Uint8Array();
    langfuseExporter = new BufferedSpanExporter(lane("langfuse", target, encode, spansDropped), o.shutdownTimeoutMs);
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
        spool: spool?.queue("langfuse_scores"),
        onDropped: () => undefined,
      });
      processors.push(scores);
    }
  }

  if (o.otlp !== undefined) {
    const serializer = o.otlp.protocol === "http/json" ? transformer.JsonTraceSerializer : transformer.ProtobufTraceSerializer;
    const target: HttpTarget = { url: o.otlp.url, headers: { "user-agent": `langgraph-telemetry/${VERSION}`, ...o.otlp.headers }, contentType: CONTENT_TYPE[o.otlp.protocol], gzip: o.otlp.gzip };
    otlpExporter = new BufferedSpanExporter(lane("otlp_traces", target, (spans: ReadableSpan[]) => serializer.serializeRequest(spans) ?? new Uint8Array(), spansDropped), o.shutdownTimeoutMs);
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

  let logsLane: ExportLane<ReadableLogRecord> | undefined;
  let logsExport: LogsExport | undefined;
  if (logsTarget !== undefined) {
    const serializer = logsTarget.protocol === "http/json" ? transformer.JsonLogsSerializer : transformer.ProtobufLogsSerializer;
    const target: HttpTarget = { url: logsTarget.url, headers: { "user-agent": `langgraph-telemetry/${VERSION}`, ...logsTarget.headers }, contentType: CONTENT_TYPE[logsTarget.protocol], gzip: logsTarget.gzip };
    logsLane = lane("otlp_logs", target, (records: ReadableLogRecord[]) => serializer.serializeRequest(records) ?? new Uint8Array(), () => undefined);
    logsExport = await startLogsExport(logsLane, resource, o.shutdownTimeoutMs, o.register);
  }

  o.log(
    summary(o) +
      (metricsTarget ? ` Metrics: OTLP ${metricsTarget.protocol} at ${metricsTarget.url} every ${metricsTarget.intervalMs / 1000}s.` : "") +
      (logsTarget ? ` Logs: OTLP ${logsTarget.protocol} at ${logsTarget.url}.` : "") +
      (spool ? ` Spool: ${o.spool!.dir} (at most ${o.spool!.maxBytes} bytes${spool.bytes > 0 ? `, ${spool.bytes} bytes waiting from before` : ""}).` : ""),
  );

  const lanes = () => [langfuseExporter?.lane, scores?.lane, otlpExporter?.lane, logsLane];
  let shutdownPromise: Promise<void> | undefined;
  return {
    tracerProvider: provider,
    meterProvider: metricsExport?.meterProvider,
    loggerProvider: logsExport?.loggerProvider,
    async forceFlush() {
      const deadline = Date.now() + o.shutdownTimeoutMs;
      await Promise.all([raceDeadline(provider.forceFlush(), deadline), metricsExport?.forceFlush(deadline), logsExport?.forceFlush(deadline)]);
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        const deadline = Date.now() + o.shutdownTimeoutMs;
        await Promise.all([raceDeadline(provider.shutdown(), deadline), metricsExport?.shutdown(deadline), logsExport?.shutdown(deadline)]);
        // The lanes close at their own deadlines, which may fall a moment after this one: what they still
        // hold is counted now, so stats() and the dropped-spans metric are complete when shutdown() resolves.
        for (const l of lanes()) l?.abandon();
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
      if (langfuseExporter) out.langfuse = langfuseExporter.lane.stats();
      if (scores) out.langfuseScores = scores.lane.stats();
      if (otlpExporter) out.otlp = otlpExporter.lane.stats();
      if (sampling) out.sampling = sampling.stats();
      if (metricsExport) out.otlpMetrics = { sent: metricsExport.exporter.sent, dropped: metricsExport.exporter.dropped, queued: 0 };
      if (logsLane) out.otlpLogs = logsLane.stats();
      return out;
    },
  };
}

/** Opens the spool, or says what to fix about its directory. */
async function openSpool(dir: string, maxBytes: number, hooks: SpoolHooks): Promise<Spool> {
  try {
    return await Spool.open(dir, maxBytes, SPOOL_BACKENDS, hooks);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    fail("spool.dir", dir, `a directory this process can create and write${typeof code === "string" ? ` (${code})` : ""}`);
  }
}

/** The spool's counts as telemetry metrics; spans lost from it also count as dropped spans. */
function spoolHooks(o: ResolvedTelemetryOptions): SpoolHooks {
  const m = o.metrics;
  return {
    spooled: (backend, n) => m?.recordSpool(backend, "spooled", n),
    replayed: (backend, n) => m?.recordSpool(backend, "replayed", n),
    dropped: (backend, n, reason) => {
      m?.recordSpoolDropped(backend, reason, n);
      if (SPAN_BACKENDS.has(backend)) m?.recordSpansDropped(n);
    },
    bytes: (backend, bytes) => m?.setSpoolBytes(backend, bytes),
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
