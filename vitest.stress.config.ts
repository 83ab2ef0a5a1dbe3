import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/** Long soaks (minutes each), kept out of `npm test`: `npm run test:stress`. */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/**/*.stress.test.ts"],
    exclude: ["**/node_modules/**"],
  },
});
