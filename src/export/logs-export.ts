import type { Context } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { LoggerProvider, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from "@opentelemetry/sdk-logs";
import { raceDeadline } from "./batch-queue.js";
import type { ExportLane } from "./export-lane.js";
import { compression, fail, nonEmpty, parseHeaders, url, type OtlpLogsExportOptions } from "./options.js";

export interface ResolvedLogsExport {
  url: string;
  headers: Record<string, string>;
  protocol: "http/protobuf" | "http/json";
  gzip: boolean;
}

/** The OpenTelemetry default when OTEL_LOGS_EXPORTER=otlp names no endpoint. */
const DEFAULT_LOGS_URL = "http://localhost:4318/v1/logs";

/**
 * The OTLP logs target, from the `otlpLogs` option or the standard variables: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT,
 * else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/logs", else (OTEL_LOGS_EXPORTER=otlp) the default local collector.
 * Undefined when nothing asks for logs, or OTEL_LOGS_EXPORTER is `none`.
 */
export function resolveLogsExport(option: OtlpLogsExportOptions | false | undefined, env: Record<string, string | undefined>): ResolvedLogsExport | undefined {
  if (option === false) return undefined;
  const exporters = nonEmpty(env.OTEL_LOGS_EXPORTER)
    ?.toLowerCase()
    .split(",")
    .map((s) => s.trim());
  if (option === undefined && exporters !== undefined) {
    if (exporters.includes("none")) return undefined;
    if (!exporters.includes("otlp")) fail("otlpLogs (from OTEL_LOGS_EXPORTER)", env.OTEL_LOGS_EXPORTER, '"otlp" or "none" (other log exporters are not supported here)');
  }
  const o = option ?? {};
  if (typeof o !== "object" || o === null) fail("otlpLogs", o, "an object of OTLP logs options, or false");
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const target =
    o.url ?? nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) ?? (base !== undefined ? `${base.replace(/\/+$/, "")}/v1/logs` : exporters?.includes("otlp") ? DEFAULT_LOGS_URL : undefined);
  if (target === undefined && option === undefined) return undefined;
  if (target === undefined) fail("otlpLogs.url", null, "the OTLP/HTTP logs URL (http://collector:4318/v1/logs), or OTEL_EXPORTER_OTLP_ENDPOINT in the environment");
  const protocol = o.protocol ?? nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") fail("otlpLogs.protocol", protocol, '"http/protobuf" or "http/json" (gRPC is not supported: point at the collector\'s HTTP port, 4318)');
  const headers = o.headers ?? { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_LOGS_HEADERS) };
  if (typeof headers !== "object" || headers === null) fail("otlpLogs.headers", headers, "an object of header names to values");
  const gzip = compression("otlpLogs.compression", o.compression ?? nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_COMPRESSION) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_COMPRESSION));
  return { url: url("otlpLogs.url", target), headers, protocol, gzip };
}

/**
 * Hands each emitted log record to an export lane: O(1), no I/O on the logging call, records lost to a full
 * queue or a failed export counted (the SDK's BatchLogRecordProcessor drops silently). The SDK makes a record
 * read-only once `onEmit` returns, so it is safe to encode later.
 */
export class LaneLogRecordProcessor implements LogRecordProcessor {
  constructor(
    readonly lane: ExportLane<ReadableLogRecord>,
    private readonly flushTimeoutMs: number,
  ) {}

  onEmit(logRecord: SdkLogRecord, _context?: Context): void {
    this.lane.push(logRecord);
  }

  async forceFlush(): Promise<void> {
    await this.lane.flush(Date.now() + this.flushTimeoutMs);
  }

  async shutdown(): Promise<void> {
    await this.lane.close(Date.now() + this.flushTimeoutMs);
  }
}

export interface LogsExport {
  loggerProvider: LoggerProvider;
  forceFlush(deadline: number): Promise<void>;
  shutdown(deadline: number): Promise<void>;
}

/** A LoggerProvider whose records go to `lane`, registered as the global one when `register` is set. */
export async function startLogsExport(lane: ExportLane<ReadableLogRecord>, resource: Resource, flushTimeoutMs: number, register: boolean): Promise<LogsExport> {
  const [{ LoggerProvider: SdkLoggerProvider }, { logs }] = await Promise.all([import("@opentelemetry/sdk-logs"), import("@opentelemetry/api-logs")]);
  const provider = new SdkLoggerProvider({ resource, processors: [new LaneLogRecordProcessor(lane, flushTimeoutMs)] });
  if (register) logs.setGlobalLoggerProvider(provider);
  let shutdownPromise: Promise<void> | undefined;
  return {
    loggerProvider: provider,
    async forceFlush(deadline) {
      await raceDeadline(provider.forceFlush().catch(() => undefined), deadline);
    },
    shutdown(deadline) {
      shutdownPromise ??= (async () => {
        await raceDeadline(provider.shutdown().catch(() => undefined), deadline);
        if (register) logs.disable();
      })();
      return shutdownPromise;
    },
  };
}
