import type { Server } from "node:http";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { SqlRunner } from "../../examples/text2query/sql-runner.js";
import { setupOtel } from "../support/otel.js";

/** A real PostgreSQL server: .ci/run installs Debian's postgresql, starts it and sets this variable. */
const DATABASE_URL = process.env.TEXT2QUERY_TEST_DATABASE_URL ?? "postgres://text2query:text2query@127.0.0.1:5432/text2query_test";

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
    db = await openDatabase({ url: DATABASE_URL });
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
    expect(answer).toMatchObject({ outcome: "success", rows: [{ orders: String(truth.rows[0]!.n) }] });
  });

  it("validates with EXPLAIN on the server, corrects, and replays", async () => {
    const answer = await ask("What is the average order value?");
    expect(answer).toMatchObject({ outcome: "success", corrections: 1 });
    const replay = (await (await fetch(`${url}/api/runs/${answer.traceId}/replay`, { method: "POST" })).json()) as Record<string, unknown>;
    expect(replay).toMatchObject({ sqlMatches: true, rowsMatch: true });
  });

  it("enforces the statement timeout and read-only execution on the server", async () => {
    const runner = new SqlRunner(db, { statementTimeoutMs: 100, maxRows: 10 });
    await expect(runner.execute("SELECT count(*) FROM generate_series(1, 500000000)")).rejects.toMatchObject({ code: "57014" });
    // Even SQL that slips past the guard cannot write: the transaction is READ ONLY.
    await expect(db.readOnly((q) => q("UPDATE orders SET status = 'lost'"), 1000)).rejects.toMatchObject({ code: "25006" });
    expect((await db.query("SELECT count(*)::int AS n FROM orders WHERE status = 'lost'")).rows[0]!.n).toBe(0);
  });
});
