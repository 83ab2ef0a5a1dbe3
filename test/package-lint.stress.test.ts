import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIfStale } from "./support/built-package.js";

/**
 * The linters of the published package (`npm run lint:package` runs the same in CI): the slowest check of the
 * package (attw resolves every entry under four module systems), so under `npm run test:stress`.
 */
const root = fileURLToPath(new URL("..", import.meta.url));

describe("the published package, linted", () => {
  beforeAll(() => {
    buildIfStale();
  }, 120_000);

  it("passes publint --strict and attw --pack (types resolve under node10, node16 CJS/ESM and bundler)", () => {
    // attw packs with `npm pack`: without scripts, so prepack does not rebuild the dist/ just built.
    const env = { ...process.env, npm_config_ignore_scripts: "true" };
    const run = (bin: string, args: string[]) => execFileSync(`${root}/node_modules/.bin/${bin}`, args, { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(run("publint", ["--strict"])).toMatch(/All good!/);
    const attw = run("attw", ["--pack", ".", "--format", "json"]);
    const report = JSON.parse(attw) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  }, 120_000);
});
