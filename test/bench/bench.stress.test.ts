/**
 * `npm run bench` keeps measuring what it claims: every mode runs the same workflow to the same result and
 * exports its spans into the shared in-memory pipeline (a peer that silently stopped exporting would make the
 * comparison meaningless), the one-process comparison and the sustained and scrape runs complete, and the
 * report states the targets. Tiny run counts: this checks the harness, the numbers come from `npm run bench`.
 */
import { describe, expect, it } from "vitest";
import { renderResults, type BenchReport } from "../../bench/report.js";
import { MODES, type ModeName } from "../../bench/mode-names.js";
import { runBenchProcess } from "../../bench/process.js";
import type { ChildResult, PairedResult, ScrapeResult, SustainedResult } from "../../bench/stats.js";

/** Runs one bench script as `npm run bench` does (its own process, --expose-gc), on the library's source. */
function benchScript<T>(script: string, args: string[]): Promise<T> {
  return runBenchProcess<T>(script, args, { env: { ...process.env, BENCH_SOURCE: "src" } });
}

/** Runs `items` two at a time (CI has two cores). */
async function twoAtATime<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe("bench/ (npm run bench)", () => {
  it("runs every mode on the same workflow, each exporting the spans it should, and renders the targets", async () => {
    const results = await twoAtATime(MODES, (mode) => benchScript<ChildResult>("child.ts", [mode, "3", "12", "5"]));
    const byMode = Object.fromEntries(results.map((r) => [r.mode, r])) as Record<ModeName, ChildResult>;

    for (const mode of ["bare", "empty-handler", "metrics"] as const) expect(byMode[mode].spansPerRun, mode).toBe(0);
    // Ours: the workflow, 6 node executions and 3 LLM calls, in one trace; nothing left open, nothing failed.
    for (const mode of ["spans", "spans+metrics", "spans+metrics+traceNode", "spans+metrics+content"] as const) {
      const r = byMode[mode];
      expect(r.spansPerRun, mode).toBe(10);
      expect(r.firstRunTraces, mode).toBe(1);
      expect(r.spanNames, mode).toEqual(expect.arrayContaining(["invoke_workflow text2query", "classify_intent", "correct_sql", "chat gpt-4o"]));
      expect(r.health, mode).toEqual({ internalErrors: 0, activeRuns: 0, droppedRuns: 0 });
    }
    expect(byMode.metrics.health).toEqual({ internalErrors: 0, activeRuns: 0, droppedRuns: 0 });
    // The floor makes the same ten spans by hand.
    expect(byMode["otel-manual"].spansPerRun).toBe(10);
    expect(byMode["otel-manual"].firstRunTraces).toBe(1);
    // The peers export into the same pipeline, at least one span per node and LLM call.
    for (const mode of ["langfuse", "openinference", "openllmetry"] as const) expect(byMode[mode].spansPerRun, mode).toBeGreaterThanOrEqual(10);
    expect(byMode.langfuse.firstRunTraces).toBe(1);
    expect(byMode.openinference.firstRunTraces).toBe(1);

    const report: BenchReport = {
      date: "2026-01-01T00:00:00.000Z",
      library: "src/ through tsx (BENCH_SOURCE=src)",
      command: "test",
      settings: { rounds: 1, warmup: 3, runs: 12, clearEvery: 5, paired: 0, sustained: 0, sustainedParallel: false, renders: 0, quick: true },
      machine: { nproc: 2, cpu: "test", memGiB: 1, node: process.version, platform: "test", loadStart: [0, 0, 0], loadEnd: [0, 0, 0], packages: {} },
      modes: [...MODES],
      rounds: [byMode],
      sustained: [],
      scrape: undefined,
      durationS: 1,
    };
    const markdown = renderResults(report);
    expect(markdown).toContain("our cost above the empty handler ≤ 1/3 of Langfuse's cost above it");
    expect(markdown).toContain("our overhead over bare ≤ 2 × the hand-written OTel floor's overhead over bare");
    expect(markdown).toMatch(/\| openllmetry \| \d+\.\d\d \|/);
  }, 240_000);

  it("compares the modes that patch nothing global in one process, paired run by run", async () => {
    const paired = await benchScript<PairedResult>("paired.ts", ["bare,empty-handler,otel-manual,spans+metrics,langfuse", "3", "12", "5"]);
    expect(paired.modes.map((m) => m.mode)).toEqual(["bare", "empty-handler", "otel-manual", "spans+metrics", "langfuse"]);
    for (const m of paired.modes) {
      expect(m.medianMs, m.mode).toBeGreaterThan(0);
      if (m.mode !== "bare") expect(Number.isFinite(m.overBareUs), m.mode).toBe(true);
    }
    expect(paired.modes.find((m) => m.mode === "spans+metrics")?.health).toEqual({ internalErrors: 0, activeRuns: 0, droppedRuns: 0 });
    // A mode that instruments the whole process cannot share it.
    await expect(benchScript("paired.ts", ["bare,openinference", "1", "1", "1"])).rejects.toThrow(/cannot share a process/);
  }, 120_000);

  it("sustains runs with the OTLP endpoint down: nothing fails, nothing stays open, every lost span is counted", async () => {
    const down = await benchScript<SustainedResult>("sustained.ts", ["otlp-down", "300", "3"]);
    expect(down.failures).toBe(0);
    expect(down.tracer).toMatchObject({ internalErrors: 0, activeRuns: 0 });
    expect(down.exportAtEnd?.sent).toBe(0);
    // Every span of the 200 warm-up runs and the 300 runs is dropped by shutdown (the batch still in flight
    // at the deadline included), and the metric says so.
    expect(down.spansMade).toBe(500 * 10);
    expect(down.exportAfterShutdown?.dropped).toBe(500 * 10);
    expect(down.droppedMetric).toBe(500 * 10);
    expect(down.exportAfterShutdown?.queued).toBe(0);
  }, 120_000);

  it("renders /metrics with 100 and 10,000 label values", async () => {
    const scrape = await benchScript<ScrapeResult>("scrape.ts", ["2"]);
    const counter = scrape.cases.filter((c) => c.shape === "counter").map((c) => c.labelValues);
    expect(counter).toEqual([100, 10_000]);
    const big = scrape.cases.find((c) => c.shape === "histogram" && c.labelValues === 10_000);
    // 10,000 tools: a counter series and a 14-bucket histogram (+sum, +count) each, besides the fixed families.
    expect(big?.samples).toBeGreaterThan(10_000 * 16);
  }, 120_000);
});
