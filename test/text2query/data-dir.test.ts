import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE, lockDataDir, prepareDataDir, StartupError } from "../../examples/text2query/data-dir.js";
import { openDatabase } from "../../examples/text2query/database.js";

/** The pid of a process that has exited: no process holds it now (pids are not reused this fast). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"]);
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

describe("DATA_DIR: writable, and held by one process at a time (lock file with pid, stale locks taken over)", () => {
  const root = mkdtempSync(join(tmpdir(), "text2query-datadir-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const fresh = (name: string) => join(root, name);
  const writeLock = (dir: string, info: { pid: number; host: string; since: string }) => {
    prepareDataDir(dir);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(info));
  };

  it("takes a free directory, refuses a second holder while the first lives, and frees it on release", () => {
    const dir = fresh("free");
    prepareDataDir(dir);
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it("refuses a directory whose lock names a live process here, in one line saying who and what to do", () => {
    const dir = fresh("held");
    writeLock(dir, { pid: process.ppid, host: hostname(), since: "2026-01-01T00:00:00.000Z" });
    expect(() => lockDataDir(dir)).toThrow(StartupError);
    expect(() => lockDataDir(dir)).toThrow(`DATA_DIR=${dir} is in use by another text2query process (pid ${process.ppid} on ${hostname()}, since 2026-01-01T00:00:00.000Z): stop it, or give this one its own DATA_DIR`);
  });

  it("takes over a lock whose process is gone, or one that names this very pid (a restarted container's pid 1)", async () => {
    const gone = fresh("stale");
    const pid = await deadPid();
    writeLock(gone, { pid, host: hostname(), since: "2026-01-01T00:00:00.000Z" });
    const stale: number[] = [];
    const lock = lockDataDir(gone, (held) => stale.push(held.pid));
    expect(stale).toEqual([pid]);
    expect(JSON.parse(readFileSync(join(gone, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();

    const mine = fresh("own-pid");
    writeLock(mine, { pid: process.pid, host: hostname(), since: "2026-01-01T00:00:00.000Z" });
    lockDataDir(mine).release();
  });

  it("judges a lock from another host (container) by its heartbeat: fresh refuses, silent for 30 s is stale", () => {
    const dir = fresh("other-host");
    writeLock(dir, { pid: 1, host: "another-container", since: "2026-01-01T00:00:00.000Z" });
    expect(() => lockDataDir(dir)).toThrow(/in use by another text2query process \(pid 1 on another-container/);
    const old = new Date(Date.now() - 31_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    lockDataDir(dir).release();
  });

  it("says which DATA_DIR cannot be written and how to fix it", () => {
    const file = join(root, "a-file");
    writeFileSync(file, "");
    expect(() => prepareDataDir(join(file, "pglite"))).toThrow(
      new StartupError(`DATA_DIR=${join(file, "pglite")} cannot be created or written (ENOTDIR): set DATA_DIR to a directory this user (uid ${process.getuid!()}) can write, or give it that user (chown, or a writable volume)`),
    );
  });
});

describe("a DATA_DIR made by an earlier version (run store in public)", () => {
  const dir = mkdtempSync(join(tmpdir(), "text2query-upgrade-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its shop and runs, and moves the run store out of the reader's reach", async () => {
    const old = await PGlite.create(dir);
    await old.exec(`CREATE TABLE customers (customer_id integer PRIMARY KEY, name text, email text, country text, signed_up_at date);
      CREATE TABLE products (product_id integer PRIMARY KEY, name text, category text, price numeric(10, 2));
      CREATE TABLE orders (order_id integer PRIMARY KEY, customer_id integer, status text, ordered_at date);
      CREATE TABLE order_items (order_id integer, product_id integer, quantity integer, unit_price numeric(10, 2));
      INSERT INTO orders VALUES (1, 1, 'delivered', '2025-01-02');
      CREATE TABLE query_runs (trace_id text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), question text NOT NULL, outcome text NOT NULL, duration_ms double precision NOT NULL);
      INSERT INTO query_runs (trace_id, question, outcome, duration_ms) VALUES ('4bf92f3577b34da6a3ce929d0e0e4736', 'old question', 'success', 12);`);
    await old.close();
    const db = await openDatabase({ dataDir: dir });
    try {
      expect((await db.query("SELECT run_id, question FROM query_runs")).rows).toEqual([{ run_id: "4bf92f3577b34da6a3ce929d0e0e4736", question: "old question" }]);
      expect((await db.query("SELECT to_regclass('public.query_runs') IS NULL AS moved")).rows).toEqual([{ moved: true }]);
      expect((await db.sandbox.query("SELECT order_id, ordered_at FROM orders", 5000)).rows).toEqual([{ order_id: 1, ordered_at: "2025-01-02" }]);
      await expect(db.sandbox.query("SELECT * FROM t2q_service.query_runs", 5000)).rejects.toMatchObject({ code: "42501" });
    } finally {
      await db.close();
    }
  }, 120_000);
});
