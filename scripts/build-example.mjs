// Compiles the example server (examples/text2query/) to examples/text2query/dist/, which `npm start` runs: plain
// JavaScript, no TypeScript loader at run time (tsx cost ~35 MB of RSS and about a second of every start).
// One bundle of main.ts with the library's source (tsconfig's paths map `langgraph-telemetry` to src/, as tsx
// and vitest do); packages stay in node_modules. The PGlite worker is built beside it, so the host finds it
// where it looks (`./pglite-worker.mjs` next to the code). npm start's prestart runs this: it rebuilds only when
// a file the last build read (or this script, package.json, tsconfig.json) is newer than the build.
// Usage: node scripts/build-example.mjs [--force]
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = join(root, "examples", "text2query");
const out = join(source, "dist");
const meta = join(out, "meta.json");

/** True when no input of the last build changed since (the metafile lists every file esbuild read). */
function upToDate() {
  if (!existsSync(meta) || !existsSync(join(out, "main.mjs"))) return false;
  const builtAt = statSync(meta).mtimeMs;
  let inputs;
  try {
    inputs = Object.keys(JSON.parse(readFileSync(meta, "utf8")).inputs);
  } catch {
    return false;
  }
  const files = [...inputs.map((p) => join(root, p)), fileURLToPath(import.meta.url), join(root, "package.json"), join(root, "tsconfig.json")];
  return files.every((file) => existsSync(file) && statSync(file).mtimeMs <= builtAt);
}

/** Builds when needed (or always with `force`); returns whether it built. Safe to run from parallel processes. */
export async function buildExample({ force = false } = {}) {
  if (!force && upToDate()) return false;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(source, "main.ts"), join(source, "pglite-worker.mjs")],
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    // main.ts imports LangChain, LangGraph and OpenTelemetry dynamically, after it started opening the database:
    // chunks of their own keep that order (one file would load them all before main's first line).
    // Chunks sit beside main.mjs, so `./pglite-worker.mjs` resolves from whichever file holds the PGlite host.
    splitting: true,
    target: "node20",
    packages: "external",
    tsconfig: join(root, "tsconfig.json"),
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: "warning",
  });
  // Each file is written whole, then renamed into place: a process starting meanwhile never reads half a file.
  const put = (path, contents) => {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, path);
  };
  for (const file of result.outputFiles) put(file.path, file.contents);
  // Chunks of earlier builds (their names carry a hash of their content) go.
  const current = new Set(result.outputFiles.map((file) => file.path));
  for (const name of readdirSync(out)) if (/\.mjs(\.map)?$/.test(name) && !current.has(join(out, name))) rmSync(join(out, name), { force: true });
  // Last: its time stamps the build.
  put(meta, JSON.stringify(result.metafile));
  return true;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  if (await buildExample({ force: process.argv.includes("--force") })) {
    console.error(`built ${relative(process.cwd(), out)}/main.mjs in ${Math.round(performance.now() - started)} ms`);
  }
}
