import { answersLike, type EvalCase } from "./compare.js";

/**
 * What a run of the Text2Query workflow ended with (the state `buildText2QueryWorkflow(...).invoke()` returns),
 * read structurally: the outcomes include the demo's `needs_clarification` and `cannot_answer` ends, whatever
 * the workflow's own types say at the moment.
 */
export interface RunResult {
  intent?: string | undefined;
  outcome?: string | undefined;
  rows?: Record<string, unknown>[] | undefined;
  columns?: string[] | undefined;
  sql?: string | undefined;
  error?: string | undefined;
}

/**
 * correct: the right rows, or a decline where the tables cannot answer. asked_back: a question the tables can
 * answer met with a question back or "the data cannot tell" — not wrong, not an answer. wrong: rows that are
 * not the answer (for an unanswerable question, any rows). failed: no answer at all (validation gave up, error).
 */
export type Verdict = "correct" | "asked_back" | "wrong" | "failed";

/** The run asked the user to say more. */
export const askedBack = (run: RunResult) => run.intent === "needs_clarification" || run.outcome === "needs_clarification";
/** The run said the shop's data cannot answer the question. */
export const saidCannotAnswer = (run: RunResult) => run.outcome === "cannot_answer";

/** `truth` is the ground-truth SQL's result on the same data; it is required for an answerable case. */
export function scoreRun(run: RunResult, testCase: EvalCase, truth?: { rows: Record<string, unknown>[]; columns: string[] }): Verdict {
  const declined = askedBack(run) || saidCannotAnswer(run);
  if ("unanswerable" in testCase) {
    if (declined) return "correct";
    return run.outcome === "success" ? "wrong" : "failed";
  }
  if (truth === undefined) throw new Error(`scoreRun: "${testCase.question}" is answerable; pass its ground-truth rows as truth`);
  if (run.outcome === "success") {
    const answered = run.rows !== undefined && answersLike({ rows: run.rows, columns: run.columns ?? [] }, truth, testCase.ordered === true);
    return answered ? "correct" : "wrong";
  }
  return declined ? "asked_back" : "failed";
}

/** One line saying how a run ended, for the reader of a miss. */
export function describeRun(run: RunResult): string {
  const end = `intent ${run.intent ?? "-"}, outcome ${run.outcome ?? "-"}`;
  if (run.outcome === "success") return `${end}, ${run.rows?.length ?? 0} rows from ${run.sql ?? "?"}`;
  if (run.error !== undefined) return `${end}, error: ${run.error}${run.sql === undefined ? "" : ` (SQL: ${run.sql})`}`;
  return end;
}
