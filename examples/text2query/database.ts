import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { SCHEMA_SQL, SEED_SQL } from "./sample-data.js";

export interface QueryResult {
  rows: Record<string, unknown>[];
  columns: string[];
}

/** The few things the service needs from a database, over embedded PGlite or a real PostgreSQL. */
export interface Database {
  readonly kind: "pglite" | "postgres";
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /** Runs `fn` in a READ ONLY transaction that is always rolled back. */
  readOnly<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<QueryResult>) => Promise<T>, statementTimeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

/** `DATABASE_URL` → PostgreSQL through `pg`; otherwise embedded PGlite in `dataDir` (in memory when undefined). */
export async function openDatabase(options: { url?: string; dataDir?: string }): Promise<Database> {
  const db = options.url ? postgres(options.url) : await pglite(options.dataDir);
  await ensureSchema(db);
  return db;
}

async function ensureSchema(db: Database): Promise<void> {
  const { rows } = await db.query("SELECT to_regclass('public.orders') IS NOT NULL AS ready");
  if (rows[0]?.ready === true) return;
  await db.query(SCHEMA_SQL);
  await db.query(SEED_SQL);
}

async function pglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const query = async (sql: string, params?: unknown[]) => {
    // PGlite's exec runs several statements (schema, seed); query runs one with parameters.
    if (params === undefined && sql.includes(";")) {
      const results = await db.exec(sql);
      const last = results.at(-1);
      return { rows: (last?.rows ?? []) as Record<string, unknown>[], columns: (last?.fields ?? []).map((f) => f.name) };
    }
    const r = await db.query<Record<string, unknown>>(sql, params);
    return { rows: r.rows, columns: r.fields.map((f) => f.name) };
  };
  return {
    kind: "pglite",
    query,
    async readOnly(fn, statementTimeoutMs) {
      // PGlite is single-threaded WASM: statement_timeout is set for parity but a runaway query cannot be
      // interrupted there; the row limit and the statement guard bound what a query can do.
      return db.transaction(async (tx) => {
        await tx.exec(`SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${Math.floor(statementTimeoutMs)}`);
        try {
          return await fn(async (sql, params) => {
            const r = await tx.query<Record<string, unknown>>(sql, params);
            return { rows: r.rows, columns: r.fields.map((f) => f.name) };
          });
        } finally {
          await tx.rollback();
        }
      });
    },
    close: () => db.close(),
  };
}

function postgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A multi-statement text (schema, seed) answers with one result per statement: the last one counts.
  const toResult = (r: pg.QueryResult | pg.QueryResult[]) => {
    const last = Array.isArray(r) ? r[r.length - 1] : r;
    return { rows: (last?.rows ?? []) as Record<string, unknown>[], columns: (last?.fields ?? []).map((f) => f.name) };
  };
  return {
    kind: "postgres",
    query: async (sql, params) => toResult(await pool.query(sql, params)),
    async readOnly(fn, statementTimeoutMs) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN READ ONLY");
        await client.query(`SET LOCAL statement_timeout = ${Math.floor(statementTimeoutMs)}`);
        return await fn(async (sql, params) => toResult(await client.query(sql, params)));
      } finally {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
