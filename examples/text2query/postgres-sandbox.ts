import pg from "pg";
import type { QueryResult } from "./database.js";
import { QueryGate, WORK_MEM } from "./query-gate.js";
import type { QuerySandbox } from "./query-sandbox.js";
import { pgTextTypes, sameJson } from "./result-types.js";
import { RUN_STORE_TABLES } from "./run-store.js";
import { SHOP_TABLES } from "./sql-guard.js";

export interface PostgresSandboxOptions {
  /** `DATABASE_READER_URL`: a login role of its own, not the tables' owner and not a superuser. */
  readerUrl: string;
  /** Connections of the reader's pool. @default 4 */
  maxConnections?: number;
  /** Queries waiting for a connection at most; past that a query fails at once. @default 16 */
  maxWaiting?: number;
  /** work_mem of each query (sorts and hashes spill to disk past it). @default "8MB" */
  workMem?: string;
  /** The reader's session default; each query sets its own timeout too. @default 5000 */
  statementTimeoutMs?: number;
}

/** Thrown at start when the reader role could do more than read the shop's tables. */
export class ReaderRoleError extends Error {
  override name = "ReaderRoleError";
}

/**
 * Model-written SQL on PostgreSQL, through a second role that can only read the shop's tables: the owner
 * (`DATABASE_URL`) grants it SELECT on them and takes every privilege on the run store away from it, and its
 * sessions default to read-only with a statement timeout, a work_mem bound and `search_path=public`. Refuses
 * to start (with what to fix) when the reader is the owner, a superuser, can write, or can read the run store.
 */
export async function openPostgresSandbox(owner: pg.Pool, options: PostgresSandboxOptions): Promise<QuerySandbox> {
  const workMem = options.workMem ?? "8MB";
  if (!WORK_MEM.test(workMem)) throw new ReaderRoleError(`workMem must look like "8MB" or "512kB", got ${JSON.stringify(workMem)}`);
  const timeout = Math.floor(options.statementTimeoutMs ?? 5000);
  const gate = new QueryGate(options.maxConnections ?? 4, options.maxWaiting ?? 16);
  const reader = new pg.Pool({
    connectionString: options.readerUrl,
    max: options.maxConnections ?? 4,
    options: `-c default_transaction_read_only=on -c statement_timeout=${timeout} -c work_mem=${workMem} -c search_path=public`,
  });
  try {
    await grantReader(owner, reader);
  } catch (error) {
    await reader.end();
    throw error;
  }
  return {
    query: (sql, timeoutMs) => gate.run(() => readOnly(reader, sql, timeoutMs), timeoutMs),
    close: () => reader.end(),
  };
}

async function grantReader(owner: pg.Pool, reader: pg.Pool): Promise<void> {
  const me = (await reader.query<{ role: string; superuser: boolean }>("SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user")).rows[0]!;
  const ownerRole = (await owner.query<{ role: string }>("SELECT current_user AS role")).rows[0]!.role;
  const fix = "DATABASE_READER_URL must log in as a role of its own with no privileges (CREATE ROLE text2query_reader LOGIN PASSWORD '…'); the service grants it SELECT on the shop's tables";
  if (me.role === ownerRole) throw new ReaderRoleError(`DATABASE_READER_URL logs in as ${me.role}, the same role as DATABASE_URL, which owns every table. ${fix}`);
  if (me.superuser) throw new ReaderRoleError(`DATABASE_READER_URL logs in as ${me.role}, a superuser. ${fix}`);
  const role = pg.escapeIdentifier(me.role);
  await owner.query(`GRANT SELECT ON TABLE ${SHOP_TABLES.map((t) => pg.escapeIdentifier(t)).join(", ")} TO ${role}`);
  await owner.query(`REVOKE ALL ON TABLE ${RUN_STORE_TABLES.map((t) => pg.escapeIdentifier(t)).join(", ")} FROM PUBLIC, ${role}`);
  // What the reader can still do, through memberships or grants the service did not make.
  const checks = [...RUN_STORE_TABLES.map((t) => [t, "SELECT"] as const), ...SHOP_TABLES.map((t) => [t, "INSERT,UPDATE,DELETE,TRUNCATE"] as const)];
  const { rows } = await reader.query<{ name: string; allowed: boolean }>(
    `SELECT t AS name, has_table_privilege(t, p) AS allowed FROM unnest($1::text[], $2::text[]) AS c(t, p)`,
    [checks.map((c) => c[0]), checks.map((c) => c[1])],
  );
  const leaks = rows.filter((r) => r.allowed).map((r) => r.name);
  if (leaks.length > 0) throw new ReaderRoleError(`the DATABASE_READER_URL role ${me.role} can still read or write ${leaks.join(", ")} (a membership or grant the service did not make): revoke it. ${fix}`);
}

async function readOnly(reader: pg.Pool, sql: string, timeoutMs: number): Promise<QueryResult> {
  const client = await reader.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
    // Extended protocol (parse/bind/execute): the server refuses a second statement in the text. Counts, dates
    // and timestamps read as text, then given the same JSON as on PGlite (result-types.ts).
    const result = await client.query({ text: sql, values: [], queryMode: "extended", types: pgTextTypes } as pg.QueryConfig);
    return { rows: sameJson(result.rows as Record<string, unknown>[], result.fields), columns: result.fields.map((f) => f.name) };
  } finally {
    await client.query("ROLLBACK").catch((error: Error) => (broken = error));
    client.release(broken);
  }
}
