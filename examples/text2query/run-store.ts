import type { Database } from "./database.js";
import type { CostEvent } from "./cost-recorder.js";

/** One answered (or failed) question, as kept for replay. */
export interface StoredRun {
  traceId: string;
  createdAt?: string;
  question: string;
  userHash: string | null;
  sessionId: string | null;
  intent: string | null;
  confidence: number | null;
  sql: string | null;
  rowCount: number | null;
  rowsDigest: string | null;
  corrections: number;
  outcome: string;
  error: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  durationMs: number;
}

const COLUMNS = `trace_id AS "traceId", created_at AS "createdAt", question, user_hash AS "userHash", session_id AS "sessionId", intent, confidence, sql,
  row_count AS "rowCount", rows_digest AS "rowsDigest", corrections, outcome, error, input_tokens AS "inputTokens", output_tokens AS "outputTokens",
  cost_usd AS "costUsd", duration_ms AS "durationMs"`;

/** Every run and every LLM call's cost, in the service's own database (the dead-letter idea: failures are kept). */
export class RunStore {
  constructor(private readonly db: Database) {}

  async save(run: StoredRun, costs: CostEvent[]): Promise<void> {
    await this.db.query(
      `INSERT INTO query_runs (trace_id, question, user_hash, session_id, intent, confidence, sql, row_count, rows_digest, corrections, outcome, error, input_tokens, output_tokens, cost_usd, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (trace_id) DO NOTHING`,
      [run.traceId, run.question, run.userHash, run.sessionId, run.intent, run.confidence, run.sql, run.rowCount, run.rowsDigest, run.corrections, run.outcome, run.error, run.inputTokens, run.outputTokens, run.costUsd, run.durationMs],
    );
    for (const c of costs) {
      await this.db.query(
        "INSERT INTO llm_cost_events (trace_id, stage, model, input_tokens, cached_tokens, output_tokens, cost_usd, user_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [run.traceId, c.stage, c.model, c.inputTokens, c.cachedTokens, c.outputTokens, c.costUsd, run.userHash],
      );
    }
  }

  async list(filter: { outcome?: string; limit: number }): Promise<StoredRun[]> {
    const where = filter.outcome !== undefined ? "WHERE outcome = $2" : "";
    const params: unknown[] = [filter.limit];
    if (filter.outcome !== undefined) params.push(filter.outcome);
    return (await this.db.query(`SELECT ${COLUMNS} FROM query_runs ${where} ORDER BY created_at DESC LIMIT $1`, params)).rows as unknown as StoredRun[];
  }

  async get(traceId: string): Promise<(StoredRun & { costs: CostEvent[] }) | undefined> {
    const run = (await this.db.query(`SELECT ${COLUMNS} FROM query_runs WHERE trace_id = $1`, [traceId])).rows[0] as unknown as StoredRun | undefined;
    if (run === undefined) return undefined;
    const costs = (
      await this.db.query(
        `SELECT stage, model, input_tokens AS "inputTokens", cached_tokens AS "cachedTokens", output_tokens AS "outputTokens", cost_usd AS "costUsd" FROM llm_cost_events WHERE trace_id = $1 ORDER BY id`,
        [traceId],
      )
    ).rows as unknown as CostEvent[];
    return { ...run, costs };
  }
}
