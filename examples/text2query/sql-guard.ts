/** Why a query was refused or failed validation; bounded, so it is safe as a metric label. */
export type ErrorCategory = "syntax" | "unknown_table" | "unknown_column" | "type_mismatch" | "forbidden_statement" | "timeout" | "other";

export const ERROR_CATEGORIES: readonly ErrorCategory[] = ["syntax", "unknown_table", "unknown_column", "type_mismatch", "forbidden_statement", "timeout", "other"];

const FORBIDDEN = /\b(insert|update|delete|merge|drop|alter|create|truncate|grant|revoke|copy|call|do|vacuum|analyze|cluster|reindex|refresh|lock|listen|notify|set|reset|begin|commit|rollback|savepoint|prepare|execute|deallocate|discard|load|comment|security|pg_sleep|pg_read_file|pg_terminate_backend|dblink)\b/i;

/** Strips comments and string literals, so keywords inside them do not count. */
function code(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
}

/**
 * Refuses anything but one read-only query: a single SELECT (or WITH … SELECT) statement, no data or schema
 * changes, no session changes, no server functions that sleep or read files. Returns the reason, or undefined.
 */
export function refuseUnsafe(sql: string): string | undefined {
  const body = code(sql).trim().replace(/;\s*$/, "");
  if (body === "") return "empty statement";
  if (body.includes(";")) return "multiple statements are not allowed";
  if (!/^(select|with)\b/i.test(body)) return "only SELECT queries are allowed";
  const forbidden = FORBIDDEN.exec(body);
  if (forbidden) return `${forbidden[1]!.toUpperCase()} is not allowed`;
  return undefined;
}

/** Maps a PostgreSQL error (SQLSTATE) to an error category. */
export function categorize(error: unknown): ErrorCategory {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "42601":
      return "syntax";
    case "42P01":
      return "unknown_table";
    case "42703":
    case "42P10":
      return "unknown_column";
    case "42883":
    case "42804":
    case "22P02":
    case "42846":
      return "type_mismatch";
    case "25006":
    case "42501":
      return "forbidden_statement";
    case "57014":
      return "timeout";
    default:
      return "other";
  }
}
