import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:stress`: the suites that are long by design and need only Node, named *.stress.test.ts —
 * fuzzing, soak and scale runs, benchmarks' sanity checks, and suites that spawn, kill and restart whole
 * processes. Kept out of `npm test` so that one stays within two minutes on two cores; CI runs both.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/**/*.stress.test.ts"],
    exclude: ["**/node_modules/**"],
    // One file at a time, as measured: these suites time whole servers and processes.
    maxWorkers: 1,
  },
});
