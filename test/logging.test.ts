import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { traceLogFields, traceNode, WorkflowTracer } from "../src/index.js";
import { setupOtel } from "./support/otel.js";

describe("traceLogFields (pino mixin)", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  function logger() {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return { log: pino({ mixin: traceLogFields }, sink), lines };
  }

  it("puts the active span's trace and span ids on every line logged inside it, and nothing outside", async () => {
    const { log, lines } = logger();
    const span = otel.provider.getTracer("test").startSpan("POST /api/query");
    context.with(trace.setSpan(context.active(), span), () => log.info("inside"));
    log.info("outside");
    span.end();
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ msg: "inside", trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, trace_flags: "01" });
    expect(lines[1]!.msg).toBe("outside");
    expect(lines[1]).not.toHaveProperty("trace_id");
  });

  it("lines a traceNode node logs carry its workflow's trace id and the node's span id", async () => {
    const { log, lines } = logger();
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider });
    const graph = new StateGraph(Annotation.Root({ sql: Annotation<string>() }))
      .addNode(
        "validate_sql",
        traceNode("validation", async (state: { sql: string }) => {
          log.info({ sql: state.sql }, "validating");
          return { sql: state.sql };
        }),
      )
      .addEdge(START, "validate_sql")
      .addEdge("validate_sql", END)
      .compile();
    await graph.invoke({ sql: "SELECT 1" }, { callbacks: [tracer] });
    log.info("after");
    await new Promise((r) => setImmediate(r));
    const node = otel.spans().find((s) => s.name === "validate_sql")!;
    expect(lines[0]).toMatchObject({ msg: "validating", sql: "SELECT 1", trace_id: node.spanContext().traceId, span_id: node.spanContext().spanId });
    expect(lines[1]).not.toHaveProperty("trace_id");
  });
});
