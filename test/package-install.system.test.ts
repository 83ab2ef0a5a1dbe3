import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * What a user does first: `npm install` the published tarball (not our sources) into a fresh project, write a
 * traced two-node graph, compile it with TypeScript under `node16` (as ESM and as CommonJS) and `bundler`
 * resolution, and run it. The tarball is packed from a copy of the repository without dist/, as a fresh clone is,
 * so `npm pack` builds it (prepack). A system test: it takes a minute or two (npm install, three tsc runs), and npm may
 * fetch package metadata from the registry (tarballs come from the local cache when there).
 */
const root = fileURLToPath(new URL("..", import.meta.url));
/** The peers and tools a user installs next to us, at the versions this repository tests with. */
const PEERS = ["@langchain/core", "@langchain/langgraph", "@opentelemetry/api", "prom-client", "typescript", "@types/node"];

let project = "";
let clone = "";
let tarballFiles: string[] = [];
const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("the packed tarball, installed into a scratch project", () => {
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "lgt-install-"));
    // Packed as from a fresh clone: the repository's files without dist/, so `npm pack` must build it (prepack).
    clone = mkdtempSync(join(tmpdir(), "lgt-clone-"));
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\0").filter((f) => f && existsSync(join(root, f)));
    for (const file of files) cpSync(join(root, file), join(clone, file));
    symlinkSync(join(root, "node_modules"), join(clone, "node_modules"));
    expect(existsSync(join(clone, "dist"))).toBe(false);
    // The build's own output comes first on stdout; npm's JSON report is the last thing printed.
    const printed = execFileSync("npm", ["pack", "--json", "--pack-destination", project], { cwd: clone, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const [packed] = JSON.parse(printed.slice(printed.search(/^\[\s*\{/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarballFiles = packed!.files.map((f) => f.path).sort();
    const tarball = packed!.filename;
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "first-project", private: true, type: "module" }));
    const versions = PEERS.map((p) => `${p}@${(JSON.parse(readFileSync(join(root, "node_modules", p, "package.json"), "utf8")) as { version: string }).version}`);
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `./${tarball}`, ...versions]);
    copyFileSync(join(root, "test/fixtures/installed/app.mts"), join(project, "app.mts"));
    copyFileSync(join(root, "test/fixtures/installed/app.mts"), join(project, "app.cts"));
    // skipLibCheck as most projects have it (@langchain/core's own .d.cts do not check under node16 CJS).
    const base = { target: "es2022", strict: true, skipLibCheck: true, types: ["node"] };
    writeFileSync(join(project, "tsconfig.node16.json"), JSON.stringify({ compilerOptions: { ...base, module: "node16", moduleResolution: "node16", outDir: "out" }, files: ["app.mts", "app.cts"] }));
    writeFileSync(join(project, "tsconfig.bundler.json"), JSON.stringify({ compilerOptions: { ...base, module: "esnext", moduleResolution: "bundler", noEmit: true }, files: ["app.mts"] }));
  }, 300_000);

  afterAll(() => {
    for (const dir of [project, clone]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is built by `npm pack` itself (prepack) and ships both entries in ESM and CommonJS with their declarations", () => {
    console.info(`tarball: ${tarballFiles.join(", ")}`);
    expect(tarballFiles).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/express.js", "dist/express.cjs", "dist/express.d.ts", "dist/express.d.cts"]));
    expect(tarballFiles.filter((f) => !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(project, "node_modules/langgraph-telemetry/package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ repository: { type: "git" }, homepage: expect.stringMatching(/^https:\/\/github\.com\//), bugs: { url: expect.stringMatching(/\/issues$/) } });
  });

  it("type-checks under TypeScript's node16 (ESM and CJS) and bundler resolution, both entries", () => {
    expect(() => run("npx", ["tsc", "-p", "tsconfig.node16.json"])).not.toThrow();
    expect(() => run("npx", ["tsc", "-p", "tsconfig.bundler.json"])).not.toThrow();
  }, 180_000);

  it.each(["app.mjs", "app.cjs"])("runs a traced two-node graph from %s: spans for the run, both nodes and both model calls, and the Prometheus run count", (file) => {
    const printed = JSON.parse(run("node", [join("out", file)])) as { answer: string; spans: string[]; runs: boolean };
    expect(printed).toEqual({ answer: "an answer", spans: ["chat", "chat", "generate", "invoke_workflow first-run", "plan"], runs: true, routerOptions: {} });
  });
});
