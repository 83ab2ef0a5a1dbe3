import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { judgeSql, loadSqlParser } from "../../examples/text2query/sql-guard.js";
import { SqlRunner } from "../../examples/text2query/sql-runner.js";
import { buildText2QueryWorkflow } from "../../examples/text2query/workflow.js";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";

describe("example Text2Query workflow on embedded PGlite", () => {
  let db: Database;
  let runner: SqlRunner;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const registry = new Registry();
  const metrics = new WorkflowMetrics({ registry, prefix: "text2query_" });
  const tracer = new WorkflowTracer({ tracerProvider: provider, metrics });
  let workflow: ReturnType<typeof buildText2QueryWorkflow>;

  beforeAll(async () => {
    db = await openDatabase({});
    await loadSqlParser();
    runner = new SqlRunner(db, { statementTimeoutMs: 5000, maxRows: 50 });
    workflow = buildText2QueryWorkflow({ model: new DemoChatModel(), sql: runner });
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  const ask = (question: string) => workflow.invoke({ question }, { callbacks: [tracer] });

  it("answers a question with real rows from the sample data", async () => {
    const result = await ask("How many delivered orders are there?");
    const truth = await db.query("SELECT count(*)::int AS n FROM orders WHERE status = 'delivered'");
    expect(result).toMatchObject({ intent: "sql_query", outcome: "success", attempts: 0, valid: true });
    expect(Number(result.rows![0]!.orders)).toBe(truth.rows[0]!.n);
    expect(Number(truth.rows[0]!.n)).toBeGreaterThan(1000);
  });

  it("corrects SQL that fails validation on the database, and the correction is counted", async () => {
    const before = await Scrape.of(registry);
    const result = await ask("How many customers in DE?");
    expect(result).toMatchObject({ outcome: "success", attempts: 1, valid: true });
    const truth = await db.query("SELECT count(*)::int AS n FROM customers WHERE country = 'DE'");
    expect(Number(result.rows![0]!.customers)).toBe(truth.rows[0]!.n);
    const after = await Scrape.of(registry);
    const invalid = { result: "invalid", error_category: "unknown_column" };
    expect(after.sum("text2query_validation_results_total", invalid) - before.sum("text2query_validation_results_total", invalid)).toBe(1);
    expect(after.value("text2query_correction_attempts_bucket", { result: "success", le: "1" }) - before.sum("text2query_correction_attempts_bucket", { result: "success", le: "1" })).toBe(1);
  });

  it("maps real PostgreSQL errors to categories: type mismatch, unknown table", async () => {
    expect(await runner.validate("SELECT count(*) FROM orders WHERE ordered_at >= 2024")).toMatchObject({ valid: false, category: "type_mismatch" });
    expect(await runner.validate("SELECT * FROM refunds")).toMatchObject({ valid: false, category: "unknown_table" });
    expect(await runner.validate("SELECT count(* FROM orders")).toMatchObject({ valid: false, category: "syntax" });
    expect(await runner.validate("SELECT 1")).toEqual({ valid: true });
  });

  it("gives up after 3 corrections when the schema cannot answer, and the run is failed", async () => {
    const result = await ask("How many refunds were there last month?");
    expect(result).toMatchObject({ intent: "sql_query", outcome: "failed", attempts: 3, valid: false, errorCategory: "unknown_table" });
    expect((await Scrape.of(registry)).value("text2query_queries_total", { intent: "sql_query", status: "failed" })).toBe(1);
  });

  it("does not run SQL for out-of-scope or vague questions", async () => {
    const joke = await ask("Tell me a joke about databases");
    expect(joke.intent).toBe("out_of_scope");
    expect([joke.sql, joke.rows]).toEqual([undefined, undefined]);
    const vague = await ask("show me stuff");
    expect(vague.intent).toBe("needs_clarification");
    expect(vague.sql).toBeUndefined();
    expect(vague.confidence).toBeLessThan(0.7);
  });

  it("refuses destructive and multi-statement SQL before it reaches the database, and executes read-only", async () => {
    for (const sql of ["DELETE FROM orders", "SELECT 1; DROP TABLE orders", "UPDATE orders SET status = 'x'", "WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x", "SELECT pg_sleep(10)"]) {
      expect(judgeSql(sql), sql).toMatchObject({ allowed: false, category: "forbidden_statement" });
      expect(await runner.validate(sql)).toMatchObject({ valid: false, category: "forbidden_statement" });
      await expect(runner.execute(sql)).rejects.toThrow(/allowed/);
    }
    expect(judgeSql("SELECT 'delete me' AS label -- drop\nFROM orders")).toMatchObject({ allowed: true });
    expect((await db.query("SELECT count(*)::int AS n FROM orders")).rows[0]!.n).toBe(6000);
    const limited = await runner.execute("SELECT * FROM orders");
    expect(limited).toMatchObject({ truncated: true });
    expect(limited.rows).toHaveLength(50);
  });

  it("refuses limits that cannot work at construction, naming the option", async () => {
    expect(() => new SqlRunner(db, { statementTimeoutMs: 0, maxRows: 10 })).toThrow("SqlRunner: statementTimeoutMs must be a positive integer, got 0");
    expect(() => new SqlRunner(db, { statementTimeoutMs: 1000, maxRows: 1.5 })).toThrow("SqlRunner: maxRows must be a positive integer, got 1.5");
    expect(() => new SqlRunner(db, { statementTimeoutMs: 1000, maxRows: 10, maxBytes: -1 })).toThrow("SqlRunner: maxBytes must be a positive integer, got -1");
    const { PgliteHost } = await import("../../examples/text2query/pglite-host.js");
    expect(() => new PgliteHost({ schemaSql: "", seedSql: "", workMem: "8MB'; DROP" })).toThrow(`workMem must look like "8MB" or "512kB", got "8MB'; DROP"`);
    expect(() => new PgliteHost({ schemaSql: "", seedSql: "", maxWaiting: -1 })).toThrow("maxWaiting must be an integer ≥ 0, got -1");
  });

  it("reports realistic usage: the long generation prompt is served from the cache after the first call", async () => {
    await ask("Revenue by category");
    const m = await Scrape.of(registry);
    expect(m.value("text2query_llm_tokens_total", { type: "cache_read", model: "gpt-4o-mini" })).toBeGreaterThanOrEqual(1024);
    expect(m.value("text2query_llm_cost_dollars_total", { model: "gpt-4o-mini" })).toBeGreaterThan(0);
    const llm = exporter.getFinishedSpans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(llm.length).toBeGreaterThan(10);
    for (const s of llm) expect(s.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(20);
  });
});
