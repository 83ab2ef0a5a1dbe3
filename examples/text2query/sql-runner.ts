import type { Database, QueryResult } from "./database.js";
import { categorize, refuseUnsafe, type ErrorCategory } from "./sql-guard.js";

export type Validation = { valid: true } | { valid: false; category: ErrorCategory; error: string };

export interface Execution extends QueryResult {
  /** True when the result had more rows than the limit (the rest are not returned). */
  truncated: boolean;
}

export class SqlRefusedError extends Error {
  override name = "SqlRefusedError";
  readonly status = 400;
}

/** Validates generated SQL for real (EXPLAIN on the database) and executes it read-only, bounded. */
export class SqlRunner {
  /** Statements refused by the guard (destructive, multi-statement), for the service's own counter. */
  refused = 0;

  constructor(
    private readonly db: Database,
    private readonly limits: { statementTimeoutMs: number; maxRows: number; onRefused?: (reason: string) => void },
  ) {}

  private refuse(reason: string): void {
    this.refused++;
    this.limits.onRefused?.(reason);
  }

  async validate(sql: string): Promise<Validation> {
    const refusal = refuseUnsafe(sql);
    if (refusal !== undefined) {
      this.refuse(refusal);
      return { valid: false, category: "forbidden_statement", error: refusal };
    }
    try {
      await this.db.readOnly((query) => query(`EXPLAIN ${stripSemicolon(sql)}`), this.limits.statementTimeoutMs);
      return { valid: true };
    } catch (error) {
      return { valid: false, category: categorize(error), error: error instanceof Error ? error.message : String(error) };
    }
  }

  async execute(sql: string): Promise<Execution> {
    const refusal = refuseUnsafe(sql);
    if (refusal !== undefined) {
      this.refuse(refusal);
      throw new SqlRefusedError(refusal);
    }
    const limit = this.limits.maxRows;
    const result = await this.db.readOnly((query) => query(`SELECT * FROM (${stripSemicolon(sql)}) AS result LIMIT ${limit + 1}`), this.limits.statementTimeoutMs);
    const truncated = result.rows.length > limit;
    return { rows: truncated ? result.rows.slice(0, limit) : result.rows, columns: result.columns, truncated };
  }
}

function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, "");
}
