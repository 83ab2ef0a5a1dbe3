import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The tracer's suites against OpenTelemetry's 3.x trace SDK (`@opentelemetry/sdk-trace` 3.x, API 1.10, which
 * need Node >= 22.15), installed outside the repository so its lockfile keeps the 2.x line:
 * `scripts/node-versions.sh` installs them into a prefix and runs this config with OTEL3_PREFIX set to it.
 * The tests' `@opentelemetry/sdk-trace-base` imports resolve to a module re-exporting 3.x under 2.x's names
 * (plain JavaScript: the typecheck runs against the 2.x SDK the repository installs).
 */
const prefix = process.env.OTEL3_PREFIX;
if (!prefix) throw new Error("vitest.otel3.config.ts: set OTEL3_PREFIX to a directory where the OpenTelemetry 3.x trace SDK is installed (scripts/node-versions.sh does).");
const installed = (name: string) => `${prefix}/node_modules/${name}`;
const exact = (name: string, replacement: string) => ({ find: new RegExp(`^${name.replace(/[/.]/g, "\\$&")}$`), replacement });
const baseAliases = base.resolve?.alias as Array<{ find: RegExp; replacement: string }>;

export default defineConfig({
  ...base,
  resolve: {
    alias: [
      ...baseAliases,
      exact("@opentelemetry/sdk-trace-base", fileURLToPath(new URL("./test/support/otel3-sdk-trace-base.mjs", import.meta.url))),
      ...["@opentelemetry/sdk-trace", "@opentelemetry/api", "@opentelemetry/core", "@opentelemetry/resources", "@opentelemetry/context-async-hooks"].map((name) => exact(name, installed(name))),
    ],
  },
  test: {
    ...base.test,
    include: ["test/tracer/**/*.test.ts"],
    setupFiles: [fileURLToPath(new URL("./test/support/otel3-setup.mjs", import.meta.url))],
    exclude: ["**/*.system.test.ts", "**/*.stress.test.ts", "**/node_modules/**"],
  },
});
