import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { raceDeadline } from "./batch-queue.js";

const gzip = promisify(gzipCallback);

/** Where one export pipeline posts its requests. */
export interface HttpTarget {
  url: string;
  headers: Record<string, string>;
  /** `application/x-protobuf` or `application/json`. */
  contentType: string;
  /** Send the body gzip-compressed (OTEL_EXPORTER_OTLP_COMPRESSION=gzip). */
  gzip: boolean;
}

/**
 * What became of one request:
 * - `delivered`: the backend answered 2xx;
 * - `failed`: no connection, no answer in time, or a status the OTLP specification calls temporary (408,
 *   429, 5xx): worth keeping and sending again;
 * - `refused`: any other answer (400, 401/403 for a wrong key, 404 for a wrong URL or a backend without this
 *   signal, 413): sending it again cannot help until the configuration changes.
 */
export type Delivery = "delivered" | "refused" | "failed";

/** Statuses the OTLP specification says to retry after a pause (Retry-After when given). */
const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * Posts one encoded request. Retryable statuses (429, 502, 503, 504) are retried after Retry-After or a
 * growing pause while the deadline (epoch ms) allows, as the OpenTelemetry exporters do; the result is
 * known by the deadline whatever the server does. Never throws.
 */
export async function post(target: HttpTarget, body: Uint8Array, deadline: number): Promise<Delivery> {
  let payload: Uint8Array = body;
  const headers: Record<string, string> = { ...target.headers, "content-type": target.contentType };
  if (target.gzip) {
    try {
      payload = await gzip(body);
      headers["content-encoding"] = "gzip";
    } catch {
      payload = body;
    }
  }
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return "failed";
    let status: number;
    let retryAfter: string | null = null;
    try {
      const response = await fetch(target.url, { method: "POST", headers, body: payload, signal: AbortSignal.timeout(remaining) });
      status = response.status;
      retryAfter = response.headers.get("retry-after");
      // Read the answer so the connection is reused; a server that never finishes it costs at most the deadline.
      await raceDeadline(response.arrayBuffer(), deadline);
    } catch {
      return "failed";
    }
    if (status >= 200 && status < 300) return "delivered";
    if (status !== 408 && status !== 429 && status < 500) return "refused";
    if (!RETRYABLE.has(status)) return "failed";
    const pause = retryAfterMs(retryAfter) ?? Math.min(5000, 1000 * 1.5 ** attempt) * (0.8 + Math.random() * 0.4);
    if (Date.now() + pause >= deadline) return "failed";
    await new Promise((resolve) => setTimeout(resolve, pause).unref());
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
