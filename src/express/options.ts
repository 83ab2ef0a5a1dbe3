import type { TracerProvider } from "@opentelemetry/api";
import { register as globalRegistry, Registry, type RegistryContentType } from "prom-client";
import type {
  ClusterMetricsServerOptions,
  HttpMetricsOptions,
  JsonErrorHandlerOptions,
  PathPattern,
  ReadinessCheck,
  TelemetryRouterOptions,
  InboundTraceContext,
  TraceContextOptions,
} from "./types.js";

/** The telemetry router's default endpoints, which the middlewares leave out by default. */
export const DEFAULT_PATHS = { metrics: "/metrics", health: "/healthz", ready: "/readyz" } as const;
const DEFAULT_EXCLUDED: readonly string[] = [DEFAULT_PATHS.metrics, DEFAULT_PATHS.health, DEFAULT_PATHS.ready];

const DEFAULTS = {
  checkTimeoutMs: 2000,
  prefix: "",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
} as const;

const PREFIX = /^(?:[a-zA-Z_][a-zA-Z0-9_]*_)?$/;
/** Literal paths only: path-to-regexp gives `:`, `*`, `{`, `(` a meaning. */
const LITERAL_PATH = /^\/[A-Za-z0-9._~/-]*$/;

function show(value: unknown): string {
  if (typeof value === "function") return "[function]";
  if (value instanceof RegExp) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A `fail(option, value, expected)` that throws `TypeError("<owner>: invalid option …")`. */
function failure(owner: string) {
  return (option: string, value: unknown, expected: string): never => {
    throw new TypeError(`${owner}: invalid option ${option}: ${show(value)}. Expected ${expected}.`);
  };
}

type Fail = ReturnType<typeof failure>;

function objectOf(fail: Fail, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) fail("options", options, "an options object");
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!known.includes(key)) fail(key, record[key], `one of the known options (${known.join(", ")})`);
  return record;
}

function registryOf(fail: Fail, value: unknown): Registry<RegistryContentType> {
  const registry = (value ?? globalRegistry) as Registry<RegistryContentType>;
  if (typeof registry !== "object" || typeof registry.registerMetric !== "function" || typeof registry.getSingleMetric !== "function" || typeof registry.metrics !== "function") {
    fail("registry", "[not a prom-client Registry]", "a prom-client Registry");
  }
  return registry;
}

function booleanOf(fail: Fail, option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") fail(option, value, "true or false");
  return value;
}

function positiveMs(fail: Fail, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > 2_147_483_647) fail(option, value, "a positive integer number of milliseconds");
  return value;
}

function pathOption(fail: Fail, option: string, value: unknown, fallback: string): string | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== "string" || !LITERAL_PATH.test(value)) fail(option, value, 'a literal path starting with "/" (letters, digits, ".", "_", "~", "-", "/"), or false to disable it');
  return value;
}

/** Tests a request path against the patterns; strings match the path itself and everything below it. */
export type PathMatcher = (path: string) => boolean;

function excludeOf(fail: Fail, value: unknown): PathMatcher {
  const patterns = value === undefined ? DEFAULT_EXCLUDED : value;
  if (!Array.isArray(patterns)) fail("excludePaths", value, 'an array of paths ("/metrics") and RegExps');
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const regexps: RegExp[] = [];
  for (const p of patterns as unknown[]) {
    if (typeof p === "string" && p.startsWith("/")) {
      const trimmed = p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
      exact.add(trimmed);
      prefixes.push(trimmed === "/" ? "/" : `${trimmed}/`);
    } else if (p instanceof RegExp) {
      // Without g/y a RegExp keeps no lastIndex between requests.
      regexps.push(new RegExp(p.source, p.flags.replace(/[gy]/g, "")));
    } else {
      fail("excludePaths", value, 'an array of paths starting with "/" and RegExps');
    }
  }
  if (exact.size === 0 && regexps.length === 0) return () => false;
  return (path) => exact.has(path) || prefixes.some((prefix) => path.startsWith(prefix)) || regexps.some((re) => re.test(path));
}

// ---------------------------------------------------------------- telemetryRouter

export interface ResolvedCheck {
  name: string;
  check: ReadinessCheck;
  timeoutMs: number;
}

export interface ResolvedRouterOptions {
  registry: Registry<RegistryContentType>;
  metricsPath: string | false;
  healthPath: string | false;
  readyPath: string | false;
  checks: ResolvedCheck[];
  bearerToken: string | undefined;
  cluster: boolean;
}

const ROUTER_OPTIONS = ["registry", "metricsPath", "healthPath", "readyPath", "checks", "checkTimeoutMs", "bearerToken", "cluster"] as const;
const CHECK_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

export function resolveRouterOptions(options: TelemetryRouterOptions | undefined, owner = "telemetryRouter", extra: readonly string[] = []): ResolvedRouterOptions {
  const fail = failure(owner);
  const o = objectOf(fail, options, [...ROUTER_OPTIONS, ...extra]);
  const cluster = booleanOf(fail, "cluster", o.cluster, false);
  if (cluster && o.registry !== undefined) fail("registry", "[a Registry]", "no registry with cluster: true (the workers' registries are served; workers call shareMetricsWithPrimary(registry))");
  const registry = registryOf(fail, o.registry);

  const metricsPath = pathOption(fail, "metricsPath", o.metricsPath, DEFAULT_PATHS.metrics);
  const healthPath = pathOption(fail, "healthPath", o.healthPath, DEFAULT_PATHS.health);
  const readyPath = pathOption(fail, "readyPath", o.readyPath, DEFAULT_PATHS.ready);
  const paths = [metricsPath, healthPath, readyPath].filter((p): p is string => p !== false);
  if (new Set(paths).size !== paths.length) fail("metricsPath/healthPath/readyPath", { metricsPath, healthPath, readyPath }, "three different paths");

  const checkTimeoutMs = positiveMs(fail, "checkTimeoutMs", o.checkTimeoutMs, DEFAULTS.checkTimeoutMs);
  const checks: ResolvedCheck[] = [];
  if (o.checks !== undefined) {
    if (o.checks === null || typeof o.checks !== "object" || Array.isArray(o.checks)) fail("checks", o.checks, 'an object of named checks, e.g. { database: () => pool.query("select 1") }');
    for (const [name, value] of Object.entries(o.checks as Record<string, unknown>)) {
      if (!CHECK_NAME.test(name)) fail("checks", name, "check names of 1 to 64 letters, digits, '_', '.', ':' or '-'");
      if (typeof value === "function") {
        checks.push({ name, check: value as ReadinessCheck, timeoutMs: checkTimeoutMs });
      } else if (value !== null && typeof value === "object" && typeof (value as { check?: unknown }).check === "function") {
        const { check, timeoutMs, ...rest } = value as { check: ReadinessCheck; timeoutMs?: unknown };
        const unknownKey = Object.keys(rest)[0];
        if (unknownKey !== undefined) fail(`checks.${name}.${unknownKey}`, (rest as Record<string, unknown>)[unknownKey], "only check and timeoutMs");
        checks.push({ name, check, timeoutMs: positiveMs(fail, `checks.${name}.timeoutMs`, timeoutMs, checkTimeoutMs) });
      } else {
        fail(`checks.${name}`, value, "a function, or { check: function, timeoutMs?: number }");
      }
    }
  }

  let bearerToken: string | undefined;
  if (o.bearerToken !== undefined) {
    if (typeof o.bearerToken !== "string" || !/^[\x21-\x7e]+$/.test(o.bearerToken)) fail("bearerToken", "[redacted]", "a non-empty string of printable ASCII without spaces");
    bearerToken = o.bearerToken as string;
  }

  return { registry, metricsPath, healthPath, readyPath, checks, bearerToken, cluster };
}

// ---------------------------------------------------------------- clusterMetricsServer

export function resolveClusterServerOptions(options: ClusterMetricsServerOptions): { port: number; host: string | undefined; router: ResolvedRouterOptions } {
  const fail = failure("clusterMetricsServer");
  const o = objectOf(fail, options, [...ROUTER_OPTIONS.filter((k) => k !== "registry" && k !== "cluster"), "port", "host"]);
  if (typeof o.port !== "number" || !Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) fail("port", o.port, "an integer port from 0 to 65535");
  if (o.host !== undefined && (typeof o.host !== "string" || o.host === "")) fail("host", o.host, "a host name or address");
  const { port, host, ...routerOptions } = o;
  return { port: port as number, host: host as string | undefined, router: resolveRouterOptions({ ...routerOptions, cluster: true }, "clusterMetricsServer") };
}

// ---------------------------------------------------------------- httpMetrics

export interface ResolvedHttpMetricsOptions {
  registry: Registry<RegistryContentType>;
  prefix: string;
  buckets: number[];
  excluded: PathMatcher;
  exemplars: boolean;
}

export function resolveHttpMetricsOptions(options: HttpMetricsOptions | undefined): ResolvedHttpMetricsOptions {
  const fail = failure("httpMetrics");
  const o = objectOf(fail, options, ["registry", "prefix", "buckets", "excludePaths", "exemplars"]);
  const registry = registryOf(fail, o.registry);
  const prefix = o.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) fail("prefix", prefix, 'letters, digits and underscores, starting with a letter or underscore and ending with "_" (e.g. "api_"), or ""');
  let buckets: number[] = [...DEFAULTS.buckets];
  if (o.buckets !== undefined) {
    const b = o.buckets;
    if (!Array.isArray(b) || b.length === 0 || !b.every((x, i) => typeof x === "number" && Number.isFinite(x) && x > 0 && (i === 0 || x > (b[i - 1] as number)))) {
      fail("buckets", b, "a non-empty array of increasing positive numbers (seconds)");
    }
    buckets = [...(b as number[])];
  }
  const openMetrics = registry.contentType === Registry.OPENMETRICS_CONTENT_TYPE;
  const exemplars = booleanOf(fail, "exemplars", o.exemplars, openMetrics);
  if (exemplars && !openMetrics) fail("exemplars", exemplars, "false with this registry: prom-client writes exemplars only in OpenMetrics; call registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE) first");
  return { registry, prefix: prefix as string, buckets, excluded: excludeOf(fail, o.excludePaths), exemplars };
}

// ---------------------------------------------------------------- traceContext

export interface ResolvedTraceContextOptions {
  tracerProvider: TracerProvider | undefined;
  serverSpan: boolean;
  responseHeaders: boolean;
  excluded: PathMatcher;
  inbound: InboundTraceContext;
}

const INBOUND_MODES: readonly InboundTraceContext[] = ["trust", "link", "ignore"];

export function resolveTraceContextOptions(options: TraceContextOptions | undefined): ResolvedTraceContextOptions {
  const fail = failure("traceContext");
  const o = objectOf(fail, options, ["tracerProvider", "serverSpan", "responseHeaders", "excludePaths", "inbound"]);
  const provider = o.tracerProvider as TracerProvider | undefined;
  if (provider !== undefined && (provider === null || typeof provider !== "object" || typeof provider.getTracer !== "function")) {
    fail("tracerProvider", provider, "an OpenTelemetry TracerProvider (an object with getTracer())");
  }
  const serverSpan = booleanOf(fail, "serverSpan", o.serverSpan, true);
  const inbound = (o.inbound ?? "trust") as InboundTraceContext;
  if (!INBOUND_MODES.includes(inbound)) fail("inbound", o.inbound, '"trust", "link" or "ignore"');
  if (inbound === "link" && !serverSpan) fail("inbound", inbound, '"trust" or "ignore" when serverSpan is false (a link needs the server span to carry it)');
  return {
    tracerProvider: provider,
    serverSpan,
    responseHeaders: booleanOf(fail, "responseHeaders", o.responseHeaders, true),
    excluded: excludeOf(fail, o.excludePaths),
    inbound,
  };
}

// ---------------------------------------------------------------- jsonErrorHandler

export function resolveErrorHandlerOptions(options: JsonErrorHandlerOptions | undefined): { onError: JsonErrorHandlerOptions["onError"] } {
  const fail = failure("jsonErrorHandler");
  const o = objectOf(fail, options, ["onError"]);
  if (o.onError !== undefined && typeof o.onError !== "function") fail("onError", o.onError, "a function (error, req, status) => void");
  return { onError: o.onError as JsonErrorHandlerOptions["onError"] };
}

/** The path of the request as the client sent it (mount-independent), without the query. */
export function requestPath(originalUrl: string | undefined, url: string): string {
  const raw = originalUrl ?? url;
  const q = raw.indexOf("?");
  return q === -1 ? raw : raw.slice(0, q);
}

export type { PathPattern };
