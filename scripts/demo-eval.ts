/**
 * How well the example's demo model answers a question set: `node --import tsx scripts/demo-eval.ts [--set
 * unseen|unseen-2|held-out|tuned]` (npm run eval:demo). Each question runs through the real workflow with DemoChatModel
 * on a freshly seeded PGlite shop (test/text2query/ground-truth/score-set.ts), scored by score.ts. Prints one JSON line {set, total, correct, asked_back, wrong, failed}
 * on stdout and, on stderr, one line per question not answered correctly.
 */
import type { EvalCase } from "../test/text2query/ground-truth/compare.js";
import { HELD_OUT } from "../test/text2query/ground-truth/held-out.js";
import { scoreSet } from "../test/text2query/ground-truth/score-set.js";
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
  const { counts, misses } = await scoreSet(SETS[set]!);
  for (const miss of misses) process.stderr.write(`${miss}\n`);
  console.log(JSON.stringify({ set, total: SETS[set]!.length, ...counts }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
