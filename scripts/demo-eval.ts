/**
 * How well the example's demo model answers a question set: `node --import tsx scripts/demo-eval.ts [--set
 * unseen|unseen-2|held-out|tuned]` (npm run eval:demo). Each question runs through the real workflow with DemoChatModel
 * on a freshly seeded PGlite shop, as test/text2query/ground-truth.test.ts does, and is scored by
 * test/text2query/ground-truth/score.ts. Prints one JSON line {set, total, correct, asked_back, wrong, failed}
 * on stdout and, on stderr, one line per question not answered correctly.
 */
import { openDatabase } from "../examples/text2query/database.js";
import { DemoChatModel } from "../examples/text2query/demo-model.js";
import { SqlRunner } from "../examples/text2query/sql-runner.js";
import { buildText2QueryWorkflow } from "../examples/text2query/workflow.js";
import type { EvalCase } from "../test/text2query/ground-truth/compare.js";
import { HELD_OUT } from "../test/text2query/ground-truth/held-out.js";
import { describeRun, scoreRun, type RunResult, type Verdict } from "../test/text2query/ground-truth/score.js";
import { TUNED } from "../test/text2query/ground-truth/tuned.js";
import { UNSEEN } from "../test/text2query/ground-truth/unseen.js";
import { UNSEEN_2 } from "../test/text2query/ground-truth/unseen-2.js";

const SETS: Record<string, readonly EvalCase[]> = { unseen: UNSEEN, "unseen-2": UNSEEN_2, "held-out": HELD_OUT, tuned: TUNED };

function chosenSet(args: string[]): string {
  const at = args.indexOf("--set");
  if (at < 0) return "unseen";
  const name = args[at + 1];
  if (name === undefined || !(name in SETS)) {
    throw new Error(`--set must be one of ${Object.keys(SETS).join(", ")}; got ${name === undefined ? "nothing" : JSON.stringify(name)}`);
  }
  return name;
}

async function main(): Promise<void> {
  const set = chosenSet(process.argv.slice(2));
  const db = await openDatabase({});
  try {
    const workflow = buildText2QueryWorkflow({ model: new DemoChatModel(), sql: new SqlRunner(db, { statementTimeoutMs: 5000, maxRows: 1000 }) });
    const counts: Record<Verdict, number> = { correct: 0, asked_back: 0, wrong: 0, failed: 0 };
    for (const testCase of SETS[set]!) {
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
      if (verdict !== "correct") process.stderr.write(`${verdict}: ${testCase.question} → ${describeRun(run)}\n`);
    }
    console.log(JSON.stringify({ set, total: SETS[set]!.length, ...counts }));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
