import type { EvalCase } from "./compare.js";
import { openDemoShop } from "./demo-shop.js";
import { describeRun, scoreRun, type RunResult, type Verdict } from "./score.js";

export interface SetScore {
  counts: Record<Verdict, number>;
  /** One line per question not answered correctly: its verdict, the question and how the run ended. */
  misses: string[];
}

/**
 * Each question through the real workflow with DemoChatModel on a freshly seeded PGlite shop, scored against
 * its ground truth run on the same data (scripts/demo-eval.ts and held-out.stress.test.ts).
 */
export async function scoreSet(cases: readonly EvalCase[]): Promise<SetScore> {
  const { db, workflow } = await openDemoShop();
  try {
    const counts: Record<Verdict, number> = { correct: 0, asked_back: 0, wrong: 0, failed: 0 };
    const misses: string[] = [];
    for (const testCase of cases) {
      const truth = "sql" in testCase ? await db.query(testCase.sql) : undefined;
      if (truth !== undefined && truth.rows.length === 0) throw new Error(`the ground truth of "${testCase.question}" has no rows: fix the case`);
      let run: RunResult;
      try {
        run = await workflow.invoke({ question: testCase.question });
      } catch (error) {
        // The workflow should end in an outcome, not throw: a throw is a failed run.
        run = { outcome: "threw", error: error instanceof Error ? error.message : String(error) };
      }
      const verdict = scoreRun(run, testCase, truth);
      counts[verdict]++;
      if (verdict !== "correct") misses.push(`${verdict}: ${testCase.question} → ${describeRun(run)}`);
    }
    return { counts, misses };
  } finally {
    await db.close();
  }
}
