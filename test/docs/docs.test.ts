/**
 * The README is the front door and the guides say what the code does: every link leads somewhere, every guide
 * is reachable from the README, and the option, metric and price tables list exactly what the code accepts and
 * makes (read from the code's own answers: its unknown-option errors and its exported constants).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES, RecentTraces, setupTelemetry, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { KNOWN_HOSTS, LOCAL_PORTS } from "../../src/llm/provider.js";
import { PriceBook } from "../../src/pricing/pricing.js";
import { tokenUsage } from "../../src/shared/llm-call.js";

/** The catalogue's provider column as the tracer names providers (`gen_ai.provider.name`). */
const providerName = (p: string) => ({ openai: "openai", anthropic: "anthropic", google: "gcp.gemini", mistral: "mistral_ai" })[p];
import { HTTP_METRIC_NAMES, httpMetrics, jsonErrorHandler, telemetryConsole, telemetryRouter, traceContext } from "../../src/express/index.js";
import { anchorsOf, docFiles, proseLines, root } from "./markdown.js";

/** The rows (cells, trimmed) of the first table under `heading` whose header row starts with `header`. */
function table(file: string, heading: string, header: string): string[][] {
  const lines = proseLines(file).map((l) => l.text);
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#+\s+/, "").startsWith(heading));
  if (start < 0) throw new Error(`${file}: no heading "${heading}"`);
  let i = start + 1;
  while (i < lines.length && !/^#{1,6}\s/.test(lines[i]!) && !lines[i]!.startsWith(`| ${header}`)) i++;
  if (i >= lines.length || !lines[i]!.startsWith(`| ${header}`)) throw new Error(`${file}: no table "| ${header}" under "${heading}"`);
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith("|"); i++) {
    rows.push(lines[i]!.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

/** Option names of a table's first column: each `name` that starts the cell or follows ", ". */
function optionNames(rows: string[][]): string[] {
  return rows.flatMap((r) => [...r[0]!.matchAll(/(?:^|, )`(\w+)/g)].map((m) => m[1]!)).sort();
}

/** The known options a constructor lists when handed an unknown one. */
function knownOptions(construct: () => unknown): string[] {
  try {
    construct();
  } catch (error) {
    const message = String((error as Error).message);
    const list = /known options \(([^)]*)\)/.exec(message)?.[1] ?? /Expected one of ([^.]*)\./.exec(message)?.[1];
    if (list !== undefined) return list.split(", ").sort();
    throw error;
  }
  throw new Error("an unknown option was accepted");
}

const unknown = { notAnOption: true } as never;

describe("README.md and docs/", () => {
  it("make a front door: a README of at most 12 KB, with no visible placeholder, that keeps the test command CI runs", () => {
    expect(statSync(`${root}/README.md`).size).toBeLessThanOrEqual(12 * 1024);
    const readme = readFileSync(`${root}/README.md`, "utf8");
    expect(readme).not.toMatch(/placeholder|TODO|TBD|<!--/i);
    expect(readme).toMatch(/^npm test\b/m);
  });

  it("are navigable: every guide is linked from the README, every link leads to a file and a heading that exist", () => {
    const readme = readFileSync(`${root}/README.md`, "utf8");
    const guides = docFiles().filter((f) => f.startsWith("docs/"));
    expect(guides.length).toBeGreaterThanOrEqual(10);
    expect(guides.filter((g) => !readme.includes(`](${g})`))).toEqual([]);

    const broken: string[] = [];
    for (const file of docFiles()) {
      for (const { line, text } of proseLines(file)) {
        for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = m[1]!;
          if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
          const [pathPart, anchor] = target.split("#") as [string, string | undefined];
          const resolved = pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
          if (!existsSync(`${root}/${resolved}`)) broken.push(`${file}:${line}: ${target} (no file ${resolved})`);
          else if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor)) broken.push(`${file}:${line}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("option tables list exactly the options the code accepts", () => {
  const cases: Array<[string, string, () => unknown]> = [
    ["docs/tracer.md", "Options", () => new WorkflowTracer(unknown)],
    ["docs/metrics.md", "Options", () => new WorkflowMetrics(unknown)],
    ["docs/express.md", "`telemetryRouter(options)`", () => telemetryRouter(unknown)],
    ["docs/express.md", "`httpMetrics(options)`", () => httpMetrics(unknown)],
    ["docs/express.md", "`traceContext(options)`", () => traceContext(unknown)],
    ["docs/express.md", "`jsonErrorHandler(options)`", () => jsonErrorHandler(unknown)],
    ["docs/console.md", "Telemetry console", () => telemetryConsole(unknown)],
    ["docs/console.md", "Recent traces in memory", () => new RecentTraces(unknown)],
  ];
  for (const [file, heading, construct] of cases) {
    it(`${file}, ${heading}`, () => {
      expect(optionNames(table(file, heading, "option"))).toEqual(knownOptions(construct));
    });
  }

  it("docs/export.md, setupTelemetry", async () => {
    const error = await setupTelemetry(unknown).then(() => undefined, (e: unknown) => e);
    expect(optionNames(table("docs/export.md", "Options", "option"))).toEqual(knownOptions(() => {
      throw error;
    }));
  });
});

describe("metric and price tables match the code", () => {
  it("docs/metrics.md lists every WorkflowMetrics metric", () => {
    const names = table("docs/metrics.md", "Metrics", "metric").map((r) => r[0]!.replace(/`/g, ""));
    expect(names.sort()).toEqual(Object.values(METRIC_NAMES).sort());
  });

  it("docs/express.md lists every httpMetrics metric", () => {
    const names = table("docs/express.md", "`httpMetrics(options)`", "metric").map((r) => r[0]!.replace(/`/g, ""));
    expect(names.sort()).toEqual(Object.values(HTTP_METRIC_NAMES).sort());
  });

  it("docs/metrics.md's rates are the catalogue's", () => {
    const rate = (cell: string) => (cell === "—" ? undefined : Number(cell));
    const book = new PriceBook();
    const rows = table("docs/metrics.md", "Rates of common models", "model");
    expect(rows.length).toBeGreaterThan(5);
    for (const [model, provider, input, cacheRead, cacheWrite, output, reasoning] of rows) {
      const name = model!.replace(/`/g, "");
      const cost = (input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number) =>
        book.price({ provider: providerName(provider!)!, model: name, local: false }, tokenUsage(input, cacheRead, cacheWrite, output, reasoning), Date.now())!.cost;
      const m = 1e6;
      expect(cost(m, 0, 0, 0, 0).input, name).toBeCloseTo(rate(input!)!, 12);
      expect(cost(0, m, 0, 0, 0).cacheRead, name).toBeCloseTo(rate(cacheRead!) ?? rate(input!)!, 12);
      expect(cost(0, 0, m, 0, 0).cacheWrite, name).toBeCloseTo(rate(cacheWrite!) ?? rate(input!)!, 12);
      expect(cost(0, 0, 0, m, 0).output, name).toBeCloseTo(rate(output!)!, 12);
      expect(cost(0, 0, 0, 0, m).reasoning, name).toBeCloseTo(rate(reasoning!) ?? rate(output!)!, 12);
    }
  });

  it("docs/metrics.md's host table is the one the tracer reads providers from", () => {
    const rows = table("docs/metrics.md", "Which model, which provider", "host").map(([host, provider]) => [host!.replace(/`/g, ""), provider!.replace(/`/g, "")]);
    const local = Object.entries(LOCAL_PORTS).map(([port, provider]) => [`localhost:${port}`, `${provider} (local)`]);
    expect(rows.sort()).toEqual([...KNOWN_HOSTS.map(([host, provider]) => [host.startsWith(".") || host.startsWith("-") ? `*${host}` : host, provider]), ...local].sort());
  });
});

describe("docs/benchmarks.md", () => {
  /** A documented figure ("+5.9 ms", "+0.90 ms") agrees with a measured one in µs to the digits shown. */
  function agrees(cell: string, us: number): boolean {
    const m = /^\+(\d+)\.(\d+) ms/.exec(cell);
    if (!m) return false;
    const shown = Number(`${m[1]}.${m[2]}`);
    return Math.abs(shown - us / 1000) <= 0.5 * 10 ** -m[2]!.length + 1e-9;
  }

  it("reports the one-process numbers of the last run (bench/results.json)", () => {
    const results = JSON.parse(readFileSync(`${root}/bench/results.json`, "utf8")) as { paired: { modes: Array<{ mode: string; overBareUs: number | null; overEmptyUs: number | null }> } };
    const paired = Object.fromEntries(results.paired.modes.map((m) => [m.mode, m]));
    const rows = Object.fromEntries(table("docs/benchmarks.md", "Benchmarks", "|").map((r) => [r[0]!, r]));
    const expected: Array<[string, string, "overBareUs" | "overEmptyUs", number]> = [
      ["any callback handler at all (LangChain's own cost)", "empty-handler", "overBareUs", 1],
      ["hand-written OpenTelemetry spans (the floor, no handler)", "otel-manual", "overBareUs", 1],
      ["ours, spans + metrics", "spans+metrics", "overBareUs", 1],
      ["ours, spans + metrics", "spans+metrics", "overEmptyUs", 2],
      ["ours, spans + metrics + content capture", "spans+metrics+content", "overBareUs", 1],
      ["ours, spans + metrics + content capture", "spans+metrics+content", "overEmptyUs", 2],
      ["`@langfuse/langchain`", "langfuse", "overBareUs", 1],
      ["`@langfuse/langchain`", "langfuse", "overEmptyUs", 2],
    ];
    const disagree = expected.filter(([row, mode, field, column]) => !agrees(rows[row]?.[column] ?? "", paired[mode]![field]!));
    expect(disagree).toEqual([]);
    const ratio = paired["spans+metrics"]!.overEmptyUs! / paired.langfuse!.overEmptyUs!;
    expect(readFileSync(`${root}/docs/benchmarks.md`, "utf8")).toContain(`is ${ratio.toFixed(2)}× Langfuse's in one process`);
  });
});
