import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundedSelect } from "../../examples/text2query/bounded-select.js";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { SqlRunner } from "../../examples/text2query/sql-runner.js";
import { Scrape } from "../support/exposition.js";
import { setupOtel } from "../support/otel.js";
import { HostileLlm, hostileSql } from "./hostile-llm.js";
import { DATABASE_URL, READER_URL } from "./postgres-urls.js";

// A time zone east of UTC: pg reads a date as local midnight, which was 23:00 the day before in UTC.
process.env.TZ = "Europe/Berlin";

describe("example Text2Query on a real PostgreSQL server (DATABASE_URL)", () => {
  let db: Database;
  let server: Server;
  let url: string;
  let otel: ReturnType<typeof setupOtel>;

  beforeAll(async () => {
    const probe = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5000 });
    try {
      await probe.connect();
    } catch (error) {
      throw new Error(`PostgreSQL is not reachable at ${DATABASE_URL} (${(error as Error).message}). Run bash .ci/run, which installs and starts Debian's postgresql, or set TEXT2QUERY_TEST_DATABASE_URL.`);
    }
    // A clean sample database for this run.
    await probe.query("DROP TABLE IF EXISTS order_items, orders, products, customers, query_runs, llm_cost_events CASCADE");
    await probe.end();
    otel = setupOtel();
    db = await openDatabase({ url: DATABASE_URL, readerUrl: READER_URL });
    ({ server, url } = await createText2QueryServer({ db, model: new DemoChatModel(), tracerProvider: otel.provider, log: pino({ level: "silent" }) }).listen(0));
  }, 60_000);
  afterAll(async () => {
    // beforeAll may have failed before the server existed: close only what was opened, never wait on nothing.
    const opened = server as Server | undefined;
    if (opened !== undefined) await new Promise((r) => opened.close(r));
    await db?.close();
    await otel?.shutdown();
  });

  const ask = async (question: string) =>
    (await (await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) })).json()) as Record<string, any>;

  it("seeds the sample data on first start and answers from it", async () => {
    expect(db.kind).toBe("postgres");
    const counts = await db.query("SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_items)::int AS items");
    expect(counts.rows[0]).toMatchObject({ customers: 600, orders: 6000 });
    const answer = await ask("How many pending orders are there?");
    const truth = await db.query("SELECT count(*)::int AS n FROM orders WHERE status = 'pending'");
    // count(*) is a bigint: a number in the JSON, as on PGlite (pg alone would give the string "123").
    expect(answer).toMatchObject({ outcome: "success", rows: [{ orders: truth.rows[0]!.n }] });
  });

  it("validates with EXPLAIN on the server, corrects, and replays", async () => {
    const answer = await ask("What is the average order value?");
    expect(answer).toMatchObject({ outcome: "success", corrections: 1 });
    const replay = (await (await fetch(`${url}/api/runs/${answer.runId}/replay`, { method: "POST" })).json()) as Record<string, unknown>;
    expect(replay).toMatchObject({ sqlMatches: true, rowsMatch: true });
  });

  it("enforces the statement timeout and read-only execution on the server", async () => {
    const runner = new SqlRunner(db, { statementTimeoutMs: 100, maxRows: 10 });
    await expect(runner.execute("SELECT count(*) FROM generate_series(1, 500000000)")).rejects.toMatchObject({ code: "57014" });
    // Even SQL that slips past the guard cannot write: the transaction is READ ONLY (and the role may not).
    await expect(db.sandbox.query("UPDATE orders SET status = 'lost'", 1000)).rejects.toMatchObject({ code: "25006" });
    expect((await db.query("SELECT count(*)::int AS n FROM orders WHERE status = 'lost'")).rows[0]!.n).toBe(0);
  });
});

const TIMEOUT_MS = 1000;
// Where `COPY … TO PROGRAM 'touch …'` would leave its mark (the server runs as postgres, /tmp is writable).
const marker = `/tmp/text2query-pwned-${randomBytes(6).toString("hex")}`;
const HOSTILE_SQL = hostileSql(marker);

describe("example Text2Query against a hostile model on a real PostgreSQL, connected as the tables' owner", () => {
  let db: Database;
  let owner: pg.Client;
  let server: Server;
  let url: string;
  let otel: ReturnType<typeof setupOtel>;
  const llm = new HostileLlm();

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5000 });
    try {
      await owner.connect();
    } catch (error) {
      throw new Error(`PostgreSQL is not reachable at ${DATABASE_URL} (${(error as Error).message}). Run bash .ci/run, which installs and starts Debian's postgresql, or set TEXT2QUERY_TEST_DATABASE_URL.`);
    }
    await owner.query("DROP TABLE IF EXISTS order_items, orders, products, customers, query_runs, llm_cost_events CASCADE");
    otel = setupOtel();
    await llm.start();
    db = await openDatabase({ url: DATABASE_URL, readerUrl: READER_URL });
    ({ server, url } = await createText2QueryServer({ db, model: llm.model(), tracerProvider: otel.provider, log: pino({ level: "silent" }), statementTimeoutMs: TIMEOUT_MS }).listen(0));
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await db?.close();
    await owner?.end();
    await llm.stop();
    await otel?.shutdown();
  });

  const ask = async (question: string) => {
    const res = await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
    const text = await res.text();
    return { status: res.status, bytes: text.length, body: JSON.parse(text) as Record<string, any> };
  };
  const rows = async () => Number((await owner.query("SELECT (SELECT count(*) FROM order_items) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM customers) AS n")).rows[0].n);

  it("refuses every attack of the issue and loses no row; no shell command runs", async () => {
    const before = await rows();
    // 600 customers, 6,000 orders and their items (1–4 each) of the deterministic sample shop.
    expect(before).toBeGreaterThan(600 + 6_000 + 6_000);
    for (const sql of HOSTILE_SQL) {
      const { body } = await ask(sql);
      expect(body, sql).toMatchObject({ outcome: "failed", rows: [] });
    }
    expect(await rows()).toBe(before);
    expect(existsSync(marker)).toBe(false);
    const m = new Scrape(await (await fetch(`${url}/metrics`)).text());
    expect(m.value("text2query_sql_refused_total")).toBe(HOSTILE_SQL.length * 4);
  });

  it("below the guard, the reader role can run one read-only statement and read the shop's tables, nothing else", async () => {
    const before = await rows();
    // The extended protocol: the server itself refuses a second statement, so COMMIT cannot end READ ONLY.
    await expect(db.sandbox.query("SELECT '--'; COMMIT; DELETE FROM order_items", TIMEOUT_MS)).rejects.toMatchObject({ code: "42601" });
    await expect(db.sandbox.query("DELETE FROM order_items", TIMEOUT_MS)).rejects.toMatchObject({ code: "25006" });
    await expect(db.sandbox.query(`COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`, TIMEOUT_MS)).rejects.toThrow();
    await expect(db.sandbox.query("SELECT count(*) FROM query_runs", TIMEOUT_MS)).rejects.toMatchObject({ code: "42501" });
    await expect(db.sandbox.query("SELECT count(*) FROM llm_cost_events", TIMEOUT_MS)).rejects.toMatchObject({ code: "42501" });
    const tables = await db.sandbox.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", TIMEOUT_MS);
    expect(tables.rows.map((r) => r.table_name)).toEqual(["customers", "order_items", "orders", "products"]);
    const settings = await db.sandbox.query(
      "SELECT current_setting('work_mem') AS work_mem, current_setting('default_transaction_read_only') AS read_only, current_setting('search_path') AS search_path, current_user AS role",
      TIMEOUT_MS,
    );
    expect(settings.rows[0]).toEqual({ work_mem: "8MB", read_only: "on", search_path: "public", role: "text2query_reader" });
    expect(await rows()).toBe(before);
    expect(existsSync(marker)).toBe(false);
  });

  it("ends a sleep at the timeout, and twelve of them at once neither exhaust the service's pool nor wait without bound", async () => {
    const started = performance.now();
    await expect(db.sandbox.query("SELECT pg_sleep(20)", 300)).rejects.toMatchObject({ code: "57014" });
    expect(performance.now() - started).toBeLessThan(300 + 500);

    const burst = Array.from({ length: 12 }, () => db.sandbox.query("SELECT pg_sleep(20)", TIMEOUT_MS).then(() => performance.now(), () => performance.now()));
    const burstStart = performance.now();
    let done = false;
    const all = Promise.all(burst).finally(() => (done = true));
    const ready: number[] = [];
    while (!done) {
      ready.push((await fetch(`${url}/readyz`)).status);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ends = await all;
    expect(ready.length).toBeGreaterThan(5);
    expect(ready.every((s) => s === 200)).toBe(true);
    // 4 run at once, the rest wait at most one timeout for a connection, then run at most one timeout.
    for (const end of ends) expect(end - burstStart).toBeLessThan(2 * TIMEOUT_MS + 500);
  });

  it("bounds a result's bytes on the server: a 5 MB aggregate does not cross the wire", async () => {
    const { body, bytes } = await ask("SELECT string_agg(c1.email || c2.email, ',') AS emails FROM customers c1, customers c2 WHERE c2.customer_id <= 200");
    expect(body).toMatchObject({ outcome: "success", truncated: true, rows: [] });
    expect(bytes).toBeLessThan(16 * 1024);
    // The same bounded statement on a reader connection of our own: what the socket received.
    const reader = new pg.Client({ connectionString: READER_URL });
    await reader.connect();
    try {
      const socket = (reader as unknown as { connection: { stream: { bytesRead: number } } }).connection.stream;
      const before = socket.bytesRead;
      const sql = boundedSelect("SELECT string_agg(c1.email || c2.email, ',') AS emails FROM customers c1, customers c2 WHERE c2.customer_id <= 200", { maxRows: 1000, maxBytes: 1024 * 1024 });
      await reader.query({ text: sql, values: [] });
      expect(socket.bytesRead - before).toBeLessThan(16 * 1024);
      const unbounded = socket.bytesRead;
      await reader.query("SELECT string_agg(c1.email || c2.email, ',') AS emails FROM customers c1, customers c2 WHERE c2.customer_id <= 200");
      expect(socket.bytesRead - unbounded).toBeGreaterThan(4 * 1024 * 1024);
    } finally {
      await reader.end();
    }
  });

  it("refuses to start when the query role could do more than read the shop's tables", async () => {
    await expect(openDatabase({ url: DATABASE_URL })).rejects.toThrow(/DATABASE_READER_URL is required with DATABASE_URL/);
    await expect(openDatabase({ url: DATABASE_URL, readerUrl: DATABASE_URL })).rejects.toThrow(/same role as DATABASE_URL/);
    await owner.query("GRANT INSERT ON orders TO text2query_reader");
    try {
      await expect(openDatabase({ url: DATABASE_URL, readerUrl: READER_URL })).rejects.toThrow(/can still read or write orders/);
    } finally {
      await owner.query("REVOKE INSERT ON orders FROM text2query_reader");
    }
  });
});

describe("the same JSON from PGlite and PostgreSQL for model-written SQL (TZ=Europe/Berlin)", () => {
  let pglite: Database;
  let postgres: Database;
  let urls: string[];
  const servers: Server[] = [];
  let otel: ReturnType<typeof setupOtel>;

  beforeAll(async () => {
    otel = setupOtel();
    // Both seeded today from the same generator: the same shop, so the same answers.
    [pglite, postgres] = await Promise.all([openDatabase({}), openDatabase({ url: DATABASE_URL, readerUrl: READER_URL })]);
    urls = [];
    for (const db of [pglite, postgres]) {
      const { server, url } = await createText2QueryServer({ db, model: new DemoChatModel(), tracerProvider: otel.provider, log: pino({ level: "silent" }) }).listen(0);
      servers.push(server);
      urls.push(url);
    }
  }, 120_000);
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    await pglite?.close();
    await postgres?.close();
    await otel?.shutdown();
  });

  it("types: counts as numbers, dates as YYYY-MM-DD without a time-zone shift, timestamps in UTC, numeric exact", async () => {
    const sql = `SELECT count(*) AS n, DATE '2024-12-01' AS d, TIMESTAMP '2024-12-01 10:30:00' AS ts, TIMESTAMPTZ '2024-12-01 10:30:00+00' AS tstz,
      2.50::numeric(10, 2) AS x, 1.5::float8 AS f, 7::int AS i, true AS b, 'Müller' AS t FROM orders WHERE order_id <= 3`;
    const [a, b] = await Promise.all([pglite.sandbox.query(sql, 5000), postgres.sandbox.query(sql, 5000)]);
    expect(JSON.parse(JSON.stringify(a.rows))).toEqual([{ n: 3, d: "2024-12-01", ts: "2024-12-01T10:30:00.000Z", tstz: "2024-12-01T10:30:00.000Z", x: "2.50", f: 1.5, i: 7, b: true, t: "Müller" }]);
    expect(JSON.stringify(b.rows)).toBe(JSON.stringify(a.rows));
  });

  it("answers: the same JSON for the same questions, December 2024 as 2024-12-01", async () => {
    for (const question of ["Revenue by month", "How many orders per status?", "How many orders are there?", "How many customers signed up per month this year?"]) {
      const [a, b] = await Promise.all(
        urls.map(async (url) => (await (await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) })).json()) as { rows: unknown[]; outcome: string }),
      );
      expect(a!.outcome, question).toBe("success");
      expect(JSON.stringify(b!.rows), question).toBe(JSON.stringify(a!.rows));
    }
    const months = (await (await fetch(`${urls[1]}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Revenue by month" }) })).json()) as { rows: Array<{ month: string }> };
    for (const r of months.rows) expect(r.month).toMatch(/^\d{4}-\d{2}-01$/);
  });
});
