import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Builds dist/ unless it is newer than every source: CI builds before testing; a bare `npm test` (fresh clone,
 * or sources changed since the last build) builds here.
 */
export function buildIfStale(): void {
  const built = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : 0);
  const newestSource = Math.max(...readdirSync(`${root}/src`, { recursive: true, encoding: "utf8" }).map((f) => statSync(`${root}/src/${f}`).mtimeMs));
  const oldestOutput = Math.min(...["index.js", "index.cjs", "express.js", "express.cjs"].map((f) => built(`${root}/dist/${f}`)), built(`${root}/dist`));
  if (oldestOutput < Math.max(newestSource, built(`${root}/tsup.config.ts`))) {
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  }
}
