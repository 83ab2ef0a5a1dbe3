import type { WorkflowStage } from "../shared/workflow.js";

/**
 * Name rules for a node's stage, tried in order; the first match wins. Order matters: `execute_sql`
 * must be execution before `sql` can suggest generation, and `correct_sql` correction before either.
 */
const STAGE_RULES: ReadonlyArray<readonly [RegExp, WorkflowStage]> = [
  [/correct|repair|fix|retry|refine|self_heal/, "correction"],
  [/valid|verif|check|lint|guard/, "validation"],
  [/exec|run_query|query_db|fetch|retriev|search|lookup/, "execution"],
  [/intent|classif|route|router|triage/, "intent"],
  [/reason|plan|think|analy[sz]|decompos/, "reasoning"],
  [/generat|sql|write|draft|compose|answer|respond|synthes/, "generation"],
];

/** Stage inferred from a node name, or undefined when no rule matches. */
export function inferStage(nodeName: string): WorkflowStage | undefined {
  const name = nodeName.toLowerCase();
  for (const [pattern, stage] of STAGE_RULES) {
    if (pattern.test(name)) return stage;
  }
  return undefined;
}
