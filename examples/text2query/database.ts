import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PgliteSandbox } from "./pglite-sandbox.js";
import { openPostgresSandbox } from "./postgres-sandbox.js";
import type { QuerySandbox } from "./query-sandbox.js";
import { ensureRunStore } from "./run-store.js";
import { SCHEMA_SQL, SEED_SQL } from "./sample-data.js";

export interface QueryResult {
  rows: Record<string, unknown>[];
  columns: string[];
}

/** The few things the service needs from a database, over embedded PGlite or a real PostgreSQL. */
export interface Database {
  readonly kind: "pglite" | "postgres";
  /** The service's own statements (schema, run store, health checks), as the owner of the tables. */
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /** Where model-written SQL runs: it can read the shop's tables and nothing else. */
  readonly sandbox: QuerySandbox;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `DATABASE_URL`: PostgreSQL, as the role that owns (or will create) the tables. */
  url?: string;
  /** `DATABASE_READER_URL`: required with `url`; the role model-written SQL runs as (see postgres-sandbox.ts). */
  readerUrl?: string;
  /** PGlite's data directory; in memory when undefined. */
  dataDir?: string;
}

/**
 * `url` → PostgreSQL through `pg`, model-written SQL through the `readerUrl` role; otherwise embedded PGlite in
 * `dataDir`, model-written SQL in a worker thread with its own copy of the shop's tables.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url !== undefined) {
    if (options.readerUrl === undefined) {
      throw new Error(
        "DATABASE_READER_URL is required with DATABASE_URL: model-written SQL runs as a role of its own that can only read the shop's tables. Create it once (CREATE ROLE text2query_reader LOGIN PASSWORD '…') and set DATABASE_READER_URL to log in as it; the service grants it SELECT on the shop's tables.",
      );
    }
    return postgres(options.url, options.readerUrl);
  }
  return pglite(options.dataDir);
}

async function ensureSchema(query: Database["query"]): Promise<void> {
  const { rows } = await query("SELECT to_regclass('public.orders') IS NOT NULL AS ready");
  if (rows[0]?.ready !== true) {
    await query(SCHEMA_SQL);
    await query(SEED_SQL);
  }
  await ensureRunStore({ query });
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
  const sandbox = new PgliteSandbox({ schemaSql: SCHEMA_SQL, seedSql: SEED_SQL });
  try {
    await Promise.all([ensureSchema(query), sandbox.start()]);
  } catch (error) {
    await sandbox.close();
    await db.close();
    throw error;
  }
  return {
    kind: "pglite",
    query,
    sandbox,
    async close() {
      await sandbox.close();
      await db.close();
    },
  };
}

async function postgres(url: string, readerUrl: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A multi-statement text (schema, seed) answers with one result per statement: the last one counts.
  const query = async (sql: string, params?: unknown[]) => {
    const r: pg.QueryResult | pg.QueryResult[] = await pool.query(sql, params);
    const last = Array.isArray(r) ? r[r.length - 1] : r;
    return { rows: (last?.rows ?? []) as Record<string, unknown>[], columns: (last?.fields ?? []).map((f: pg.FieldDef) => f.name) };
  };
  let sandbox: QuerySandbox;
  try {
    await ensureSchema(query);
    sandbox = await openPostgresSandbox(pool, { readerUrl });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    kind: "postgres",
    query,
    sandbox,
    async close() {
      await sandbox.close();
      await pool.end();
    },
  };
}
