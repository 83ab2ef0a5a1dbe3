import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Scrape } from "./support/exposition.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("the metrics example of docs/metrics.md (examples/metrics.ts)", () => {
  it("prints a Prometheus exposition with the run, its stages, tokens and cost", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/metrics.ts"], { cwd: root, timeout: 60_000 });
    const m = new Scrape(stdout);
    expect(m.value("text2query_queries_total", { intent: "sql_query", status: "success" })).toBe(1);
    expect(m.value("text2query_llm_tokens_total", { type: "input", model: "gpt-4o-mini" })).toBe(180 + 850);
    // gpt-4o-mini: $0.15 input, $0.60 output per million tokens.
    expect(m.value("text2query_llm_cost_dollars_total", { model: "gpt-4o-mini" })).toBeCloseTo((1030 * 0.15 + 15 * 0.6) / 1e6, 15);
    expect(m.value("text2query_query_latency_seconds_count", { stage: "total" })).toBe(1);
  });
});
