import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", express: "src/express/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // Peer dependencies stay external: one copy of @langchain/core, @opentelemetry/api, prom-client (its registry) and express in the app.
  external: [/^@langchain\//, /^@opentelemetry\//, "prom-client", "express"],
});
