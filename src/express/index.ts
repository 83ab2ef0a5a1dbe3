export { telemetryRouter } from "./router.js";
export { httpMetrics } from "./http-metrics.js";
export { traceContext } from "./trace-context.js";
export { jsonErrorHandler } from "./errors.js";
export { telemetryConsole } from "./console.js";
export type { TelemetryConsoleOptions } from "./console.js";
export { clusterMetricsServer, shareMetricsWithPrimary } from "./cluster.js";
export { HTTP_METRIC_NAMES, Http, TRACE_HEADERS, UNMATCHED_ROUTE } from "./attributes.js";
export type {
  ClusterMetricsServer,
  ClusterMetricsServerOptions,
  HttpMetricsOptions,
  InboundTraceContext,
  JsonErrorHandlerOptions,
  PathPattern,
  ReadinessCheck,
  ReadinessCheckOptions,
  ReadinessCheckResult,
  ReadinessReport,
  TelemetryRouterOptions,
  TraceContextOptions,
} from "./types.js";
