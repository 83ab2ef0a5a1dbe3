import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { SqlRunner } from "../../examples/text2query/sql-runner.js";
import { buildText2QueryWorkflow } from "../../examples/text2query/workflow.js";
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
  let workflow: ReturnType<typeof buildText2QueryWorkflow>;

  beforeAll(async () => {
    db = await openDatabase({});
    workflow = buildText2QueryWorkflow({ model: new DemoChatModel(), sql: new SqlRunner(db, { statementTimeoutMs: 5000, maxRows: 1000 }) });
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

  it("asks back only for truly vague questions", async () => {
    for (const question of ["show me stuff", "show me the data", "what about last week?", "hello"]) {
      expect((await workflow.invoke({ question })).intent, question).toBe("needs_clarification");
    }
  });
});
