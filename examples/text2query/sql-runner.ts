import { boundedSelect, readBounded, type BoundedResult } from "./bounded-select.js";
import type { Database } from "./database.js";
import { categorize, judgeSql, loadSqlParser, type ErrorCategory } from "./sql-guard.js";

export type Validation = { valid: true } | { valid: false; category: ErrorCategory; error: string };

export type Execution = BoundedResult;

export class SqlRefusedError extends Error {
  override name = "SqlRefusedError";
  readonly status = 400;
  constructor(
    message: string,
    readonly category: ErrorCategory,
  ) {
    super(message);
  }
}

export interface SqlRunnerLimits {
  /** Each validation and each execution ends after this long (waiting for a slot can take as long again). */
  statementTimeoutMs: number;
  maxRows: number;
  /** Bytes of row data an execution returns at most; the rest is cut and the result marked truncated. @default 1 MiB */
  maxBytes?: number;
  /** Called for each statement the guard refuses (forbidden_statement), for the service's counter. */
  onRefused?: (reason: string) => void;
}

/**
 * Validates model-written SQL (PostgreSQL's parser and an allow-list, then EXPLAIN in the sandbox) and executes
 * it in the sandbox, bounded in time, rows and bytes. The SQL reaches the database only inside the runner's
 * own single statement, sent with the extended protocol.
 */
export class SqlRunner {
  /** Statements refused by the guard (forbidden_statement), for the service's own counter. */
  refused = 0;
  private readonly maxBytes: number;

  constructor(
    private readonly db: Database,
    private readonly limits: SqlRunnerLimits,
  ) {
    for (const key of ["statementTimeoutMs", "maxRows"] as const) {
      if (!Number.isInteger(limits[key]) || limits[key] < 1) throw new Error(`SqlRunner: ${key} must be a positive integer, got ${String(limits[key])}`);
    }
    this.maxBytes = limits.maxBytes ?? 1024 * 1024;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1) throw new Error(`SqlRunner: maxBytes must be a positive integer, got ${String(limits.maxBytes)}`);
  }

  /** The statement to run, or why not; refusals of the guard are counted. */
  private async judge(sql: string): Promise<{ statement: string } | { category: ErrorCategory; error: string }> {
    await loadSqlParser();
    const verdict = judgeSql(sql);
    if (verdict.allowed) return { statement: verdict.statement };
    if (verdict.category === "forbidden_statement") {
      this.refused++;
      this.limits.onRefused?.(verdict.reason);
    }
    return { category: verdict.category, error: verdict.reason };
  }

  private bounded(statement: string): string {
    return boundedSelect(statement, { maxRows: this.limits.maxRows, maxBytes: this.maxBytes });
  }

  async validate(sql: string): Promise<Validation> {
    const judged = await this.judge(sql);
    if (!("statement" in judged)) return { valid: false, ...judged };
    try {
      // The database's own errors (unknown column, type mismatch) for the statement exactly as it will run.
      await this.db.sandbox.query(`EXPLAIN ${this.bounded(judged.statement)}`, this.limits.statementTimeoutMs);
      return { valid: true };
    } catch (error) {
      return { valid: false, category: categorize(error), error: error instanceof Error ? error.message : String(error) };
    }
  }

  async execute(sql: string): Promise<Execution> {
    const judged = await this.judge(sql);
    if (!("statement" in judged)) throw new SqlRefusedError(judged.error, judged.category);
    const result = await this.db.sandbox.query(this.bounded(judged.statement), this.limits.statementTimeoutMs);
    return readBounded(result, { maxRows: this.limits.maxRows, maxBytes: this.maxBytes });
  }
}
