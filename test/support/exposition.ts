import type { Registry, RegistryContentType } from "prom-client";

/** One sample line of a Prometheus or OpenMetrics text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: { labels: Record<string, string>; value: number };
}

export interface Family {
  name: string;
  type: string | undefined;
  help: string | undefined;
  samples: Sample[];
}

const LABELS = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const m of text.matchAll(LABELS)) labels[m[1]!] = m[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
  return labels;
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*?)\})?\s+(\S+)(?:\s+\S+)?(?:\s+#\s+\{(.*?)\}\s+(\S+)(?:\s+\S+)?)?$/;

/** Parses exposition text into metric families (by the name in `# TYPE`), keeping sample order. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, type: undefined, help: undefined, samples: [] }));
    return f;
  };
  let current: Family | undefined;
  for (const line of text.split("\n")) {
    if (line === "" || line === "# EOF") continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      current = family(meta[2]!);
      if (meta[1] === "HELP") current.help = meta[3];
      else current.type = meta[3];
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const sample: Sample = { name: m[1]!, labels: parseLabels(m[2]), value: parseValue(m[3]!) };
    if (m[4] !== undefined) sample.exemplar = { labels: parseLabels(m[4]), value: parseValue(m[5]!) };
    const owner = current && m[1]!.startsWith(current.name) ? current : family(m[1]!);
    owner.samples.push(sample);
  }
  return families;
}

/** Reads values out of a registry's exposition the way a Prometheus query would see them. */
export class Scrape {
  readonly families: Map<string, Family>;
  constructor(readonly text: string) {
    this.families = parseExposition(text);
  }

  static async of(registry: Registry<RegistryContentType>): Promise<Scrape> {
    return new Scrape(await registry.metrics());
  }

  /** Every sample named `name` (e.g. `x_bucket`) whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    const out: Sample[] = [];
    for (const f of this.families.values()) {
      for (const s of f.samples) {
        if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(s);
      }
    }
    return out;
  }

  /** The value of the one sample matching; throws (naming what is there) when there is not exactly one. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples(name, labels);
    if (found.length !== 1) {
      const there = this.samples(name).map((s) => JSON.stringify(s.labels));
      throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}; present: ${there.join(" ") || "none"}`);
    }
    return found[0]!.value;
  }

  /** Sum over the samples matching (0 when none), like `sum(name{labels})`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((a, s) => a + s.value, 0);
  }

  /** Distinct values of one label across the samples of `name`. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.samples(name).map((s) => s.labels[label]).filter((v): v is string => v !== undefined))].sort();
  }
}
