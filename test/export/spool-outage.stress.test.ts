import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, WorkflowMetrics, WorkflowTracer, type Telemetry, type TelemetryOptions } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { LoopbackReceiver } from "../support/otlp-receiver.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";
import { until } from "../support/wait.js";

/** setupTelemetry({ spool }) against loopback Langfuse and OTLP receivers that go down and come back. */
const LANGFUSE_TRACES = "/api/public/otel/v1/traces";
const keys = { publicKey: "pk-lf-test-1234", secretKey: "sk-lf-test-5678" };

const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[]; dirs: string[] } = { telemetry: [], receivers: [], dirs: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
  for (const d of open.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function receivers() {
  const langfuse = await new LoopbackReceiver().start();
  const otlp = await new LoopbackReceiver().start();
  open.receivers.push(langfuse, otlp);
  return { langfuse, otlp };
}

function spoolDir(): string {
  const d = mkdtempSync(join(tmpdir(), "spool-outage-"));
  open.dirs.push(d);
  return d;
}

async function telemetry(langfuse: LoopbackReceiver, otlp: LoopbackReceiver, options: Partial<TelemetryOptions>) {
  const memory = new InMemorySpanExporter();
  const registry = new Registry();
  const metrics = new WorkflowMetrics({ registry });
  const t = await setupTelemetry({
    register: false,
    env: {},
    log: () => undefined,
    metrics,
    langfuse: { ...keys, baseUrl: langfuse.url, scores: true },
    otlp: { url: `${otlp.url}/v1/traces` },
    scheduledDelayMs: 50,
    exportTimeoutMs: 300,
    spanProcessors: [new SimpleSpanProcessor(memory)],
    ...options,
  });
  open.telemetry.push(t);
  const tracer = new WorkflowTracer({ tracerProvider: t.tracerProvider, metrics });
  return { telemetry: t, tracer, memory, registry };
}

/** How many times each span id was accepted on `path` (a replayed request can bring a span a second time). */
function arrivals(receiver: LoopbackReceiver, path: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of receiver.spans(path, true)) counts.set(s.spanId, (counts.get(s.spanId) ?? 0) + 1);
  return counts;
}

const accepted = (receiver: LoopbackReceiver, path: string) => receiver.requests.filter((r) => r.path === path && r.status !== undefined && r.status < 300);
const scoreIds = (r: { body: Buffer }) => (JSON.parse(r.body.toString()) as { batch: Array<{ body: { id: string } }> }).batch.map((e) => e.body.id);

const questions = (n: number) => Array.from({ length: n }, (_, i) => (i % 4 === 0 ? "Tell me a joke" : "How many orders per user?"));

describe("setupTelemetry({ spool }) when the backends go down and come back", () => {
  it.each([
    ["refuse connections", "refuse"],
    ["answer 500", "fail"],
    ["hang", "hang"],
  ] as const)("while Langfuse and the collector %s, what ends goes to disk; when they answer again it all arrives, scores too, counted", async (_label, mode) => {
    const { langfuse, otlp } = await receivers();
    for (const r of [langfuse, otlp]) {
      if (mode === "refuse") await r.refuse();
      else r.mode = mode;
    }
    const { telemetry: t, tracer, memory, registry } = await telemetry(langfuse, otlp, { spool: { dir: spoolDir() } });
    const graph = buildText2QueryGraph();
    for (const question of questions(20)) await graph.invoke({ question }, { callbacks: [tracer] });
    const ended = memory.getFinishedSpans().map((s) => s.spanContext().spanId);
    // Scores go out on their own lane (a second's delay): wait for them on disk too, before the backends come back.
    await until("every span and the scores on disk", () =>
      t.stats().otlp!.spool!.spooled === ended.length && t.stats().langfuse!.spool!.spooled === ended.length && t.stats().langfuseScores!.spool!.spooled >= 30 ? true : undefined,
    );
    expect(arrivals(langfuse, LANGFUSE_TRACES).size).toBe(0);

    for (const r of [langfuse, otlp]) {
      if (mode === "refuse") await r.accept();
      else r.mode = "ok";
    }
    await until("every span delivered", () => (arrivals(otlp, "/v1/traces").size === ended.length && arrivals(langfuse, LANGFUSE_TRACES).size === ended.length ? true : undefined), 20_000);
    expect([...arrivals(otlp, "/v1/traces").keys()].sort()).toEqual([...ended].sort());
    expect([...arrivals(langfuse, LANGFUSE_TRACES).keys()].sort()).toEqual([...ended].sort());
    // Answered runs score query_valid and confidence: the scores went to disk and came back too.
    const scores = t.stats().langfuseScores!;
    expect(scores.spool!.spooled).toBeGreaterThanOrEqual(30); // query_valid and confidence of 15 answered runs, and the nodes' own
    await until("the scores", () => (new Set(accepted(langfuse, "/api/public/ingestion").flatMap(scoreIds)).size === scores.spool!.spooled ? true : undefined), 10_000);

    // The receivers log a request before they answer it: the lanes count it when the answer is in.
    const stats = await until("the replays counted", () => {
      const now = t.stats();
      return now.otlp!.spool!.files === 0 && now.langfuse!.spool!.files === 0 ? now : undefined;
    });
    for (const s of [stats.otlp!, stats.langfuse!]) {
      expect(s.sent + s.spool!.replayed).toBeGreaterThanOrEqual(ended.length);
      expect(s).toMatchObject({ dropped: 0, queued: 0 });
      expect(s.spool).toMatchObject({ spooled: ended.length, replayed: ended.length, dropped: 0, files: 0, bytes: 0 });
    }
    const m = await Scrape.of(registry);
    expect(m.value("langgraph_telemetry_spooled_total", { backend: "otlp_traces" })).toBe(ended.length);
    expect(m.value("langgraph_telemetry_spool_replayed_total", { backend: "langfuse" })).toBe(ended.length);
    expect(m.value("langgraph_telemetry_spool_bytes", { backend: "otlp_traces" })).toBe(0);
    expect(m.value("langgraph_telemetry_spans_dropped_total")).toBe(0);
    expect(tracer.stats().internalErrors).toBe(0);
  }, 40_000);

  it("hands a full in-memory queue to the disk instead of dropping it while a backend hangs", async () => {
    const { langfuse, otlp } = await receivers();
    otlp.mode = "hang";
    const { telemetry: t, tracer, memory } = await telemetry(langfuse, otlp, { langfuse: false, spool: { dir: spoolDir() }, maxQueueSize: 100, exportTimeoutMs: 3000 });
    const graph = buildText2QueryGraph();
    // 10 runs × 17 spans end within the first request's 3 s timeout: the queue of 100 fills.
    await Promise.all(Array.from({ length: 10 }, () => graph.invoke({ question: "How many orders per user?" }, { callbacks: [tracer] })));
    const ended = memory.getFinishedSpans().map((s) => s.spanContext().spanId);
    expect(ended).toHaveLength(170);
    expect(otlp.answered).toBe(0);
    await until("the queue's overflow on disk", () => ((t.stats().otlp!.spool!.spooled ?? 0) >= 100 ? true : undefined));
    otlp.mode = "ok";
    await until("every span delivered", () => (arrivals(otlp, "/v1/traces").size === ended.length ? true : undefined), 20_000);
    expect(t.stats().otlp).toMatchObject({ dropped: 0, queued: 0 });
  }, 40_000);

  it("replays after a restart what the last process spooled (and what it still held at shutdown)", async () => {
    const { langfuse, otlp } = await receivers();
    await otlp.refuse();
    const dir = spoolDir();
    const first = await telemetry(langfuse, otlp, { langfuse: false, spool: { dir } });
    const graph = buildText2QueryGraph();
    for (const question of questions(12)) await graph.invoke({ question }, { callbacks: [first.tracer] });
    const ended = first.memory.getFinishedSpans().map((s) => s.spanContext().spanId);
    await first.telemetry.shutdown(); // the backend is still down: what is queued goes to disk too
    expect(first.telemetry.stats().otlp).toMatchObject({ sent: 0, dropped: 0, queued: 0, spool: { spooled: ended.length } });

    await otlp.accept();
    const logs: string[] = [];
    const second = await telemetry(langfuse, otlp, { langfuse: false, spool: { dir }, log: (m) => logs.push(m) });
    expect(logs[0]).toMatch(new RegExp(`Spool: ${dir} \\(at most 268435456 bytes, \\d+ bytes waiting from before\\)\\.$`));
    await until("every span of the last process", () => (arrivals(otlp, "/v1/traces").size === ended.length ? true : undefined), 10_000);
    expect([...arrivals(otlp, "/v1/traces").keys()].sort()).toEqual([...ended].sort());
    await until("the replay counted", () => (second.telemetry.stats().otlp!.spool!.files === 0 ? true : undefined));
    expect(second.telemetry.stats().otlp!.spool).toMatchObject({ spooled: 0, replayed: ended.length, files: 0 });
  }, 30_000);
});
