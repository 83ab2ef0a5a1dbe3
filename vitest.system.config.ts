import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The suites that drive real system servers: promtool, Prometheus and Alertmanager (Debian's prometheus and
 * prometheus-alertmanager), PostgreSQL and Chromium. `bash scripts/provision-system.sh` installs and starts them.
 * (Spread, not mergeConfig: that would concatenate the include and exclude lists.)
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/**/*.system.test.ts"],
    exclude: ["**/node_modules/**"],
    // One file at a time, as measured: these suites time whole servers and processes.
    maxWorkers: 1,
  },
});
