import { PGlite } from "@electric-sql/pglite";
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { Annotation, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { Registry, type OpenMetricsContentType } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, TailSamplingProcessor, traceNode, WorkflowMetrics, WorkflowTracer, type Telemetry, type TelemetryOptions } from "../../src/index.js";
import { CountingProcessor } from "../support/counting-processor.js";
import { Scrape } from "../support/exposition.js";
import { LoopbackReceiver, type WireSpan } from "../support/otlp-receiver.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { stepsGraph } from "../support/steps-graph.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

const TRACES = "/v1/traces";
const LANGFUSE_TRACES = "/api/public/otel/v1/traces";
const keys = { publicKey: "pk-lf-test-1234", secretKey: "sk-lf-test-5678" };

const open: { telemetry: Telemetry[]; receivers: LoopbackReceiver[]; cleanups: Array<() => Promise<void> | void> } = { telemetry: [], receivers: [], cleanups: [] };
afterEach(async () => {
  await Promise.all(open.telemetry.splice(0).map((t) => t.shutdown()));
  await Promise.all(open.receivers.splice(0).map((r) => r.stop()));
  for (const c of open.cleanups.splice(0)) await c();
});

async function receiver() {
  const r = await new LoopbackReceiver().start();
  open.receivers.push(r);
  return r;
}

/** setupTelemetry exporting OTLP/JSON to a loopback receiver, a tracer on it, metrics in a fresh OpenMetrics registry. */
async function telemetry(options: TelemetryOptions) {
  const otlp = await receiver();
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const metrics = new WorkflowMetrics({ registry, exemplars: true });
  const t = await setupTelemetry({ register: false, env: {}, metrics, log: () => undefined, otlp: { url: `${otlp.url}${TRACES}`, protocol: "http/json" }, scheduledDelayMs: 20, ...options });
  open.telemetry.push(t);
  const tracer = new WorkflowTracer({ tracerProvider: t.tracerProvider, metrics, stages: { schema_context: "reasoning" } });
  return { telemetry: t, tracer, otlp, metrics, registry };
}

/** Received spans, by trace, each trace named by its workflow span's name. */
function traces(spans: readonly WireSpan[]): Map<string, WireSpan[]> {
  const byTrace = new Map<string, WireSpan[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const named = new Map<string, WireSpan[]>();
  for (const list of byTrace.values()) {
    const workflow = list.find((s) => s.attributes["gen_ai.operation.name"] === "invoke_workflow");
    named.set(String(workflow?.attributes["gen_ai.workflow.name"] ?? list[0]!.traceId), list);
  }
  return named;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A text2query model whose corrections never fix the query: the run ends `failed` after three attempts. */
const neverFixed = () =>
  new ScriptedChatModel({ model: "gpt-4o", replies: (messages) => (String(messages[0]?.content ?? "").startsWith("[correct]") ? { content: "SELECT nme FROM users" } : text2queryReplies(messages)) });

const InterruptState = Annotation.Root({ question: Annotation<string>(), approved: Annotation<boolean | undefined>() });
const reviewGraph = () =>
  new StateGraph(InterruptState)
    .addNode("review_sql", () => ({ approved: interrupt({ sql: "SELECT 1" }) as boolean }))
    .addEdge(START, "review_sql")
    .addEdge("review_sql", END)
    .compile({ checkpointer: new MemorySaver() });

/** The five kinds of run, each named (runName) after what it is. */
async function runScenarios(tracer: WorkflowTracer): Promise<void> {
  const cb = (runName: string) => ({ callbacks: [tracer], runName });
  await buildText2QueryGraph().invoke({ question: "Tell me a joke about the weather" }, cb("ordinary"));
  await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, cb("corrected"));
  await buildText2QueryGraph({ model: neverFixed() }).invoke({ question: "How many orders per user?" }, cb("failed"));
  await expect(buildText2QueryGraph({ failIn: { node: "generate_sql", error: new Error("model quota exceeded") } }).invoke({ question: "Orders per user?" }, cb("error"))).rejects.toThrow("quota");
  await reviewGraph().invoke({ question: "Delete old orders" }, { ...cb("interrupted"), configurable: { thread_id: "t-1" } });
}

describe("tail sampling: decided when the trace's root ends, with the run's outcome", () => {
  it("with sampleRate 0, failed, error, interrupted and corrected runs arrive whole (as many spans as unsampled) and ordinary ones not at all", async () => {
    const all = await telemetry({ sampleRate: 1 });
    await runScenarios(all.tracer);
    await all.telemetry.forceFlush();
    const unsampled = traces(all.otlp.spans(TRACES));
    expect([...unsampled.keys()].sort()).toEqual(["corrected", "error", "failed", "interrupted", "ordinary"]);

    const tail = await telemetry({ sampleRate: 0 });
    await runScenarios(tail.tracer);
    await tail.telemetry.forceFlush();
    const sampled = traces(tail.otlp.spans(TRACES));
    expect([...sampled.keys()].sort()).toEqual(["corrected", "error", "failed", "interrupted"]);
    for (const [name, spans] of sampled) {
      expect(spans.map((s) => s.name).sort(), name).toEqual(unsampled.get(name)!.map((s) => s.name).sort());
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    }
    const outcome = (name: string) => sampled.get(name)!.find((s) => s.attributes["workflow.outcome"] !== undefined)!.attributes["workflow.outcome"];
    expect([outcome("corrected"), outcome("failed"), outcome("error"), outcome("interrupted")]).toEqual(["success", "failed", "error", "interrupted"]);
    expect(tail.telemetry.stats().sampling).toMatchObject({ kept: { ratio: 0, upstream: 0, outcome: 4 }, dropped: { ratio: 1, overflow: 0, expired: 0, shutdown: 0 }, waiting: { traces: 0, spans: 0, bytes: 0 } });
    expect(tail.telemetry.stats().sampling!.droppedSpans).toBe(unsampled.get("ordinary")!.length);
  });

  it("metrics still count every run; the decisions are counted; exemplars point only at traces that arrived", async () => {
    const { telemetry: t, tracer, otlp, registry } = await telemetry({ sampleRate: 0.5 });
    // Ordinary runs last: the exemplars left in each bucket are theirs (half of them dropped).
    await runScenarios(tracer);
    for (let i = 0; i < 40; i++) await buildText2QueryGraph().invoke({ question: "Tell me a joke about the weather" }, { callbacks: [tracer], runName: "ordinary" });
    await t.forceFlush();
    const scrape = new Scrape(await registry.metrics());
    expect(scrape.sum("langgraph_queries_total")).toBe(45);
    expect(scrape.sum("langgraph_telemetry_sampled_traces_total")).toBe(45);
    // sum, not value: at 0.5 all four kept runs may be kept by ratio (1 in 16), and the outcome series is then absent.
    expect(scrape.sum("langgraph_telemetry_sampled_traces_total", { decision: "kept", reason: "outcome" })).toBe(t.stats().sampling!.kept.outcome);
    expect(scrape.sum("langgraph_telemetry_sampled_traces_total", { decision: "dropped", reason: "ratio" })).toBe(t.stats().sampling!.dropped.ratio);
    const arrived = new Set(otlp.spans(TRACES).map((s) => s.traceId));
    const exemplars = [...(await registry.metrics()).matchAll(/trace_id="([0-9a-f]{32})"/g)].map((m) => m[1]!);
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars.filter((id) => !arrived.has(id))).toEqual([]);
    const { kept, dropped } = t.stats().sampling!;
    expect(kept.ratio + kept.outcome + dropped.ratio).toBe(45);
    expect(new Set(otlp.spans(TRACES).map((s) => s.traceId)).size).toBe(kept.ratio + kept.outcome);
  });

  it("with sampleRate 0.25 over 400 ordinary runs, about a quarter arrive, each whole", async () => {
    const { telemetry: t, tracer, otlp } = await telemetry({ sampleRate: 0.25 });
    const graph = stepsGraph({ answer_question: () => ({ answer: "42" }), respond: () => ({ answer: "forty-two" }) });
    for (let i = 0; i < 400; i++) await graph.invoke({ question: "q" }, { callbacks: [tracer], runName: "ordinary" });
    await t.forceFlush();
    const byTrace = new Map<string, number>();
    for (const s of otlp.spans(TRACES)) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? 0) + 1);
    // Binomial(400, 0.25): mean 100, sd 8.7; ±35 is four sd.
    expect(byTrace.size).toBeGreaterThanOrEqual(65);
    expect(byTrace.size).toBeLessThanOrEqual(135);
    expect(new Set(byTrace.values())).toEqual(new Set([3]));
    expect(t.stats().sampling).toMatchObject({ kept: { ratio: byTrace.size, outcome: 0 }, dropped: { ratio: 400 - byTrace.size } });
  });

  it("a database span made inside a node is kept with its trace, and dropped with it", async () => {
    const otlp = await receiver();
    const t = await setupTelemetry({ register: true, env: {}, log: () => undefined, otlp: { url: `${otlp.url}${TRACES}`, protocol: "http/json" }, sampleRate: 0 });
    open.telemetry.push(t);
    const db = await PGlite.create();
    open.cleanups.push(() => db.close());
    await db.exec("CREATE TABLE orders (id int, total numeric); INSERT INTO orders VALUES (1, 10), (2, 32)");
    // What a database client's instrumentation does: a CLIENT span in the active context around the query.
    const dbTracer = trace.getTracer("@opentelemetry/instrumentation-pg");
    const graph = stepsGraph({
      execute_sql: traceNode("execution", async (state) =>
        dbTracer.startActiveSpan("SELECT shop", { kind: SpanKind.CLIENT, attributes: { "db.system.name": "postgresql", "db.query.text": "SELECT sum(total) FROM orders" } }, async (span) => {
          try {
            const { rows } = await db.query<{ sum: string }>("SELECT sum(total) AS sum FROM orders");
            if (state.question === "fail") throw new Error("permission denied for table orders");
            return { answer: rows[0]!.sum };
          } finally {
            span.end();
          }
        }),
      ),
    });
    const tracer = new WorkflowTracer();
    await graph.invoke({ question: "ok" }, { callbacks: [tracer], runName: "ordinary" });
    await expect(graph.invoke({ question: "fail" }, { callbacks: [tracer], runName: "failing" })).rejects.toThrow("permission denied");
    await t.forceFlush();

    const received = traces(otlp.spans(TRACES));
    expect([...received.keys()]).toEqual(["failing"]);
    const spans = received.get("failing")!;
    const dbSpan = spans.find((s) => s.name === "SELECT shop")!;
    const node = spans.find((s) => s.attributes["langgraph_node"] === "execute_sql" && s.spanId === dbSpan.parentSpanId);
    expect(dbSpan.scope).toBe("@opentelemetry/instrumentation-pg");
    expect(node).toBeDefined();
    expect(t.stats().sampling!.droppedSpans).toBe(spans.length);
  });

  it("a trace sampled upstream (traceparent with the sampled flag) is kept whole; one not sampled upstream is not recorded", async () => {
    const otlp = await receiver();
    const t = await setupTelemetry({ register: true, env: {}, log: () => undefined, otlp: { url: `${otlp.url}${TRACES}`, protocol: "http/json" }, sampleRate: 0 });
    open.telemetry.push(t);
    const tracer = new WorkflowTracer();
    const upstream = (traceId: string, flags: TraceFlags) => trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: "00f067aa0ba902b7", traceFlags: flags, isRemote: true });
    const ask = (runName: string) => buildText2QueryGraph().invoke({ question: "Tell me a joke about the weather" }, { callbacks: [tracer], runName });
    await context.with(upstream("4bf92f3577b34da6a3ce929d0e0e4736", TraceFlags.SAMPLED), () => ask("sampled upstream"));
    await context.with(upstream("5bf92f3577b34da6a3ce929d0e0e4737", TraceFlags.NONE), () => ask("not sampled upstream"));
    await t.forceFlush();
    const received = traces(otlp.spans(TRACES));
    expect([...received.keys()]).toEqual(["sampled upstream"]);
    const spans = received.get("sampled upstream")!;
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(["4bf92f3577b34da6a3ce929d0e0e4736"]));
    expect(spans.filter((s) => s.parentSpanId === "00f067aa0ba902b7").map((s) => s.attributes["gen_ai.operation.name"])).toEqual(["invoke_workflow"]);
    expect(t.stats().sampling!.kept.upstream).toBe(1);
  });

  it("Langfuse scores go only with kept traces", async () => {
    const langfuse = await receiver();
    const t = await setupTelemetry({ register: false, env: {}, log: () => undefined, langfuse: { ...keys, baseUrl: langfuse.url }, sampleRate: 0 });
    open.telemetry.push(t);
    const tracer = new WorkflowTracer({ tracerProvider: t.tracerProvider, stages: { schema_context: "reasoning" } });
    // Both report a confidence (a trace score); only the corrected one is kept.
    await buildText2QueryGraph().invoke({ question: "Tell me a joke about the weather" }, { callbacks: [tracer], runName: "ordinary" });
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "corrected" });
    await t.forceFlush();
    const kept = new Set(langfuse.spans(LANGFUSE_TRACES).map((s) => s.traceId));
    expect(kept.size).toBe(1);
    const scores = langfuse.ingestionEvents().filter((e) => e.type === "score-create");
    expect(scores.map((e) => e.body.name).sort()).toEqual(["confidence", "query_valid", "query_valid"]);
    expect(scores.filter((e) => !kept.has(String(e.body.traceId)))).toEqual([]);
  });

  it("keepRuns: the documented rules each keep what they say, and false is head sampling", async () => {
    const slowGraph = stepsGraph({ answer_question: async () => (await sleep(60), { answer: "late" }) });
    const arrived = async (options: TelemetryOptions, run: (tracer: WorkflowTracer) => Promise<unknown>) => {
      const { telemetry: t, tracer, otlp } = await telemetry({ sampleRate: 0, ...options });
      await run(tracer).catch(() => undefined);
      await t.forceFlush();
      return [...traces(otlp.spans(TRACES)).keys()].sort();
    };
    const corrected = (tracer: WorkflowTracer) => buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "corrected" });
    const slow = (tracer: WorkflowTracer) => slowGraph.invoke({ question: "q" }, { callbacks: [tracer], runName: "slow" });
    const failing = (tracer: WorkflowTracer) => buildText2QueryGraph({ failIn: { node: "classify_intent", error: new Error("boom") } }).invoke({ question: "q" }, { callbacks: [tracer], runName: "error" });

    expect(await arrived({ keepRuns: { slowerThanMs: 50 } }, slow)).toEqual(["slow"]);
    expect(await arrived({}, slow)).toEqual([]); // 60 ms is not slow by the default (30 s)
    expect(await arrived({ keepRuns: { corrected: false } }, corrected)).toEqual([]);
    expect(await arrived({ keepRuns: { outcomes: ["failed"] } }, failing)).toEqual([]);
    expect(await arrived({ keepRuns: { outcomes: [], when: (run) => run.outcome === "error" } }, failing)).toEqual(["error"]);
    const seen: unknown[] = [];
    const hook = (run: { name: string; outcome: string; corrections: number; inputTokens: number; outputTokens: number; intent: string | undefined; valid: boolean | undefined; durationMs: number }) => {
      seen.push(run);
      return run.inputTokens > 1000;
    };
    expect(await arrived({ keepRuns: hook }, corrected)).toEqual(["corrected"]);
    expect(seen).toEqual([expect.objectContaining({ name: "corrected", outcome: "success", corrections: 1, intent: "sql_query", valid: true, inputTokens: 210 + 640 + 900 + 980, outputTokens: 4 + 85 + 48 + 50 })]);
    expect((seen[0] as { durationMs: number }).durationMs).toBeGreaterThan(0);
    // false: today's head sampling, no decision at the end: nothing arrives at rate 0, not even failures.
    expect(await arrived({ keepRuns: false }, failing)).toEqual([]);
  });

  it("rejects bad options with a message that names the option and says what is allowed", async () => {
    const bad = (options: TelemetryOptions) => setupTelemetry({ register: false, env: {}, log: () => undefined, ...options }).then(() => "accepted", (e: Error) => e.message);
    expect(await bad({ keepRuns: "errors" as never })).toBe('setupTelemetry: invalid option keepRuns: "errors". Expected true, false, an object { outcomes, corrected, slowerThanMs, when }, or a function (run) => boolean.');
    expect(await bad({ keepRuns: { outcomes: ["crashed" as never] } })).toBe('setupTelemetry: invalid option keepRuns.outcomes: ["crashed"]. Expected an array of outcomes (success, failed, error, interrupted, abandoned, needs_clarification, cannot_answer).');
    expect(await bad({ keepRuns: { slowerThanMs: -1 } })).toBe("setupTelemetry: invalid option keepRuns.slowerThanMs: -1. Expected a number of milliseconds ≥ 0, or false.");
    expect(await bad({ keepRuns: { slow: 5 } as never })).toBe("setupTelemetry: invalid option keepRuns.slow: 5. Expected one of outcomes, corrected, slowerThanMs, when.");
    expect(await bad({ maxWaitingSpans: 0 })).toBe("setupTelemetry: invalid option maxWaitingSpans: 0. Expected a positive integer.");
    expect(() => new TailSamplingProcessor({ processors: [{}] as never })).toThrow("TailSamplingProcessor: invalid option processors: \"[not span processors]\". Expected an array of OpenTelemetry SpanProcessors (where kept spans go).");
    expect(() => new TailSamplingProcessor({ processors: [], sampleRate: 2 })).toThrow("TailSamplingProcessor: invalid option sampleRate: 2. Expected a number from 0 to 1.");
    expect(() => new TailSamplingProcessor({ processors: [], traceTtlMs: 1.5 })).toThrow("TailSamplingProcessor: invalid option traceTtlMs: 1.5. Expected a positive integer.");
  });
});

describe("TailSamplingProcessor without setupTelemetry (a NodeSDK-style provider)", () => {
  function provider(options: Partial<ConstructorParameters<typeof TailSamplingProcessor>[0]> = {}) {
    const memory = new InMemorySpanExporter();
    const counting = new CountingProcessor();
    const sampling = new TailSamplingProcessor({ processors: [new SimpleSpanProcessor(memory), counting], sampleRate: 0, ...options });
    const p = new NodeTracerProvider({ sampler: sampling.sampler, spanProcessors: [sampling] });
    open.cleanups.push(() => p.shutdown());
    return { provider: p, memory, counting, sampling };
  }

  it("wrapped processors see every span start and end; dropped spans end unsampled, so none is exported and none is left open in them", async () => {
    const { provider: p, memory, counting, sampling } = provider();
    const tracer = new WorkflowTracer({ tracerProvider: p });
    for (let i = 0; i < 5; i++) await buildText2QueryGraph().invoke({ question: "Tell me a joke about the weather" }, { callbacks: [tracer], runName: "ordinary" });
    await p.forceFlush();
    expect(memory.getFinishedSpans()).toEqual([]);
    expect(counting.started).toBeGreaterThan(0);
    expect(counting.ended).toBe(counting.started);
    expect(sampling.stats()).toMatchObject({ dropped: { ratio: 5 }, droppedSpans: counting.started, waiting: { traces: 0, spans: 0 } });
  });

  it("forceFlush delivers decided traces and leaves open ones waiting; a trace open past traceTtlMs is decided then; shutdown drops what still waits", async () => {
    const { provider: p, memory, sampling } = provider({ traceTtlMs: 200 });
    const tracer = p.getTracer("app");
    const open1 = tracer.startSpan("request 1");
    const child = tracer.startSpan("child", {}, trace.setSpan(ROOT_CONTEXT, open1));
    child.end();
    await p.forceFlush();
    expect(sampling.stats().waiting).toMatchObject({ traces: 1, spans: 1 });
    expect(memory.getFinishedSpans()).toEqual([]);
    await sleep(320);
    expect(sampling.stats()).toMatchObject({ dropped: { expired: 1 }, waiting: { traces: 0, spans: 0, bytes: 0 } });
    open1.end(); // its late root: dropped with its trace
    expect(sampling.stats().droppedSpans).toBe(2);

    const open2 = tracer.startSpan("request 2");
    tracer.startSpan("child 2", {}, trace.setSpan(ROOT_CONTEXT, open2)).end();
    await p.shutdown();
    expect(sampling.stats()).toMatchObject({ dropped: { expired: 1, shutdown: 1 }, waiting: { traces: 0, spans: 0 } });
    expect(memory.getFinishedSpans()).toEqual([]);
  });
});
