import { createServer, type RequestListener, type Server } from "node:http";

/** How long a client may take and how many connections it may hold (Node's defaults keep slow clients for minutes). */
export interface HttpLimitsOptions {
  /** Longest time to receive a request's headers; then 408 and the connection is closed. @default 10000 */
  headersTimeoutMs?: number;
  /** Longest time to receive a whole request (headers and body; not the time to answer it). @default 30000 */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests. @default 5000 */
  keepAliveTimeoutMs?: number;
  /** Most open connections; more are closed as they arrive. @default 256 */
  maxConnections?: number;
}

export type HttpLimits = Required<HttpLimitsOptions>;

export const HTTP_LIMIT_DEFAULTS: HttpLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 256 };

function fail(option: string, value: unknown, expected: string): never {
  throw new TypeError(`createText2QueryServer: invalid option http${option ? `.${option}` : ""}: ${JSON.stringify(value)}. Expected ${expected}.`);
}

/** Validates the limits once, at construction. */
export function resolveHttpLimits(options: HttpLimitsOptions | undefined): HttpLimits {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) fail("", options, "an object { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections }");
  const limits = { ...HTTP_LIMIT_DEFAULTS, ...options };
  for (const key of Object.keys(limits) as Array<keyof HttpLimits>) {
    if (!(key in HTTP_LIMIT_DEFAULTS)) fail(key, limits[key], `one of ${Object.keys(HTTP_LIMIT_DEFAULTS).join(", ")}`);
    const value = limits[key];
    const max = key === "maxConnections" ? 1_000_000 : 3_600_000;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) fail(key, value, `an integer from 1 to ${max}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) fail("headersTimeoutMs", limits.headersTimeoutMs, `at most requestTimeoutMs (${limits.requestTimeoutMs})`);
  return limits;
}

/**
 * An HTTP server with the limits applied. Node checks the header and request timeouts on an interval (30 s by
 * default, which would let a slow client stay that much longer): here a quarter of the shorter timeout, at most 1 s.
 */
export function createLimitedServer(listener: RequestListener, limits: HttpLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}
