import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * `npm start`'s program, as tests and benchmarks spawn it: node with npm start's flags on the built example,
 * both read from package.json's "start" script, after its "prestart" (the example's build, a no-op when it is
 * up to date) ran. Spawned as node itself, not through npm, as the Dockerfile does: the child's pid is the
 * server's (memory, signals).
 */
export function npmStart(): { flags: string[]; entry: string; args: string[] } {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string; prestart: string } };
  const [, ...build] = scripts.prestart.split(" ");
  execFileSync(process.execPath, build, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const [, ...args] = scripts.start.split(" ");
  return { flags: args.slice(0, -1), entry: args.at(-1)!, args };
}
