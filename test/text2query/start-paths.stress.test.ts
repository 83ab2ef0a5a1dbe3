import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../../examples/text2query/data-dir.js";
import { npmStart } from "../support/npm-start.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const program = npmStart();

/** `npm start`'s program as a process of its own; resolves once it prints its URL, or exits. */
function run(env: Record<string, string>): { child: ChildProcess; output: () => string; stderr: () => string; url: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, program.args, { cwd: root, env: { ...process.env, PORT: "0", LOG_LEVEL: "info", CONSOLE: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => ((output += d.toString()), (stderr += d.toString())));
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", () => {
      const m = /metrics:\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output);
      if (m) resolve(m[1]!);
    });
    void exit.then((code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  url.catch(() => undefined);
  return { child, output: () => output, stderr: () => stderr, url, exit };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

const ask = async (url: string, question: string) =>
  (await (await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) })).json()) as { rows: Array<Record<string, unknown>>; outcome: string };

describe("npm start's data directory and bad paths (spawned processes, real PGlite)", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "text2query-start-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("seeds DATA_DIR once with progress lines, refuses a second process on it, and answers from it after a restart (edits seen, dates kept)", async () => {
    const dataDir = join(tempDir(), "pglite");
    const first = run({ DATA_DIR: dataDir });
    const url = await first.url;
    expect(first.output()).toMatch(/first start: creating the database and seeding the sample shop/);
    expect(first.output()).toMatch(/"seed_ms":\d+,"msg":"sample shop seeded/);
    expect((await ask(url, "How many orders are there?")).rows).toEqual([{ orders: 6000 }]);
    const months = (await ask(url, "Revenue by month")).rows;
    expect(months[0]!.month).toMatch(/^\d{4}-\d{2}-01$/);

    // A second process on the same directory: one line saying who holds it, exit 1, the first one unharmed.
    const second = run({ DATA_DIR: dataDir, LOG_LEVEL: "warn" });
    expect(await second.exit).toBe(1);
    expect(second.stderr().trim().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^text2query: DATA_DIR=${dataDir} is in use by another text2query process \\(pid ${first.child.pid} on .+\\): stop it, or give this one its own DATA_DIR`)),
    ]);
    expect((await ask(url, "How many orders are there?")).rows).toEqual([{ orders: 6000 }]);
    expect(await stop(first.child)).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

    // Edit the shop while the service is stopped: half the orders go.
    const db = await PGlite.create(dataDir);
    await db.exec("DELETE FROM order_items WHERE order_id % 2 = 0; DELETE FROM orders WHERE order_id % 2 = 0;");
    await db.close();

    const started = performance.now();
    const again = run({ DATA_DIR: dataDir });
    const url2 = await again.url;
    const restartS = (performance.now() - started) / 1000;
    try {
      expect(again.output()).not.toMatch(/first start|seeding/);
      expect((await ask(url2, "How many orders are there?")).rows).toEqual([{ orders: 3000 }]);
      // The same calendar as the first seeding (not re-seeded from today): the first month is the same one.
      expect((await ask(url2, "Revenue by month")).rows[0]!.month).toBe(months[0]!.month);
      const runs = (await (await fetch(`${url2}/api/runs?limit=100`)).json()) as { runs: unknown[] };
      expect(runs.runs.length).toBe(5);
    } finally {
      expect(await stop(again.child)).toBe(0);
    }
    console.log(`restart on the same DATA_DIR answered after ${restartS.toFixed(1)} s`);
  }, 180_000);

  it("reports a busy port in one line with the PORT hint, before the database is opened", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    const dataDir = join(tempDir(), "never-created");
    try {
      const started = performance.now();
      const p = run({ PORT: String(port), DATA_DIR: dataDir });
      expect(await p.exit).toBe(1);
      expect(p.output().trim().split("\n")).toEqual([`text2query: port ${port} on 127.0.0.1 is already in use (another text2query, or another program): stop it, or choose another port with PORT=<port>`]);
      expect(existsSync(dataDir)).toBe(false);
      console.log(`busy port reported after ${Math.round(performance.now() - started)} ms`);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  }, 60_000);

  it("names a DATA_DIR it cannot write, and the fix, in one line", async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");
    const p = run({ DATA_DIR: join(file, "pglite"), LOG_LEVEL: "warn" });
    expect(await p.exit).toBe(1);
    expect(p.stderr().trim().split("\n")).toEqual([
      `text2query: DATA_DIR=${join(file, "pglite")} cannot be created or written (ENOTDIR): set DATA_DIR to a directory this user (uid ${process.getuid!()}) can write, or give it that user (chown, or a writable volume)`,
    ]);
  }, 60_000);
});
