import { context, trace, TraceFlags } from "@opentelemetry/api";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Counter, Gauge, Histogram, type LabelValues } from "prom-client";
import { HTTP_METRIC_NAMES, isKnownMethod, UNMATCHED_ROUTE } from "./attributes.js";
import { Faults } from "../faults.js";
import { requestPath, resolveHttpMetricsOptions } from "./options.js";
import { RouteLabels, routeTemplate } from "./route.js";
import type { HttpMetricsOptions } from "./types.js";

type RequestLabels = "method" | "route" | "status_code";

/** Most distinct route label values; route templates are few, this only guards the fallback path. */
const MAX_ROUTES = 1000;
/** nginx's "client closed request": the client went away before a response status was sent. */
const CLIENT_CLOSED = "499";

/**
 * Express middleware recording, per request, `http_requests_total` and `http_request_duration_seconds` by
 * method, route template and status code, and `http_requests_in_flight` by method (the names of
 * express-prom-bundle and the Prometheus conventions). Mount it before your routes, after `traceContext()`
 * for trace-id exemplars.
 */
export function httpMetrics(options?: HttpMetricsOptions): RequestHandler {
  const o = resolveHttpMetricsOptions(options);
  const n = (key: keyof typeof HTTP_METRIC_NAMES) => o.prefix + HTTP_METRIC_NAMES[key];
  for (const key of Object.keys(HTTP_METRIC_NAMES) as (keyof typeof HTTP_METRIC_NAMES)[]) {
    if (o.registry.getSingleMetric(n(key)) !== undefined) {
      throw new Error(`httpMetrics: the registry already has a metric named ${n(key)}. Create one httpMetrics middleware per registry and share it, or give this one another prefix.`);
    }
  }
  const registers = [o.registry];
  const labelNames: RequestLabels[] = ["method", "route", "status_code"];
  const requests = new Counter({ name: n("requests"), help: "HTTP requests, by method, route template and status code.", labelNames, registers });
  const duration = new Histogram({ name: n("duration"), help: "HTTP request duration in seconds, by method, route template and status code.", labelNames, buckets: o.buckets, registers, enableExemplars: o.exemplars });
  const inFlight = new Gauge({ name: n("inFlight"), help: "HTTP requests being served, by method.", labelNames: ["method"], registers });
  const internalErrors = new Counter({ name: n("internalErrors"), help: "Internal errors of the HTTP metrics middleware, swallowed so requests never saw them.", registers });
  const faults = new Faults("httpMetrics", () => internalErrors.inc());
  const routes = new RouteLabels(MAX_ROUTES);
  const exemplars = o.exemplars;
  const excluded = o.excluded;

  function track(req: Request, res: Response): void {
    const method = isKnownMethod(req.method) ? req.method : "OTHER";
    const start = performance.now();
    // Captured now: when the response ends, the active context is whatever code ended it.
    const traceId = exemplars ? sampledTraceId() : undefined;
    inFlight.inc({ method });
    let recorded = false;
    // `close` follows `finish` on a completed response and comes alone when the client went away: record once.
    const record = () => {
      if (recorded) return;
      recorded = true;
      try {
        inFlight.dec({ method });
        const labels: LabelValues<RequestLabels> = {
          method,
          route: routes.value(routeTemplate(req), UNMATCHED_ROUTE),
          status_code: res.headersSent ? String(res.statusCode) : CLIENT_CLOSED,
        };
        requests.inc(labels);
        const seconds = (performance.now() - start) / 1000;
        if (!exemplars) duration.observe(labels, seconds);
        else if (traceId === undefined) duration.observe({ labels, value: seconds });
        else duration.observe({ labels, value: seconds, exemplarLabels: { trace_id: traceId } as unknown as LabelValues<RequestLabels> });
      } catch (error) {
        faults.record("record", error);
      }
    };
    res.on("finish", record);
    res.on("close", record);
  }

  return function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
    try {
      if (!excluded(requestPath(req.originalUrl, req.url))) track(req, res);
    } catch (error) {
      faults.record("track", error);
    }
    next();
  };
}

function sampledTraceId(): string | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) !== 0 && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}
