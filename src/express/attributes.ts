/**
 * OpenTelemetry HTTP semantic-convention attribute names (stable since semconv 1.23), copied `as const` so
 * this adapter loads no semantic-conventions package, as `src/attributes.ts` does for `gen_ai.*`.
 */
export const Http = {
  REQUEST_METHOD: "http.request.method",
  REQUEST_METHOD_ORIGINAL: "http.request.method_original",
  RESPONSE_STATUS_CODE: "http.response.status_code",
  ROUTE: "http.route",
  URL_PATH: "url.path",
  URL_SCHEME: "url.scheme",
  SERVER_ADDRESS: "server.address",
  USER_AGENT_ORIGINAL: "user_agent.original",
  CLIENT_ADDRESS: "client.address",
  NETWORK_PROTOCOL_VERSION: "network.protocol.version",
  ERROR_TYPE: "error.type",
} as const;

/** HTTP metric names without the prefix (`httpMetrics({ prefix })`). */
export const HTTP_METRIC_NAMES = {
  requests: "http_requests_total",
  duration: "http_request_duration_seconds",
  inFlight: "http_requests_in_flight",
  internalErrors: "http_metrics_internal_errors_total",
} as const;

/** Response headers that carry the trace of a request. */
export const TRACE_HEADERS = { traceparent: "traceparent", traceId: "x-trace-id" } as const;

/** Methods kept as label values; any other becomes `OTHER` (metrics) or `_OTHER` (spans), as semconv asks. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

export function isKnownMethod(method: string): boolean {
  return KNOWN_METHODS.has(method);
}

/** Route label of requests that matched no route (404s, or answered by middleware such as express.static). */
export const UNMATCHED_ROUTE = "unmatched";
