/**
 * Content negotiation for /metrics, and conversion between the two text formats prom-client writes.
 *
 * A prom-client Registry has one content type, and switching it per scrape would race between concurrent
 * scrapes (and, in OpenMetrics mode, prom-client renames counter objects in place). So the registry is always
 * read in its own format and the other is derived from that text: OpenMetrics → Prometheus drops exemplars
 * and `# EOF` and restores the `_total` counter family names; Prometheus → OpenMetrics does the reverse
 * (a plain registry has no exemplars to give).
 */

export const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/**
 * True when the Accept header ranks OpenMetrics at least as high as plain text (Prometheus sends
 * `application/openmetrics-text;version=1.0.0,…;q=0.75,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`).
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes("openmetrics")) return false;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    let q = 1;
    let version: string | undefined;
    for (const p of params) {
      const eq = p.indexOf("=");
      const key = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim().replace(/^"|"$/g, "");
      if (key === "q") q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else if (key === "version") version = value;
    }
    if (type === "application/openmetrics-text") {
      if (version === undefined || version === "1.0.0" || version === "0.0.1") openMetrics = Math.max(openMetrics, q);
    } else if (type === "text/plain" || type === "text/*" || type === "*/*") {
      text = Math.max(text, q);
    }
  }
  return openMetrics > 0 && openMetrics >= text;
}

interface FamilyText {
  name: string;
  type: string;
  /** Unescaped help text. */
  help: string | undefined;
  samples: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n|")/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function parseFamilies(text: string): FamilyText[] {
  const families: FamilyText[] = [];
  let current: FamilyText | undefined;
  const familyNamed = (name: string): FamilyText => {
    if (current === undefined || current.name !== name) {
      current = { name, type: "untyped", help: undefined, samples: [] };
      families.push(current);
    }
    return current;
  };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (meta === null) continue; // # EOF, # UNIT, comments
      const family = familyNamed(meta[2]!);
      if (meta[1] === "HELP") family.help = unescapeHelp(meta[3] ?? "");
      else family.type = (meta[3] ?? "untyped").trim();
      continue;
    }
    if (current === undefined) familyNamed(METRIC_NAME.exec(line)?.[0] ?? "unknown");
    current!.samples.push(line);
  }
  return families;
}

/** A sample line without its OpenMetrics exemplar (` # {trace_id="…"} 0.42 1700000000.000`). */
function withoutExemplar(line: string): string {
  let i = METRIC_NAME.exec(line)?.[0].length ?? 0;
  if (line[i] === "{") {
    // Skip the label set, whose quoted values may contain anything, including " # ".
    let quoted = false;
    for (i++; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === "\\") i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === "}") break;
    }
  }
  const hash = line.indexOf(" # ", i);
  return hash === -1 ? line : line.slice(0, hash);
}

/** Renames the metric name at the start of a sample line. */
function renamed(line: string, from: string, to: string): string {
  return line.startsWith(from) && (line[from.length] === "{" || line[from.length] === " ") ? to + line.slice(from.length) : line;
}

/** OpenMetrics text (as an OpenMetrics prom-client registry writes it) → Prometheus text format 0.0.4. */
export function openMetricsToPrometheus(text: string): string {
  const out: string[] = [];
  for (const f of parseFamilies(text)) {
    const counter = f.type === "counter";
    const name = counter && !f.name.endsWith("_total") ? `${f.name}_total` : f.name;
    const lines: string[] = [];
    if (f.help !== undefined) lines.push(`# HELP ${name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    lines.push(`# TYPE ${name} ${f.type === "unknown" ? "untyped" : f.type}`);
    for (const s of f.samples) lines.push(withoutExemplar(s));
    out.push(lines.join("\n"));
  }
  return `${out.join("\n\n")}\n`;
}

/** Prometheus text format 0.0.4 (as a plain prom-client registry writes it) → OpenMetrics 1.0.0 text. */
export function prometheusToOpenMetrics(text: string): string {
  const lines: string[] = [];
  for (const f of parseFamilies(text)) {
    const counter = f.type === "counter";
    // OpenMetrics counters: family `x`, samples `x_total`.
    const name = counter ? f.name.replace(/_total$/, "") : f.name;
    if (f.help !== undefined) lines.push(`# HELP ${name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}`);
    lines.push(`# TYPE ${name} ${f.type === "untyped" ? "unknown" : f.type}`);
    for (const s of f.samples) lines.push(counter ? renamed(s, name, `${name}_total`) : s);
  }
  lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}
