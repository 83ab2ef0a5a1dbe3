import { context, trace, TraceFlags } from "@opentelemetry/api";

export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
}

/**
 * The active span's ids as log fields (`trace_id`, `span_id`, `trace_flags`: the names Loki, Grafana and the
 * OpenTelemetry log data model use), or `{}` outside a span. Made for pino's `mixin`, so every line logged
 * while a request or workflow runs links to its trace:
 *
 *     const log = pino({ mixin: traceLogFields });
 */
export function traceLogFields(): TraceLogFields {
  const span = trace.getSpan(context.active());
  // A new object every call: pino merges the log call's own fields into what the mixin returns.
  if (span === undefined) return {};
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: (ctx.traceFlags & TraceFlags.SAMPLED) !== 0 ? "01" : "00" };
}
