import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { MetricsHistory } from "../console/metrics-history.js";
import { consolePage } from "../console/page.js";
import type { RecentTraces } from "../console/recent-traces.js";
import type { WorkflowMetrics } from "../metrics/workflow-metrics.js";
import { WORKFLOW_OUTCOMES } from "../shared/workflow.js";
import { bearerTokenOf, SignedSessions, tokenMatcher } from "./auth.js";

export interface TelemetryConsoleOptions {
  /** The span processor that keeps recent traces (add it to your tracer provider). */
  recent: RecentTraces;
  /** Charts read this WorkflowMetrics' registry; without it the metrics view is empty. */
  metrics?: WorkflowMetrics;
  /** Where the console is served. @default "/telemetry" */
  path?: string;
  /**
   * Require this token: `Authorization: Bearer <token>`, or open `<path>?token=<token>` once in a browser,
   * which answers with a signed session cookie (not the token; `Secure` over TLS) and a redirect that drops it.
   */
  bearerToken?: string;
  /** How long a browser session from `?token=` lasts. @default 28800000 (8 hours) */
  sessionTtlMs?: number;
  /**
   * Langfuse link of a run: a template with `{traceId}` (e.g. `https://cloud.langfuse.com/project/<id>/traces/{traceId}`),
   * or a base URL (`<base>/trace/<traceId>` is linked).
   */
  langfuseUrl?: string;
  /** Metrics sampling interval. @default 10000 */
  sampleIntervalMs?: number;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const OUTCOMES = new Set<string>(WORKFLOW_OUTCOMES);
const COOKIE = "lgt_console";
const KNOWN = ["recent", "metrics", "path", "bearerToken", "sessionTtlMs", "langfuseUrl", "sampleIntervalMs"];

function fail(option: string, value: unknown, expected: string): never {
  throw new TypeError(`telemetryConsole: invalid option ${option}: ${typeof value === "string" || typeof value === "number" ? JSON.stringify(value) : `[${typeof value}]`}. Expected ${expected}.`);
}

/** The raw value of cookie `name` (our values are URL-safe: nothing to decode, so nothing a client sends can throw). */
function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The page's Content-Security-Policy: scripts and the style sheet only with this response's nonce (no
 * 'unsafe-inline'; inline styles are set through the CSSOM), not framable, no <base>, forms only to itself.
 */
const csp = (nonce: string) =>
  `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

/**
 * The telemetry console: a page of recent runs (with their stage waterfall, generations, SQL and validation
 * errors) and live charts from the app's own metrics, plus its JSON API, all served by the app (no CDN).
 * Off unless mounted: `app.use(telemetryConsole({ recent, metrics }))`. It shows prompts and SQL when content
 * capture is on: protect it with `bearerToken` anywhere but a developer's machine.
 */
export function telemetryConsole(options: TelemetryConsoleOptions): Router {
  if (options === null || typeof options !== "object") fail("options", options, "an options object");
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) fail(key, (options as unknown as Record<string, unknown>)[key], `one of the known options (${KNOWN.join(", ")})`);
  // Shape checks, not instanceof: the root and the express entry points may each carry their own copy of a class.
  const r = options.recent as Partial<RecentTraces> | undefined;
  if (r === null || typeof r !== "object" || typeof r.list !== "function" || typeof r.get !== "function" || typeof r.stats !== "function") fail("recent", options.recent, "a RecentTraces span processor");
  const m = options.metrics as Partial<WorkflowMetrics> | undefined;
  if (m !== undefined && (m === null || typeof m !== "object" || typeof m.prefix !== "string" || typeof m.registry?.getSingleMetric !== "function")) fail("metrics", options.metrics, "a WorkflowMetrics");
  const path = options.path ?? "/telemetry";
  if (typeof path !== "string" || !/^\/[A-Za-z0-9._~/-]*$/.test(path) || path.endsWith("/")) fail("path", path, 'a literal path starting with "/" and not ending with "/"');
  if (options.bearerToken !== undefined && (typeof options.bearerToken !== "string" || options.bearerToken.length < 8)) fail("bearerToken", "[redacted]", "a string of at least 8 characters");
  if (options.langfuseUrl !== undefined && !/^https?:\/\//.test(String(options.langfuseUrl))) fail("langfuseUrl", options.langfuseUrl, "an http(s) URL");
  const sessionTtlMs = options.sessionTtlMs ?? 8 * 3600_000;
  if (typeof sessionTtlMs !== "number" || !Number.isInteger(sessionTtlMs) || sessionTtlMs < 1000 || sessionTtlMs > 2_147_483_647) fail("sessionTtlMs", sessionTtlMs, "an integer number of milliseconds from 1000 to 2147483647");
  const interval = options.sampleIntervalMs ?? 10_000;
  if (typeof interval !== "number" || !Number.isInteger(interval) || interval < 100) fail("sampleIntervalMs", interval, "an integer number of milliseconds >= 100");

  const recent = options.recent;
  const history = options.metrics ? new MetricsHistory(options.metrics.registry, options.metrics.prefix, interval) : undefined;
  history?.start();
  const page = consolePage(path, options.langfuseUrl);
  const matches = options.bearerToken !== undefined ? tokenMatcher(options.bearerToken) : undefined;
  const sessions = options.bearerToken !== undefined ? new SignedSessions(options.bearerToken, sessionTtlMs) : undefined;
  // Express matches routes case-insensitively and with a trailing slash: so must the check for the page.
  const pagePath = path.toLowerCase();
  const isPage = (req: Request) => req.path.toLowerCase().replace(/\/+$/, "") === pagePath;

  const router = express.Router();
  const deny = (res: Response, error: string) =>
    void res.status(401).set("WWW-Authenticate", 'Bearer realm="telemetry console"').set("Cache-Control", "no-store").json({ error });
  const auth = (req: Request, res: Response, next: NextFunction) => {
    if (matches === undefined || sessions === undefined) return next();
    const bearer = bearerTokenOf(req);
    if (bearer !== undefined) return matches(bearer) ? next() : deny(res, "invalid bearer token");
    const linkToken = req.method === "GET" && isPage(req) && typeof req.query.token === "string" ? req.query.token : undefined;
    if (linkToken !== undefined) {
      if (!matches(linkToken)) return deny(res, "invalid token");
      // Trade the token in the URL for a signed session, and drop it from the address bar (and from history).
      res.cookie(COOKIE, sessions.issue(), { httpOnly: true, sameSite: "strict", secure: req.secure, path, maxAge: sessions.ttlMs });
      return void res.set("Cache-Control", "no-store").set("Referrer-Policy", "no-referrer").redirect(303, path);
    }
    const session = readCookie(req.headers.cookie, COOKIE);
    if (session !== undefined) return sessions.verify(session) ? next() : deny(res, `invalid or expired session: open ${path}?token=… again`);
    deny(res, "missing bearer token");
  };

  router.get(path, auth, (_req, res) => {
    const nonce = randomBytes(18).toString("base64");
    res
      .set("Cache-Control", "no-store")
      .set("Content-Security-Policy", csp(nonce))
      .set("X-Content-Type-Options", "nosniff")
      .set("Referrer-Policy", "no-referrer")
      .type("html")
      .send(page(nonce));
  });
  router.get(`${path}/api/runs`, auth, (req, res) => {
    const outcome = req.query.outcome;
    if (outcome !== undefined && (typeof outcome !== "string" || !OUTCOMES.has(outcome))) return void res.status(400).json({ error: `"outcome" must be one of ${WORKFLOW_OUTCOMES.join(", ")}` });
    const limitText = req.query.limit ?? "100";
    const limit = typeof limitText === "string" ? Number(limitText) : Number.NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return void res.status(400).json({ error: '"limit" must be an integer from 1 to 1000' });
    // `total`: how many kept runs match, so the page can say "200 of 224 runs" instead of the page size.
    const matching = recent.list(outcome !== undefined ? { outcome } : {});
    res.set("Cache-Control", "no-store").json({ runs: matching.slice(0, limit), total: matching.length, stats: recent.stats() });
  });
  router.get(`${path}/api/runs/:traceId`, auth, (req, res) => {
    const id = String(req.params.traceId ?? "");
    if (!TRACE_ID.test(id)) return void res.status(400).json({ error: "traceId must be 32 lowercase hexadecimal characters" });
    const trace = recent.get(id);
    if (trace === undefined) return void res.status(404).json({ error: "no such trace in the console's buffer (never seen, or evicted)" });
    res.set("Cache-Control", "no-store").json(trace);
  });
  router.get(`${path}/api/metrics`, auth, (_req, res) => {
    const empty = { intervalMs: interval, t: [], runs: [], runsPerMinute: [], errorRate: [], p50: {}, p95: {}, tokensPerMinute: {}, costPerMinute: {} };
    res.set("Cache-Control", "no-store").json(history?.series() ?? empty);
  });
  router.use(`${path}/api`, auth, (_req, res) => {
    res.status(404).json({ error: "unknown console endpoint" });
  });
  return router;
}
