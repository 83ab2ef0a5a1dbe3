import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { WorkflowMetrics } from "../metrics/workflow-metrics.js";
import { keepRule, type KeepRunsHook, type KeepRunsOptions } from "./tail-sampling.js";

export interface LangfuseExportOptions {
  /** @default env LANGFUSE_PUBLIC_KEY */
  publicKey?: string;
  /** @default env LANGFUSE_SECRET_KEY */
  secretKey?: string;
  /** @default env LANGFUSE_BASE_URL, LANGFUSE_HOST, else https://cloud.langfuse.com */
  baseUrl?: string;
  /** Langfuse environment of traces and scores. @default env LANGFUSE_TRACING_ENVIRONMENT, else the service environment */
  environment?: string;
  /** @default env LANGFUSE_RELEASE, else the service version */
  release?: string;
  /** Send `traceNode` results as Langfuse scores. @default true */
  scores?: boolean;
  /** Rewrites captured input/output before export (Langfuse's `mask`). */
  mask?: (params: { data: unknown }) => unknown;
}

export interface OtlpExportOptions {
  /** Full traces URL. @default env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces" */
  url?: string;
  /** @default env OTEL_EXPORTER_OTLP_TRACES_HEADERS / OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`) */
  headers?: Record<string, string>;
  /** @default env OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf" */
  protocol?: "http/protobuf" | "http/json";
  /** @default env OTEL_EXPORTER_OTLP_TRACES_COMPRESSION / OTEL_EXPORTER_OTLP_COMPRESSION, else "none" */
  compression?: "gzip" | "none";
}

export interface OtlpLogsExportOptions {
  /** Full logs URL. @default env OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/logs" (with OTEL_LOGS_EXPORTER=otlp alone: http://localhost:4318/v1/logs) */
  url?: string;
  /** @default env OTEL_EXPORTER_OTLP_LOGS_HEADERS / OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`) */
  headers?: Record<string, string>;
  /** @default env OTEL_EXPORTER_OTLP_LOGS_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf" */
  protocol?: "http/protobuf" | "http/json";
  /** @default env OTEL_EXPORTER_OTLP_LOGS_COMPRESSION / OTEL_EXPORTER_OTLP_COMPRESSION, else "none" */
  compression?: "gzip" | "none";
}

export interface SpoolOptions {
  /** Directory of the spool, created if missing; one per process (a restarted process takes over its files). */
  dir: string;
  /** Bytes on disk at most, all backends together; past it the oldest requests are removed (counted). @default 268435456 (256 MiB) */
  maxBytes?: number;
}

export interface OtlpMetricsExportOptions {
  /** Full metrics URL. @default env OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/metrics" */
  url?: string;
  /** @default env OTEL_EXPORTER_OTLP_METRICS_HEADERS / OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`) */
  headers?: Record<string, string>;
  /** @default env OTEL_EXPORTER_OTLP_METRICS_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf" */
  protocol?: "http/protobuf" | "http/json";
  /** How often metrics are sent. @default env OTEL_METRIC_EXPORT_INTERVAL, else 60000 */
  exportIntervalMs?: number;
}

export interface TelemetryOptions {
  /** @default env OTEL_SERVICE_NAME, else npm_package_name, else "unknown_service:node" */
  serviceName?: string;
  /** @default env npm_package_version */
  serviceVersion?: string;
  /** `deployment.environment.name`. @default env DEPLOYMENT_ENVIRONMENT, else NODE_ENV */
  environment?: string;
  /** Export to Langfuse; `false` turns it off. @default on when LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are set */
  langfuse?: LangfuseExportOptions | false;
  /** Export to an OTLP/HTTP backend; `false` turns it off. @default on when an OTLP endpoint is set in the environment */
  otlp?: OtlpExportOptions | false;
  /**
   * Export the tracer's OpenTelemetry metrics (GenAI conventions) over OTLP/HTTP through a MeterProvider,
   * registered globally with `register`; `false` turns it off.
   * @default on when an OTLP metrics endpoint is set in the environment (and OTEL_METRICS_EXPORTER is not `none`)
   */
  otlpMetrics?: OtlpMetricsExportOptions | false;
  /**
   * Export log records emitted through the OpenTelemetry Logs API (pino through its OpenTelemetry
   * instrumentation, for one) over OTLP/HTTP through a LoggerProvider, registered globally with `register`;
   * `false` turns it off.
   * @default on when an OTLP logs endpoint is set in the environment (and OTEL_LOGS_EXPORTER is not `none`), or OTEL_LOGS_EXPORTER is `otlp`
   */
  otlpLogs?: OtlpLogsExportOptions | false;
  /**
   * Keep on disk what a backend does not take (no answer, 5xx, its queue full) and send it again, oldest
   * first, when the backend answers — also after a restart. Off unless given.
   */
  spool?: SpoolOptions | false;
  /** Share of ordinary traces kept (by trace id; upstream decisions are followed). @default env LANGFUSE_SAMPLE_RATE, else OTEL_TRACES_SAMPLER_ARG, else 1 */
  sampleRate?: number;
  /**
   * With `sampleRate` < 1, the runs kept whole whatever the ratio, decided when each trace's root ends: `true`
   * keeps runs not ending in `success`, runs in which a correction ran, and runs slower than 30 s; an object
   * tunes those rules (and adds `when`); a function decides alone. `false`: plain head sampling (decided when
   * the root starts). @default true
   */
  keepRuns?: boolean | KeepRunsOptions | KeepRunsHook;
  /** Tail sampling: spans held while their traces wait for their roots; past it the oldest waiting traces are dropped (counted). @default 50000 */
  maxWaitingSpans?: number;
  /** Tail sampling: estimated bytes held by waiting spans; past it the oldest waiting traces are dropped (counted). @default 67108864 (64 MiB) */
  maxWaitingBytes?: number;
  /** Register the provider, an async context manager and W3C propagators globally. @default true */
  register?: boolean;
  /** Counts spans dropped by the export queues (`telemetry_spans_dropped_total`). */
  metrics?: WorkflowMetrics;
  /** More span processors on the same provider (a console exporter, an in-memory one in tests). */
  spanProcessors?: SpanProcessor[];
  /** Spans buffered per exporter while a backend is slow or down; beyond it they are dropped and counted. @default 20000 */
  maxQueueSize?: number;
  /** @default 512 */
  maxExportBatchSize?: number;
  /** Delay before a partial batch is sent. @default 1000 */
  scheduledDelayMs?: number;
  /** Timeout of one export request. @default 10000 */
  exportTimeoutMs?: number;
  /** Deadline of `forceFlush()` and `shutdown()`: they resolve by then, whatever the backends do. @default 5000 */
  shutdownTimeoutMs?: number;
  /** Where the one-line setup summary goes. @default console.info */
  log?: (message: string) => void;
  /** Environment to read fallbacks from. @default process.env */
  env?: Record<string, string | undefined>;
}

export interface ResolvedTelemetryOptions {
  serviceName: string;
  serviceVersion: string | undefined;
  environment: string | undefined;
  /** From OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Record<string, string>;
  langfuse: (Required<Pick<LangfuseExportOptions, "publicKey" | "secretKey" | "baseUrl">> & { environment: string | undefined; release: string | undefined; scores: boolean; mask: LangfuseExportOptions["mask"] }) | undefined;
  otlp: { url: string; headers: Record<string, string>; protocol: "http/protobuf" | "http/json"; gzip: boolean } | undefined;
  spool: { dir: string; maxBytes: number } | undefined;
  sampleRate: number;
  /** As given (checked here, so a bad value fails with this function's name): `false` is head sampling. */
  keepRuns: boolean | KeepRunsOptions | KeepRunsHook;
  maxWaitingSpans: number;
  maxWaitingBytes: number;
  register: boolean;
  metrics: WorkflowMetrics | undefined;
  spanProcessors: SpanProcessor[];
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
  shutdownTimeoutMs: number;
  log: (message: string) => void;
}

const KNOWN = new Set([
  "serviceName", "serviceVersion", "environment", "langfuse", "otlp", "otlpMetrics", "otlpLogs", "spool", "sampleRate", "keepRuns", "maxWaitingSpans", "maxWaitingBytes", "register", "metrics", "spanProcessors",
  "maxQueueSize", "maxExportBatchSize", "scheduledDelayMs", "exportTimeoutMs", "shutdownTimeoutMs", "log", "env",
]);

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function fail(option: string, value: unknown, expected: string): never {
  throw new TypeError(`setupTelemetry: invalid option ${option}: ${show(value)}. Expected ${expected}.`);
}

export const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== "" ? v.trim() : undefined);

export function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) fail(option, value, "a positive integer");
  return value;
}

export function url(option: string, value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("protocol");
  } catch {
    fail(option, value, "an http(s) URL");
  }
  return value.replace(/\/+$/, "");
}

/** `k=v,k2=v2` with URL-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES. */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!text) return headers;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    try {
      headers[key] = decodeURIComponent(value);
    } catch {
      headers[key] = value;
    }
  }
  return headers;
}

const MIN_SPOOL_BYTES = 64 * 1024;

/** OTEL_EXPORTER_OTLP_*COMPRESSION: true for gzip. */
export function compression(option: string, value: unknown): boolean {
  if (value === undefined || value === "none") return false;
  if (value === "gzip") return true;
  fail(option, value, '"gzip" or "none"');
}

function rate(option: string, value: unknown): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0 || n > 1) fail(option, value, "a number from 0 to 1");
  return n;
}

export function resolveTelemetryOptions(options: TelemetryOptions | undefined): ResolvedTelemetryOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") fail("options", options, "an options object");
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(key, (options as Record<string, unknown>)[key], `one of the known options (${[...KNOWN].join(", ")})`);
  const env = options.env ?? process.env;

  const serviceName = options.serviceName ?? nonEmpty(env.OTEL_SERVICE_NAME) ?? nonEmpty(env.npm_package_name) ?? "unknown_service:node";
  if (typeof serviceName !== "string" || serviceName === "") fail("serviceName", serviceName, "a non-empty string");
  const serviceVersion = options.serviceVersion ?? nonEmpty(env.npm_package_version);
  const environment = options.environment ?? nonEmpty(env.DEPLOYMENT_ENVIRONMENT) ?? nonEmpty(env.NODE_ENV);

  let langfuse: ResolvedTelemetryOptions["langfuse"];
  if (options.langfuse !== false) {
    const o = options.langfuse ?? {};
    if (typeof o !== "object" || o === null) fail("langfuse", o, "an object of Langfuse options, or false");
    const publicKey = o.publicKey ?? nonEmpty(env.LANGFUSE_PUBLIC_KEY);
    const secretKey = o.secretKey ?? nonEmpty(env.LANGFUSE_SECRET_KEY);
    if (publicKey !== undefined || secretKey !== undefined || options.langfuse !== undefined) {
      if (!publicKey) fail("langfuse.publicKey", publicKey ?? null, "a Langfuse public key (pk-lf-…), or LANGFUSE_PUBLIC_KEY in the environment");
      if (!secretKey) fail("langfuse.secretKey", "[missing]", "a Langfuse secret key (sk-lf-…), or LANGFUSE_SECRET_KEY in the environment");
      const baseUrl = url("langfuse.baseUrl", o.baseUrl ?? nonEmpty(env.LANGFUSE_BASE_URL) ?? nonEmpty(env.LANGFUSE_BASEURL) ?? nonEmpty(env.LANGFUSE_HOST) ?? "https://cloud.langfuse.com");
      if (o.mask !== undefined && typeof o.mask !== "function") fail("langfuse.mask", o.mask, "a function ({ data }) => data");
      langfuse = {
        publicKey,
        secretKey,
        baseUrl,
        environment: o.environment ?? nonEmpty(env.LANGFUSE_TRACING_ENVIRONMENT) ?? environment,
        release: o.release ?? nonEmpty(env.LANGFUSE_RELEASE) ?? serviceVersion,
        scores: o.scores ?? true,
        mask: o.mask,
      };
    }
  }

  let otlp: ResolvedTelemetryOptions["otlp"];
  if (options.otlp !== false) {
    const o = options.otlp ?? {};
    if (typeof o !== "object" || o === null) fail("otlp", o, "an object of OTLP options, or false");
    const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    const target = o.url ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? (base !== undefined ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined);
    if (target !== undefined || options.otlp !== undefined) {
      if (target === undefined) fail("otlp.url", null, "the OTLP/HTTP traces URL (http://collector:4318/v1/traces), or OTEL_EXPORTER_OTLP_ENDPOINT in the environment");
      const protocol = o.protocol ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? "http/protobuf";
      if (protocol !== "http/protobuf" && protocol !== "http/json") fail("otlp.protocol", protocol, '"http/protobuf" or "http/json" (gRPC is not supported: point at the collector\'s HTTP port, 4318)');
      const headers = o.headers ?? { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) };
      if (typeof headers !== "object" || headers === null) fail("otlp.headers", headers, "an object of header names to values");
      const gzip = compression("otlp.compression", o.compression ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_COMPRESSION));
      otlp = { url: url("otlp.url", target), headers, protocol, gzip };
    }
  }

  let spool: ResolvedTelemetryOptions["spool"];
  if (options.spool !== undefined && options.spool !== false) {
    const o = options.spool;
    if (typeof o !== "object" || o === null) fail("spool", o, "an object { dir, maxBytes }, or false");
    if (typeof o.dir !== "string" || o.dir.trim() === "") fail("spool.dir", o.dir ?? null, "the path of a directory for the spool (created if missing)");
    const maxBytes = positiveInt("spool.maxBytes", o.maxBytes, 256 * 1024 * 1024);
    if (maxBytes < MIN_SPOOL_BYTES) fail("spool.maxBytes", maxBytes, `at least ${MIN_SPOOL_BYTES} bytes (64 KiB): a spooled request is often tens of KiB`);
    spool = { dir: o.dir, maxBytes };
  }

  const sampler = nonEmpty(env.OTEL_TRACES_SAMPLER);
  const envRate = nonEmpty(env.LANGFUSE_SAMPLE_RATE) ?? (sampler === undefined || /traceidratio$/.test(sampler) ? nonEmpty(env.OTEL_TRACES_SAMPLER_ARG) : undefined);
  const sampleRate = options.sampleRate !== undefined ? rate("sampleRate", options.sampleRate) : envRate !== undefined ? rate("sampleRate (from the environment)", envRate) : 1;

  const keepRuns = options.keepRuns ?? true;
  keepRule(keepRuns, "keepRuns", "setupTelemetry");

  const register = options.register ?? true;
  if (typeof register !== "boolean") fail("register", register, "true or false");
  const metrics = options.metrics;
  if (metrics !== undefined && (metrics === null || typeof metrics !== "object" || typeof (metrics as { recordSpansDropped?: unknown }).recordSpansDropped !== "function")) {
    fail("metrics", "[not a WorkflowMetrics]", "a WorkflowMetrics instance");
  }
  const spanProcessors = options.spanProcessors ?? [];
  if (!Array.isArray(spanProcessors) || !spanProcessors.every((p) => p !== null && typeof p === "object" && typeof p.onEnd === "function")) {
    fail("spanProcessors", "[not span processors]", "an array of OpenTelemetry SpanProcessors");
  }
  const log = options.log ?? ((message: string) => console.info(message));
  if (typeof log !== "function") fail("log", log, "a function (message) => void");

  return {
    serviceName,
    serviceVersion,
    environment,
    resourceAttributes: parseHeaders(env.OTEL_RESOURCE_ATTRIBUTES),
    langfuse,
    otlp,
    spool,
    sampleRate,
    keepRuns,
    maxWaitingSpans: positiveInt("maxWaitingSpans", options.maxWaitingSpans, 50_000),
    maxWaitingBytes: positiveInt("maxWaitingBytes", options.maxWaitingBytes, 64 * 1024 * 1024),
    register,
    metrics,
    spanProcessors,
    maxQueueSize: positiveInt("maxQueueSize", options.maxQueueSize, 20_000),
    maxExportBatchSize: positiveInt("maxExportBatchSize", options.maxExportBatchSize, 512),
    scheduledDelayMs: positiveInt("scheduledDelayMs", options.scheduledDelayMs, 1000),
    exportTimeoutMs: positiveInt("exportTimeoutMs", options.exportTimeoutMs, 10_000),
    shutdownTimeoutMs: positiveInt("shutdownTimeoutMs", options.shutdownTimeoutMs, 5000),
    log,
  };
}
