import { randomUUID } from "node:crypto";
import { context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { traceNode, WorkflowTracer } from "../../src/index.js";
import { one, parentId, setupOtel } from "../support/otel.js";
import { stepsGraph } from "../support/steps-graph.js";

describe("the tracer's public surface", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it("refuses node result attributes under reserved prefixes (workflow., langfuse., gen_ai., langgraph…, user.id, session.id, error.type): counted, never thrown", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const graph = stepsGraph({
      execute_sql: traceNode("execution", async (_s, _c, report) => {
        report.set({
          outcome: "success",
          attributes: {
            "workflow.outcome": "failed",
            "langfuse.observation.type": "generation",
            "gen_ai.operation.name": "chat",
            "langgraph.node": "spoofed",
            langgraph_node: "spoofed",
            "user.id": "someone-else",
            "session.id": "s-x",
            "error.type": "Boom",
            "db.rows": 3,
            team: "billing",
          },
        });
        return { answer: "3 rows" };
      }),
    });
    await graph.invoke({ question: "?" }, { callbacks: [tracer] });
    const node = one(otel.spans(), "execute_sql");
    expect(node.attributes).toMatchObject({ "db.rows": 3, team: "billing", "workflow.outcome": "success", "langfuse.observation.type": "span", langgraph_node: "execute_sql" });
    for (const key of ["gen_ai.operation.name", "langgraph.node", "user.id", "session.id", "error.type"]) expect(node.attributes).not.toHaveProperty(key);
    expect(one(otel.spans(), "invoke_workflow LangGraph").attributes["workflow.outcome"]).toBe("success");
    expect(tracer.stats()).toMatchObject({ refusedAttributes: 8, internalErrors: 0 });
  });

  it("traceIdOf(runId): the trace of the invocation given that runId, during the run and after it, to score it later", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const runId = randomUUID();
    let during: string | undefined;
    const graph = stepsGraph({
      respond: async () => {
        during = tracer.traceIdOf(runId);
        return { answer: "ok" };
      },
    });
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runId });
    const root = otel.spans().find((s) => parentId(s) === undefined)!;
    expect(tracer.traceIdOf(runId)).toBe(root.spanContext().traceId);
    expect(during).toBe(root.spanContext().traceId);
    expect(tracer.traceIdOf(randomUUID())).toBeUndefined();
    expect(tracer.traceIdOf(42 as never)).toBeUndefined();
    // Not traced (suppressed): no trace id to give.
    const quiet = randomUUID();
    await context.with(suppressTracing(context.active()), () => graph.invoke({ question: "?" }, { callbacks: [tracer], runId: quiet }));
    expect(tracer.traceIdOf(quiet)).toBeUndefined();
  });

  it("traceIdOf remembers the last 10,000 invocations, no more", async () => {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const graph = stepsGraph({ respond: () => ({ answer: "ok" }) });
    const first = randomUUID();
    await graph.invoke({ question: "?" }, { callbacks: [tracer], runId: first });
    for (let i = 0; i < 10_000; i++) tracer.handleChainStart({ lc: 1, type: "not_implemented", id: ["x", "Flow"] }, {}, `run-${i}`);
    for (let i = 0; i < 10_000; i++) tracer.handleChainEnd({}, `run-${i}`);
    expect(tracer.traceIdOf("run-9999")).toMatch(/^[0-9a-f]{32}$/);
    expect(tracer.traceIdOf(first)).toBeUndefined();
  });
});
