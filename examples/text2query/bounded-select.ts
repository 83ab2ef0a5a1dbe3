import type { QueryResult } from "./database.js";

export interface ResultLimits {
  /** Rows returned at most; one more is read to know whether the result was cut. */
  maxRows: number;
  /** Bytes of row data returned at most (PostgreSQL's datum sizes, close to the JSON the client gets). */
  maxBytes: number;
}

export interface BoundedResult extends QueryResult {
  /** True when the result had more rows, or more bytes, than the limits (the rest are not returned). */
  truncated: boolean;
}

// Helper columns of the wrapper; names no model writes (a space inside a quoted identifier).
const BYTES = "t2q bytes";
const ROW = "t2q row";
const ROWS = "t2q rows";
const TOTAL = "t2q total";
const HELPERS = new Set([BYTES, ROW, ROWS, TOTAL]);

/**
 * Wraps one checked SELECT so the server itself bounds what crosses the wire: at most `maxRows + 1` rows are
 * read, a running sum of each row's size drops every row past `maxBytes`, and one row of totals (joined to the
 * kept rows, or alone when none is kept) says whether anything was cut. A 150 MB value stays on the server.
 * The statement goes inside parentheses on lines of its own, so a trailing `--` comment cannot eat the rest.
 */
export function boundedSelect(statement: string, limits: ResultLimits): string {
  const rows = Math.floor(limits.maxRows) + 1;
  const bytes = Math.floor(limits.maxBytes);
  return `WITH sized AS (
  SELECT result.*, sum(pg_column_size(result.*)) OVER (ROWS UNBOUNDED PRECEDING) AS "${BYTES}", row_number() OVER () AS "${ROW}"
  FROM (
${statement}
  ) AS result
  LIMIT ${rows}
)
SELECT kept.*, totals.* FROM (SELECT count(*) AS "${ROWS}", max("${BYTES}") AS "${TOTAL}" FROM sized) AS totals
LEFT JOIN (SELECT * FROM sized WHERE "${BYTES}" <= ${bytes}) AS kept ON true
ORDER BY kept."${ROW}"`;
}

/** Reads the wrapper's answer back into the rows and columns of the model's query. */
export function readBounded(result: QueryResult, limits: ResultLimits): BoundedResult {
  const first = result.rows[0];
  const totalRows = Number(first?.[ROWS] ?? 0);
  const totalBytes = Number(first?.[TOTAL] ?? 0);
  const kept = result.rows.filter((r) => r[ROW] !== null && r[ROW] !== undefined);
  const rows = kept.slice(0, limits.maxRows).map((r) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (!HELPERS.has(k)) row[k] = v;
    return row;
  });
  return {
    rows,
    columns: result.columns.filter((c) => !HELPERS.has(c)),
    truncated: totalRows > limits.maxRows || totalBytes > limits.maxBytes,
  };
}
