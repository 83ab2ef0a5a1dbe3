import type { Database } from "./database.js";
import type { CostEvent } from "./cost-recorder.js";

/** One answered (or failed) question, as kept for replay. */
export interface StoredRun {
  /** The server's own id of the run (a UUID): unique even when callers reuse a trace id. */
  runId: string;
  /** The trace the run belongs to, for linking to spans; several runs can share one. */
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

/** The run store's tables: the query path's role gets no privilege on them. */
export const RUN_STORE_TABLES: readonly string[] = ["query_runs", "llm_cost_events"];

/**
 * Created on every start, so the run store lives apart from the shop's schema and seed. Runs are keyed by the
 * server's run id: a trace id chosen by a client (traceparent) is only a column, so reusing one cannot merge
 * runs. A store made by an earlier version (keyed by trace id) is moved over: its trace ids become run ids.
 */
const RUN_STORE_SQL = `
CREATE TABLE IF NOT EXISTS query_runs (
  run_id text NOT NULL,
  trace_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  question text NOT NULL,
  user_hash text,
  session_id text,
  intent text,
  confidence double precision,
  sql text,
  row_count integer,
  rows_digest text,
  corrections integer NOT NULL DEFAULT 0,
  outcome text NOT NULL,
  error text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  duration_ms double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS llm_cost_events (
  id bigserial PRIMARY KEY,
  run_id text,
  trace_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  stage text NOT NULL,
  model text NOT NULL,
  input_tokens integer NOT NULL,
  cached_tokens integer NOT NULL,
  output_tokens integer NOT NULL,
  cost_usd double precision NOT NULL,
  user_hash text
);
ALTER TABLE query_runs ADD COLUMN IF NOT EXISTS run_id text;
UPDATE query_runs SET run_id = trace_id WHERE run_id IS NULL;
ALTER TABLE query_runs ALTER COLUMN run_id SET NOT NULL;
ALTER TABLE query_runs DROP CONSTRAINT IF EXISTS query_runs_pkey;
CREATE UNIQUE INDEX IF NOT EXISTS query_runs_run_id ON query_runs (run_id);
CREATE INDEX IF NOT EXISTS query_runs_outcome ON query_runs (outcome, created_at DESC);
CREATE INDEX IF NOT EXISTS query_runs_trace ON query_runs (trace_id);
ALTER TABLE llm_cost_events ADD COLUMN IF NOT EXISTS run_id text;
UPDATE llm_cost_events SET run_id = trace_id WHERE run_id IS NULL;
CREATE INDEX IF NOT EXISTS llm_cost_events_run ON llm_cost_events (run_id);
`;

const COLUMNS = `run_id AS "runId", trace_id AS "traceId", created_at AS "createdAt", question, user_hash AS "userHash", session_id AS "sessionId", intent, confidence, sql,
  row_count AS "rowCount", rows_digest AS "rowsDigest", corrections, outcome, error, input_tokens AS "inputTokens", output_tokens AS "outputTokens",
  cost_usd AS "costUsd", duration_ms AS "durationMs"`;

/** Creates (or updates) the run store's tables; idempotent. */
export async function ensureRunStore(db: Pick<Database, "query">): Promise<void> {
  await db.query(RUN_STORE_SQL);
}

/** Every run and every LLM call's cost, in the service's own database (the dead-letter idea: failures are kept). */
export class RunStore {
  constructor(private readonly db: Database) {}

  async save(run: StoredRun, costs: CostEvent[]): Promise<void> {
    await this.db.query(
      `INSERT INTO query_runs (run_id, trace_id, question, user_hash, session_id, intent, confidence, sql, row_count, rows_digest, corrections, outcome, error, input_tokens, output_tokens, cost_usd, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [run.runId, run.traceId, run.question, run.userHash, run.sessionId, run.intent, run.confidence, run.sql, run.rowCount, run.rowsDigest, run.corrections, run.outcome, run.error, run.inputTokens, run.outputTokens, run.costUsd, run.durationMs],
    );
    for (const c of costs) {
      await this.db.query(
        "INSERT INTO llm_cost_events (run_id, trace_id, stage, model, input_tokens, cached_tokens, output_tokens, cost_usd, user_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [run.runId, run.traceId, c.stage, c.model, c.inputTokens, c.cachedTokens, c.outputTokens, c.costUsd, run.userHash],
      );
    }
  }

  /** The newest runs, optionally of one outcome or one trace. */
  async list(filter: { outcome?: string; traceId?: string; limit: number }): Promise<StoredRun[]> {
    const params: unknown[] = [filter.limit];
    const where: string[] = [];
    if (filter.outcome !== undefined) where.push(`outcome = $${params.push(filter.outcome)}`);
    if (filter.traceId !== undefined) where.push(`trace_id = $${params.push(filter.traceId)}`);
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    return (await this.db.query(`SELECT ${COLUMNS} FROM query_runs ${clause} ORDER BY created_at DESC LIMIT $1`, params)).rows as unknown as StoredRun[];
  }

  async get(runId: string): Promise<(StoredRun & { costs: CostEvent[] }) | undefined> {
    const run = (await this.db.query(`SELECT ${COLUMNS} FROM query_runs WHERE run_id = $1`, [runId])).rows[0] as unknown as StoredRun | undefined;
    if (run === undefined) return undefined;
    const costs = (
      await this.db.query(
        `SELECT stage, model, input_tokens AS "inputTokens", cached_tokens AS "cachedTokens", output_tokens AS "outputTokens", cost_usd AS "costUsd" FROM llm_cost_events WHERE run_id = $1 ORDER BY id`,
        [runId],
      )
    ).rows as unknown as CostEvent[];
    return { ...run, costs };
  }
}
