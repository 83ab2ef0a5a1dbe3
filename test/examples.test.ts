import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("README quick start (examples/quickstart.ts)", () => {
  it("runs as a standalone program and prints the workflow's spans and result", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain("name: 'invoke_workflow text2query'");
    expect(stdout).toContain("name: 'classify_intent'");
    expect(stdout).toContain("'workflow.intent': 'sql_query'");
    expect(stdout).toContain("'user.id': 'u-42'");
    expect(stdout).toMatch(/result: \{[^}]*sql: 'SELECT count\(\*\) FROM orders'/s);
  });
});
