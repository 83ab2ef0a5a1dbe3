import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { questionAt } from "../../examples/text2query/questions.js";
import { npmStart } from "../support/npm-start.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const RUNS = 1000;
/**
 * Issue 27 asks for 300 MB. Measured with bench/example-start.ts on a shared 2-core machine: 273–276 MB since npm
 * start runs the compiled example (474–526 MB through tsx, 0.9–1.05 GB before issue 27). The bound leaves room for
 * a loaded machine; a regression of tens of MB fails it.
 */
const SOAK_RSS_LIMIT_MB = 330;
// What npm start runs: its node flags on the built example.
const program = npmStart();
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** npm start's program on `dataDir`; resolves with the seconds until it served /healthz. */
async function start(dataDir: string, port: number): Promise<{ child: ChildProcess; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, program.args, { cwd: root, env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn" }, stdio: "ignore" });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, seconds: (performance.now() - started) / 1000 };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/**
 * The soak of issue 27 (npm run test:stress, not npm test): first start, restart on the same DATA_DIR, and the
 * server's resident memory after 1,000 questions. Timings are printed (a shared machine makes them noisy);
 * memory is asserted. bench/example-start.ts measures the same in rounds.
 */
describe("npm start under 1,000 questions (soak)", () => {
  const dir = mkdtempSync(join(tmpdir(), "text2query-soak-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps its memory bounded after ${RUNS} questions, after a first start and a restart`, async () => {
    const port = 3900 + Math.floor(Math.random() * 90);
    const first = await start(join(dir, "pglite"), port);
    await stop(first.child);
    const again = await start(join(dir, "pglite"), port);
    try {
      const afterStart = rssMb(again.child.pid!);
      let next = 0;
      const outcomes = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < RUNS) {
            const res = await fetch(`http://127.0.0.1:${port}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: questionAt(next++) }) });
            await res.text();
            outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
          }
        }),
      );
      const afterRuns = rssMb(again.child.pid!);
      console.log(`first start ${first.seconds.toFixed(1)} s, restart ${again.seconds.toFixed(1)} s, RSS ${afterStart.toFixed(0)} MB after start, ${afterRuns.toFixed(0)} MB after ${RUNS} questions`);
      expect(outcomes.get(200)).toBe(RUNS);
      // Before issue 27: 0.95 GB after start, 1.06 GB after 1,000 questions (two PGlite copies of the shop).
      expect(afterRuns).toBeLessThan(SOAK_RSS_LIMIT_MB);
    } finally {
      await stop(again.child);
    }
  }, 600_000);
});
