import { loadModule, parseSync } from "libpg-query";

/** Why a query was refused or failed validation; bounded, so it is safe as a metric label. */
export type ErrorCategory = "syntax" | "unknown_table" | "unknown_column" | "type_mismatch" | "forbidden_statement" | "timeout" | "other";

export const ERROR_CATEGORIES: readonly ErrorCategory[] = ["syntax", "unknown_table", "unknown_column", "type_mismatch", "forbidden_statement", "timeout", "other"];

/** The only tables model-written SQL may read. */
export const SHOP_TABLES: readonly string[] = ["customers", "products", "orders", "order_items"];

/**
 * Functions a query may call, by the name the server resolves (unquoted names are folded to lower case by the
 * parser; a quoted "pg_sleep" is pg_sleep). Aggregates, window functions, date/time, string and math: what
 * shop analytics needs. Nothing that sleeps, reads files, touches settings, locks or builds huge values
 * (repeat, lpad and rpad are left out: one call can make a 1 GB string).
 */
const FUNCTIONS = new Set([
  // aggregates and window functions
  "count", "sum", "avg", "min", "max", "string_agg", "array_agg", "bool_and", "bool_or", "every", "stddev", "stddev_pop", "stddev_samp",
  "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc", "mode", "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept",
  "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
  // date and time
  "date_trunc", "date_part", "extract", "age", "now", "make_date", "make_interval", "make_timestamp", "to_char", "to_date", "to_timestamp", "date_bin",
  "justify_days", "justify_hours", "justify_interval", "isfinite", "timezone",
  // strings
  "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length", "substring", "substr", "position", "strpos", "trim", "btrim",
  "ltrim", "rtrim", "concat", "concat_ws", "replace", "left", "right", "split_part", "starts_with", "reverse", "translate", "to_number", "regexp_replace",
  "overlay", "md5",
  // math
  "round", "ceil", "ceiling", "floor", "trunc", "abs", "sign", "sqrt", "cbrt", "power", "pow", "exp", "ln", "log", "log10", "mod", "div", "width_bucket", "pi",
  // arrays and series (a runaway series is what the statement timeout is for)
  "array_length", "cardinality", "unnest", "generate_series",
]);

/** Types a value may be cast to, as the parser names them (`integer` is pg_catalog.int4). */
const TYPES = new Set(["int2", "int4", "int8", "numeric", "float4", "float8", "bool", "text", "varchar", "bpchar", "date", "time", "timetz", "timestamp", "timestamptz", "interval"]);

/** Parse-tree nodes a read-only query is made of; anything else (INTO, FOR UPDATE, XML, other statements) is refused. */
const NODES = new Set([
  "SelectStmt", "ResTarget", "ColumnRef", "String", "A_Star", "A_Const", "Integer", "Float", "Boolean", "A_Expr", "BoolExpr", "NullTest", "BooleanTest",
  "FuncCall", "TypeCast", "TypeName", "SubLink", "RangeVar", "RangeSubselect", "RangeFunction", "JoinExpr", "CommonTableExpr", "WithClause", "SortBy",
  "CaseExpr", "CaseWhen", "CoalesceExpr", "MinMaxExpr", "SQLValueFunction", "WindowDef", "GroupingSet", "A_Indirection", "A_Indices", "A_ArrayExpr",
  "RowExpr", "List", "CollateClause", "Alias", "NamedArgExpr",
]);

/** CURRENT_DATE and friends; CURRENT_USER and the like name the server's roles: not the shop's data. */
const VALUE_FUNCTIONS = /^SVFOP_(CURRENT_DATE|CURRENT_TIME|CURRENT_TIMESTAMP|LOCALTIME|LOCALTIMESTAMP)/;

/** Longer or deeper SQL than any analytics question needs is refused before it costs anything. */
const MAX_SQL_LENGTH = 20_000;
const MAX_DEPTH = 200;

export type SqlVerdict = { allowed: true; statement: string } | { allowed: false; category: ErrorCategory; reason: string };

let parserReady: Promise<void> | undefined;
/** Loads PostgreSQL's own parser (WebAssembly, once per process). */
export const loadSqlParser = (): Promise<void> => (parserReady ??= loadModule());

class Refusal extends Error {
  constructor(
    readonly category: ErrorCategory,
    message: string,
  ) {
    super(message);
  }
}

const forbid = (reason: string) => new Refusal("forbidden_statement", reason);
const names = (list: unknown): string[] => (Array.isArray(list) ? list.map((n) => String((n as { String?: { sval?: unknown } }).String?.sval ?? "")) : []);

/** A name as written, or `pg_catalog.name`: the only schema a function or type may be qualified with. */
function unqualified(parts: string[]): string | undefined {
  if (parts.length === 1) return parts[0];
  if (parts.length === 2 && parts[0] === "pg_catalog") return parts[1];
  return undefined;
}

function checkNode(tag: string, node: Record<string, unknown>, ctes: Set<string>): void {
  if (!NODES.has(tag)) throw forbid(`${tag.replace(/Stmt$/, "")} is not allowed: only a single SELECT query over the shop's tables`);
  switch (tag) {
    case "SelectStmt":
      if (node.intoClause !== undefined) throw forbid("SELECT INTO is not allowed");
      if (node.lockingClause !== undefined) throw forbid("FOR UPDATE/SHARE is not allowed");
      return;
    case "FuncCall": {
      const parts = names(node.funcname);
      const name = unqualified(parts);
      if (name === undefined || !FUNCTIONS.has(name)) throw forbid(`function ${parts.join(".")}() is not allowed`);
      return;
    }
    case "TypeCast": {
      const parts = names((node.typeName as { names?: unknown } | undefined)?.names);
      const name = unqualified(parts);
      if (name === undefined || !TYPES.has(name)) throw forbid(`a cast to ${parts.join(".")} is not allowed`);
      return;
    }
    case "SQLValueFunction":
      if (!VALUE_FUNCTIONS.test(String(node.op))) throw forbid(`${String(node.op).replace(/^SVFOP_/, "")} is not allowed`);
      return;
    case "A_Expr": {
      const op = names(node.name);
      if (op.length > 1 && op[0] !== "pg_catalog") throw forbid(`operator ${op.join(".")} is not allowed`);
      return;
    }
    case "RangeVar": {
      const relname = String(node.relname);
      const schema = node.schemaname === undefined ? undefined : String(node.schemaname);
      if (node.catalogname !== undefined || (schema !== undefined && schema !== "public") || relname.startsWith("pg_")) {
        throw forbid(`only the shop's tables can be read (${SHOP_TABLES.join(", ")}), not ${[schema, relname].filter(Boolean).join(".")}`);
      }
      if (SHOP_TABLES.includes(relname) || (schema === undefined && ctes.has(relname))) return;
      // What the query role sees: the run store and every other table are not there for it.
      throw new Refusal("unknown_table", `relation "${relname}" does not exist (the shop's tables are ${SHOP_TABLES.join(", ")})`);
    }
  }
}

/** Walks every node of the tree; a node is an object under a capitalised key (`{"FuncCall": {…}}`). */
function walk(value: unknown, ctes: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) throw forbid("the query is nested too deeply");
  if (Array.isArray(value)) {
    for (const item of value) walk(item, ctes, depth + 1);
    return;
  }
  if (value === null || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value)) {
    if (/^[A-Z]/.test(key) && child !== null && typeof child === "object" && !Array.isArray(child)) checkNode(key, child as Record<string, unknown>, ctes);
    walk(child, ctes, depth + 1);
  }
}

/** Every CTE name in the statement (a CTE is a table name the query may use). */
function cteNames(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) cteNames(item, into);
  else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (key === "CommonTableExpr") into.add(String((child as { ctename?: unknown }).ctename));
      cteNames(child, into);
    }
  }
  return into;
}

/**
 * Judges model-written SQL with PostgreSQL's own parser (libpg-query) and an allow-list: exactly one SELECT
 * (WITH … SELECT is fine) that reads only the shop's tables, calls only allow-listed functions and casts to
 * allow-listed types. Returns the statement to run (without a trailing semicolon) or why it is refused.
 * Call `loadSqlParser()` once before.
 */
export function judgeSql(sql: string): SqlVerdict {
  if (sql.length > MAX_SQL_LENGTH) return { allowed: false, category: "forbidden_statement", reason: `the query is longer than ${MAX_SQL_LENGTH} characters` };
  let tree: { stmts?: Array<{ stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (error) {
    return { allowed: false, category: "syntax", reason: error instanceof Error ? error.message : String(error) };
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length === 0) return { allowed: false, category: "forbidden_statement", reason: "empty statement" };
  if (stmts.length > 1) return { allowed: false, category: "forbidden_statement", reason: "multiple statements are not allowed" };
  const only = stmts[0]!;
  if (only.stmt?.SelectStmt === undefined) return { allowed: false, category: "forbidden_statement", reason: "only SELECT queries are allowed" };
  try {
    walk(only.stmt, cteNames(only.stmt, new Set()), 0);
  } catch (error) {
    if (error instanceof Refusal) return { allowed: false, category: error.category, reason: error.message };
    throw error;
  }
  const start = only.stmt_location ?? 0;
  return { allowed: true, statement: only.stmt_len ? sql.slice(start, start + only.stmt_len) : sql.slice(start) };
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
