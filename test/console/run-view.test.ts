import { runInNewContext } from "node:vm";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FORMAT_SCRIPT } from "../../src/console/format-script.js";
import { RUN_SCRIPT } from "../../src/console/run-script.js";
import { RecentTraces, WorkflowMetrics, WorkflowTracer, type SpanRecord } from "../../src/index.js";
import { ScriptedChatModel } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "../support/text2query-graph.js";

/** The run view's pure parts, evaluated from the very text the browser gets. */
const view = runInNewContext(`${FORMAT_SCRIPT}${RUN_SCRIPT}; ({ treeOrder, failureOf, firstFailing })`) as {
  treeOrder(spans: SpanRecord[]): { spans: SpanRecord[] };
  failureOf(span: SpanRecord): string;
  firstFailing(spans: SpanRecord[], failures: Map<string, string>, byId: Map<string, SpanRecord>): number;
};

/** Where the page opens a run, and what it marks: the failing spans' names and reasons in waterfall order. */
function opened(recent: RecentTraces) {
  const trace = recent.get(recent.list()[0]!.traceId)!;
  const { spans } = view.treeOrder(trace.spans);
  const failures = new Map(spans.map((s) => [s.spanId, view.failureOf(s)]));
  const index = view.firstFailing(spans, failures, new Map(spans.map((s) => [s.spanId, s])));
  return { summary: trace.summary, spans, opens: spans[index], marked: spans.filter((s) => failures.get(s.spanId)).map((s) => `${s.name}: ${failures.get(s.spanId)}`) };
}

function setup() {
  const recent = new RecentTraces();
  const tracer = new WorkflowTracer({ tracerProvider: new BasicTracerProvider({ spanProcessors: [recent] }), metrics: new WorkflowMetrics({ registry: new Registry() }) });
  return { recent, tracer };
}

describe("the run view: which spans failed, and where a failed run opens", () => {
  it("a run failed by validation opens on its first invalid validation; every invalid one and the run are marked", async () => {
    const { recent, tracer } = setup();
    const stubborn = new ScriptedChatModel({ model: "gpt-4o", replies: (m) => (String(m[0]?.content).startsWith("[correct]") ? { content: "SELECT nme FROM users" } : text2queryReplies(m)) });
    await buildText2QueryGraph({ model: stubborn }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "failed-run" });
    const { summary, spans, opens, marked } = opened(recent);
    expect(summary).toMatchObject({ outcome: "failed", corrections: 3 });
    expect(opens!.name).toBe("validate_sql");
    expect(opens).toBe(spans.find((s) => s.name === "validate_sql"));
    expect(marked).toEqual(["invoke_workflow failed-run: failed", ...Array(4).fill("validate_sql: invalid: unknown_column")]);
  });

  it("a run whose LLM call threw opens on that call, not on the node and run the error went up through", async () => {
    const { recent, tracer } = setup();
    const broken = new ScriptedChatModel({ model: "gpt-4o", replies: (m) => (String(m[0]?.content).startsWith("[generate]") ? { content: "", error: new Error("upstream 503") } : text2queryReplies(m)) });
    await expect(buildText2QueryGraph({ model: broken }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "error-run" })).rejects.toThrow("upstream 503");
    const { summary, opens, marked } = opened(recent);
    expect(summary.outcome).toBe("error");
    expect(opens!.attributes["gen_ai.operation.name"]).toBe("chat");
    expect(opens!.attributes["langgraph_node"]).toBe("generate_sql");
    expect(marked).toEqual(["invoke_workflow error-run: error", "generate_sql: error", expect.stringMatching(/^chat gpt-4o: error$/)]);
  });

  it("a run that succeeded after a correction marks the invalid validation, and has nothing failing to open on its own", async () => {
    const { recent, tracer } = setup();
    await buildText2QueryGraph().invoke({ question: "How many orders per user?" }, { callbacks: [tracer], runName: "corrected-run" });
    const { summary, marked } = opened(recent);
    expect(summary).toMatchObject({ outcome: "success", corrections: 1 });
    expect(marked).toEqual(["validate_sql: invalid: unknown_column"]);
  });
});
