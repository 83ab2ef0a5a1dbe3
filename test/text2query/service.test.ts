import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { Text2QueryService } from "../../examples/text2query/service.js";
import { traceLogFields, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { setupOtel } from "../support/otel.js";

describe("example Text2Query service: runs stored for replay, cost events, correlated logs", () => {
  let db: Database;
  let service: Text2QueryService;
  let otel: ReturnType<typeof setupOtel>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    otel = setupOtel();
    db = await openDatabase({});
    const metrics = new WorkflowMetrics({ registry: new Registry(), prefix: "text2query_" });
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    service = new Text2QueryService({
      db,
      model: new DemoChatModel(),
      metrics,
      tracer: new WorkflowTracer({ tracerProvider: otel.provider, metrics }),
      otelTracer: otel.provider.getTracer("text2query"),
      log: pino({ mixin: traceLogFields }, sink),
    });
  }, 60_000);
  afterAll(async () => {
    await db.close();
    await otel.shutdown();
  });

  it("stores an answered run with its SQL, rows digest, tokens and one cost event per LLM call", async () => {
    const answer = await service.ask({ question: "How many customers in FR?", userId: "alice@example.com", sessionId: "s-1" });
    expect(answer).toMatchObject({ outcome: "success", corrections: 1, intent: "sql_query" });
    expect(answer.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.runId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = (await service.runs.get(answer.runId))!;
    expect(stored).toMatchObject({ question: "How many customers in FR?", outcome: "success", sql: answer.sql, rowCount: 1, corrections: 1, sessionId: "s-1" });
    expect(stored.userHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(stored)).not.toContain("alice@example.com");
    // intent, plan, generate, correct: four LLM calls, each with its cost at gpt-4o-mini prices.
    expect(stored.costs.map((c) => c.stage)).toEqual(["intent", "reasoning", "generation", "correction"]);
    expect(stored.costUsd).toBeCloseTo(stored.costs.reduce((a, c) => a + c.costUsd, 0), 12);
    expect(stored.costUsd).toBeCloseTo(answer.costUsd, 12);
    expect(stored.inputTokens).toBe(stored.costs.reduce((a, c) => a + c.inputTokens, 0));
    // The run's root span is in the trace the answer names.
    expect(otel.spans().some((s) => s.spanContext().traceId === answer.traceId && s.name === "invoke_workflow text2query")).toBe(true);
  });

  it("keeps failed runs with their error, and lists them by outcome", async () => {
    const answer = await service.ask({ question: "Total refunds this year?" });
    expect(answer.outcome).toBe("failed");
    expect(answer.message).toMatch(/could not write valid SQL after 3 corrections: relation .* does not exist/);
    const failed = await service.runs.list({ outcome: "failed", limit: 10 });
    expect(failed.map((r) => r.runId)).toContain(answer.runId);
    expect(failed.every((r) => r.outcome === "failed")).toBe(true);
    expect(failed.find((r) => r.runId === answer.runId)!.error).toMatch(/does not exist/);
  });

  it("replays a stored run: same SQL, same rows, in a new trace", async () => {
    const first = await service.ask({ question: "Top 3 customers by revenue" });
    const report = (await service.replay(first.runId))!;
    expect(report).toMatchObject({ sqlMatches: true, rowsMatch: true });
    expect(report.replay.traceId).not.toBe(first.traceId);
    expect(report.replay.rows).toEqual(first.rows);
    expect(await service.replay("00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  it("logs every line of a request with the request's trace id", async () => {
    lines.length = 0;
    const span = otel.provider.getTracer("http").startSpan("POST /api/query");
    const answer = await context.with(trace.setSpan(context.active(), span), () => service.ask({ question: "How many orders are there?" }));
    span.end();
    await new Promise((r) => setImmediate(r));
    expect(answer.traceId).toBe(span.spanContext().traceId);
    expect(lines.map((l) => l.msg)).toEqual(["question received", "question answered"]);
    for (const l of lines) expect(l.trace_id).toBe(answer.traceId);
  });
});
