import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { version: string; exports: Record<string, unknown> };

describe("the published package", () => {
  beforeAll(() => {
    // CI builds before testing; a bare `npm test` (fresh clone, or sources changed since the last build) builds here.
    const built = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : 0);
    const newestSource = Math.max(...readdirSync(`${root}/src`, { recursive: true, encoding: "utf8" }).map((f) => statSync(`${root}/src/${f}`).mtimeMs));
    if (Math.min(built(`${root}/dist/index.js`), built(`${root}/dist/index.cjs`)) < newestSource) {
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
      expect(typeof api.WorkflowMetrics).toBe("function");
    }
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort());
    expect(existsSync(`${root}/dist/index.d.ts`)).toBe(true);
    expect(existsSync(`${root}/dist/index.d.cts`)).toBe(true);
  });

  it("keeps @langchain/core, @opentelemetry/api and prom-client out of the bundle (peers: one copy in the app)", () => {
    const bundle = readFileSync(`${root}/dist/index.js`, "utf8");
    expect(bundle).toMatch(/from "prom-client"/);
    expect(bundle).toMatch(/from "@langchain\/core\/callbacks\/base"/);
    expect(bundle).toMatch(/from "@opentelemetry\/api"/);
    // The SDK and exporters are imported by setupTelemetry when called, never when the package loads.
    expect(bundle).not.toMatch(/^import[^;]*from\s*"(@opentelemetry\/(sdk-|exporter-|resources)|@langfuse\/)/m);
    expect(bundle).toMatch(/await import\("@opentelemetry\/sdk-trace-node"\)|import\("@opentelemetry\/sdk-trace-node"\)/);
  });
});
