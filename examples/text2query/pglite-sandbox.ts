import { Worker } from "node:worker_threads";
import type { QueryResult } from "./database.js";
import { QueryGate, WORK_MEM } from "./query-gate.js";
import type { QuerySandbox } from "./query-sandbox.js";

export interface PgliteSandboxOptions {
  /** The shop's schema and data the worker's own PGlite is built from (never the run store). */
  schemaSql: string;
  seedSql: string;
  /** Queries waiting for the worker at most; past that a query fails at once. @default 8 */
  maxWaiting?: number;
  /** work_mem of each query. @default "8MB" */
  workMem?: string;
}

/** The error of a query the kill timer ended: SQLSTATE 57014, as PostgreSQL's own statement timeout. */
export class QueryTimeoutError extends Error {
  override name = "QueryTimeoutError";
  readonly code = "57014";
}

const WORKER = new URL("./query-worker.mjs", import.meta.url);

type Reply = { id: number; rows: Record<string, unknown>[]; columns: string[] } | { id: number; error: { message: string; code?: string } };

/**
 * Model-written SQL on embedded PGlite, off the main thread: a worker thread holds its own PGlite copy of the
 * shop's tables and runs one query at a time. PGlite has no statement timeout (a query runs in the WASM
 * interpreter to its end), so a query past its timeout is ended by terminating the worker; a fresh one is
 * started at once and the next query waits for it. The main thread, its HTTP server and its run store never
 * wait on a query.
 */
export class PgliteSandbox implements QuerySandbox {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private readonly pending = new Map<number, { resolve: (r: QueryResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  /** The shop's copy as a data directory (a tarball), which every query worker starts from. */
  private dataDir: SharedArrayBuffer | undefined;
  private closed = false;
  private builder: Worker | undefined;
  private starting: Promise<void> | undefined;
  private readonly gate: QueryGate;
  /** Workers terminated by the kill timer (for tests and logs). */
  kills = 0;
  /** How long the last query worker took to start, in ms (loading the prepared copy). */
  lastStartMs = 0;

  constructor(private readonly options: PgliteSandboxOptions) {
    if (options.workMem !== undefined && !WORK_MEM.test(options.workMem)) throw new Error(`workMem must look like "8MB" or "512kB", got ${JSON.stringify(options.workMem)}`);
    this.gate = new QueryGate(1, options.maxWaiting ?? 8);
  }

  /** Builds the shop's copy once (in a worker of its own), then starts the query worker from it. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      try {
        if (this.dataDir === undefined) this.dataDir = await this.build();
        await this.spawn();
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  private async build(): Promise<SharedArrayBuffer> {
    const builder = new Worker(WORKER, { workerData: { schemaSql: this.options.schemaSql, seedSql: this.options.seedSql } });
    this.builder = builder;
    try {
      const built = await new Promise<ArrayBuffer>((resolve, reject) => {
        builder.once("message", (m: { built: ArrayBuffer }) => resolve(m.built));
        builder.once("error", reject);
        builder.once("exit", () => reject(new Error("the query worker stopped while building the shop's copy")));
      });
      // Shared, so each replacement worker reads it without a copy on the main thread.
      const shared = new SharedArrayBuffer(built.byteLength);
      new Uint8Array(shared).set(new Uint8Array(built));
      return shared;
    } finally {
      this.builder = undefined;
      await builder.terminate();
    }
  }

  private spawn(): Promise<Worker> {
    const started = performance.now();
    if (this.closed) return Promise.reject(new Error("the query sandbox is closed"));
    const worker = new Worker(WORKER, { workerData: { workMem: this.options.workMem ?? "8MB", dataDir: this.dataDir } });
    this.worker = worker;
    this.ready = new Promise<Worker>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean } & Partial<Reply>) => {
        if (m.ready) {
          this.lastStartMs = performance.now() - started;
          resolve(worker);
        }
        else this.settle(m as Reply);
      };
      worker.on("message", onMessage);
      // A worker that crashes (not one the kill timer ended) fails its query; the next query starts a new one.
      const lost = (error: Error) => {
        reject(error);
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.ready = undefined;
        this.failAll(error);
      };
      worker.once("error", lost);
      worker.once("exit", () => lost(new Error("the query worker stopped")));
    });
    // A worker that fails to start rejects the query that waits for it, not the process.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private settle(reply: Reply): void {
    const entry = this.pending.get(reply.id);
    if (entry === undefined) return;
    this.pending.delete(reply.id);
    if ("error" in reply) entry.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else entry.resolve({ rows: reply.rows, columns: reply.columns });
  }

  private failAll(error: Error): void {
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }

  async query(sql: string, timeoutMs: number): Promise<QueryResult> {
    if (this.closed) throw new Error("the query sandbox is closed");
    return this.gate.run(() => this.runOnWorker(sql, timeoutMs), timeoutMs);
  }

  /** The query worker, started (or restarted) when there is none. */
  private workerReady(): Promise<Worker> {
    if (this.ready !== undefined && this.worker !== undefined) return this.ready;
    return this.start().then(() => this.ready!);
  }

  private runOnWorker(sql: string, timeoutMs: number): Promise<QueryResult> {
    const id = this.nextId++;
    return new Promise<QueryResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = <T>(settle: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        settle(value);
      };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      // Waiting for a worker (a replacement starts in a few seconds) is not the query's time; running is.
      this.workerReady().then(
        (worker) => {
          if (!this.pending.has(id)) return;
          timer = setTimeout(() => this.kill(id, worker, timeoutMs), timeoutMs);
          worker.postMessage({ id, sql });
        },
        (error: Error) => this.settleError(id, error),
      );
    });
  }

  /** Ends a query past its timeout: the only way to stop a query inside PGlite is to end its thread. */
  private kill(id: number, worker: Worker, timeoutMs: number): void {
    if (!this.settleError(id, new QueryTimeoutError(`canceling statement due to statement timeout (${timeoutMs} ms)`))) return;
    if (worker !== this.worker) return;
    this.kills++;
    this.worker = undefined;
    this.ready = undefined;
    void worker.terminate();
    // The replacement starts right away, so the next query does not wait for all of it.
    if (!this.closed) void this.start().catch(() => undefined);
  }

  private settleError(id: number, error: Error): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.pending.delete(id);
    entry.reject(error);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error("the query sandbox is closed"));
    await Promise.all([worker?.terminate(), this.builder?.terminate()]);
  }
}
