import { resolve } from "node:path";
import pg from "pg";
import { lockDataDir, prepareDataDir, StartupError } from "./data-dir.js";
import { PgliteHost } from "./pglite-host.js";
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
  /** PGlite's data directory (created, locked against a second process); a temporary one when undefined. */
  dataDir?: string;
  /** What a PGlite start does, for a progress line: creating the database, seeding the shop, seeded. */
  onProgress?: (step: "creating" | "seeding" | "seeded" | "stale-lock", detail?: number) => void;
}

/**
 * `url` → PostgreSQL through `pg`, model-written SQL through the `readerUrl` role; otherwise embedded PGlite in
 * `dataDir`, held by a worker thread, model-written SQL as a role that can only read the shop's tables.
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
  return pglite(options);
}

async function ensureSchema(query: Database["query"]): Promise<void> {
  const { rows } = await query("SELECT to_regclass('public.orders') IS NOT NULL AS ready");
  if (rows[0]?.ready !== true) {
    await query(SCHEMA_SQL);
    await query(SEED_SQL);
  }
  await ensureRunStore({ query });
}

async function pglite(options: OpenDatabaseOptions): Promise<Database> {
  let lock: { release(): void } | undefined;
  if (options.dataDir !== undefined) {
    prepareDataDir(options.dataDir);
    lock = lockDataDir(options.dataDir, (held) => options.onProgress?.("stale-lock", held.pid));
  }
  const host = new PgliteHost({ ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}), schemaSql: SCHEMA_SQL, seedSql: SEED_SQL, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const query = (sql: string, params?: unknown[]) => host.query(sql, params);
  try {
    await host.open();
    await ensureRunStore({ query });
  } catch (error) {
    await host.close();
    lock?.release();
    if (options.dataDir === undefined) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      `DATA_DIR=${resolve(options.dataDir)} could not be opened as the example's database (${reason.slice(0, 200)}): if a first start was interrupted or the directory holds something else, move it away and start again (it is created and seeded anew)`,
    );
  }
  return {
    kind: "pglite",
    query,
    sandbox: host.sandbox,
    async close() {
      await host.close();
      lock?.release();
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
