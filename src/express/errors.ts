import { STATUS_CODES } from "node:http";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ErrorRequestHandler, NextFunction, Request, Response } from "express";
import { errorMessage, errorType, exceptionOf } from "../tracer/errors.js";
import { redactSecrets } from "../tracer/secrets.js";
import { TRACE_HEADERS } from "./attributes.js";
import { resolveErrorHandlerOptions } from "./options.js";
import type { JsonErrorHandlerOptions } from "./types.js";

const MAX_MESSAGE = 200;

interface HttpErrorLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
  type?: unknown;
  headers?: unknown;
}

/**
 * Express error handler answering JSON. Client errors (an error with `status`/`statusCode` 4xx, as
 * http-errors and body-parser make them) get their status and message (unless `expose: false`) and
 * body-parser's `type` (`entity.parse.failed`); everything else is
 * `500 {"error":"internal server error","traceId":"…"}` — never the message or stack of an internal error,
 * which go to the active span (`recordException`) and to `onError`. Mount it after your routes.
 */
export function jsonErrorHandler(options?: JsonErrorHandlerOptions): ErrorRequestHandler {
  const { onError } = resolveErrorHandlerOptions(options);

  return function jsonErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
    // Too late for a JSON answer: Express's default handler closes the connection.
    if (res.headersSent) return next(error);
    let status = 500;
    let body: Record<string, string> = { error: reason(500) };
    try {
      const e = (error !== null && typeof error === "object" ? error : {}) as HttpErrorLike;
      status = statusOf(e);
      const traceId = currentTraceId(res);
      if (status < 500) {
        body = { error: e.expose !== false && typeof e.message === "string" && e.message !== "" ? e.message.slice(0, MAX_MESSAGE) : reason(status) };
        if (typeof e.type === "string" && /^[a-z][a-z0-9._-]{0,63}$/.test(e.type)) body.type = e.type;
        copyHeaders(res, e.headers);
      } else {
        body = { error: reason(status) };
        recordOnSpan(error);
      }
      if (traceId !== undefined) body.traceId = traceId;
    } catch {
      // Keep the generic 500 prepared above.
    }
    if (onError !== undefined) {
      try {
        onError(error, req, status);
      } catch {
        // A logging hook must not turn an error answer into a crash.
      }
    }
    res.status(status).set("Cache-Control", "no-store").json(body);
  };
}

function statusOf(e: HttpErrorLike): number {
  const s = e.status ?? e.statusCode;
  return typeof s === "number" && Number.isInteger(s) && s >= 400 && s <= 599 ? s : 500;
}

function reason(status: number): string {
  return (STATUS_CODES[status] ?? "error").toLowerCase();
}

function currentTraceId(res: Response): string | undefined {
  const sc = trace.getSpanContext(context.active());
  if (sc !== undefined && trace.isSpanContextValid(sc)) return sc.traceId;
  const header = res.getHeader(TRACE_HEADERS.traceId);
  return typeof header === "string" ? header : undefined;
}

/** http-errors puts response headers on client errors (`Allow` on 405, `Retry-After` on 429). */
function copyHeaders(res: Response, headers: unknown): void {
  if (headers === null || typeof headers !== "object") return;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string" && /^[A-Za-z0-9-]{1,64}$/.test(name)) res.setHeader(name, value);
  }
}

function recordOnSpan(error: unknown): void {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return;
  // Type, message and stack, with key-shaped strings stripped: an upstream's error may echo a credential.
  if (error instanceof Error) {
    const exception = exceptionOf(error, errorType(error), redactSecrets(errorMessage(error)));
    if (exception.stack !== undefined) exception.stack = redactSecrets(exception.stack);
    span.recordException(exception);
  }
  span.setStatus({ code: SpanStatusCode.ERROR });
}
