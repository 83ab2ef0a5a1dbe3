/**
 * The export spool across a long outage with a kill and a restart in the middle (the long version of
 * test/export/spool-kill.stress.test.ts): a child process runs a traced LangGraph workflow (the test Text2Query
 * graph, ~14 spans a run) at a steady rate, exporting to loopback Langfuse and OTLP receivers; both go down
 * (Langfuse refuses connections, the collector answers 500); the child is killed (SIGKILL) halfway and started
 * again on the same spool directory; the receivers come back; the restarted child runs until everything has
 * arrived. A control child runs the same workload at the same time against receivers that stay up, so the
 * latencies are paired (same machine, same moments).
 *
 * Variants: `spool` (setupTelemetry({ spool: { dir } }), default 256 MiB cap), `capped` (the same with a cap
 * smaller than the outage's volume), `none` (today's behaviour without the spool).
 *
 *   node --import tsx bench/spool.ts [--outage-s 180] [--rate 5] [--variants spool,capped,none] [--capped-mib 8]
 *   npm run bench:spool -- --outage-s 180
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runOutage, type OutageResult } from "../test/support/spool-scenario.js";
import { quantile } from "./stats.js";

const { values } = parseArgs({
  options: {
    "outage-s": { type: "string", default: "180" },
    "before-s": { type: "string", default: "20" },
    rate: { type: "string", default: "5" },
    variants: { type: "string", default: "spool,capped,none" },
    "capped-mib": { type: "string", default: "8" },
  },
});
const outageMs = Number(values["outage-s"]) * 1000;
const beforeMs = Number(values["before-s"]) * 1000;
const rate = Number(values.rate);
const variants = values.variants!.split(",");
const DEFAULT_CAP = 256 * 1024 * 1024;

const pct = (xs: number[], q: number) => (xs.length === 0 ? Number.NaN : quantile(Float64Array.from(xs).sort(), q));
const ms = (x: number) => (Number.isNaN(x) ? "—" : x.toFixed(1));

interface Row {
  variant: string;
  maxBytes: number | undefined;
  result: OutageResult;
}

const rows: Row[] = [];
const started = Date.now();
const loadStart = loadavg();
for (const variant of variants) {
  const spoolDir = variant === "none" ? undefined : mkdtempSync(join(tmpdir(), "bench-spool-"));
  const maxBytes = variant === "capped" ? Number(values["capped-mib"]) * 1024 * 1024 : DEFAULT_CAP;
  process.stderr.write(`${variant}: ${beforeMs / 1000} s healthy, ${outageMs / 1000} s outage (kill at ${outageMs / 2000} s), ${rate} runs/s…\n`);
  try {
    const result = await runOutage({
      beforeMs,
      outageMs,
      killAtMs: outageMs / 2,
      rate,
      spoolDir,
      maxBytes,
      scheduledDelayMs: 1000, // the default
      exportTimeoutMs: 10_000, // the default
      drainTimeoutMs: variant === "spool" ? 10 * 60_000 : 60_000,
      control: true,
      plantTruncated: false,
    });
    rows.push({ variant, maxBytes: spoolDir === undefined ? undefined : maxBytes, result });
    process.stderr.write(`${variant}: ${JSON.stringify(summary(rows.at(-1)!))}\n`);
  } finally {
    if (spoolDir !== undefined) rmSync(spoolDir, { recursive: true, force: true });
  }
}

function summary({ variant, maxBytes, result: r }: Row) {
  const ended = r.ended.first + r.ended.second;
  type Stats = Partial<Record<"langfuse" | "otlp", { spool?: { dropped: number } }>> | undefined;
  const dropped = (backend: "langfuse" | "otlp") => {
    const [a, b] = [(r.stats.firstAtKill as Stats)?.[backend]?.spool?.dropped, (r.stats.second as Stats)?.[backend]?.spool?.dropped];
    return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  };
  return {
    variant,
    cap: maxBytes,
    ended,
    delivered: { langfuse: r.langfuse.delivered, otlp: r.otlp.delivered },
    lost: r.lost,
    missingBeforeKill: { langfuse: r.langfuse.missingBeforeKill.length, otlp: r.otlp.missingBeforeKill.length },
    lostUpToMsBeforeKill: { langfuse: Math.round(r.langfuse.lostUpToMsBeforeKill), otlp: Math.round(r.otlp.lostUpToMsBeforeKill) },
    endedLastSecond: r.endedLastSecond,
    lastSecondDelivered: r.lastSecondDelivered,
    duplicates: { langfuse: r.langfuse.duplicates, otlp: r.otlp.duplicates },
    droppedFromSpool: { langfuse: dropped("langfuse"), otlp: dropped("otlp") },
    peakSpoolBytes: r.peakSpoolBytes,
    msFromRecoveryToDelivered: r.msFromRecoveryToDelivered,
    firstLoopDelayMaxMs: Math.round(r.firstLoopDelayMaxMs),
    latencyMs: Object.fromEntries(
      Object.entries(r.latency).map(([w, { subject, control }]) => [
        w,
        { runs: [subject.length, control.length], p50: [pct(subject, 0.5), pct(control, 0.5)], p99: [pct(subject, 0.99), pct(control, 0.99)] },
      ]),
    ) as Record<keyof OutageResult["latency"], { runs: [number, number]; p50: [number, number]; p99: [number, number] }>,
  };
}

const out = rows.map(summary);
const loadEnd = loadavg();
console.log(`# Spool bench: ${outageMs / 1000} s outage at ${rate} runs/s, kill at ${outageMs / 2000} s

\`node --import tsx bench/spool.ts --outage-s ${outageMs / 1000} --rate ${rate} --variants ${variants.join(",")}\` — ${new Date().toISOString()}, ${((Date.now() - started) / 60000).toFixed(1)} min,
load average ${loadStart.map((x) => x.toFixed(2)).join(" / ")} at start, ${loadEnd.map((x) => x.toFixed(2)).join(" / ")} at end.

| variant | spans ended | delivered (Langfuse / OTLP) | lost (of them in the last second before the kill) | ended > 1 s before the kill, missing | earliest lost, ms before the kill | duplicates | dropped from the spool | peak bytes on disk (cap) | recovery → all delivered | longest timer lateness, ms |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${out
  .map(
    (s) =>
      `| ${s.variant} | ${s.ended} | ${s.delivered.langfuse} / ${s.delivered.otlp} | ${s.lost.langfuse} / ${s.lost.otlp} (${s.endedLastSecond - s.lastSecondDelivered.langfuse} / ${s.endedLastSecond - s.lastSecondDelivered.otlp}) | ${s.missingBeforeKill.langfuse} / ${s.missingBeforeKill.otlp} | ${s.lostUpToMsBeforeKill.langfuse} / ${s.lostUpToMsBeforeKill.otlp} | ${s.duplicates.langfuse} / ${s.duplicates.otlp} | ${s.droppedFromSpool.langfuse ?? "—"} / ${s.droppedFromSpool.otlp ?? "—"} | ${s.cap === undefined ? "—" : `${s.peakSpoolBytes} (${s.cap})`} | ${Number.isNaN(s.msFromRecoveryToDelivered) ? "not all" : `${(s.msFromRecoveryToDelivered / 1000).toFixed(1)} s`} | ${s.firstLoopDelayMaxMs} |`,
  )
  .join("\n")}

Workflow latency, p50 / p99 ms of runs started in each window: the process under test vs the control process
(same workload, same moments, backends that stay up), and the ratio of the p50s.

| variant | window | runs | p50 | p99 | p50 ratio |
| --- | --- | ---: | ---: | ---: | ---: |
${out
  .flatMap((s) =>
    Object.entries(s.latencyMs).map(
      ([w, l]) => `| ${s.variant} | ${w} | ${l.runs[0]} vs ${l.runs[1]} | ${ms(l.p50[0])} vs ${ms(l.p50[1])} | ${ms(l.p99[0])} vs ${ms(l.p99[1])} | ${(l.p50[0] / l.p50[1]).toFixed(2)} |`,
    ),
  )
  .join("\n")}

\`\`\`json
${JSON.stringify(out, null, 2)}
\`\`\``);
