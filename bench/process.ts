/**
 * The protocol between the runner and its benchmark processes: a process prints one line
 * `BENCH_RESULT {json}` and exits 0; the runner (and test/bench) parse that line.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const MARK = "BENCH_RESULT ";
const benchDir = fileURLToPath(new URL(".", import.meta.url));

/** In a benchmark process: run `main`, print its result line and exit (1 with the error on failure). */
export function benchProcess(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      process.stdout.write(`${MARK}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** Runs `bench/<script>` in its own process (`node --expose-gc --import tsx`) and resolves with its result. */
export function runBenchProcess<T>(script: string, args: string[], options: { env: NodeJS.ProcessEnv; label?: string }): Promise<T> {
  const label = options.label ?? `bench/${script}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", `${benchDir}${script}`, ...args], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(MARK));
      if (code !== 0 || line === undefined) {
        reject(new Error(`${label} failed (exit ${code}):\n${err.slice(-4000)}${out.slice(-2000)}`));
        return;
      }
      if (err.trim().length > 0) process.stderr.write(`  [${label} stderr] ${err.trim().split("\n").slice(0, 5).join("\n  ")}\n`);
      resolve(JSON.parse(line.slice(MARK.length)) as T);
    });
  });
}
