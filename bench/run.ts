/**
 * Benchmark runner: `node --import tsx bench/run.ts [options]` (npm run bench).
 *
 * 1. Overhead: every mode in its own child process, interleaved, `rounds` rounds with the mode order rotated
 *    each round; each process warms up, then times `runs` sequential workflow runs.
 *    Then the modes that patch nothing global once more, all in one process taking turns run by run
 *    (bench/paired.ts): the same differences with the machine's noise shared by every mode.
 * 2. Sustained load: `sustained` runs with spans and metrics, exporter discarding / OTLP endpoint down.
 * 3. `/metrics` render cost with 100 and 10,000 label values.
 *
 * Writes bench/RESULTS.md (or --out) and prints a compact table. Options:
 *   --quick               2 rounds × (50 + 150 runs), sustained 2,000 runs, 5 renders
 *   --rounds N            rounds of the overhead matrix (default 5)
 *   --warmup N --runs N   per process (default 150 and 600)
 *   --clear-every N       in-memory exporter cleared every N runs, in all modes (default 100)
 *   --paired N            iterations of the one-process comparison (default 1500; 0 skips)
 *   --sustained N         runs per sustained variant (default 100000); 0 skips
 *   --sustained-serial    run the two sustained variants one after the other (default: side by side)
 *   --renders N           scrape renders per case (default 20); 0 skips
 *   --modes a,b,c         subset of modes (default all)
 *   --out FILE            default bench/RESULTS.md (raw data beside it, results.json); --no-write prints only
 *   --render FILE.json    re-render RESULTS.md from saved raw results, without running anything
 */
import { cpus, loadavg, totalmem } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { isMode, MODES, PAIRABLE, type ModeName } from "./mode-names.js";
import { runBenchProcess } from "./process.js";
import { renderResults, renderStdout, type BenchReport, type Machine } from "./report.js";
import type { ChildResult, PairedResult } from "./stats.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, "..");

interface Settings {
  quick: boolean;
  rounds: number;
  warmup: number;
  runs: number;
  clearEvery: number;
  sustained: number;
  sustainedSerial: boolean;
  paired: number;
  renders: number;
  modes: ModeName[];
  out: string | undefined;
  render: string | undefined;
}

function parseArgs(argv: string[]): Settings {
  const quick = argv.includes("--quick");
  const s: Settings = {
    quick,
    rounds: quick ? 2 : 5,
    warmup: quick ? 50 : 150,
    runs: quick ? 150 : 600,
    clearEvery: 100,
    sustained: quick ? 2000 : 100_000,
    sustainedSerial: false,
    paired: quick ? 200 : 1500,
    renders: quick ? 5 : 20,
    modes: [...MODES],
    out: join(benchDir, "RESULTS.md"),
    render: undefined,
  };
  const int = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} expects an integer >= ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => argv[++i];
    switch (flag) {
      case "--quick":
        break;
      case "--rounds":
        s.rounds = int(flag, next(), 1);
        break;
      case "--warmup":
        s.warmup = int(flag, next(), 0);
        break;
      case "--runs":
        s.runs = int(flag, next(), 1);
        break;
      case "--clear-every":
        s.clearEvery = int(flag, next(), 1);
        break;
      case "--sustained":
        s.sustained = int(flag, next(), 0);
        break;
      case "--paired":
        s.paired = int(flag, next(), 0);
        break;
      case "--sustained-serial":
        s.sustainedSerial = true;
        break;
      case "--renders":
        s.renders = int(flag, next(), 0);
        break;
      case "--modes": {
        const names = (next() ?? "").split(",").filter(Boolean);
        for (const m of names) if (!isMode(m)) throw new Error(`--modes: unknown mode ${m}; known: ${MODES.join(", ")}`);
        s.modes = names as ModeName[];
        break;
      }
      case "--out":
        s.out = next();
        break;
      case "--render":
        s.render = next();
        break;
      case "--no-write":
        s.out = undefined;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return s;
}

/** Children run with a clean telemetry environment, so no variable changes what a mode does. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(LANGCHAIN_|LANGSMITH_|LANGFUSE_|OTEL_|TRACELOOP_)/.test(k)) env[k] = v;
  return env;
}

function runChild<T>(script: string, args: string[], label: string): Promise<T> {
  return runBenchProcess<T>(script, args, { env: childEnv(), label });
}

const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(0)}s`;

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function machine(): Machine {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memGiB: totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadStart: loadavg(),
    loadEnd: loadavg(),
    packages: {
      [pkg.name]: pkg.version,
      "@langchain/langgraph": version("@langchain/langgraph"),
      "@langchain/core": version("@langchain/core"),
      "@langfuse/langchain": version("@langfuse/langchain"),
      "@arizeai/openinference-instrumentation-langchain": version("@arizeai/openinference-instrumentation-langchain"),
      "@traceloop/instrumentation-langchain": version("@traceloop/instrumentation-langchain"),
      "@opentelemetry/sdk-trace-base": version("@opentelemetry/sdk-trace-base"),
      "prom-client": version("prom-client"),
    },
  };
}

/** Prints the compact table; writes RESULTS.md and, for a fresh run, the raw results beside it. */
function write(report: BenchReport, out: string | undefined, raw: boolean): void {
  process.stdout.write(renderStdout(report));
  if (out === undefined) return;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderResults(report));
  process.stderr.write(`wrote ${relative(process.cwd(), out)}\n`);
  if (!raw) return;
  const file = join(dirname(out), "results.json");
  writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
  process.stderr.write(`wrote ${relative(process.cwd(), file)}\n`);
}

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  if (s.render !== undefined) {
    write(JSON.parse(readFileSync(s.render, "utf8")) as BenchReport, s.out, false);
    return;
  }
  const started = Date.now();
  const report: BenchReport = {
    date: new Date().toISOString(),
    library: process.env.BENCH_SOURCE === "src" ? "src/ through tsx (BENCH_SOURCE=src)" : "dist/ (the built package)",
    command: `node --import tsx bench/run.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}`,
    settings: { rounds: s.rounds, warmup: s.warmup, runs: s.runs, clearEvery: s.clearEvery, paired: s.paired, sustained: s.sustained, sustainedParallel: !s.sustainedSerial, renders: s.renders, quick: s.quick },
    machine: machine(),
    modes: s.modes,
    rounds: [],
    paired: undefined,
    sustained: [],
    scrape: undefined,
    durationS: 0,
  };

  process.stderr.write(`overhead: ${s.modes.length} modes × ${s.rounds} rounds, ${s.warmup} warm-up + ${s.runs} timed runs per process\n`);
  for (let r = 0; r < s.rounds; r++) {
    const order = [...s.modes.slice(r % s.modes.length), ...s.modes.slice(0, r % s.modes.length)];
    const round: Record<string, ChildResult> = {};
    for (const mode of order) {
      const t = Date.now();
      const load = loadavg()[0] as number;
      const result = await runChild<ChildResult>("child.ts", [mode, String(s.warmup), String(s.runs), String(s.clearEvery)], mode);
      result.loadAtStart = load;
      round[mode] = result;
      process.stderr.write(`  round ${r + 1}/${s.rounds} ${mode.padEnd(24)} ${result.meanMs.toFixed(2)} ms/run  (${since(t)}, total ${since(started)})\n`);
    }
    report.rounds.push(round);
  }

  const pairable = s.modes.filter((m) => PAIRABLE.includes(m));
  if (s.paired > 0 && pairable.length > 1) {
    const t = Date.now();
    process.stderr.write(`paired: ${pairable.join(", ")} in one process, ${s.paired} iterations\n`);
    report.paired = await runChild<PairedResult>("paired.ts", [pairable.join(","), String(s.warmup), String(s.paired), String(s.clearEvery)], "paired");
    process.stderr.write(`  paired done (${since(t)}, total ${since(started)})\n`);
  }

  if (s.sustained > 0) {
    process.stderr.write(`sustained: 2 variants × ${s.sustained} runs${s.sustainedSerial ? "" : ", side by side"}\n`);
    const one = async (variant: string) => {
      const t = Date.now();
      const result = await runChild<BenchReport["sustained"][number]>("sustained.ts", [variant, String(s.sustained), "10"], `sustained ${variant}`);
      process.stderr.write(`  sustained ${variant}: ${result.msPerRun.toFixed(2)} ms/run (${since(t)}, total ${since(started)})\n`);
      return result;
    };
    report.sustained = s.sustainedSerial ? [await one("discard"), await one("otlp-down")] : await Promise.all([one("discard"), one("otlp-down")]);
  }

  if (s.renders > 0) {
    process.stderr.write("scrape: registry.metrics() with 100 and 10,000 label values\n");
    report.scrape = await runChild<NonNullable<BenchReport["scrape"]>>("scrape.ts", [String(s.renders)], "scrape");
  }

  report.machine.loadEnd = loadavg();
  report.durationS = (Date.now() - started) / 1000;
  write(report, s.out, true);
  process.stderr.write(`done in ${(report.durationS / 60).toFixed(1)} min\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
