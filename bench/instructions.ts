/**
 * Instructions per workflow run of one mode, counted by valgrind (callgrind), not timed: the same for the same
 * binary and inputs whatever else the machine is doing. Two processes per mode, with R1 and R2 runs after the same
 * warm-up; (I(R2) − I(R1)) / (R2 − R1) is the cost of one run in the steady state (start-up and warm-up cancel).
 *
 *   node --import tsx bench/instructions.ts [modes] [warmup] [r1] [r2]
 *   e.g. node --import tsx bench/instructions.ts empty-handler,spans+metrics,langfuse 150 50 150
 *
 * Needs valgrind (Debian's `valgrind`). Each process runs under callgrind with V8 single-threaded, so compilation
 * happens on the measured thread as it would on a busy server, in a fixed order.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [modeList = "empty-handler,spans+metrics,langfuse", warmup = "150", r1 = "50", r2 = "150"] = process.argv.slice(2);
const child = fileURLToPath(new URL("./instructions-child.ts", import.meta.url));

function instructions(mode: string, runs: string): number {
  const dir = mkdtempSync(join(tmpdir(), "callgrind-"));
  const out = join(dir, "callgrind.out");
  try {
    execFileSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, process.execPath, "--single-threaded", "--import", "tsx", child, mode, warmup, runs], { stdio: ["ignore", "ignore", "pipe"] });
    const summary = /^summary: (\d+)/m.exec(readFileSync(out, "utf8"));
    if (summary === null) throw new Error(`no summary in ${out}`);
    return Number(summary[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const perRun: Record<string, number> = {};
for (const mode of modeList.split(",")) {
  const a = instructions(mode, r1);
  const b = instructions(mode, r2);
  perRun[mode] = (b - a) / (Number(r2) - Number(r1));
  console.log(`${mode}: ${(perRun[mode]! / 1e6).toFixed(2)} M instructions per run (${a} at ${r1} runs, ${b} at ${r2})`);
}
const base = perRun["empty-handler"];
if (base !== undefined) {
  for (const [mode, n] of Object.entries(perRun)) if (mode !== "empty-handler") console.log(`${mode} above the empty handler: ${((n - base) / 1e6).toFixed(2)} M`);
  const ours = perRun["spans+metrics"];
  const langfuse = perRun["langfuse"];
  if (ours !== undefined && langfuse !== undefined) console.log(`ours ÷ Langfuse's, above the empty handler: ${((ours - base) / (langfuse - base)).toFixed(3)}`);
}
