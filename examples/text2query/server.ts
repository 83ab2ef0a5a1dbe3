import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { trace, type TracerProvider } from "@opentelemetry/api";
import express, { type NextFunction, type Request, type Response } from "express";
import pino, { type Logger } from "pino";
import { Counter, Registry, type OpenMetricsContentType } from "prom-client";
import { traceLogFields, WorkflowMetrics, WorkflowTracer, type RecentTraces } from "langgraph-telemetry";
import { httpMetrics, jsonErrorHandler, telemetryConsole, telemetryRouter, traceContext, type InboundTraceContext } from "langgraph-telemetry/express";
import { apiTokenCheck, hostAndOriginCheck, resolveAccess } from "./access.js";
import type { Database } from "./database.js";
import { createLimitedServer, resolveHttpLimits, type HttpLimitsOptions } from "./http-limits.js";
import { ModelProviderError } from "./provider-errors.js";
import { Text2QueryService } from "./service.js";

export interface Text2QueryServerOptions {
  db: Database;
  model: BaseChatModel;
  /** @default the global tracer provider */
  tracerProvider?: TracerProvider;
  /** @default a new OpenMetrics registry (exemplars reach Prometheus) */
  registry?: Registry<OpenMetricsContentType>;
  /** @default a WorkflowMetrics on `registry` with the text2query_ prefix */
  metrics?: WorkflowMetrics;
  /** @default pino to stdout with trace ids on every line */
  log?: Logger;
  /** Capture prompts, completions and the question on spans (demo data: on by default here). @default true */
  captureContent?: boolean;
  /** Hosts (`host` or `host:port`) that serve models on your own machines (LOCAL_LLM_ENDPOINTS): their calls cost nothing. */
  localLlmEndpoints?: string[];
  /** Bearer token required on /metrics (and on the console). */
  metricsToken?: string;
  /** Serve the telemetry console at /telemetry from this buffer (a span processor of the tracer provider). */
  console?: { recent: RecentTraces; langfuseUrl?: string; sampleIntervalMs?: number };
  statementTimeoutMs?: number;
  maxRows?: number;
  /** Bearer token required on /api/* (API_TOKEN). Without it, keep the server on loopback. */
  apiToken?: string;
  /** Origins whose pages may call the server (ALLOWED_ORIGINS); loopback hosts and same-origin calls always may. */
  allowedOrigins?: string[];
  /** Further host names the server answers to (ALLOWED_HOSTS), e.g. `text2query` for Prometheus in compose. */
  allowedHosts?: string[];
  /** What an inbound traceparent may decide (TRACE_CONTEXT): a client should not merge or unsample our runs. @default "link" */
  traceContext?: InboundTraceContext;
  /** Timeouts and connection cap of the HTTP server `listen()` starts. */
  http?: HttpLimitsOptions;
  /** Bytes of row data a query returns at most. @default 1 MiB */
  maxBytes?: number;
}

export interface Text2QueryServer {
  app: express.Express;
  service: Text2QueryService;
  registry: Registry<OpenMetricsContentType>;
  metrics: WorkflowMetrics;
  tracer: WorkflowTracer;
  listen(port: number, host?: string): Promise<{ server: Server; url: string }>;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
// A UUID; runs stored before run ids existed kept their trace id (32 hex) as their run id.
const RUN_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/;
const OUTCOMES = new Set(["success", "failed", "error", "needs_clarification", "cannot_answer"]);
/** Probes, scrapes (and the console's polling): their successful answers are logged at debug, not every few seconds at info. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

class BadRequest extends Error {
  readonly status = 400;
  readonly expose = true;
}

/** PostgreSQL text cannot hold U+0000: such a run would be answered but not stored (then 404 on /api/runs). */
function storable(key: string, value: string): string {
  if (value.includes("\u0000")) throw new BadRequest(`"${key}" must not contain the NUL character (U+0000): PostgreSQL text cannot store it`);
  return value;
}

function optionalString(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > max) throw new BadRequest(`"${key}" must be a string of at most ${max} characters`);
  return storable(key, value);
}

function parseQuestion(body: unknown): { question: string; userId?: string; sessionId?: string } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new BadRequest('body must be a JSON object: {"question": "…", "userId"?: "…", "sessionId"?: "…"}');
  const record = body as Record<string, unknown>;
  const question = record.question;
  if (typeof question !== "string" || question.trim() === "") throw new BadRequest('"question" is required: a non-empty string');
  if (question.length > 2000) throw new BadRequest('"question" must be at most 2000 characters');
  storable("question", question);
  const userId = optionalString(record, "userId", 200);
  const sessionId = optionalString(record, "sessionId", 200);
  return { question: question.trim(), ...(userId !== undefined ? { userId } : {}), ...(sessionId !== undefined ? { sessionId } : {}) };
}

function runIdParam(req: Request): string {
  const id = String(req.params.runId ?? "").toLowerCase();
  if (!RUN_ID.test(id)) throw new BadRequest("runId must be the runId a query returned (a UUID)");
  return id;
}

/** Express 5 forwards rejected promises to the error handler; this keeps the handlers typed and short. */
const route = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => handler(req, res).catch(next);

/**
 * The Text2Query HTTP service: `POST /api/query`, query replay under `/api/runs`, and the telemetry of the
 * Express adapter (`/metrics`, `/healthz`, `/readyz` with a database ping, HTTP metrics, trace context).
 * Against a hostile client: Host/Origin checks on every request, an optional API token, inbound traceparents
 * linked rather than trusted, and timeouts plus a connection cap on the server `listen()` starts
 * (docs: security-http).
 */
export function createText2QueryServer(options: Text2QueryServerOptions): Text2QueryServer {
  const access = resolveAccess(options);
  const limits = resolveHttpLimits(options.http);
  const registry = options.registry ?? new Registry<OpenMetricsContentType>();
  if (options.registry === undefined) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const log = options.log ?? pino({ mixin: traceLogFields, base: { service: "text2query" } });
  const metrics = options.metrics ?? new WorkflowMetrics({ registry, prefix: "text2query_" });
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const tracer = new WorkflowTracer({ tracerProvider, metrics, captureContent: options.captureContent ?? true, ...(options.localLlmEndpoints ? { localEndpoints: options.localLlmEndpoints } : {}) });
  const refused = new Counter({ name: "text2query_sql_refused_total", help: "Generated SQL refused before reaching the database (not a single SELECT over the shop's tables with allowed functions).", registers: [registry] });
  const service = new Text2QueryService({
    db: options.db,
    model: options.model,
    tracer,
    metrics,
    log,
    otelTracer: tracerProvider.getTracer("text2query"),
    ...(options.statementTimeoutMs !== undefined ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
    ...(options.maxRows !== undefined ? { maxRows: options.maxRows } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    onSqlRefused: (reason) => {
      refused.inc();
      log.warn({ reason }, "generated SQL refused");
    },
  });

  const app = express();
  app.disable("x-powered-by");
  app.use(traceContext({ tracerProvider, inbound: options.traceContext ?? "link" }));
  // Every response, refusals and body-parser errors (400 malformed JSON, 413) included, in the request's trace
  // (the response is bound to its context, so the line carries its trace_id). Successful probes and scrapes at debug.
  app.use(function logResponse(req, res, next) {
    const started = performance.now();
    res.on("finish", () => {
      const status = res.statusCode;
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : QUIET_PATHS.has(req.path) || req.path.startsWith("/telemetry/") ? "debug" : "info";
      log[level]({ method: req.method, path: req.path, status, duration_ms: Math.round(performance.now() - started) }, "request");
    });
    next();
  });
  app.use(httpMetrics({ registry }));
  app.use(hostAndOriginCheck(access));
  app.use(
    telemetryRouter({
      registry,
      checks: { database: async () => void (await options.db.query("SELECT 1")) },
      ...(options.metricsToken !== undefined ? { bearerToken: options.metricsToken } : {}),
    }),
  );
  if (options.console !== undefined) {
    app.use(
      telemetryConsole({
        recent: options.console.recent,
        metrics,
        ...(options.console.langfuseUrl !== undefined ? { langfuseUrl: options.console.langfuseUrl } : {}),
        ...(options.console.sampleIntervalMs !== undefined ? { sampleIntervalMs: options.console.sampleIntervalMs } : {}),
        ...(options.metricsToken !== undefined ? { bearerToken: options.metricsToken } : {}),
      }),
    );
  }
  if (access.apiToken !== undefined) app.use("/api", apiTokenCheck(access.apiToken));
  // Not strict: a `null`, number or string body reaches parseQuestion, which says what the body must be.
  app.use(express.json({ limit: "16kb", strict: false }));

  app.post(
    "/api/query",
    route(async (req, res) => {
      res.json(await service.ask(parseQuestion(req.body)));
    }),
  );
  app.get(
    "/api/runs",
    route(async (req, res) => {
      const outcome = req.query.outcome;
      if (outcome !== undefined && (typeof outcome !== "string" || !OUTCOMES.has(outcome))) throw new BadRequest('"outcome" must be one of success, failed, error, needs_clarification, cannot_answer');
      const limitText = req.query.limit ?? "50";
      const limit = typeof limitText === "string" ? Number(limitText) : Number.NaN;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequest('"limit" must be an integer from 1 to 500');
      const traceId = req.query.traceId;
      if (traceId !== undefined && (typeof traceId !== "string" || !TRACE_ID.test(traceId))) throw new BadRequest('"traceId" must be 32 lowercase hexadecimal characters');
      res.json({ runs: await service.runs.list({ limit, ...(outcome !== undefined ? { outcome } : {}), ...(traceId !== undefined ? { traceId } : {}) }) });
    }),
  );
  app.get(
    "/api/runs/:runId",
    route(async (req, res) => {
      const run = await service.runs.get(runIdParam(req));
      if (run === undefined) res.status(404).json({ error: "no run with this runId" });
      else res.json(run);
    }),
  );
  app.post(
    "/api/runs/:runId/replay",
    route(async (req, res) => {
      const report = await service.replay(runIdParam(req));
      if (report === undefined) res.status(404).json({ error: "no run with this runId" });
      else res.json(report);
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  // The provider refused or failed: 502/503/504 with the setting to check (jsonErrorHandler hides 5xx reasons).
  app.use(function providerErrors(error: unknown, _req: Request, res: Response, next: NextFunction) {
    if (!(error instanceof ModelProviderError) || res.headersSent) return next(error);
    if (error.retryAfterS !== undefined) res.set("Retry-After", String(error.retryAfterS));
    res.status(error.status).set("Cache-Control", "no-store").json(error.toJSON());
  });
  app.use(jsonErrorHandler());

  return {
    app,
    service,
    registry,
    metrics,
    tracer,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        const server = createLimitedServer(app, limits);
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          resolve({ server, url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}` });
        });
      });
    },
  };
}
