/** Renders the benchmark results: bench/RESULTS.md and the compact table printed on stdout. */
import { aggregate, pairedVerdicts, verdicts, type ModeRow, type Verdict } from "./aggregate.js";
import { MODE_DESCRIPTIONS, type ModeName } from "./mode-names.js";
import { mib, type ChildResult, type PairedResult, type ScrapeResult, type SustainedResult } from "./stats.js";

export interface Machine {
  nproc: number;
  cpu: string;
  memGiB: number;
  node: string;
  platform: string;
  loadStart: number[];
  loadEnd: number[];
  packages: Record<string, string>;
}

export interface BenchReport {
  date: string;
  /** Which build of the library was measured. */
  library?: string;
  command: string;
  settings: { rounds: number; warmup: number; runs: number; clearEvery: number; paired?: number; sustained: number; sustainedParallel: boolean; renders: number; quick: boolean };
  machine: Machine;
  modes: ModeName[];
  rounds: Record<string, ChildResult>[];
  /** The one-process comparison (absent in reports from before it existed). */
  paired?: PairedResult | undefined;
  sustained: SustainedResult[];
  scrape: ScrapeResult | undefined;
  durationS: number;
}

/** The issue author's measurement (15-span run, instant model, 2 cores), ms. */
const ISSUE_REFERENCE: Record<string, number> = { bare: 3.0, "empty-handler": 1.16, langfuse: 1.85, openinference: 2.4, "otel-manual": 0.27 };

const ms = (v: number) => v.toFixed(2);
const usSigned = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(Math.round(v))}`;
const ratio = (v: number | undefined) => (v === undefined ? "—" : `${v.toFixed(2)}×`);
const pct = (v: number) => `${Math.round(v * 100)}%`;
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");

function overheadCell(r: ModeRow["overBareUs"]): string {
  if (r === undefined) return "—";
  return `${usSigned(r.value)} (${usSigned(r.min)}…${usSigned(r.max)})`;
}

function modeTable(rows: ModeRow[]): string {
  const lines = [
    "| mode | ms/run | p50 / p99 ms | µs over bare (range over rounds) | × bare | µs over empty handler (range) | × empty | spans/run | traces/run | heap after N, MiB (growth) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.mode} | ${ms(r.meanMs.value)} | ${ms(r.p50Ms)} / ${ms(r.p99Ms)} | ${overheadCell(r.overBareUs)} | ${ratio(r.overBareRatio)} | ${overheadCell(r.overEmptyUs)} | ${ratio(r.overEmptyRatio)} | ${r.spansPerRun.toFixed(1)} | ${r.tracesPerRun} | ${r.heapAfterMiB.toFixed(1)} (${r.heapGrowthMiB >= 0 ? "+" : ""}${r.heapGrowthMiB.toFixed(1)}) |`,
    );
  }
  return lines.join("\n");
}

function cpuTable(rows: ModeRow[]): string {
  const lines = [
    "| mode | CPU ms/run (range) | µs over bare (range) | × bare | µs over empty handler (range) | × empty |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const c = r.cpu;
    lines.push(`| ${r.mode} | ${ms(c.ms.value)} (${ms(c.ms.min)}…${ms(c.ms.max)}) | ${overheadCell(c.overBareUs)} | ${ratio(c.overBareRatio)} | ${overheadCell(c.overEmptyUs)} | ${ratio(c.overEmptyRatio)} |`);
  }
  return lines.join("\n");
}

export function verdictWord(v: Verdict): string {
  return v.pass === undefined ? "INCONCLUSIVE" : v.pass ? "PASS" : "FAIL";
}

/** The issue's two targets for spans+metrics, by method, in a few lines. */
function summaryTable(vs: Verdict[]): string {
  const methods = [
    ["own processes, wall time", "wall"],
    ["own processes, CPU time", "CPU"],
    ["one process, paired", "one process"],
  ] as const;
  const targets = [
    ["T1", "ours above the empty handler ÷ Langfuse's above it (limit 1/3)"],
    ["T2 spans+metrics net of handler", "ours above the empty handler ÷ hand-written OTel over bare (limit 2)"],
    ["T2 spans+metrics over bare", "ours over bare ÷ hand-written OTel over bare (limit 2; includes LangChain's cost of any handler)"],
  ] as const;
  const lines = [`| target (spans+metrics) | ${methods.map(([label]) => label).join(" | ")} |`, `| --- | ${methods.map(() => "---:").join(" | ")} |`];
  for (const [id, label] of targets) {
    const cells = methods.map(([, tag]) => {
      const v = vs.find((x) => x.id === `${id} (${tag})`);
      return v === undefined ? "—" : `${v.ratio.toFixed(2)} ${verdictWord(v)}`;
    });
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function verdictTable(vs: Verdict[]): string {
  const lines = ["| id | target | measured | ratio | limit | per-round ratios | verdict |", "| --- | --- | --- | ---: | ---: | --- | --- |"];
  for (const v of vs) {
    lines.push(`| ${v.id} | ${v.title} | ${v.detail} | ${v.ratio.toFixed(2)} | ${v.limit === 1 / 3 ? "0.33" : v.limit.toFixed(2)} | ${v.perRound.map((x) => x.toFixed(2)).join(", ")} | **${verdictWord(v)}** |`);
  }
  return lines.join("\n");
}

function referenceTable(rows: ModeRow[]): string {
  const bare = rows.find((r) => r.mode === "bare");
  if (bare === undefined) return "";
  const lines = ["| mode | issue author: ms over bare (% of bare) | here: µs over bare (% of bare) |", "| --- | ---: | ---: |"];
  for (const [mode, ref] of Object.entries(ISSUE_REFERENCE)) {
    if (mode === "bare") continue;
    const row = rows.find((r) => r.mode === mode);
    const here = row?.overBareUs;
    lines.push(`| ${mode} | +${ref.toFixed(2)} (${pct(ref / (ISSUE_REFERENCE.bare as number))}) | ${here ? `${usSigned(here.value)} (${pct(here.value / 1000 / bare.meanMs.value)})` : "—"} |`);
  }
  lines.push(`| bare | 3.00 ms | ${ms(bare.meanMs.value)} ms |`);
  return lines.join("\n");
}

function pairedTable(paired: PairedResult): string {
  const lines = ["| mode | median ms/run | µs over bare (paired median) | µs over empty handler (paired median) |", "| --- | ---: | ---: | ---: |"];
  for (const r of paired.modes) {
    lines.push(`| ${r.mode} | ${ms(r.medianMs)} | ${Number.isFinite(r.overBareUs) ? usSigned(r.overBareUs) : "—"} | ${Number.isFinite(r.overEmptyUs) ? usSigned(r.overEmptyUs) : "—"} |`);
  }
  return lines.join("\n");
}

function sustainedTable(results: SustainedResult[]): string {
  const lines = [
    "| variant | runs | failed | ms/run | heap start → end (max), MiB | activeRuns at end | internal errors | spans made | exported / sent | dropped | queued at end | unaccounted after shutdown | shutdown |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const s of results) {
    const exp = s.exportAtEnd;
    lines.push(
      `| ${s.variant} | ${s.runs} | ${s.failures} | ${ms(s.msPerRun)} | ${mib(s.heapStartBytes)} → ${mib(s.heapEndBytes)} (${mib(s.heapMaxBytes)}) | ${s.tracer.activeRuns} | ${s.tracer.internalErrors} | ${s.spansMade ?? "—"} | ${s.spansExported ?? exp?.sent ?? "—"} | ${exp ? `${exp.dropped} (after shutdown ${s.exportAfterShutdown?.dropped ?? "—"}; metric ${s.droppedMetric ?? "—"})` : "—"} | ${exp?.queued ?? "—"} | ${unaccounted(s)} | ${s.shutdownMs !== undefined ? `${(s.shutdownMs / 1000).toFixed(1)} s` : "—"} |`,
    );
  }
  return lines.join("\n");
}

/** Spans made that were neither exported nor counted as dropped (nor still queued) once the run ended. */
function unaccounted(s: SustainedResult): string {
  if (s.spansMade === undefined) return "—";
  if (s.spansExported !== undefined) return String(s.spansMade - s.spansExported);
  const after = s.exportAfterShutdown;
  return after === undefined ? "—" : String(s.spansMade - after.sent - after.dropped - after.queued);
}

function heapTimeline(s: SustainedResult): string {
  const points = s.samples.map((p) => `${p.runs}: ${mib(p.heapBytes)}${p.queued !== undefined ? ` (q ${p.queued})` : ""}`);
  return `- ${s.variant}, heap MiB after GC by runs done: ${points.join(", ")}`;
}

function scrapeTable(scrape: ScrapeResult): string {
  const lines = ["| series shape | label values | samples in exposition | bytes | render median (min), ms | × the 100-value case |", "| --- | ---: | ---: | ---: | ---: | ---: |"];
  for (const c of scrape.cases) {
    const base = scrape.cases.find((b) => b.shape === c.shape && b.labelValues === 100);
    lines.push(`| ${c.shape} | ${c.labelValues} | ${c.samples} | ${c.bytes} | ${ms(c.medianMs)} (${ms(c.minMs)}) | ${base && base !== c ? `${(c.medianMs / base.medianMs).toFixed(1)}×` : "1×"} |`);
  }
  return lines.join("\n");
}

/** Sentences computed from the numbers, so a rerun never leaves stale claims behind. */
function interpretation(report: BenchReport, rows: ModeRow[], vs: Verdict[]): string {
  const out: string[] = [];
  const row = (m: string) => rows.find((r) => r.mode === m);
  const bare = row("bare");
  const over = (m: string, base: "bare" | "empty-handler") => (base === "bare" ? row(m)?.overBareUs : row(m)?.overEmptyUs)?.value;
  const handler = over("empty-handler", "bare");
  if (bare !== undefined && handler !== undefined) {
    out.push(
      `- The bare workflow takes ${ms(bare.meanMs.value)} ms per run here (the issue author measured 3.0 ms on their machine), so compare ratios, not absolute times. ` +
        `Attaching any handler at all costs ${Math.round(handler)} µs (${pct(handler / 1000 / bare.meanMs.value)} of bare): LangChain's callback machinery (run managers, run ids, serialising each runnable), paid alike by every callback-based tracer.`,
    );
  }
  const parts: string[] = [];
  for (const m of ["spans", "metrics", "spans+metrics", "spans+metrics+traceNode", "spans+metrics+content", "langfuse", "openinference", "openllmetry"]) {
    const v = over(m, "empty-handler");
    if (v !== undefined) parts.push(`${m} ${usSigned(v)} µs`);
  }
  const floor = over("otel-manual", "bare");
  const cpuParts: string[] = [];
  for (const r of rows) if (r.cpu.overEmptyUs !== undefined && r.mode !== "otel-manual") cpuParts.push(`${r.mode} ${usSigned(r.cpu.overEmptyUs.value)} µs`);
  if (parts.length > 0) out.push(`- Above the empty handler: ${parts.join(", ")}.${floor !== undefined ? ` Hand-written OTel spans cost ${Math.round(floor)} µs over bare.` : ""}`);
  if (cpuParts.length > 0) {
    const cpuFloor = rows.find((r) => r.mode === "otel-manual")?.cpu.overBareUs;
    out.push(`- On CPU time, above the empty handler: ${cpuParts.join(", ")}.${cpuFloor !== undefined ? ` Hand-written OTel spans: ${usSigned(cpuFloor.value)} µs over bare.` : ""}`);
  }
  for (const v of vs) {
    const rounds = v.perRound.length > 0 ? `per round ${v.perRound.map((x) => x.toFixed(2)).join(", ")}` : "one paired measurement";
    out.push(`- ${v.id}: ${v.pass === undefined ? "inconclusive (the reference difference was not positive)" : v.pass ? "met" : "not met"} — ratio ${v.ratio.toFixed(2)} against a limit of ${v.limit === 1 / 3 ? "1/3" : v.limit}; ${rounds}.`);
  }
  const noisy = vs.filter((v) => v.perRound.some((x) => x <= v.limit) && v.perRound.some((x) => x > v.limit));
  if (noisy.length > 0) out.push(`- Verdicts whose rounds disagree (noise is as large as the margin): ${noisy.map((v) => v.id).join("; ")}.`);
  const scattered = rows.filter((r) => r.tracesPerRun > 1);
  for (const r of scattered) out.push(`- ${r.mode}: one workflow run exported ${r.spansPerRun.toFixed(0)} spans in ${r.tracesPerRun} traces (its spans are not parented to one another in this setup).`);
  const ours = row("spans+metrics");
  const lf = row("langfuse");
  if (ours && lf) out.push(`- Spans per run: ours ${ours.spansPerRun.toFixed(0)} (workflow, node executions, LLM calls; LangGraph plumbing is skipped), Langfuse ${lf.spansPerRun.toFixed(0)}. Per span, ours costs ${ours.overEmptyUs ? Math.round(ours.overEmptyUs.value / ours.spansPerRun) : "—"} µs above the empty handler, Langfuse ${lf.overEmptyUs ? Math.round(lf.overEmptyUs.value / lf.spansPerRun) : "—"} µs.`);
  out.push(`- The peers run at their defaults, which capture inputs and outputs; ours does not by default (the spans+metrics+content row turns it on). Langfuse and OpenLLMetry handlers run in LangChain's background queue, which every run drains (awaitAllCallbacks) before its time is taken, so their full cost is counted.`);
  out.push(`- Machine load average (1/5/15 min) at start ${loads(report.machine.loadStart)}, at end ${loads(report.machine.loadEnd)} on ${report.machine.nproc} cores shared with other work: the per-round ranges show how much the numbers move.`);
  for (const s of report.sustained) {
    const growth = (s.heapEndBytes - s.heapStartBytes) / 1024 / 1024;
    if (s.variant === "discard") {
      out.push(`- Sustained, exporter discarding: ${s.runs} runs, heap ${mib(s.heapStartBytes)} → ${mib(s.heapEndBytes)} MiB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)}), activeRuns ${s.tracer.activeRuns}, ${s.failures} failed runs, ${s.tracer.internalErrors} internal errors.`);
    } else {
      out.push(
        `- Sustained, OTLP endpoint down: ${s.runs} runs, ${s.failures} failed; heap peaks at ${mib(s.heapMaxBytes)} MiB (the export queue holds at most 20,000 spans by default) and ends at ${mib(s.heapEndBytes)}; ${s.exportAtEnd?.dropped ?? "?"} spans dropped and counted by the end of the runs, ${s.exportAfterShutdown?.dropped ?? "?"} after shutdown (${s.shutdownMs !== undefined ? (s.shutdownMs / 1000).toFixed(1) : "?"} s, bounded by shutdownTimeoutMs); of ${s.spansMade ?? "?"} spans made, ${unaccounted(s)} unaccounted for.`,
      );
    }
  }
  if (report.scrape) {
    for (const shape of ["counter", "histogram"] as const) {
      const small = report.scrape.cases.find((c) => c.shape === shape && c.labelValues === 100);
      const big = report.scrape.cases.find((c) => c.shape === shape && c.labelValues === 10_000);
      if (small && big) out.push(`- Scrape, ${shape}: ${big.samples} samples render in ${ms(big.medianMs)} ms, ${(big.medianMs / small.medianMs).toFixed(0)}× the ${small.samples}-sample case (${(big.samples / small.samples).toFixed(0)}× the samples).`);
    }
  }
  return out.join("\n");
}

function allVerdicts(report: BenchReport): Verdict[] {
  return [
    ...verdicts(report.rounds, report.modes, "meanMs"),
    ...verdicts(report.rounds, report.modes, "cpuMsPerRun"),
    ...(report.paired !== undefined ? pairedVerdicts(report.paired) : []),
  ];
}

export function renderResults(report: BenchReport): string {
  const rows = aggregate(report.rounds, report.modes);
  const vs = allVerdicts(report);
  const m = report.machine;
  const s = report.settings;
  return `# Benchmark results

Generated by \`${report.command}\` on ${report.date} in ${(report.durationS / 60).toFixed(1)} min. Rerun to regenerate this file
(\`npm run bench\`; \`--quick\` for a short run; the options are listed at the top of \`bench/run.ts\`).

**Machine**: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memGiB.toFixed(0)} GiB, ${m.platform}, Node.js ${m.node}; shared with other work
(load average at start ${loads(m.loadStart)}, at end ${loads(m.loadEnd)}).
${report.library !== undefined ? `**Library measured**: ${report.library}.\n` : ""}**Packages**: ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(", ")}.

## Summary

${summaryTable(vs)}

## Method

The workload is a Text2Query-shaped LangGraph (\`bench/graph.ts\`): 5 nodes, 3 LLM calls, one correction loop
(intent → generate → validate ✗ → correct → validate ✓ → execute), on a chat model that answers at once with
real \`AIMessage\`s and usage, so all the time measured is framework and telemetry. Every mode runs in its own
process (\`node --expose-gc\`), ${s.rounds} rounds, mode order rotated each round; each process does ${s.warmup} warm-up runs,
then times ${s.runs} sequential \`graph.invoke\` calls (each followed by draining LangChain's background callback
queue; a turn of the event loop between runs is not timed). All span modes use the same SDK pipeline:
BasicTracerProvider → SimpleSpanProcessor → InMemorySpanExporter, cleared every ${s.clearEvery} runs in every mode,
with the async-hooks context manager enabled in every mode.

- **ms/run**: median over rounds of each round's mean per-run time (p50/p99 likewise).
- **µs over bare / empty handler**: per round, this mode's mean minus bare's (or the empty handler's) from the same
  round; the median over rounds, with the range over rounds. **×**: the same as a ratio of times.
- **heap after N**: \`heapUsed\` after \`global.gc()\` at the end of the timed runs (growth: since the end of warm-up).

${report.modes.map((mode) => `- \`${mode}\`: ${MODE_DESCRIPTIONS[mode]}`).join("\n")}

## Overhead per workflow run

${modeTable(rows)}

The same on CPU time (\`process.cpuUsage()\` of the whole process, all threads, over the timed loop, per run): it
does not count time the process waited for a core taken by other work, so it moves less on a shared machine; it
does count GC and compiler threads running beside the main one.

${cpuTable(rows)}

${rows.some((r) => Object.keys(r.health).length > 0) ? `Our tracer's health after each process (max over rounds): ${rows.filter((r) => Object.keys(r.health).length > 0).map((r) => `${r.mode} ${JSON.stringify(r.health)}`).join("; ")}.` : ""}

${report.paired !== undefined ? `### The same, in one process

The modes that patch nothing global (${report.paired.modes.map((m) => `\`${m.mode}\``).join(", ")}) once more, in one process (\`bench/paired.ts\`),
taking turns run by run with the order rotated every iteration: ${report.paired.warmup} warm-up and ${report.paired.iterations} timed iterations.
Each difference is the median over iterations of (this mode's run − the base's run of the same iteration), so a
slow moment of the machine falls on both sides of every difference. OpenInference and OpenLLMetry instrument
LangChain's CallbackManager for the whole process, so they appear only in the table above.

${pairedTable(report.paired)}

` : ""}Against the issue author's measurement (their machine, relative to their bare run):

${referenceTable(rows)}

## Targets

${vs.length > 0 ? verdictTable(vs) : "Not evaluated (needs the bare, empty-handler, otel-manual, spans+metrics and langfuse modes)."}

Each target is evaluated on wall-clock time (the figure the issue states), on CPU time, and on the one-process comparison. The second target is read two ways: strictly (our overhead over bare, which includes LangChain's cost of having
any handler, against the floor, which has no handler) and net of that handler cost.

## Sustained load

${report.sustained.length > 0 ? `${sustainedTable(report.sustained)}

${report.sustained.map(heapTimeline).join("\n")}

Spans and metrics on, nodes wrapped with \`traceNode\` (reports on), ${report.settings.sustainedParallel ? "both variants run side by side (so ms/run is not a latency figure)" : "variants run one after the other"}.
\`discard\`: SimpleSpanProcessor → an exporter that drops spans. \`otlp-down\`: \`setupTelemetry({ otlp: { url: <loopback port nothing listens on> }, register: false, env: {}, log: () => {}, metrics })\`.` : "Not run."}

## \`/metrics\` scrape cost

${report.scrape ? `${scrapeTable(report.scrape)}

\`registry.metrics()\` on a WorkflowMetrics registry (\`maxLabelValues\` raised above the count), median of ${report.scrape.renders} renders after 3 warm-up renders.
\`counter\`: N intents recorded (N series of \`langgraph_queries_total\`, plus the fixed families). \`histogram\`: N tools
recorded (N series of \`langgraph_tool_calls_total\` and N histograms of \`langgraph_tool_duration_seconds\`, 16 samples each).` : "Not run."}

## Interpretation

${interpretation(report, rows, vs)}

## Spans of one run, per mode

${rows.map((r) => `- ${r.mode} (${r.spanNames.length}): ${r.spanNames.length > 0 ? r.spanNames.map((n) => `\`${n}\``).join(", ") : "none"}`).join("\n")}
`;
}

export function renderStdout(report: BenchReport): string {
  const rows = aggregate(report.rounds, report.modes);
  const vs = allVerdicts(report);
  const pad = (v: string, n: number) => v.padStart(n);
  const lines = [
    "",
    `${"mode".padEnd(24)}${pad("ms/run", 8)}${pad("µs>bare", 9)}${pad("×bare", 7)}${pad("µs>empty", 10)}${pad("×empty", 8)}${pad("cpu ms", 8)}${pad("cpu µs>empty", 13)}${pad("spans", 7)}${pad("heapMiB", 9)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.mode.padEnd(24)}${pad(ms(r.meanMs.value), 8)}${pad(r.overBareUs ? usSigned(r.overBareUs.value) : "—", 9)}${pad(ratio(r.overBareRatio), 7)}${pad(r.overEmptyUs ? usSigned(r.overEmptyUs.value) : "—", 10)}${pad(ratio(r.overEmptyRatio), 8)}${pad(ms(r.cpu.ms.value), 8)}${pad(r.cpu.overEmptyUs ? usSigned(r.cpu.overEmptyUs.value) : "—", 13)}${pad(r.spansPerRun.toFixed(1), 7)}${pad(r.heapAfterMiB.toFixed(1), 9)}`,
    );
  }
  lines.push("");
  for (const v of vs) lines.push(`${verdictWord(v).padEnd(4)}  ${v.id}: ${v.ratio.toFixed(2)} (limit ${v.limit === 1 / 3 ? "1/3" : v.limit}) — ${v.detail}`);
  for (const s of report.sustained) {
    lines.push(
      `sustained ${s.variant}: ${s.runs} runs, ${s.failures} failed, heap ${mib(s.heapStartBytes)} → ${mib(s.heapEndBytes)} MiB (max ${mib(s.heapMaxBytes)}), activeRuns ${s.tracer.activeRuns}${s.exportAtEnd ? `, dropped ${s.exportAtEnd.dropped} (${s.exportAfterShutdown?.dropped ?? "?"} after shutdown)` : ""}`,
    );
  }
  for (const c of report.scrape?.cases ?? []) lines.push(`scrape ${c.shape} ${c.labelValues} values (${c.samples} samples): ${ms(c.medianMs)} ms`);
  lines.push("");
  return lines.join("\n");
}
