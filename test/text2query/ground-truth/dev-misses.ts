import { expect } from "vitest";
import type { Database } from "../../../examples/text2query/database.js";
import { answersLike } from "./compare.js";
import type { DemoWorkflow } from "./demo-shop.js";
import type { DevCase } from "./dev.js";

/** What went wrong with each development case that did not come out as expected (empty: all did). */
export async function devMisses(workflow: DemoWorkflow, db: Database, cases: readonly DevCase[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const c of cases) {
    const result = await workflow.invoke({ question: c.question });
    if ("expect" in c) {
      const message = result.message ?? "";
      const named = (c.names ?? []).every((w) => message.includes(`"${w}"`));
      if (result.outcome !== c.expect || !(result.confidence! < 0.5) || message === "" || !named || result.sql !== undefined)
        wrong.push(`${c.question} → ${result.intent} ${result.outcome} ${result.confidence} "${message}"`);
      continue;
    }
    const truth = await db.query(c.sql);
    expect(truth.rows.length, `ground truth of "${c.question}" has rows`).toBeGreaterThan(0);
    if (result.outcome !== "success" || result.rows === undefined) wrong.push(`${c.question} → ${result.intent} ${result.outcome}: ${result.message ?? ""}`);
    else if (!answersLike({ rows: result.rows, columns: result.columns ?? [] }, truth, c.ordered === true)) wrong.push(`${c.question} → wrong rows from ${result.sql}`);
  }
  return wrong;
}
