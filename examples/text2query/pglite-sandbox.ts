import { Worker } from "node:worker_threads";
import type { QueryResult } from "./database.js";
import { QueryGate } from "./query-gate.js";
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
  private readonly gate: QueryGate;
  /** Workers terminated by the kill timer (for tests and logs). */
  kills = 0;

  constructor(private readonly options: PgliteSandboxOptions) {
    this.gate = new QueryGate(1, options.maxWaiting ?? 8);
  }

  /** Builds the shop's copy once (in a worker of its own), then starts the query worker from it. */
  async start(): Promise<void> {
    if (this.dataDir === undefined) this.dataDir = await this.build();
    await this.spawn();
  }

  private async build(): Promise<SharedArrayBuffer> {
    const builder = new Worker(WORKER, { workerData: { schemaSql: this.options.schemaSql, seedSql: this.options.seedSql } });
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
      await builder.terminate();
    }
  }

  private spawn(): Promise<Worker> {
    const worker = new Worker(WORKER, { workerData: { workMem: this.options.workMem ?? "8MB", dataDir: this.dataDir } });
    this.worker = worker;
    this.ready = new Promise<Worker>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean } & Partial<Reply>) => {
        if (m.ready) resolve(worker);
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

  private async runOnWorker(sql: string, timeoutMs: number): Promise<QueryResult> {
    if (this.ready === undefined || this.worker === undefined) await this.start();
    const worker = await this.ready!;
    const id = this.nextId++;
    return new Promise<QueryResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        // The only way to stop a query inside PGlite: end its thread, and start the next one right away.
        this.kills++;
        this.worker = undefined;
        void worker.terminate();
        if (!this.closed) void this.spawn();
        reject(new QueryTimeoutError(`canceling statement due to statement timeout (${timeoutMs} ms)`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage({ id, sql });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error("the query sandbox is closed"));
    if (worker) await worker.terminate();
  }
}
