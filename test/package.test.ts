import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { dtsSurface } from "../scripts/dts-surface.js";
import { buildIfStale } from "./support/built-package.js";
import { VERSION } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { version: string; exports: Record<string, unknown> };

describe("the published package", () => {
  beforeAll(() => {
    buildIfStale();
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

  it("publishes the API only: WorkflowTracer's members are LangChain's handler methods, stats, sweep and traceIdOf; traceNode's entry points are not in the types", () => {
    const surface = dtsSurface(`${root}/dist/index.d.ts`);
    expect(surface.members.WorkflowTracer).toEqual([
      "copy",
      "handleChainEnd",
      "handleChainError",
      "handleChainStart",
      "handleChatModelStart",
      "handleLLMEnd",
      "handleLLMError",
      "handleLLMNewToken",
      "handleLLMStart",
      "handleRetrieverEnd",
      "handleRetrieverError",
      "handleRetrieverStart",
      "handleToolEnd",
      "handleToolError",
      "handleToolStart",
      "name",
      "stats",
      "sweep",
      "traceIdOf",
    ]);
    const declarations = readdirSync(`${root}/dist`).filter((f) => /\.d\.c?ts$/.test(f)).map((f) => readFileSync(`${root}/dist/${f}`, "utf8")).join("\n");
    expect(declarations).not.toMatch(/setNodeStage|nodeSpan|reportResults|TRACER_BRAND|NODE_HOOKS|NodeHooks/);
  });

  it("keeps @langchain/core, @opentelemetry/api and prom-client out of the bundle (peers: one copy in the app)", () => {
    // The ESM entry and the chunks it imports (tsup splits code shared with the express entry).
    const entry = readFileSync(`${root}/dist/index.js`, "utf8");
    const chunks = [...entry.matchAll(/from "\.\/(chunk-[\w-]+\.js)"/g)].map((m) => readFileSync(`${root}/dist/${m[1]}`, "utf8"));
    const bundle = [entry, ...chunks].join("\n");
    expect(bundle).toMatch(/from "prom-client"/);
    expect(bundle).toMatch(/from "@langchain\/core\/callbacks\/base"/);
    expect(bundle).toMatch(/from "@opentelemetry\/api"/);
    // The SDK and exporters are imported by setupTelemetry when called, never when the package loads.
    expect(bundle).not.toMatch(/^import[^;]*from\s*"(@opentelemetry\/(sdk-|exporter-|resources)|@langfuse\/)/m);
    expect(bundle).toMatch(/await import\("@opentelemetry\/sdk-trace-node"\)|import\("@opentelemetry\/sdk-trace-node"\)/);
    // The root entry never loads the optional Express peer.
    expect(bundle).not.toMatch(/from "express"|require\(["']express["']\)/);
    expect(readFileSync(`${root}/dist/index.cjs`, "utf8")).not.toMatch(/require\(["']express["']\)/);
  });

  it("exports the Express adapter as the ./express subpath, in ESM and CommonJS, with type declarations", async () => {
    expect(pkg.exports["./express"]).toEqual({
      import: { types: "./dist/express.d.ts", default: "./dist/express.js" },
      require: { types: "./dist/express.d.cts", default: "./dist/express.cjs" },
    });
    const esm = (await import(pathToFileURL(`${root}/dist/express.js`).href)) as Record<string, unknown>;
    const cjs = createRequire(import.meta.url)(`${root}/dist/express.cjs`) as Record<string, unknown>;
    for (const api of [esm, cjs]) {
      for (const name of ["telemetryRouter", "httpMetrics", "traceContext", "jsonErrorHandler", "clusterMetricsServer", "shareMetricsWithPrimary"]) expect(typeof api[name], name).toBe("function");
    }
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort());
    expect(existsSync(`${root}/dist/express.d.ts`)).toBe(true);
    expect(existsSync(`${root}/dist/express.d.cts`)).toBe(true);
    // Resolved by name through the exports map, as an app would import it.
    const byName = createRequire(`${root}/package.json`)("langgraph-telemetry/express") as Record<string, unknown>;
    expect(typeof byName.telemetryRouter).toBe("function");
  });

  it("keeps express, prom-client and @opentelemetry/* out of the Express adapter's bundle", () => {
    const esm = readFileSync(`${root}/dist/express.js`, "utf8");
    const cjs = readFileSync(`${root}/dist/express.cjs`, "utf8");
    expect(esm).toMatch(/^import express from "express";$/m);
    expect(cjs).toMatch(/require\(["']express["']\)/);
    for (const bundle of [esm, cjs]) {
      expect(bundle).toMatch(/["']prom-client["']/);
      expect(bundle).toMatch(/["']@opentelemetry\/api["']/);
      expect(bundle).toMatch(/["']@opentelemetry\/core["']/);
      // Express's own code (its Router implementation) is not inlined.
      expect(bundle).not.toMatch(/Router\.prototype|function Layer\(/);
    }
  });

  it("packs dist, README, LICENSE and package.json only: no sources, tests or benchmarks", () => {
    const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" })) as Array<{ files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/express.js", "dist/express.cjs", "dist/express.d.ts", "dist/express.d.cts"]));
    expect(files.filter((f) => !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.|^src\/|^test\/|^bench\//.test(f))).toEqual([]);
  });

  it("builds dist/ when packed (prepack), so `npm pack` and `npm publish` from a fresh clone ship the code", () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { scripts: Record<string, string> };
    expect(manifest.scripts.prepack).toBe("npm run build");
    // `npm ci` runs `prepare`, never `prepack`: installing a fresh clone does not need a build to succeed first.
    expect(manifest.scripts).not.toHaveProperty("prepare");
  });

  it("points the registry page at the GitHub project: repository, homepage and bugs, against which npm resolves the README's relative links and screenshot", () => {
    const project = "https://github.com/langgraph-telemetry/langgraph-telemetry";
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { repository: { type: string; url: string }; homepage: string; bugs: { url: string } };
    expect(manifest.repository).toEqual({ type: "git", url: `git+${project}.git` });
    expect(manifest.homepage).toBe(`${project}#readme`);
    expect(manifest.bugs).toEqual({ url: `${project}/issues` });
    // npm rewrites a relative link to <repository>/blob/HEAD/<path> (images to raw): each target must be a
    // file the repository tracks, not one that exists only in this checkout (test/docs checks that it exists).
    const readme = readFileSync(`${root}/README.md`, "utf8");
    const relative = [...readme.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
    expect(relative).toEqual(expect.arrayContaining(["docs/console-failed-run.png", "docs/tracer.md", "LICENSE"]));
    const tracked = new Set(execFileSync("git", ["ls-files", "--", ...new Set(relative)], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean));
    expect([...new Set(relative)].filter((target) => !tracked.has(target))).toEqual([]);
  });

  it("declares in engines the Node lines it is tested on: CI's own (20) and those scripts/node-versions.sh runs", () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { engines: { node: string } };
    const script = readFileSync(`${root}/scripts/node-versions.sh`, "utf8");
    const lines = /NODE_VERSIONS:-"([\d ]+)"/.exec(script)![1]!.split(" ").map(Number);
    const tested = [20, ...lines];
    expect(manifest.engines.node).toBe(tested.map((major, i) => (i === tested.length - 1 ? `>=${major}` : `^${major}`)).join(" || "));
  });

  it("lists as dependencies only what the published code imports; test-only packages are devDependencies", () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const shipped = readdirSync(`${root}/dist`).filter((f) => /\.(c?js)$/.test(f)).map((f) => readFileSync(`${root}/dist/${f}`, "utf8")).join("\n");
    for (const dependency of Object.keys(manifest.dependencies)) expect(shipped, dependency).toContain(`"${dependency}`);
    expect(manifest.dependencies).not.toHaveProperty("@langfuse/client");
    expect(manifest.dependencies).not.toHaveProperty("@opentelemetry/context-async-hooks");
    expect(manifest.devDependencies).toHaveProperty("@opentelemetry/context-async-hooks");
  });

  it("shares one copy of the code common to the root and ./express entries in CommonJS, as in ESM", () => {
    for (const ext of ["js", "cjs"]) {
      const chunkOf = (entry: string) => [...readFileSync(`${root}/dist/${entry}.${ext}`, "utf8").matchAll(/(?:from |require\()["']\.\/(chunk-[\w-]+\.c?js)["']/g)].map((m) => m[1]);
      const shared = chunkOf("index").filter((c) => chunkOf("express").includes(c));
      expect(shared, ext).toHaveLength(1);
    }
    // The metric names (used by both entries) are defined once, in the shared chunk.
    for (const entry of ["index.cjs", "express.cjs"]) expect(readFileSync(`${root}/dist/${entry}`, "utf8")).not.toMatch(/queries_total/);
  });

  it("hands the ESM and the CommonJS copy the same WorkflowMetrics on the default registry, and each names a clash with the other", async () => {
    const esm = (await import(pathToFileURL(`${root}/dist/index.js`).href)) as { WorkflowMetrics: new (o?: object) => object };
    const cjs = createRequire(import.meta.url)(`${root}/dist/index.cjs`) as { WorkflowMetrics: new (o?: object) => object };
    const { register } = await import("prom-client");
    try {
      const fromEsm = new esm.WorkflowMetrics({ prefix: "copies_" });
      expect(new cjs.WorkflowMetrics({ prefix: "copies_" })).toBe(fromEsm);
      expect(() => new cjs.WorkflowMetrics({ prefix: "copies_", maxLabelValues: 5 })).toThrow(/already has WorkflowMetrics with prefix "copies_" and other options \(maxLabelValues 100 there, 5 here\)/);
    } finally {
      register.clear();
    }
  });
});
