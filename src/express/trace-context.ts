import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { VERSION } from "../version.js";
import { Http, isKnownMethod, TRACE_HEADERS } from "./attributes.js";
import { Faults } from "../faults.js";
import { requestPath, resolveTraceContextOptions } from "./options.js";
import { routeTemplate } from "./route.js";
import type { InboundTraceContext, TraceContextOptions } from "./types.js";

/**
 * Our own W3C propagators, so incoming `traceparent`/`tracestate`/`baggage` are honoured whether or not the
 * app registered a global propagator. Invalid headers extract nothing (the request starts a new trace).
 */
const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
const baggageOnly = new W3CBaggagePropagator();
const traceparentOnly = new W3CTraceContextPropagator();

/**
 * Express middleware that continues the caller's trace: it extracts W3C `traceparent`/`tracestate` and
 * `baggage` (unless `inbound` says otherwise), starts an HTTP server span (`SpanKind.SERVER`, named `GET /api/runs/:id` once the route is
 * known) as their child, runs the rest of the request in its context — so a LangGraph workflow invoked by
 * the handler with `WorkflowTracer` becomes part of that trace — and answers with `traceparent` and
 * `x-trace-id` headers. Mount it first. Needs an OpenTelemetry context manager (`setupTelemetry`, the
 * NodeSDK and `NodeTracerProvider.register()` install one).
 */
export function traceContext(options?: TraceContextOptions): RequestHandler {
  const o = resolveTraceContextOptions(options);
  const tracer = (o.tracerProvider ?? trace.getTracerProvider()).getTracer("langgraph-telemetry", VERSION);
  const faults = new Faults("traceContext");
  const { serverSpan, responseHeaders, excluded, inbound } = o;

  return function traceContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    let ctx: Context | undefined;
    try {
      if (!excluded(requestPath(req.originalUrl, req.url))) {
        ctx = serverSpan ? startServerSpan(tracer, req, res, faults, inbound) : joinTrace(req, inbound);
        // Body parsers and other stream listeners run their callbacks from the socket's events: bind the
        // request and response emitters to this context so `next()` called from them stays in the trace.
        context.bind(ctx, req);
        context.bind(ctx, res);
        if (responseHeaders) setTraceHeaders(res, trace.getSpanContext(ctx));
      }
    } catch (error) {
      faults.record("start", error);
      ctx = undefined;
    }
    if (ctx === undefined) next();
    else context.with(ctx, next);
  };
}

function startServerSpan(tracer: Tracer, req: Request, res: Response, faults: Faults, inbound: InboundTraceContext): Context {
  let parent: Context;
  let links: Link[] | undefined;
  if (inbound === "trust") {
    parent = propagator.extract(context.active(), req.headers, defaultTextMapGetter);
  } else {
    // A new trace: no span of the caller's as parent (nor one an earlier instrumentation made from its headers).
    parent = trace.deleteSpan(context.active());
    if (inbound === "link") {
      const caller = trace.getSpanContext(traceparentOnly.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter));
      if (caller !== undefined && trace.isSpanContextValid(caller)) links = [{ context: caller }];
    }
  }
  const known = isKnownMethod(req.method);
  const attributes: Attributes = {
    [Http.REQUEST_METHOD]: known ? req.method : "_OTHER",
    [Http.URL_PATH]: requestPath(req.originalUrl, req.url),
    [Http.URL_SCHEME]: req.protocol,
    [Http.NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (!known) attributes[Http.REQUEST_METHOD_ORIGINAL] = req.method;
  const host = req.hostname;
  if (host) attributes[Http.SERVER_ADDRESS] = host;
  const userAgent = req.headers["user-agent"];
  if (userAgent) attributes[Http.USER_AGENT_ORIGINAL] = userAgent;
  const client = req.ip;
  if (client) attributes[Http.CLIENT_ADDRESS] = client;

  const method = known ? req.method : "HTTP";
  const span = tracer.startSpan(method, links === undefined ? { kind: SpanKind.SERVER, attributes } : { kind: SpanKind.SERVER, attributes, links }, parent);
  let ended = false;
  // `close` follows `finish` on a completed response and comes alone when the client went away: end once.
  const end = () => {
    if (ended) return;
    ended = true;
    try {
      endServerSpan(span, method, req, res);
    } catch (error) {
      faults.record("end", error);
      span.end();
    }
  };
  res.on("finish", end);
  res.on("close", end);
  return trace.setSpan(parent, span);
}

function endServerSpan(span: Span, method: string, req: Request, res: Response): void {
  const route = routeTemplate(req);
  if (route !== undefined) {
    span.setAttribute(Http.ROUTE, route);
    span.updateName(`${method} ${route}`);
  }
  if (res.headersSent) {
    const status = res.statusCode;
    span.setAttribute(Http.RESPONSE_STATUS_CODE, status);
    // Server spans: only 5xx are errors (4xx are the client's).
    if (status >= 500) {
      span.setAttribute(Http.ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}

/**
 * Without a span of ours: keep the active span (e.g. instrumentation-http's) and only add baggage, or join
 * the incoming trace when there is none.
 */
function joinTrace(req: Request, inbound: InboundTraceContext): Context {
  const active = context.active();
  if (inbound !== "trust") return active;
  const current = trace.getSpanContext(active);
  if (current !== undefined && trace.isSpanContextValid(current)) return baggageOnly.extract(active, req.headers, defaultTextMapGetter);
  return propagator.extract(active, req.headers, defaultTextMapGetter);
}

function setTraceHeaders(res: Response, sc: SpanContext | undefined): void {
  if (sc === undefined || !trace.isSpanContextValid(sc)) return;
  res.setHeader(TRACE_HEADERS.traceparent, `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, "0")}`);
  res.setHeader(TRACE_HEADERS.traceId, sc.traceId);
}
