import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Examples import the package by name; tests run them against the source. Exact matches: a string key
    // would also rewrite "langgraph-telemetry/express" to "src/index.ts/express".
    alias: [
      { find: /^langgraph-telemetry\/express$/, replacement: fileURLToPath(new URL("./src/express/index.ts", import.meta.url)) },
      { find: /^langgraph-telemetry$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    // `npm test` needs nothing but Node and stays within two minutes on two cores: suites that drive system
    // servers (Prometheus, promtool, Alertmanager, PostgreSQL, Chromium) are named *.system.test.ts and run under
    // `npm run test:system` (vitest.system.config.ts); long ones (scale, soak, process restarts) are named
    // *.stress.test.ts and run under `npm run test:stress` (vitest.stress.config.ts).
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.system.test.ts", "test/**/*.stress.test.ts", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: keep files in forks so one heavy suite cannot starve the others' timers, and run two
    // at once (vitest's default is one fewer than the cores: one file at a time there, most of it waiting).
    pool: "forks",
    maxWorkers: 2,
  },
});
