import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { Scrape } from "../support/exposition.js";
import { setupOtel } from "../support/otel.js";
import { HostileLlm, hostileSql } from "./hostile-llm.js";

const TIMEOUT_MS = 2000;
const dir = mkdtempSync(join(tmpdir(), "text2query-hostile-"));
const marker = join(dir, "pwned");

const HOSTILE_SQL = hostileSql(marker);

describe("example Text2Query against a hostile model (PGlite, the default)", () => {
  let db: Database;
  let server: Server;
  let url: string;
  let otel: ReturnType<typeof setupOtel>;
  const llm = new HostileLlm();

  beforeAll(async () => {
    otel = setupOtel();
    await llm.start();
    db = await openDatabase({});
    ({ server, url } = await createText2QueryServer({ db, model: llm.model(), tracerProvider: otel.provider, log: pino({ level: "silent" }), statementTimeoutMs: TIMEOUT_MS, traceContext: "trust" }).listen(0));
  }, 120_000);
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await db?.close();
    await llm.stop();
    await otel?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (question: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ question }) });
    const text = await res.text();
    return { status: res.status, bytes: text.length, body: JSON.parse(text) as Record<string, any> };
  };
  const count = async (query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>) =>
    Number((await query("SELECT (SELECT count(*) FROM order_items) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM customers) AS n")).rows[0]!.n);
  /** Samples /healthz every 25 ms while `work` runs; the slowest answer, in ms. */
  async function healthzWhile(work: Promise<unknown>): Promise<{ slowest: number; samples: number }> {
    let done = false;
    void work.finally(() => (done = true)).catch(() => undefined);
    let slowest = 0;
    let samples = 0;
    while (!done) {
      const started = performance.now();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      samples++;
      await new Promise((r) => setTimeout(r, 25));
    }
    return { slowest, samples };
  }

  it("refuses every attack of the issue, counts it, and loses no row; no shell command runs", async () => {
    const before = await count((sql) => db.query(sql));
    // 600 customers, 6,000 orders and their items (1–4 each) of the deterministic sample shop.
    expect(before).toBeGreaterThan(600 + 6_000 + 6_000);
    for (const sql of HOSTILE_SQL) {
      const { status, body } = await ask(sql);
      expect(status, sql).toBe(200);
      expect(body, sql).toMatchObject({ outcome: "failed", rows: [], corrections: 3 });
      expect(body.message, sql).toMatch(/not allowed|only SELECT|multiple statements|can be read/);
    }
    expect(await count((sql) => db.query(sql))).toBe(before);
    expect(await count((sql) => db.sandbox.query(sql, TIMEOUT_MS))).toBe(before);
    expect(existsSync(marker)).toBe(false);
    // Each attack is refused four times (the first SQL and three corrections), all as forbidden_statement.
    const m = new Scrape(await (await fetch(`${url}/metrics`)).text());
    expect(m.value("text2query_sql_refused_total")).toBe(HOSTILE_SQL.length * 4);
    expect(m.value("text2query_validation_results_total", { result: "invalid", error_category: "forbidden_statement" })).toBe(HOSTILE_SQL.length * 4);
  });

  it("does not let the query path read the run store or list the service's tables", async () => {
    await ask("How many orders are there?");
    const { body } = await ask("SELECT * FROM query_runs");
    expect(body).toMatchObject({ outcome: "failed", rows: [] });
    expect(body.message).toMatch(/relation "query_runs" does not exist/);
    // Below the guard too: model-written SQL runs as a role that sees the shop's tables and nothing else; the
    // run store is in another schema it has no access to, and the role cannot be switched back from a SELECT.
    await expect(db.sandbox.query("SELECT count(*) FROM query_runs", TIMEOUT_MS)).rejects.toMatchObject({ code: "42P01" });
    await expect(db.sandbox.query("SELECT count(*) FROM t2q_service.query_runs", TIMEOUT_MS)).rejects.toMatchObject({ code: "42501" });
    await expect(db.sandbox.query("SELECT set_config('role', 'postgres', true)", TIMEOUT_MS)).rejects.toMatchObject({ code: "42501" });
    await expect(db.sandbox.query("SELECT set_config('session_authorization', 'postgres', true)", TIMEOUT_MS)).rejects.toMatchObject({ code: "42501" });
    await expect(db.sandbox.query("DELETE FROM orders", TIMEOUT_MS)).rejects.toMatchObject({ code: "25006" });
    await expect(db.sandbox.query("SELECT pg_read_file('PG_VERSION')", TIMEOUT_MS)).rejects.toMatchObject({ code: "42501" });
    const tables = await db.sandbox.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1", TIMEOUT_MS);
    expect(tables.rows.map((r) => r.t)).toEqual(["public.customers", "public.order_items", "public.orders", "public.products"]);
    expect((await db.sandbox.query("SELECT current_user AS u", TIMEOUT_MS)).rows).toEqual([{ u: "t2q_reader" }]);
    // The service's own statements still reach the run store.
    expect(Number((await db.query("SELECT count(*) AS n FROM query_runs")).rows[0]!.n)).toBeGreaterThan(0);
  });

  it("stays responsive while a cartesian join runs, and ends it at the timeout", async () => {
    const started = performance.now();
    const join3 = ask("SELECT count(*) AS n FROM order_items a, order_items b, order_items c");
    const { slowest, samples } = await healthzWhile(join3);
    const { body } = await join3;
    const took = performance.now() - started;
    expect(body).toMatchObject({ outcome: "error", rows: [] });
    expect(samples).toBeGreaterThan(10);
    expect(slowest).toBeLessThan(500);
    // The bound is the point: one query's timeout, plus the model's calls and the worker's kill.
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(took).toBeLessThan(TIMEOUT_MS + 1500);
    // The next question is answered by a fresh worker.
    expect((await ask("SELECT count(*) AS n FROM orders")).body).toMatchObject({ outcome: "success", rows: [{ n: 6000 }] });
  });

  it("ends even SQL that slipped past the guard (pg_sleep) at the timeout, with /healthz answering throughout", async () => {
    const started = performance.now();
    const sleep = db.sandbox.query("SELECT pg_sleep(20)", 1000);
    const { slowest } = await healthzWhile(sleep);
    await expect(sleep).rejects.toMatchObject({ code: "57014" });
    expect(performance.now() - started).toBeLessThan(1000 + 500);
    expect(slowest).toBeLessThan(500);
    expect((await db.sandbox.query("SELECT 1 AS one", TIMEOUT_MS)).rows).toEqual([{ one: 1 }]);
  });

  it("caps a result in bytes as well as rows: a 5 MB aggregate never reaches the client", async () => {
    const { body, bytes } = await ask("SELECT string_agg(c1.email || c2.email, ',') AS emails FROM customers c1, customers c2 WHERE c2.customer_id <= 200");
    expect(body).toMatchObject({ outcome: "success", truncated: true, rows: [], columns: ["emails"] });
    expect(bytes).toBeLessThan(16 * 1024);
    const wide = await ask("SELECT c1.email, c2.email AS other, c1.name FROM customers c1, customers c2");
    expect(wide.body).toMatchObject({ outcome: "success", truncated: true });
    expect(wide.body.rows).toHaveLength(1000);
  });

  it("keeps big values in the worker even below the guard: none of a 5 MB or an 80 MB value reaches the main thread", async () => {
    const { boundedSelect, readBounded } = await import("../../examples/text2query/bounded-select.js");
    const limits = { maxRows: 1000, maxBytes: 1024 * 1024 };
    const heapBefore = process.memoryUsage().heapUsed;
    const raw = await db.sandbox.query(boundedSelect("SELECT repeat($$x$$, 5000000) AS big, 1 AS n", limits), 20_000);
    expect(readBounded(raw, limits)).toEqual({ rows: [], columns: ["big", "n"], truncated: true });
    expect(JSON.stringify(raw.rows).length).toBeLessThan(1024);
    // 80 MB: the worker's temp_file_limit (64MB) ends the statement before any of it leaves PGlite.
    await expect(db.sandbox.query(boundedSelect("SELECT repeat($$x$$, 80000000) AS big", limits), 20_000)).rejects.toMatchObject({ code: "53400" });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 1024 * 1024);
  });

  // (The server trusts inbound trace context here, as behind a gateway: the example's default, "link", would give
  // each request its own trace anyway.)
  it("keeps ten runs that share a caller's traceparent as ten runs", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const headers = { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(`SELECT ${i} AS i`, headers)));
    const runIds = new Set(answers.map((a) => a.body.runId as string));
    expect(answers.every((a) => a.body.traceId === traceId && a.body.outcome === "success")).toBe(true);
    expect(runIds.size).toBe(10);
    const listed = (await (await fetch(`${url}/api/runs?traceId=${traceId}`)).json()) as { runs: Array<{ runId: string; sql: string }> };
    expect(new Set(listed.runs.map((r) => r.runId))).toEqual(runIds);
    for (const a of answers) {
      const stored = (await (await fetch(`${url}/api/runs/${a.body.runId}`)).json()) as Record<string, unknown>;
      expect(stored).toMatchObject({ runId: a.body.runId, traceId, sql: a.body.sql });
    }
  });
});
