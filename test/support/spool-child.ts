/**
 * A process running a real traced LangGraph workflow at a steady rate, exporting to Langfuse and an OTLP
 * backend through setupTelemetry (with or without the spool), for the kill-and-restart scenarios of
 * test/support/spool-scenario.ts. Run as `node --import tsx test/support/spool-child.ts` with SPOOL_CHILD
 * (JSON, below) in its environment and an IPC channel.
 *
 * It reports to its parent over IPC every 100 ms: the spans that ended (id and end time) and the runs'
 * latencies. The reports are gathered in memory and sent from a timer, never from a span's end, so the
 * reporting itself does no I/O on that path either; a kill loses at most the last 100 ms of reports.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { setupTelemetry, WorkflowTracer } from "../../src/index.js";
import { buildText2QueryGraph } from "./text2query-graph.js";

export interface SpoolChildConfig {
  langfuseUrl: string;
  otlpUrl: string;
  /** The spool's directory; undefined: no spool (today's behaviour). */
  spoolDir: string | undefined;
  maxBytes: number;
  /** Workflow runs started per second. */
  rate: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
}

export type SpoolChildReport =
  | { kind: "ready"; pid: number }
  | { kind: "progress"; ended: Array<[spanId: string, endMs: number]>; runs: Array<[startMs: number, latencyMs: number]>; stats: unknown; loopDelayMaxMs: number }
  | { kind: "stopped"; stats: unknown };

const config = JSON.parse(process.env.SPOOL_CHILD ?? "{}") as SpoolChildConfig;
const send = (report: SpoolChildReport) => process.send?.(report);

/** Notes each ended span in memory, for the parent; nothing else. */
class EndedSpans implements SpanProcessor {
  ended: Array<[string, number]> = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.ended.push([span.spanContext().spanId, span.endTime[0] * 1000 + span.endTime[1] / 1e6]);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const ended = new EndedSpans();
const telemetry = await setupTelemetry({
  register: false,
  env: {},
  log: () => undefined,
  serviceName: "spool-child",
  langfuse: { publicKey: "pk-lf-spool", secretKey: "sk-lf-spool", baseUrl: config.langfuseUrl, scores: false },
  otlp: { url: `${config.otlpUrl}/v1/traces` },
  ...(config.spoolDir !== undefined ? { spool: { dir: config.spoolDir, maxBytes: config.maxBytes } } : {}),
  scheduledDelayMs: config.scheduledDelayMs,
  exportTimeoutMs: config.exportTimeoutMs,
  spanProcessors: [ended],
});
const tracer = new WorkflowTracer({ tracerProvider: telemetry.tracerProvider });
const graph = buildText2QueryGraph();

// Warm up (module compilation, JIT) before the parent's clock starts: a cold process is not a steady one.
for (let i = 0; i < 5; i++) await graph.invoke({ question: "How many orders per user?" });

let runs: Array<[number, number]> = [];
let n = 0;
// How late timers run (the export queue's among them): a saturated event loop delays everything.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const runOne = async () => {
  const startMs = Date.now();
  const started = performance.now();
  await graph.invoke({ question: n++ % 5 === 0 ? "Tell me a joke" : "How many orders per user?" }, { callbacks: [tracer] });
  runs.push([startMs, performance.now() - started]);
};
const ticker = setInterval(() => void runOne(), 1000 / config.rate);
const reporter = setInterval(() => {
  send({ kind: "progress", ended: ended.ended, runs, stats: telemetry.stats(), loopDelayMaxMs: loopDelay.max / 1e6 });
  ended.ended = [];
  runs = [];
}, 100);

process.on("SIGTERM", async () => {
  clearInterval(ticker);
  await new Promise((r) => setTimeout(r, 200)); // runs in progress end
  clearInterval(reporter);
  send({ kind: "progress", ended: ended.ended, runs, stats: telemetry.stats(), loopDelayMaxMs: loopDelay.max / 1e6 });
  await telemetry.shutdown();
  send({ kind: "stopped", stats: telemetry.stats() });
  process.disconnect?.();
  process.exit(0);
});
send({ kind: "ready", pid: process.pid });
