import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowMetrics, WorkflowTracer, type WorkflowTracerOptions } from "../../src/index.js";
import { CountingProcessor } from "../support/counting-processor.js";
import { Scrape } from "../support/exposition.js";
import { allAttributeText, setupOtel } from "../support/otel.js";
import { mulberry32 } from "../support/random.js";

/**
 * Seeded fuzz of every LangChain callback of WorkflowTracer, called with LangChain's runtime argument order
 * (@langchain/core dist/callbacks/manager.js) and garbage in every position: no call throws, every call is
 * bounded, and once the runs are swept every span that started has ended and the metrics are back to rest.
 * A seed fixes the sequence of calls; with runTtlMs: 1, which runs are still open when a call arrives also
 * depends on the clock (the tracer's reaper), so a failure names the seed and the call, not a replayable state.
 */

const SECRET = "hunter2-fuzz-secret";
const MB = "m".repeat(1 << 20);
const HUGE = "h".repeat(8 << 20);
/** 10,000 distinct tags: anything quadratic in the tags is seconds. */
const MANY_TAGS = Array.from({ length: 10_000 }, (_, i) => `tag-${i}`);
const MANY_KEYS: Record<string, number> = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
const SPARSE = new Array(10_000_000);
/** Typed arrays and boxed strings: `for…in` over them lists every index (4 MiB: about a second). */
const BYTES = new Uint8Array(4 << 20);
const BOXED = new String(MB);
/** A ~1 KB value that expands to 10 million leaves when shared references are copied (or joined) each time they are met. */
const DAG = (() => {
  let level: unknown = ["leaf", 1];
  for (let i = 0; i < 7; i++) level = Array.from({ length: 10 }, () => level);
  return level;
})();
const RUN_NAMES = ["LangGraph", "text2query", "classify_intent", "generate_sql", "tools", "agent", "__start__", "RunnableSequence", "", MB];
const CLASSES = ["CompiledStateGraph", "Pregel", "RunnableSequence", "RunnableLambda", "ChatOpenAI", "ScriptedChatModel", "DynamicStructuredTool", "SchemaRetriever"];
const NUMBERS = [0, -0, 1, 42, -5, 0.5, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 1e300, 2 ** 53 + 1, Number.MIN_VALUE];

type Rng = () => number;

function fuzzer(r: Rng) {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => r() < p;
  const RUN_IDS = Array.from({ length: 24 }, (_, i) => `run-${i}`);
  let fresh = 0;

  function throwingGetters(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const key of ["id", "name", "kwargs", "content", "message", "generations", "langgraph_node", "user_id", "usage_metadata", "then", "length", "toJSON"]) {
      if (chance(0.5)) Object.defineProperty(o, key, { enumerable: true, get: () => { throw new Error(`getter ${key}`); } });
    }
    return o;
  }
  function revoked(): unknown {
    const { proxy, revoke } = Proxy.revocable(pick([{}, [], () => 0]) as object, {});
    revoke();
    return proxy;
  }
  function hostileProxy(): unknown {
    const boom = () => {
      throw new Error("trap");
    };
    return new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
  }

  function primitive(): unknown {
    return pick<() => unknown>([
      () => undefined,
      () => null,
      () => chance(0.5),
      () => pick(NUMBERS),
      () => r() * 1e6 - 5e5,
      () => "",
      () => pick(["x", "\ud800", "💥", "graph:step:1", "langsmith:hidden", "GraphInterrupt", "gpt-4o", SECRET.slice(0, 4)]),
      () => (chance(0.1) ? HUGE : MB),
      () => Symbol("s"),
      () => 12345678901234567890n,
      () => function named() {},
      () => new Date(NaN),
    ])();
  }

  function garbage(depth = 0): unknown {
    const k = int(depth > 2 ? 3 : 16);
    if (k < 3) return primitive();
    switch (k) {
      case 3: {
        const o: Record<string, unknown> = {};
        for (let i = int(6); i > 0; i--) o[pick(["a", "content", "message", "id", "kwargs", "lc", "type", "0", "constructor"])] = garbage(depth + 1);
        return o;
      }
      case 4: {
        const o: Record<string, unknown> = { value: garbage(depth + 1) };
        o.self = o;
        o.list = [o, o];
        return o;
      }
      case 5:
        return throwingGetters();
      case 6:
        return revoked();
      case 7:
        return hostileProxy();
      case 8:
        return Array.from({ length: int(5) }, () => garbage(depth + 1));
      case 9:
        // The giants are rare (each costs a slow tracer a second): the fuzz must get past them to the rest.
        return chance(0.1) ? pick<unknown>([MANY_TAGS, MANY_KEYS, SPARSE, DAG, BYTES, BOXED]) : pick<unknown>([new Map([[1, 2]]), new Set([1]), Object.create(null), new Uint8Array(8), new String("boxed")]);
      case 10:
        return Object.assign(new Error(pick(["boom", MB])), { message: garbage(depth + 1), name: garbage(depth + 1) });
      case 11:
        return { password: SECRET, api_key: SECRET, nested: { apiKey: SECRET, value: garbage(depth + 1) } };
      case 12:
        return { toJSON: () => { throw new Error("toJSON"); }, [Symbol.toPrimitive]: () => { throw new Error("toPrimitive"); } };
      case 13:
        return { content: garbage(depth + 1), getType: () => pick(["human", "ai", "system", "tool", "weird"]), tool_calls: garbage(depth + 1) };
      default:
        return { lc: 1, type: pick(["constructor", "secret", "not_implemented"]), id: [garbage(depth + 1)], kwargs: garbage(depth + 1) };
    }
  }

  /** Mostly the shape LangChain gives (so the tracer goes deep), with garbage in its leaves. */
  const or = (p: number, shaped: () => unknown) => (chance(p) ? shaped() : garbage());
  const num = () => (chance(0.8) ? pick(NUMBERS) : garbage(2));
  const runId = (): unknown => (chance(0.85) ? pick(RUN_IDS) : chance(0.5) ? `fresh-${fresh++}` : garbage());
  const parentOf = (id: unknown): unknown => (chance(0.35) ? undefined : chance(0.1) ? id : chance(0.85) ? pick(RUN_IDS) : garbage());
  const name = () => or(0.8, () => pick(RUN_NAMES));
  const model = () => or(0.7, () => pick(["gpt-4o", "claude-3-5-sonnet", "gemini-1.5-pro", "", MB, "mystery-model"]));
  const serialized = () =>
    or(0.7, () => ({ lc: 1, type: pick(["constructor", "not_implemented"]), id: ["langchain", pick(CLASSES)], name: name(), kwargs: or(0.7, () => ({ model: model(), description: garbage(2), apiKey: SECRET })) }));
  const tags = () => or(0.7, () => pick<unknown>([[], ["langsmith:hidden"], ["graph:step:1", "seq:step:2", "user-tag"], MANY_TAGS, [garbage(2), garbage(2)]]));
  const metadata = () =>
    or(0.7, () => ({
      langgraph_node: name(),
      langgraph_step: num(),
      langgraph_checkpoint_ns: garbage(2),
      thread_id: or(0.5, () => "thread-1"),
      user_id: garbage(2),
      session_id: garbage(2),
      ls_model_name: model(),
      ls_provider: garbage(2),
      ls_temperature: num(),
      password: SECRET,
      [pick(["tenant", "x", MB.slice(0, 300)])]: garbage(2),
    }));
  const usage = () => ({ input_tokens: num(), output_tokens: num(), total_tokens: num(), input_token_details: { cache_read: num() }, output_token_details: { reasoning: num() } });
  const message = () =>
    or(0.7, () => ({
      content: garbage(2),
      getType: () => "ai",
      id: garbage(2),
      usage_metadata: or(0.8, usage),
      response_metadata: { model_name: model(), finish_reason: garbage(2), id: garbage(2), tokenUsage: { promptTokens: num(), completionTokens: num() }, usage: { prompt_tokens: num() } },
    }));
  const llmResult = () =>
    or(0.8, () => ({
      generations: pick([[[{ text: garbage(2), message: message(), generationInfo: { usage: { promptTokenCount: num(), candidatesTokenCount: num() } } }]], [], [[]], [garbage(1)], garbage(1)]),
      llmOutput: or(0.5, () => ({ tokenUsage: { promptTokens: num(), completionTokens: num() }, model_name: model() })),
    }));
  const extraParams = () => or(0.7, () => ({ invocation_params: or(0.8, () => ({ model: model(), temperature: num(), max_tokens: num(), top_p: num(), seed: num(), stop: garbage(2), stream: garbage(2), api_key: SECRET })) }));
  const failure = () =>
    or(0.6, () =>
      pick<() => unknown>([
        () => new Error("boom"),
        () => Object.assign(new Error("x"), { message: { code: 42 } }),
        () => Object.assign(new Error("paused"), { name: "GraphInterrupt" }),
        () => ({ name: "GraphInterrupt" }),
        () => throwingGetters(),
        () => Object.assign(new Error(MB), { name: MB }),
      ])(),
    );
  const toolInput = () =>
    or(0.7, () => pick([JSON.stringify({ sql: "SELECT 1", password: SECRET, api_key: SECRET }), `{"api_key":"${SECRET}","sql":"${MB}"}`, "plain text input", "{not json", MB]));

  /** One call: [method, args] in LangChain's runtime order. */
  function call(): [string, unknown[]] {
    const id = runId();
    const parent = parentOf(id);
    switch (int(14)) {
      case 0:
        return ["handleChainStart", [serialized(), or(0.3, () => ({ question: "q", state: garbage(1) })), id, parent, tags(), metadata(), garbage(), name(), garbage()]];
      case 1:
        return ["handleChainEnd", [garbage(), id, parent, tags(), garbage()]];
      case 2:
        return ["handleChainError", [failure(), id, parent, tags(), garbage()]];
      case 3:
        return ["handleChatModelStart", [serialized(), or(0.7, () => [[garbage(1), message()]]), id, parent, extraParams(), tags(), metadata(), name()]];
      case 4:
        return ["handleLLMStart", [serialized(), or(0.7, () => [garbage(2), "prompt"]), id, parent, extraParams(), tags(), metadata(), name()]];
      case 5:
        return ["handleLLMNewToken", [garbage(), or(0.5, () => ({ prompt: 0, completion: 0 })), id, parent, tags(), or(0.6, () => ({ chunk: { message: message(), generationInfo: garbage(2) } }))]];
      case 6:
        return ["handleLLMEnd", [llmResult(), id, parent, tags(), garbage()]];
      case 7:
        return ["handleLLMError", [failure(), id, parent, tags(), garbage()]];
      case 8:
        return ["handleToolStart", [serialized(), toolInput(), id, parent, tags(), metadata(), name(), garbage()]];
      case 9:
        return ["handleToolEnd", [garbage(), id, parent, tags()]];
      case 10:
        return ["handleToolError", [failure(), id, parent, tags()]];
      case 11:
        return ["handleRetrieverStart", [serialized(), garbage(), id, parent, tags(), metadata(), name()]];
      case 12:
        return ["handleRetrieverEnd", [or(0.5, () => [{ pageContent: garbage(2), metadata: garbage(2) }]), id, parent, tags()]];
      default:
        return ["handleRetrieverError", [failure(), id, parent, tags()]];
    }
  }

  /** Parent cycles and self-parents, spelled out (random ids make them only now and then). */
  function scripted(): Array<[string, unknown[]]> {
    const [a, b] = [pick(RUN_IDS), pick(RUN_IDS)];
    const chain = { id: ["langgraph", "CompiledStateGraph"] };
    return [
      ["handleChainStart", [chain, {}, a, b, [], { langgraph_node: "n" }, undefined, "n"]],
      ["handleChainStart", [chain, {}, b, a, [], { langgraph_node: "n" }, undefined, "n"]],
      ["handleChainStart", [chain, {}, a, a, [], {}, undefined, "self"]],
      ["handleChainStart", [chain, {}, a, b, [], {}, undefined, "again"]],
      [pick(["handleChainEnd", "handleChainError"]), [undefined, b]],
      ["handleChainEnd", [undefined, a]],
      ["handleChainEnd", [undefined, a]],
    ];
  }

  return { call, scripted, chance };
}

interface Case {
  seed: number;
  calls: number;
  options: Partial<WorkflowTracerOptions>;
}

const CASES: Case[] = [
  { seed: 0x5eed0001, calls: 5000, options: {} },
  { seed: 0x5eed0002, calls: 5000, options: { captureContent: true } },
  { seed: 0x5eed0003, calls: 5000, options: { captureContent: 64, redact: (t) => (t.length % 3 === 0 ? (undefined as unknown as string) : t.length % 5 === 0 ? (() => { throw new Error("redact"); })() : t) } },
  { seed: 0x5eed0004, calls: 5000, options: { maxActiveRuns: 16, workflowName: "fuzz", metadataKeys: ["tenant", "x"], stages: { generate_sql: "generation" } } },
];

/** Generous: the point is "bounded" (the old tracer took 6 to 27 s on some of these calls), and the machine may be loaded. */
const CALL_BOUND_MS = 1000;

/** What a thrown value says, without trusting it (it may be one of our own hostile values). */
function show(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${String(error.message).slice(0, 200)}` : String(error).slice(0, 200);
  } catch {
    return "(unprintable)";
  }
}

describe("fuzzing the callback handler", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it.each(CASES)("seed $seed: $calls garbage calls never throw, each is bounded, and every started span ends", async ({ seed, calls, options }) => {
    const counter = new CountingProcessor();
    const provider = new BasicTracerProvider({ spanProcessors: [counter, new SimpleSpanProcessor(otel.exporter)] });
    const registry = new Registry();
    const metrics = new WorkflowMetrics({ registry });
    const tracer = new WorkflowTracer({ tracerProvider: provider, metrics, runTtlMs: 1, ...options });
    const handlers = tracer as unknown as Record<string, (...args: unknown[]) => unknown>;
    const f = fuzzer(mulberry32(seed));
    const failures: string[] = [];
    const pending: Array<Promise<unknown>> = [];
    let slowest = { ms: 0, what: "" };

    let yieldedAt = 0;
    let leaked = false;
    // Stops after 20 failures: a slow tracer would otherwise take minutes to fail.
    for (let step = 0; step < calls && failures.length < 20; ) {
      for (const [method, args] of f.chance(0.02) ? f.scripted() : [f.call()]) {
        const startedAt = performance.now();
        try {
          const result = handlers[method]!.apply(tracer, args);
          // Handlers may be async: a rejection is a throw too.
          if (result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
            pending.push(Promise.resolve(result).catch((e: unknown) => failures.push(`seed ${seed}, call ${step} ${method} rejected: ${show(e)}`)));
          }
        } catch (error) {
          failures.push(`seed ${seed}, call ${step} ${method} threw: ${show(error)}`);
        }
        const ms = performance.now() - startedAt;
        if (ms > slowest.ms) slowest = { ms, what: `call ${step} ${method}` };
        if (ms >= CALL_BOUND_MS) failures.push(`seed ${seed}, call ${step} ${method} took ${Math.round(ms)} ms`);
        step++;
      }
      // Let timers (the tracer's reaper, the SDK) run between bursts, as they would in a server.
      if (step - yieldedAt >= 250) {
        yieldedAt = step;
        // Exported spans are checked and dropped as we go: kept, they would fill the heap and turn GC pauses into "slow calls".
        leaked ||= allAttributeText(otel.spans()).includes(SECRET);
        otel.reset();
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    await Promise.all(pending);
    expect.soft(failures, `seed ${seed}`).toEqual([]);
    expect.soft(slowest.ms, `seed ${seed}: slowest was ${slowest.what}`).toBeLessThan(CALL_BOUND_MS);

    // Every run is now idle for longer than runTtlMs: sweep() ends them all.
    await new Promise((r) => setTimeout(r, 5));
    tracer.sweep();
    await provider.forceFlush();
    expect.soft(counter.started, `seed ${seed}: no span was started at all`).toBeGreaterThan(100);
    expect.soft(counter.ended, `seed ${seed}: spans started but never ended: ${counter.stillOpen()}`).toBe(counter.started);
    expect.soft(tracer.stats().activeRuns, `seed ${seed}`).toBe(0);

    const scrape = await Scrape.of(registry);
    expect.soft(scrape.value("langgraph_active_queries"), `seed ${seed}`).toBe(0);
    const notFinite = [...scrape.families.values()].flatMap((f) => f.samples).filter((s) => !Number.isFinite(s.value));
    expect.soft(notFinite.map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`), `seed ${seed}`).toEqual([]);
    // The secrets planted under credential keys (and in tool arguments) never reach a span.
    expect.soft(leaked || allAttributeText(otel.spans()).includes(SECRET), `seed ${seed}: a secret reached a span`).toBe(false);
    await provider.shutdown();
  });
});
