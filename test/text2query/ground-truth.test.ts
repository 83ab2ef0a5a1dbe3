import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../examples/text2query/database.js";
import { openDemoShop, type DemoWorkflow } from "./ground-truth/demo-shop.js";
import { seedSql } from "../../examples/text2query/seed.js";
import { answersLike, type GroundTruthCase } from "./ground-truth/compare.js";
import { HELD_OUT } from "./ground-truth/held-out.js";
import { TUNED } from "./ground-truth/tuned.js";

/**
 * The example answers everyday questions: each question runs through the real workflow (intent → plan → SQL →
 * validation → correction → execution) on the seeded PGlite shop, and its rows are compared with hand-written
 * ground-truth SQL run on the same data.
 */
describe("example Text2Query answers plainly worded questions correctly (ground truth on PGlite)", () => {
  let db: Database;
  let workflow: DemoWorkflow;

  beforeAll(async () => {
    ({ db, workflow } = await openDemoShop());
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  /** The questions answered wrongly, with what went wrong. */
  async function misses(cases: readonly GroundTruthCase[]): Promise<string[]> {
    const wrong: string[] = [];
    for (const c of cases) {
      const truth = await db.query(c.sql);
      expect(truth.rows.length, `ground truth of "${c.question}" has rows`).toBeGreaterThan(0);
      const result = await workflow.invoke({ question: c.question });
      if (result.outcome !== "success" || result.rows === undefined) wrong.push(`${c.question} → ${result.intent} ${result.outcome ?? "no SQL"}`);
      else if (!answersLike({ rows: result.rows, columns: result.columns ?? [] }, truth, c.ordered === true)) wrong.push(`${c.question} → wrong rows from ${result.sql}`);
    }
    return wrong;
  }

  it("groups 'orders per status' by status (not one ungrouped count)", async () => {
    for (const question of ["How many orders per status?", "Number of orders by status", "orders by status"]) {
      const result = await workflow.invoke({ question });
      expect(result, question).toMatchObject({ intent: "sql_query", outcome: "success" });
      expect(result.columns, question).toContain("status");
      const truth = await db.query("SELECT status, count(*)::int AS orders FROM orders GROUP BY status");
      expect(answersLike({ rows: result.rows!, columns: result.columns! }, truth, false), question).toBe(true);
    }
  });

  it("answers every question of the set it was tuned on", async () => {
    expect(await misses(TUNED)).toEqual([]);
  }, 120_000);

  it("answers the held-out questions (never tuned on) at the measured rate", async () => {
    const wrong = await misses(HELD_OUT);
    const score = (HELD_OUT.length - wrong.length) / HELD_OUT.length;
    console.log(`held-out: ${HELD_OUT.length - wrong.length}/${HELD_OUT.length} correct (${(score * 100).toFixed(1)}%)${wrong.length ? `; misses:\n  ${wrong.join("\n  ")}` : ""}`);
    // Measured 34/36 (94.4%) the first time the composing model ran on it; the floor is that, rounded down. The
    // misses then: "Which customers are from Germany?" (read as a ranking of customers) and "Top 3 countries by
    // revenue" (one ungrouped total). A later general rule made for a tuned question ("top selling categories":
    // a ranking over a plural dimension) also answers the second, so it now reads 35/36 — not a clean score.
    expect(score).toBeGreaterThanOrEqual(0.94);
  }, 120_000);

  it("seeds a shop that looks like one: deterministic, real-looking unique names, varied spend, two years of orders up to today", async () => {
    expect(seedSql()).toBe(seedSql());
    const names = await db.query("SELECT count(*)::int AS n, count(DISTINCT name)::int AS distinct_names, count(*) FILTER (WHERE name ~ '[0-9]')::int AS with_digits FROM customers");
    expect(names.rows[0]).toEqual({ n: 600, distinct_names: 600, with_digits: 0 });
    const top = await db.query(
      "SELECT sum(oi.quantity * oi.unit_price) AS revenue FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.customer_id ORDER BY revenue DESC LIMIT 10",
    );
    expect(new Set(top.rows.map((r) => String(r.revenue))).size).toBe(10);
    const span = await db.query("SELECT (current_date - min(ordered_at))::int AS oldest, (current_date - max(ordered_at))::int AS newest FROM orders");
    expect(span.rows[0]!.oldest).toBeGreaterThan(700);
    expect(span.rows[0]!.oldest).toBeLessThanOrEqual(730);
    expect(span.rows[0]!.newest).toBeLessThanOrEqual(1);
    const never = await db.query(
      "SELECT (SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id))::int AS customers, (SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id))::int AS products",
    );
    expect(never.rows[0]!.customers).toBeGreaterThan(0);
    expect(never.rows[0]!.products).toBeGreaterThan(0);
  });

  it("asks back only for truly vague questions", async () => {
    for (const question of ["show me stuff", "show me the data", "what about last week?", "hello"]) {
      expect((await workflow.invoke({ question })).intent, question).toBe("needs_clarification");
    }
  });
});
