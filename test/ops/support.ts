import { until as untilValue } from "../support/wait.js";
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { asList, asMap, asString, parseYaml, type Yaml } from "./yaml.js";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const deploy = join(root, "deploy");
export const rulesDir = join(deploy, "prometheus", "rules");
export const promtoolTestsDir = join(deploy, "prometheus", "tests");
export const dashboardsDir = join(deploy, "grafana", "dashboards");

/**
 * The path of a tool from Debian's packages (as .ci/run installs them). A missing tool fails the test with
 * the package to install: these tests prove the ops pack with the real binaries, never skip.
 */
export function tool(names: string[], debianPackage: string): string {
  for (const name of names) {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  throw new Error(`${names.join(" / ")} not found: install Debian's ${debianPackage} package (apt-get install -y ${debianPackage}), as .ci/run does`);
}

export const promtool = () => tool(["promtool"], "prometheus");
export const prometheus = () => tool(["prometheus"], "prometheus");
export const amtool = () => tool(["amtool"], "prometheus-alertmanager");
/** Debian names the server prometheus-alertmanager; upstream tarballs name it alertmanager. */
export const alertmanager = () => tool(["prometheus-alertmanager", "alertmanager"], "prometheus-alertmanager");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; never throws on a non-zero exit (the caller asserts on it). */
export function run(file: string, args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? root, timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error !== null && typeof error.code !== "number" ? `\n${error.message}` : "") });
    });
  });
}

/** Runs async jobs with at most `limit` at once (promtool runs use both cores of CI). */
export async function limited<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

export { freePort } from "../support/wait.js";

/** Polls `probe` until it returns a value other than undefined (slower defaults: these wait on Prometheus). */
export function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  return untilValue(what, probe, timeoutMs, intervalMs);
}

/** A child process with its output kept (the tail), stoppable by its own pid only. */
export class Proc {
  readonly child: ChildProcess;
  private out = "";
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    file: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.child = spawn(file, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => (this.out = (this.out + chunk.toString()).slice(-20_000));
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  get output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.running && this.child.kill("SIGKILL"), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

export function readYaml(path: string): Yaml {
  return parseYaml(readFileSync(path, "utf8"), path);
}

// ---------------------------------------------------------------------------------------------- rules

export interface Rule {
  file: string;
  group: string;
  kind: "alert" | "record";
  name: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function ruleFiles(): string[] {
  return readdirSync(rulesDir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((f) => join(rulesDir, f));
}

function stringMap(value: Yaml | undefined, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const map = asMap(value, where);
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, asString(v, `${where}.${k}`)]));
}

/** Every rule of deploy/prometheus/rules, read with the strict YAML reader. */
export function loadRules(): Rule[] {
  const rules: Rule[] = [];
  for (const file of ruleFiles()) {
    const doc = asMap(readYaml(file), file);
    for (const [g, groupYaml] of asList(doc.groups, `${file}: groups`).entries()) {
      const group = asMap(groupYaml, `${file}: groups[${g}]`);
      const groupName = asString(group.name, `${file}: groups[${g}].name`);
      for (const [i, ruleYaml] of asList(group.rules, `${file}: ${groupName}.rules`).entries()) {
        const where = `${file}: ${groupName}.rules[${i}]`;
        const rule = asMap(ruleYaml, where);
        const kind = rule.alert !== undefined ? "alert" : "record";
        const name = asString(kind === "alert" ? rule.alert : rule.record, `${where} name`);
        rules.push({
          file,
          group: groupName,
          kind,
          name,
          expr: asString(rule.expr, `${where}.expr`),
          ...(rule.for !== undefined ? { for: asString(rule.for, `${where}.for`) } : {}),
          labels: stringMap(rule.labels, `${where}.labels`),
          annotations: stringMap(rule.annotations, `${where}.annotations`),
        });
      }
    }
  }
  return rules;
}

export function promtoolTestFiles(): string[] {
  return readdirSync(promtoolTestsDir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((f) => join(promtoolTestsDir, f));
}

// ---------------------------------------------------------------------------------------------- dashboards

export interface PanelTarget {
  dashboard: string;
  panel: string;
  panelType: string;
  refId: string;
  expr: string;
  exemplar: boolean;
  datasourceUid: unknown;
}

export interface Dashboard {
  file: string;
  json: Record<string, any>;
}

export function dashboards(): Dashboard[] {
  return readdirSync(dashboardsDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(dashboardsDir, f), "utf8")) as Record<string, any> }));
}

/** Panels of a dashboard, including those nested in collapsed rows. */
export function panelsOf(dashboard: Record<string, any>): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  for (const panel of (dashboard.panels ?? []) as Array<Record<string, any>>) {
    out.push(panel);
    if (Array.isArray(panel.panels)) out.push(...(panel.panels as Array<Record<string, any>>));
  }
  return out;
}

export function panelTargets(): PanelTarget[] {
  const out: PanelTarget[] = [];
  for (const d of dashboards()) {
    for (const panel of panelsOf(d.json)) {
      for (const target of (panel.targets ?? []) as Array<Record<string, any>>) {
        out.push({
          dashboard: String(d.json.uid),
          panel: String(panel.title),
          panelType: String(panel.type),
          refId: String(target.refId),
          expr: String(target.expr ?? ""),
          exemplar: target.exemplar === true,
          datasourceUid: target.datasource?.uid,
        });
      }
    }
  }
  return out;
}

/** Grafana's built-in interval variables, as the e2e test sends them to Prometheus. */
export const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: "1m", $__interval: "15s", $__range: "10m" };

export function substituteGrafanaVariables(expr: string): string {
  let out = expr;
  for (const [name, value] of Object.entries(GRAFANA_VARIABLES)) out = out.split(name).join(value);
  const left = /\$\{?[A-Za-z_]\w*/.exec(out);
  if (left) throw new Error(`unsubstituted variable ${left[0]} in ${expr}`);
  return out;
}

// ---------------------------------------------------------------------------------------------- PromQL

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2"]);

/** Series names an expression selects (metric and recording-rule names), not functions, keywords or labels. */
export function selectedNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\(?))/g)) {
    const name = m[0];
    if (m[1] === "(" || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** GitHub's heading anchors: lower case, punctuation other than - and _ removed, spaces to -. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

export function runbookAnchors(): Set<string> {
  const text = readFileSync(join(deploy, "RUNBOOK.md"), "utf8");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => githubAnchor(m[1]!)));
}

// ---------------------------------------------------------------------------------------------- compose

/** The compose file's top-level secrets: name → the environment variable compose creates it from. */
export function composeSecrets(): Record<string, string> {
  const compose = asMap(readYaml(join(deploy, "docker-compose.yml")), "docker-compose.yml");
  const secrets = asMap(compose.secrets, "docker-compose.yml: secrets");
  return Object.fromEntries(Object.entries(secrets).map(([name, s]) => [name, asString(asMap(s, `secrets.${name}`).environment, `secrets.${name}.environment`)]));
}

/**
 * Alertmanager's configuration as compose runs it: deploy/alertmanager copied where compose mounts it
 * (/etc/alertmanager, here `<dir>/alertmanager`), and each compose secret written from its environment
 * variable into a file (compose: /run/secrets/<name>; here `<dir>/secrets/<name>`), the config pointing there.
 * `pagerDutyUrl` replaces the PagerDuty Events API URL (tests point it at a loopback receiver).
 */
export function composeAlertmanager(dir: string, env: Record<string, string>, pagerDutyUrl?: string): string {
  const configDir = join(dir, "alertmanager");
  const secretsDir = join(dir, "secrets");
  mkdirSync(secretsDir, { recursive: true });
  cpSync(join(deploy, "alertmanager"), configDir, { recursive: true });
  for (const [name, variable] of Object.entries(composeSecrets())) {
    const value = env[variable];
    if (value === undefined) throw new Error(`compose secret ${name} needs ${variable} in the environment`);
    writeFileSync(join(secretsDir, name), value);
  }
  const file = join(configDir, "alertmanager.yml");
  let text = readFileSync(file, "utf8").split("/run/secrets/").join(`${secretsDir}/`);
  if (pagerDutyUrl !== undefined) {
    const official = "url: https://events.pagerduty.com/v2/enqueue";
    if (!text.includes(official)) throw new Error(`alertmanager.yml has no "${official}" to point at the test receiver`);
    text = text.split(official).join(`url: ${pagerDutyUrl}`);
  }
  writeFileSync(file, text);
  return file;
}
