import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { QueryResult } from "./database.js";
import { QueryGate, WORK_MEM } from "./query-gate.js";
import type { QuerySandbox } from "./query-sandbox.js";
import { sameJson } from "./result-types.js";
import { SHOP_TABLES } from "./sql-guard.js";

export interface PgliteHostOptions {
  /** PGlite's data directory; a temporary one (deleted on close) when undefined. */
  dataDir?: string;
  /** The shop's schema and rows, loaded when the directory has no shop yet (first start). */
  schemaSql: string;
  seedSql: string;
  /** Model-written queries waiting at most; past that a query fails at once. @default 8 */
  maxWaiting?: number;
  /** work_mem of each model-written query. @default "8MB" */
  workMem?: string;
  /** Told what a start does: "creating" (initdb), "seeding", then "seeded" with the time it took. */
  onProgress?: (step: "creating" | "seeding" | "seeded", ms?: number) => void;
}

/** The error of a query the kill timer ended: SQLSTATE 57014, as PostgreSQL's own statement timeout. */
export class QueryTimeoutError extends Error {
  override name = "QueryTimeoutError";
  readonly code = "57014";
}

/** The schema of the service's own tables (run-store.ts); the reader role has no USAGE on it. */
export const SERVICE_SCHEMA = "t2q_service";
export const READER_ROLE = "t2q_reader";

/**
 * Run on every start, as the superuser PGlite connects as (idempotent): the run store in a schema of its own
 * (moved there from `public`, where earlier versions kept it), and the role model-written SQL runs as, which
 * may read the shop's tables and nothing else. set_config() is taken from PUBLIC: a superuser session's SET ROLE
 * could otherwise be undone from inside a SELECT (`set_config('role', …)` checks the session user).
 */
const SETUP_SQL = `
CREATE SCHEMA IF NOT EXISTS ${SERVICE_SCHEMA};
REVOKE ALL ON SCHEMA ${SERVICE_SCHEMA} FROM PUBLIC;
DO $$ BEGIN
  IF to_regclass('public.query_runs') IS NOT NULL AND to_regclass('${SERVICE_SCHEMA}.query_runs') IS NULL THEN ALTER TABLE public.query_runs SET SCHEMA ${SERVICE_SCHEMA}; END IF;
  IF to_regclass('public.llm_cost_events') IS NOT NULL AND to_regclass('${SERVICE_SCHEMA}.llm_cost_events') IS NULL THEN ALTER TABLE public.llm_cost_events SET SCHEMA ${SERVICE_SCHEMA}; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${READER_ROLE}') THEN CREATE ROLE ${READER_ROLE} NOLOGIN; END IF;
END $$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ${READER_ROLE};
GRANT SELECT ON ${SHOP_TABLES.join(", ")} TO ${READER_ROLE};
REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
`;

/**
 * Small caches: the shop is a few MB, and PGlite's memory is touched (and resident) up to what it is given.
 * 128MB of shared buffers (the default) alone cost ~115 MB of RSS.
 */
const POSTGRESQL_CONF = ["shared_buffers = 16MB", "wal_buffers = 1MB"];

const WORKER = new URL("./pglite-worker.mjs", import.meta.url);

/**
 * PGlite's WebAssembly, compiled once per process and its file-system bundle read once: each worker (the first,
 * and each replacement after a kill) gets both instead of compiling 9 MB of WebAssembly again.
 */
let artifacts: Promise<{ pgliteWasmModule: object; fsBundle: Blob }> | undefined;
// The global of Node (the project's lib has no DOM types, where WebAssembly's are declared).
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;
function pgliteArtifacts() {
  artifacts ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
    return { pgliteWasmModule: await wasm.compile(readFileSync(join(dist, "pglite.wasm"))), fsBundle: new Blob([readFileSync(join(dist, "pglite.data"))]) };
  })();
  return artifacts;
}

type Reply = { id: number; rows: Record<string, unknown>[]; fields: Array<{ name: string; dataTypeID: number }> } | { id: number; error: { message: string; code?: string } };
interface Job {
  id: number;
  sql: string;
  params?: unknown[];
  /** Model-written SQL: as the reader role, ended after `timeoutMs` of running. */
  reader?: { workMem: string; timeoutMs: number };
  resolve: (result: QueryResult) => void;
  reject: (error: Error) => void;
}

/**
 * The example's one PGlite database, held by a worker thread: the service's statements and model-written SQL
 * (read-only, as a role that can only read the shop's tables) go to it one at a time. A model-written query
 * past its timeout is ended by terminating the thread (PGlite cannot cancel a statement); a new one opens the
 * same directory (a second or two) and takes the queue on. The main thread and its HTTP server never wait on SQL.
 */
export class PgliteHost {
  readonly dataDir: string;
  readonly sandbox: QuerySandbox;
  /** Workers terminated by the kill timer (for tests and logs). */
  kills = 0;
  /** How long the last worker took to open the directory, in ms. */
  lastStartMs = 0;
  private readonly temporary: boolean;
  private readonly workMem: string;
  private readonly gate: QueryGate;
  private readonly queue: Job[] = [];
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private running: { job: Job; worker: Worker; timer?: NodeJS.Timeout } | undefined;
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: PgliteHostOptions) {
    this.workMem = options.workMem ?? "8MB";
    if (!WORK_MEM.test(this.workMem)) throw new Error(`workMem must look like "8MB" or "512kB", got ${JSON.stringify(options.workMem)}`);
    this.gate = new QueryGate(1, options.maxWaiting ?? 8);
    this.temporary = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "text2query-pglite-"));
    this.sandbox = {
      query: (sql, timeoutMs) => this.gate.run(() => this.enqueue(sql, undefined, { workMem: this.workMem, timeoutMs }), timeoutMs),
      close: async () => undefined,
    };
  }

  /** Opens the directory; on first start creates it and seeds the shop in a thread of its own (initdb's memory goes with it). */
  async open(): Promise<void> {
    if (!existsSync(join(this.dataDir, "PG_VERSION"))) {
      this.options.onProgress?.("creating");
      await this.startWorker(true);
    }
    await this.workerReady();
  }

  /** The service's own statements (schema, run store, health checks), as the owner. */
  query(sql: string, params?: unknown[]): Promise<QueryResult> {
    return this.enqueue(sql, params, undefined);
  }

  private enqueue(sql: string, params: unknown[] | undefined, reader: Job["reader"]): Promise<QueryResult> {
    if (this.closed) return Promise.reject(new Error("the database is closed"));
    return new Promise<QueryResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, sql, ...(params !== undefined ? { params } : {}), ...(reader !== undefined ? { reader } : {}), resolve, reject });
      this.pump();
    });
  }

  /** Sends the next job when the worker is free: one at a time, so a kill ends exactly the query that ran long. */
  private pump(): void {
    if (this.running !== undefined || this.queue.length === 0 || this.closed) return;
    this.workerReady().then(
      (worker) => {
        if (this.running !== undefined || worker !== this.worker) return;
        const job = this.queue.shift();
        if (job === undefined) return;
        this.running = { job, worker };
        // Waiting for the worker (a replacement opens in a second or two) is not the query's time; running is.
        if (job.reader !== undefined) this.running.timer = setTimeout(() => this.kill(job.reader!.timeoutMs), job.reader.timeoutMs);
        worker.postMessage({ id: job.id, sql: job.sql, params: job.params, reader: job.reader });
      },
      (error: Error) => {
        // The worker could not open the directory: every waiting query fails with why.
        for (const job of this.queue.splice(0)) job.reject(error);
      },
    );
  }

  private settle(reply: Reply): void {
    const running = this.running;
    if (running === undefined || running.job.id !== reply.id) return;
    clearTimeout(running.timer);
    this.running = undefined;
    if ("error" in reply) running.job.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else running.job.resolve({ rows: running.job.reader !== undefined ? sameJson(reply.rows, reply.fields) : reply.rows, columns: reply.fields.map((f) => f.name) });
    this.pump();
  }

  /** Ends a model-written query past its timeout: the only way to stop a query inside PGlite is to end its thread. */
  private kill(timeoutMs: number): void {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    this.kills++;
    running.job.reject(new QueryTimeoutError(`canceling statement due to statement timeout (${timeoutMs} ms)`));
    this.dropWorker(running.worker);
    void running.worker.terminate();
    // The replacement opens right away; the queue goes on on it.
    this.pump();
    if (this.queue.length === 0 && !this.closed) void this.workerReady().catch(() => undefined);
  }

  private dropWorker(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
  }

  private workerReady(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error("the database is closed"));
    this.ready ??= this.startWorker(false);
    return this.ready;
  }

  private startWorker(exitAfterSetup: boolean): Promise<Worker> {
    const started = performance.now();
    const ready = pgliteArtifacts().then((preloaded) => {
      if (this.closed) throw new Error("the database is closed");
      return this.spawn(exitAfterSetup, preloaded, started);
    });
    // A worker that fails to start rejects the queries that wait for it, not the process.
    ready.catch(() => undefined);
    if (exitAfterSetup) return ready.then(async (w) => (await w.terminate(), w));
    return ready;
  }

  private spawn(exitAfterSetup: boolean, preloaded: Awaited<ReturnType<typeof pgliteArtifacts>>, started: number): Promise<Worker> {
    const worker = new Worker(WORKER, {
      // PGlite's memory is WebAssembly, outside V8's heap: a small young generation is enough for the rest, and
      // V8's default (16 MB semi-spaces) stays resident for nothing.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { dataDir: this.dataDir, seed: { schemaSql: this.options.schemaSql, seedSql: this.options.seedSql }, setupSql: SETUP_SQL, postgresqlconf: POSTGRESQL_CONF, exitAfterSetup, ...preloaded },
    });
    if (!exitAfterSetup) this.worker = worker;
    return new Promise<Worker>((resolve, reject) => {
      worker.on("message", (m: { ready?: true; seeding?: true; seeded?: number } & Partial<Reply>) => {
        if (m.seeding) this.options.onProgress?.("seeding");
        else if (m.seeded !== undefined) this.options.onProgress?.("seeded", m.seeded);
        else if (m.ready) {
          this.lastStartMs = performance.now() - started;
          resolve(worker);
        } else this.settle(m as Reply);
      });
      // A worker that crashes (not one the kill timer ended) fails its query; the next query opens a new one.
      const lost = (error: Error) => {
        reject(error);
        this.dropWorker(worker);
        if (this.running?.worker === worker) {
          const { job, timer } = this.running;
          clearTimeout(timer);
          this.running = undefined;
          job.reject(error);
          this.pump();
        }
      };
      worker.once("error", (error) => lost(new Error(`PGlite could not open ${this.dataDir}: ${error.message}`)));
      worker.once("exit", () => lost(new Error("the database worker stopped")));
    });
  }

  /** Lets the running statement finish, closes PGlite cleanly (a checkpoint), and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    for (const job of this.queue.splice(0)) job.reject(new Error("the database is closed"));
    if (worker !== undefined) {
      const running = this.running;
      if (running !== undefined) await new Promise<void>((resolve) => {
        const { resolve: ok, reject: fail } = running.job;
        running.job.resolve = (r) => (ok(r), resolve());
        running.job.reject = (e) => (fail(e), resolve());
      });
      const exited = new Promise((r) => worker.once("exit", r));
      worker.postMessage({ close: true });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      await worker.terminate();
    }
    if (this.temporary) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
