import { openDatabase, type Database } from "../../../examples/text2query/database.js";
import { DemoChatModel } from "../../../examples/text2query/demo-model.js";
import { SqlRunner } from "../../../examples/text2query/sql-runner.js";
import { buildText2QueryWorkflow } from "../../../examples/text2query/workflow.js";

export type DemoWorkflow = ReturnType<typeof buildText2QueryWorkflow>;

/** A freshly seeded PGlite shop and the real workflow on it with the demo model: what every question set runs on. */
export async function openDemoShop(): Promise<{ db: Database; workflow: DemoWorkflow }> {
  const db = await openDatabase({});
  const workflow = buildText2QueryWorkflow({ model: new DemoChatModel(), sql: new SqlRunner(db, { statementTimeoutMs: 5000, maxRows: 1000 }) });
  return { db, workflow };
}
