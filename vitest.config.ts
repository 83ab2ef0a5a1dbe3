import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: keep files in forks so one heavy suite cannot starve the others' timers.
    pool: "forks",
  },
});
