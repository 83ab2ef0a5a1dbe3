import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { version: string; exports: Record<string, unknown> };

describe("the published package", () => {
  beforeAll(() => {
    // CI builds before testing; a bare `npm test` in a fresh clone builds here.
    if (!existsSync(`${root}/dist/index.js`) || !existsSync(`${root}/dist/index.cjs`)) {
      execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
    }
  }, 120_000);

  it("reports the package.json version as its instrumentation scope version", () => {
    expect(VERSION).toBe(pkg.version);
  });

  it("loads as ESM and as CommonJS with the same public API, and ships type declarations for both", async () => {
    const esm = (await import(pathToFileURL(`${root}/dist/index.js`).href)) as Record<string, unknown>;
    const cjs = createRequire(import.meta.url)(`${root}/dist/index.cjs`) as Record<string, unknown>;
    for (const api of [esm, cjs]) {
      expect(typeof api.WorkflowTracer).toBe("function");
      expect(typeof api.traceNode).toBe("function");
    }
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort());
    expect(existsSync(`${root}/dist/index.d.ts`)).toBe(true);
    expect(existsSync(`${root}/dist/index.d.cts`)).toBe(true);
  });

  it("keeps @langchain/core and @opentelemetry/api out of the bundle (peers: one copy in the app)", () => {
    const bundle = readFileSync(`${root}/dist/index.js`, "utf8");
    expect(bundle).toMatch(/from "@langchain\/core\/callbacks\/base"/);
    expect(bundle).toMatch(/from "@opentelemetry\/api"/);
    expect(bundle).not.toMatch(/@opentelemetry\/sdk-trace/);
  });
});
