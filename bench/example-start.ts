// The example server's start-up and memory, as a user meets them: `npm start` on a fresh DATA_DIR (first start,
// seeding), again on the same data (restart), and the process's RSS after start and after --runs questions.
// Usage: node --import tsx bench/example-start.ts [--rounds 3] [--runs 1000] [--concurrency 4] [--node-args="--flag …"]
//   [--flags="…"] (instead of npm start's own node flags, to compare flag sets)
// Prints one JSON line per round and a summary (ranges) on stderr; `<runs>RunsS` is how long the questions took. Runs main.ts as one process (no npm, no tsx
// child), with npm start's node flags on the built example (npm start's prestart builds it first), so
// /proc/<pid>/status is the server's own memory, worker threads included.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { questionAt } from "../examples/text2query/questions.js";
import { npmStart } from "../test/support/npm-start.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, runs: { type: "string", default: "1000" }, concurrency: { type: "string", default: "4" }, port: { type: "string", default: "3917" }, "node-args": { type: "string", default: "" }, flags: { type: "string" } } });
// npm start's own node flags (package.json) or those of --flags, then any of --node-args.
const program = npmStart();
const nodeArgs = [...(values.flags !== undefined ? values.flags.split(" ").filter(Boolean) : program.flags), ...values["node-args"].split(" ").filter(Boolean), program.entry];
const rounds = Number(values.rounds);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
const port = Number(values.port);
const url = `http://127.0.0.1:${port}`;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** Starts the server; resolves with the time until /healthz answered 200, and the longest silence on its output. */
async function start(dataDir: string): Promise<{ child: ChildProcess; seconds: number; silence: number; output: () => string }> {
  const started = performance.now();
  const child = spawn(process.execPath, nodeArgs, { cwd: root, env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let last = started;
  let silence = 0;
  const onData = (d: Buffer) => {
    const now = performance.now();
    if (output !== "") silence = Math.max(silence, now - last);
    last = now;
    output += d.toString();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, seconds: (performance.now() - started) / 1000, silence: silence / 1000, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function ask(n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const res = await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: questionAt(i) }) });
        await res.text();
      }
    }),
  );
}

const results: Array<Record<string, number>> = [];
for (let round = 0; round < rounds; round++) {
  const dataDir = join(mkdtempSync(join(tmpdir(), "t2q-bench-")), "pglite");
  try {
    const first = await start(dataDir);
    const rssFirst = rssMb(first.child.pid!);
    await stop(first.child);
    const again = await start(dataDir);
    await new Promise((r) => setTimeout(r, 1000));
    const rssStart = rssMb(again.child.pid!);
    const asked = performance.now();
    await ask(runs);
    const runsS = (performance.now() - asked) / 1000;
    const rssRuns = rssMb(again.child.pid!);
    await stop(again.child);
    const row = { firstStartS: first.seconds, firstSilenceS: first.silence, restartS: again.seconds, rssAfterFirstStartMb: rssFirst, rssAfterRestartMb: rssStart, [`rssAfter${runs}RunsMb`]: rssRuns, [`${runs}RunsS`]: runsS };
    results.push(row);
    console.log(JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Math.round(v * 100) / 100]))));
  } finally {
    rmSync(join(dataDir, ".."), { recursive: true, force: true });
  }
}
const range = (key: string) => {
  const xs = results.map((r) => r[key]!);
  return `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
};
console.error(`node ${nodeArgs.join(" ")}\n${Object.keys(results[0] ?? {}).map((k) => `${k} ${range(k)}`).join("\n")}`);
