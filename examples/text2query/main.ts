// The Text2Query example server: `npm start`. Embedded defaults: PGlite in .data/pglite, the demo model.
// Environment: PORT (3000), HOST (127.0.0.1), DATABASE_URL (PostgreSQL instead of PGlite, as the tables' owner)
// with DATABASE_READER_URL (the role model-written SQL runs as: it can only read the shop's tables), DATA_DIR
// (PGlite's directory, locked by one process), OPENAI_API_KEY (+ OPENAI_MODEL, OPENAI_BASE_URL for
// OpenAI-compatible servers, OPENAI_MAX_RETRIES (2); LOCAL_LLM_ENDPOINTS, comma
// separated hosts that serve models on your own machines, priced at nothing), METRICS_TOKEN,
// LANGFUSE_* and OTEL_EXPORTER_OTLP_* (trace and log export), LANGFUSE_SAMPLE_RATE, SPOOL_DIR.
// Access (docs: security-http): API_TOKEN (bearer token on /api/*), ALLOWED_ORIGINS and ALLOWED_HOSTS (comma
// separated; loopback is always allowed), TRACE_CONTEXT (link | ignore | trust; default link), and the HTTP
// limits HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type pinoModule from "pino";
import type { OpenMetricsContentType, Registry as RegistryType } from "prom-client";
import { StartupError } from "./data-dir.js";
import { openDatabase, type Database } from "./database.js";
import { env, fail, intEnv, list, listenProblem, probePort } from "./startup.js";

const TRACE_CONTEXT_MODES = ["link", "ignore", "trust"] as const;
const traceContextMode = (env("TRACE_CONTEXT") ?? "link") as (typeof TRACE_CONTEXT_MODES)[number];
if (!TRACE_CONTEXT_MODES.includes(traceContextMode)) fail(`TRACE_CONTEXT=${JSON.stringify(env("TRACE_CONTEXT"))}: expected link, ignore or trust`);
const httpLimits = {
  ...(intEnv("HTTP_HEADERS_TIMEOUT_MS") !== undefined ? { headersTimeoutMs: intEnv("HTTP_HEADERS_TIMEOUT_MS")! } : {}),
  ...(intEnv("HTTP_REQUEST_TIMEOUT_MS") !== undefined ? { requestTimeoutMs: intEnv("HTTP_REQUEST_TIMEOUT_MS")! } : {}),
  ...(intEnv("HTTP_KEEP_ALIVE_TIMEOUT_MS") !== undefined ? { keepAliveTimeoutMs: intEnv("HTTP_KEEP_ALIVE_TIMEOUT_MS")! } : {}),
  ...(intEnv("HTTP_MAX_CONNECTIONS") !== undefined ? { maxConnections: intEnv("HTTP_MAX_CONNECTIONS")! } : {}),
};
const port = intEnv("PORT") ?? 3000;
const listenHost = env("HOST") ?? "127.0.0.1";
await probePort(port, listenHost);

// The database opens (on first start: created and seeded) in its worker thread while this thread loads
// LangChain, LangGraph and OpenTelemetry: on two cores, a start takes the longer of the two, not their sum.
const databaseUrl = env("DATABASE_URL");
const readerUrl = env("DATABASE_READER_URL");
const dataDir = env("DATA_DIR") ?? ".data/pglite";
type Progress = Parameters<NonNullable<Parameters<typeof openDatabase>[0]["onProgress"]>>;
let progress: (...args: Progress) => void;
const early: Progress[] = [];
progress = (...args) => early.push(args);
const opening: Promise<Database> = openDatabase(databaseUrl ? { url: databaseUrl, ...(readerUrl ? { readerUrl } : {}) } : { dataDir, onProgress: (...args) => progress(...args) });
// A refusal (DATA_DIR locked or unwritable) is reported at once, whatever is still loading.
opening.catch((error: unknown) => {
  if (error instanceof StartupError) fail(error.message);
});

const [{ diag, DiagConsoleLogger, DiagLogLevel }, { PinoInstrumentation }, { collectDefaultMetrics, Registry }, { RecentTraces, setupTelemetry, traceLogFields, WorkflowMetrics }, { DemoChatModel }, { createText2QueryServer }] = await Promise.all([
  import("@opentelemetry/api"),
  import("@opentelemetry/instrumentation-pino"),
  import("prom-client"),
  import("langgraph-telemetry"),
  import("./demo-model.js"),
  import("./server.js"),
]);

// pino's lines also go to the OpenTelemetry Logs API, with their trace and span ids, and so over OTLP when logs
// are exported (OTEL_EXPORTER_OTLP_*; docs/logs.md): the instrumentation patches pino as it is required.
new PinoInstrumentation();
const pino = createRequire(import.meta.url)("pino") as typeof pinoModule;

// The library reports what it swallows (internal errors, export failures) through OpenTelemetry's diag logger.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
// One OpenMetrics registry (exemplars) with the process metrics; the same WorkflowMetrics counts dropped spans.
const registry: RegistryType<OpenMetricsContentType> = new Registry<OpenMetricsContentType>();
registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
collectDefaultMetrics({ register: registry });
const metrics = new WorkflowMetrics({ registry, prefix: "text2query_" });

// The console (CONSOLE=0 turns it off) keeps the last runs in memory, from the same spans that are exported.
// 200 runs and 8 MiB (estimated) by default: the 500 runs and 32 MiB of RecentTraces' defaults held ~140 MB of
// RSS after 1,000 questions (spans with prompts and completions weigh more than their estimate).
const recent = env("CONSOLE") === "0" ? undefined : new RecentTraces({ maxTraces: intEnv("CONSOLE_MAX_TRACES") ?? 200, maxBytes: 8 * 1024 * 1024 });
// What an exporter cannot deliver waits on disk beside PGlite's data (SPOOL_DIR; .data/spool, /data/spool in the image).
const spoolDir = env("SPOOL_DIR") ?? join(dirname(dataDir), "spool");
const setupLines: string[] = [];
const telemetry = await setupTelemetry({ serviceName: env("OTEL_SERVICE_NAME") ?? "text2query", metrics, spool: { dir: spoolDir }, log: (message) => setupLines.push(message), ...(recent ? { spanProcessors: [recent] } : {}) });
// Made once the LoggerProvider is registered: the bridge takes its OpenTelemetry logger when the logger is made.
const log = pino({ mixin: traceLogFields, base: { service: "text2query" }, level: process.env.LOG_LEVEL ?? "info" });
for (const line of setupLines) log.info(line);

let progressTimer: NodeJS.Timeout | undefined;
progress = (step, detail) => {
  if (step === "creating") {
    const started = Date.now();
    log.info({ data_dir: dataDir }, "first start: creating the database and seeding the sample shop (a few seconds)");
    // A line every 5 s until it is done, so a slow machine does not look hung.
    progressTimer = setInterval(() => log.info({ data_dir: dataDir, elapsed_s: Math.round((Date.now() - started) / 1000) }, "still creating the database"), 5000).unref();
  } else if (step === "seeding") log.info("seeding the sample shop: 600 customers, 6,000 orders");
  else if (step === "seeded") log.info({ seed_ms: Math.round(detail ?? 0) }, "sample shop seeded; its dates stay those of today (delete DATA_DIR to reseed)");
  else log.warn({ data_dir: dataDir, stale_pid: detail }, "took over the lock of a text2query process that is gone");
};
for (const args of early.splice(0)) progress(...args);

async function chooseModel(): Promise<BaseChatModel> {
  if (env("OPENAI_API_KEY") === undefined) return new DemoChatModel();
  const { ChatOpenAI } = await import("@langchain/openai");
  const baseURL = env("OPENAI_BASE_URL");
  // LangChain retries 429 and 5xx 6 times with backoff (about a minute): the client waits for all of it.
  return new ChatOpenAI({ model: env("OPENAI_MODEL") ?? "gpt-4o-mini", temperature: 0, maxRetries: intEnv("OPENAI_MAX_RETRIES") ?? 2, ...(baseURL ? { configuration: { baseURL } } : {}) });
}

let db: Database;
try {
  db = await opening;
} finally {
  clearInterval(progressTimer);
}
const model = await chooseModel();
const langfuseBase = (env("LANGFUSE_BASE_URL") ?? env("LANGFUSE_HOST") ?? "https://cloud.langfuse.com").replace(/\/+$/, "");
const langfuseUrl = env("LANGFUSE_PUBLIC_KEY") ? (env("LANGFUSE_PROJECT_ID") ? `${langfuseBase}/project/${env("LANGFUSE_PROJECT_ID")}/traces/{traceId}` : langfuseBase) : undefined;
const app = createText2QueryServer({
  db,
  model,
  log,
  registry,
  metrics,
  captureContent: env("CAPTURE_CONTENT") !== "0",
  ...(list("LOCAL_LLM_ENDPOINTS") ? { localLlmEndpoints: list("LOCAL_LLM_ENDPOINTS")! } : {}),
  ...(env("METRICS_TOKEN") ? { metricsToken: env("METRICS_TOKEN")! } : {}),
  ...(env("API_TOKEN") ? { apiToken: env("API_TOKEN")! } : {}),
  ...(list("ALLOWED_ORIGINS") ? { allowedOrigins: list("ALLOWED_ORIGINS")! } : {}),
  ...(list("ALLOWED_HOSTS") ? { allowedHosts: list("ALLOWED_HOSTS")! } : {}),
  traceContext: traceContextMode,
  http: httpLimits,
  ...(recent ? { console: { recent, ...(langfuseUrl ? { langfuseUrl } : {}) } } : {}),
});
// The port can still be taken between the probe and now.
const { server, url } = await app.listen(port, listenHost).catch(async (error: NodeJS.ErrnoException) => {
  await db.close();
  return fail(listenProblem(error, port, listenHost));
});

if (!["127.0.0.1", "localhost", "::1"].includes(listenHost) && env("API_TOKEN") === undefined) {
  log.warn({ host: listenHost }, "listening beyond loopback without API_TOKEN: anyone who reaches this port can run queries (publish it on 127.0.0.1 only, or set API_TOKEN)");
}
log.info({ database: db.kind, model: model instanceof DemoChatModel ? "demo" : "openai" }, "text2query ready");
console.log(`
Text2Query is running (${db.kind}, ${model instanceof DemoChatModel ? "demo model" : "OpenAI model"}):
  ask:      curl -s -X POST ${url}/api/query -H 'content-type: application/json' -d '{"question":"Top 5 customers by revenue"}'${env("API_TOKEN") ? ` -H "authorization: Bearer $API_TOKEN"` : ""}
  runs:     ${url}/api/runs?outcome=failed
  console:  ${recent ? `${url}/telemetry` : "off (CONSOLE=0)"}
  metrics:  ${url}/metrics
  health:   ${url}/healthz   ready: ${url}/readyz
  traffic:  npm run traffic -- --count 200 --url ${url}
`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  await new Promise((resolve) => server.close(resolve));
  await telemetry.shutdown();
  await db.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
