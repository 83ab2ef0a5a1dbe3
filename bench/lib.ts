/**
 * The library under measurement: the built package (`dist/`, the code users run; `npm run bench` builds it
 * first), or `src/` through tsx when BENCH_SOURCE=src (while changing the code; tsx compiles with keepNames,
 * which adds a little work to every closure created, so numbers differ slightly from the build).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type * as Library from "../src/index.js";

const fromSource = process.env.BENCH_SOURCE === "src";
const built = new URL("../dist/index.js", import.meta.url);
if (!fromSource && !existsSync(fileURLToPath(built))) {
  throw new Error("bench: dist/index.js is missing; run `npm run build` first (npm run bench does), or set BENCH_SOURCE=src");
}

export const lib = (await import(fromSource ? new URL("../src/index.ts", import.meta.url).href : built.href)) as typeof Library;
export const LIBRARY_SOURCE = fromSource ? "src (tsx)" : "dist (built)";
