import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runOutage } from "../support/spool-scenario.js";

/**
 * The short version of bench/spool.ts (`npm run bench:spool`): a process running a traced LangGraph workflow
 * at a steady rate is killed (SIGKILL) in the middle of an outage of Langfuse (connections refused) and of the
 * OTLP collector (500s), and started again on the same spool directory; the backends come back.
 */
describe("the spool across an outage with a kill and a restart in the middle", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("delivers every span that ended more than a second before the kill, once, with the disk under its cap; a truncated file left at the restart is skipped and counted", async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), "spool-kill-"));
    dirs.push(spoolDir);
    const maxBytes = 16 * 1024 * 1024;
    const r = await runOutage({
      beforeMs: 1500,
      outageMs: 4000,
      killAtMs: 2000,
      rate: 5,
      spoolDir,
      maxBytes,
      scheduledDelayMs: 1000, // the default: down, a partial batch goes to disk within 0.5 s
      exportTimeoutMs: 5000,
      drainTimeoutMs: 30_000,
      control: false,
      plantTruncated: true,
    });
    expect(r.ended.first).toBeGreaterThan(50);
    for (const backend of [r.langfuse, r.otlp]) {
      expect(backend.missingBeforeKill).toEqual([]);
      // Requests the backends answered 500 to, or never received, are the only ones replayed: nothing twice.
      expect(backend.duplicates).toBe(0);
    }
    // All that can be lost is what ended in the last second before the kill (still in memory, or being written).
    expect(r.lost.langfuse).toBe(r.endedLastSecond - r.lastSecondDelivered.langfuse);
    expect(r.lost.otlp).toBe(r.endedLastSecond - r.lastSecondDelivered.otlp);
    expect(r.peakSpoolBytes).toBeGreaterThan(0);
    expect(r.peakSpoolBytes).toBeLessThanOrEqual(maxBytes);
    // The restarted process found the planted truncated file (and any file torn by the kill), skipped it and counted it.
    const second = r.stats.second as { otlp: { spool: { corruptFiles: number; replayed: number; files: number } } };
    expect(second.otlp.spool.corruptFiles).toBeGreaterThanOrEqual(1);
    expect(second.otlp.spool.replayed).toBeGreaterThan(0);
    expect(second.otlp.spool.files).toBe(0);
  }, 90_000);
});
