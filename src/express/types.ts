import type { TracerProvider } from "@opentelemetry/api";
import type { Request } from "express";
import type { Registry, RegistryContentType } from "prom-client";

/**
 * A readiness check: resolves (or returns) when the dependency is usable; throws, rejects or returns
 * `false` when it is not. Example: `() => pool.query("select 1")`.
 */
export type ReadinessCheck = () => unknown;

/** A readiness check with its own timeout. */
export interface ReadinessCheckOptions {
  check: ReadinessCheck;
  /**
   * Longest wait for this check; past it the check counts as failed (`timeout`).
   * @default the router's `checkTimeoutMs`
   */
  timeoutMs?: number;
}

/** Outcome of one readiness check, as `GET /readyz` reports it. */
export interface ReadinessCheckResult {
  status: "ok" | "error" | "timeout";
  /** Time this probe waited for the check, in milliseconds. */
  durationMs: number;
  /** Why it failed: the error's `code` or class name (never its message), `returned false`, or `timed out after N ms`. */
  error?: string;
}

/** Body of `GET /readyz`: 200 when every check passed, 503 otherwise. */
export interface ReadinessReport {
  status: "ok" | "unavailable";
  checks: Record<string, ReadinessCheckResult>;
}

/** A request path to leave out: exact (`"/metrics"`, also matching `/metrics/...`) or a RegExp tested on the path. */
export type PathPattern = string | RegExp;

export interface TelemetryRouterOptions {
  /**
   * Registry served on `metricsPath`. Its content type is the format it is read in; the other format is
   * derived from it per scrape (`Accept` negotiation), so the registry is never switched.
   * @default prom-client's global registry (`register`)
   */
  registry?: Registry<RegistryContentType>;
  /**
   * Path of the Prometheus endpoint, or `false` for none.
   * @default "/metrics"
   */
  metricsPath?: string | false;
  /**
   * Path of the liveness probe (always 200 `{"status":"ok"}` while the process serves requests), or `false`.
   * @default "/healthz"
   */
  healthPath?: string | false;
  /**
   * Path of the readiness probe (runs `checks`), or `false`.
   * @default "/readyz"
   */
  readyPath?: string | false;
  /**
   * Readiness checks by name, run concurrently on each probe, each under its own timeout. A check still
   * running from an earlier probe is awaited rather than started again, so a hung dependency never piles up calls.
   * @default {}
   */
  checks?: Record<string, ReadinessCheck | ReadinessCheckOptions>;
  /**
   * Default timeout of each check, in milliseconds.
   * @default 2000
   */
  checkTimeoutMs?: number;
  /**
   * When set, `metricsPath` requires `Authorization: Bearer <token>` (compared in constant time); the probes stay open.
   * @default undefined (no authentication)
   */
  bearerToken?: string;
  /**
   * Serve the sum of every `node:cluster` worker's metrics (prom-client's `AggregatorRegistry`) instead of
   * `registry`. Only in the cluster primary; workers call `shareMetricsWithPrimary()`.
   * @default false
   */
  cluster?: boolean;
}

export interface HttpMetricsOptions {
  /**
   * Registry to register the HTTP metrics on.
   * @default prom-client's global registry (`register`)
   */
  registry?: Registry<RegistryContentType>;
  /**
   * Prefix of the metric names: letters, digits and underscores, ending in `_` (or empty).
   * @default ""
   */
  prefix?: string;
  /**
   * Buckets (seconds) of the request duration histogram.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
   */
  buckets?: number[];
  /**
   * Requests not counted, by path (the telemetry router's own endpoints by default).
   * @default ["/metrics", "/healthz", "/readyz"]
   */
  excludePaths?: PathPattern[];
  /**
   * Attach the trace id of the request (the active span when the request arrives, i.e. `traceContext()`'s
   * server span when it is mounted first) to duration observations as an exemplar. Needs an OpenMetrics registry.
   * @default true when the registry is an OpenMetrics registry, else false
   */
  exemplars?: boolean;
}

export interface TraceContextOptions {
  /**
   * Where server spans go.
   * @default the global tracer provider
   */
  tracerProvider?: TracerProvider;
  /**
   * Start an HTTP server span per request. Turn off when `@opentelemetry/instrumentation-http` already makes
   * one: the middleware then only joins the active (or incoming) trace and sets the response headers.
   * @default true
   */
  serverSpan?: boolean;
  /**
   * Send `traceparent` and `x-trace-id` response headers.
   * @default true
   */
  responseHeaders?: boolean;
  /**
   * Requests that get no span and no headers, by path.
   * @default ["/metrics", "/healthz", "/readyz"]
   */
  excludePaths?: PathPattern[];
  /**
   * What an inbound `traceparent` (and `tracestate`, `baggage`) may decide. The client chooses these headers:
   * trusting them lets it merge its requests into one trace and, with flags `00`, keep them out of sampling.
   * - `"trust"`: continue the caller's trace (its trace id, parent and sampling decision; baggage kept).
   * - `"link"`: start a new trace (sampled by your sampler) whose server span carries a span link to the
   *   caller's span context; baggage is dropped. Needs `serverSpan: true` (the link is on that span).
   * - `"ignore"`: start a new trace; the inbound headers are not read.
   * Use `"trust"` only behind a gateway that sets or strips these headers.
   * @default "trust"
   */
  inbound?: InboundTraceContext;
}

/** How `traceContext()` treats an inbound W3C trace context; see {@link TraceContextOptions.inbound}. */
export type InboundTraceContext = "trust" | "link" | "ignore";

export interface JsonErrorHandlerOptions {
  /**
   * Called with every error the handler answers, and the status sent (e.g. to log 5xx with their stack).
   * A throwing hook is ignored.
   * @default undefined
   */
  onError?: (error: unknown, req: Request, status: number) => void;
}

export interface ClusterMetricsServerOptions extends Omit<TelemetryRouterOptions, "registry" | "cluster"> {
  /** Port to listen on (0: any free port). */
  port: number;
  /**
   * Interface to listen on.
   * @default all interfaces
   */
  host?: string;
}

/** The cluster primary's metrics server. */
export interface ClusterMetricsServer {
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}
