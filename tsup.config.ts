import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", express: "src/express/index.ts" },
  format: ["esm", "cjs"],
  // Code shared by the root and ./express entries goes to one chunk in CJS too (tsup splits only ESM by
  // default): one copy of the metrics code whichever entry loads first.
  splitting: true,
  // import.meta.url in CJS (the price catalogue locates its package with createRequire).
  shims: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // Peer dependencies stay external: one copy of @langchain/core, @opentelemetry/api, prom-client (its registry) and express in the app.
  external: [/^@langchain\//, /^@opentelemetry\//, "prom-client", "express"],
});
