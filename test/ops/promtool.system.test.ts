import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dashboards,
  deploy,
  limited,
  loadRules,
  promtool,
  promtoolTestFiles,
  readYaml,
  ruleFiles,
  run,
  runbookAnchors,
  selectedNames,
  type RunResult,
} from "./support.js";
import { asList, asMap, asString, type Yaml } from "./yaml.js";

const rules = loadRules();
const alerts = rules.filter((r) => r.kind === "alert");
const records = rules.filter((r) => r.kind === "record");

interface AlertCase {
  file: string;
  group: string;
  alertname: string;
  evalTime: string;
  expected: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
}

/** The alert_rule_test and promql_expr_test cases of every promtool test file. */
function loadCases(): { alertCases: AlertCase[]; exprCases: Array<{ file: string; expr: string; samples: number }> } {
  const alertCases: AlertCase[] = [];
  const exprCases: Array<{ file: string; expr: string; samples: number }> = [];
  for (const file of promtoolTestFiles()) {
    const doc = asMap(readYaml(file), file);
    for (const [g, groupYaml] of asList(doc.tests, `${file}: tests`).entries()) {
      const group = asMap(groupYaml, `${file}: tests[${g}]`);
      const name = typeof group.name === "string" ? group.name : `tests[${g}]`;
      for (const caseYaml of (group.alert_rule_test ?? []) as Yaml[]) {
        const c = asMap(caseYaml, `${file}: ${name} alert_rule_test`);
        alertCases.push({
          file: basename(file),
          group: name,
          alertname: asString(c.alertname, `${file}: ${name} alertname`),
          evalTime: asString(c.eval_time, `${file}: ${name} eval_time`),
          expected: ((c.exp_alerts ?? []) as Yaml[]).map((a) => {
            const alert = asMap(a, `${file}: ${name} exp_alerts`);
            const strings = (m: Yaml | undefined) => Object.fromEntries(Object.entries(m === undefined || m === null ? {} : asMap(m, `${file}: ${name}`)).map(([k, v]) => [k, String(v)]));
            return { labels: strings(alert.exp_labels), annotations: strings(alert.exp_annotations) };
          }),
        });
      }
      for (const caseYaml of (group.promql_expr_test ?? []) as Yaml[]) {
        const c = asMap(caseYaml, `${file}: ${name} promql_expr_test`);
        exprCases.push({ file: basename(file), expr: asString(c.expr, `${file}: ${name} expr`), samples: ((c.exp_samples ?? []) as Yaml[]).length });
      }
    }
  }
  return { alertCases, exprCases };
}

describe("Prometheus configuration and rules (promtool)", () => {
  let bin: string;
  let dir: string;
  let tested: Map<string, RunResult>;
  let roundTripped: Map<string, RunResult>;
  let mutated: RunResult;

  beforeAll(async () => {
    bin = promtool();
    dir = mkdtempSync(join(tmpdir(), "ops-promtool-"));
    // The YAML reader's reading of every test file, written back as JSON (which is YAML) with absolute rule
    // paths: if the reader dropped or changed anything promtool relies on, promtool fails on these.
    const jsonCopies = promtoolTestFiles().map((file) => {
      const doc = asMap(readYaml(file), file);
      doc.rule_files = asList(doc.rule_files, `${file}: rule_files`).map((r) => resolve(dirname(file), asString(r, "rule_files[]")));
      const copy = join(dir, basename(file).replace(/\.yml$/, ".json.yml"));
      writeFileSync(copy, JSON.stringify(doc, null, 1));
      return { file, copy };
    });
    // The tests must notice a broken rule: the "degraded" case of the alerts tests, run against a copy of the
    // alert rules whose warning error-rate threshold was raised from 10% to 30%.
    const alertRules = join(deploy, "prometheus", "rules", "text2query-alerts.yml");
    const source = readFileSync(alertRules, "utf8");
    expect(source).toContain("expr: service:text2query_query_errors:ratio_rate5m > 0.10\n");
    const brokenRules = join(dir, "broken-alerts.yml");
    writeFileSync(brokenRules, source.replace("expr: service:text2query_query_errors:ratio_rate5m > 0.10\n", "expr: service:text2query_query_errors:ratio_rate5m > 0.30\n"));
    const alertTests = asMap(readYaml(join(deploy, "prometheus", "tests", "text2query-alerts.test.yml")), "alerts tests");
    const degraded = asList(alertTests.tests, "tests").filter((t) => asMap(t, "test").name === "degraded, 20% of runs fail");
    expect(degraded).toHaveLength(1);
    const mutation = join(dir, "mutation.yml");
    writeFileSync(
      mutation,
      JSON.stringify({ ...alertTests, rule_files: [join(deploy, "prometheus", "rules", "text2query-recording.yml"), brokenRules, join(deploy, "prometheus", "rules", "text2query-slo.yml")], tests: degraded }),
    );

    const jobs: Array<() => Promise<[string, RunResult]>> = [
      ...promtoolTestFiles().map((f) => async () => [`yaml:${f}`, await run(bin, ["test", "rules", f])] as [string, RunResult]),
      ...jsonCopies.map(({ file, copy }) => async () => [`json:${file}`, await run(bin, ["test", "rules", copy])] as [string, RunResult]),
      async () => ["mutation", await run(bin, ["test", "rules", mutation])],
    ];
    const results = new Map(await limited(jobs, 2));
    tested = new Map(promtoolTestFiles().map((f) => [f, results.get(`yaml:${f}`)!]));
    roundTripped = new Map(promtoolTestFiles().map((f) => [f, results.get(`json:${f}`)!]));
    mutated = results.get("mutation")!;
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("promtool check config: prometheus.yml is valid and its rule_files glob finds every rule file", async () => {
    const r = await run(bin, ["check", "config", join(deploy, "prometheus", "prometheus.yml")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${ruleFiles().length} rule files found`);
    for (const file of ruleFiles()) {
      const count = rules.filter((rule) => rule.file === file).length;
      expect(r.stdout).toContain(`Checking ${file}\n  SUCCESS: ${count} rules found`);
    }
  });

  it("promtool check rules: every rule file is valid and holds the rules the YAML reader found", async () => {
    const r = await run(bin, ["check", "rules", ...ruleFiles()]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const file of ruleFiles()) {
      const count = rules.filter((rule) => rule.file === file).length;
      expect(count).toBeGreaterThan(0);
      expect(r.stdout).toContain(`Checking ${file}\n  SUCCESS: ${count} rules found`);
    }
    expect(alerts.length).toBeGreaterThanOrEqual(19);
    expect(records.length).toBeGreaterThanOrEqual(27);
  });

  it("promtool test rules: every test file passes", () => {
    expect(promtoolTestFiles().length).toBeGreaterThanOrEqual(4);
    for (const [file, r] of tested) {
      expect(r.code, `${file}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
    }
  });

  it("the tests fail when a rule breaks: a 30% threshold for the 10% error-rate warning fails its firing case", () => {
    expect(mutated.code).not.toBe(0);
    expect(mutated.stdout + mutated.stderr).toMatch(/FAILED[\s\S]*alertname: Text2QueryHighErrorRate, time: 10m/);
  });

  it("the YAML reader reads the test files as promtool does (its reading, as JSON, passes promtool too)", () => {
    for (const [file, r] of roundTripped) expect(r.code, `${file} as read:\n${r.stdout}${r.stderr}`).toBe(0);
  });

  it("every alert rule fires in a test that asserts its labels and annotations, and every alert stays quiet in one", () => {
    const { alertCases } = loadCases();
    const missing: string[] = [];
    for (const rule of alerts) {
      const severity = rule.labels.severity;
      const firing = alertCases.filter((c) => c.alertname === rule.name && c.expected.some((e) => e.labels.severity === severity));
      if (firing.length === 0) missing.push(`${rule.name} (${severity}): no firing case`);
      for (const c of firing) {
        for (const e of c.expected.filter((x) => x.labels.severity === severity)) {
          // Every label and annotation of the rule is asserted (annotations rendered, so compared by key).
          for (const [k, v] of Object.entries(rule.labels)) if (e.labels[k] !== v) missing.push(`${rule.name} (${severity}) in "${c.group}": label ${k} not asserted as ${v}`);
          for (const k of Object.keys(rule.annotations)) if (!(k in e.annotations)) missing.push(`${rule.name} (${severity}) in "${c.group}": annotation ${k} not asserted`);
        }
      }
      if (!alertCases.some((c) => c.alertname === rule.name && c.expected.length === 0)) missing.push(`${rule.name}: no quiet case (exp_alerts: [])`);
    }
    for (const c of alertCases) if (!alerts.some((r) => r.name === c.alertname)) missing.push(`test case for unknown alert ${c.alertname} in ${c.file}`);
    expect(missing).toEqual([]);
  });

  it("every recording rule is tested with expected samples", () => {
    const { exprCases } = loadCases();
    const untested = records.filter((r) => !exprCases.some((c) => c.expr.trim() === r.name && c.samples > 0)).map((r) => r.name);
    expect(untested).toEqual([]);
  });

  it("alerts are labelled for routing and annotated for the on-call: severity, team, service; summary, description, runbook, dashboard", () => {
    const anchors = runbookAnchors();
    const uids = new Set(dashboards().map((d) => String(d.json.uid)));
    const problems: string[] = [];
    const runbookBase = new Set<string>();
    for (const rule of alerts) {
      if (!["critical", "warning"].includes(rule.labels.severity ?? "")) problems.push(`${rule.name}: severity ${rule.labels.severity}`);
      if (rule.labels.team !== "ai-platform" || rule.labels.service !== "text2query") problems.push(`${rule.name}: team/service labels ${JSON.stringify(rule.labels)}`);
      for (const k of ["summary", "description", "runbook_url", "dashboard"]) if (!rule.annotations[k]) problems.push(`${rule.name}: no ${k} annotation`);
      const runbook = /^(https:\/\/\S+\/deploy\/RUNBOOK\.md)#(\S+)$/.exec(rule.annotations.runbook_url ?? "");
      if (!runbook) problems.push(`${rule.name}: runbook_url ${rule.annotations.runbook_url} is not <base>/deploy/RUNBOOK.md#<anchor>`);
      else {
        runbookBase.add(runbook[1]!);
        if (runbook[2] !== rule.name.toLowerCase()) problems.push(`${rule.name}: runbook anchor ${runbook[2]} is not the alert's name`);
        if (!anchors.has(runbook[2]!)) problems.push(`${rule.name}: RUNBOOK.md has no section #${runbook[2]}`);
      }
      const dashboard = /\/d\/([\w-]+)$/.exec(rule.annotations.dashboard ?? "");
      if (!dashboard || !uids.has(dashboard[1]!)) problems.push(`${rule.name}: dashboard ${rule.annotations.dashboard} is not a provisioned dashboard`);
    }
    expect(problems).toEqual([]);
    expect(runbookBase.size).toBe(1);
  });

  it("alerts read only recording rules that exist, and no rule group sets its own interval (tests evaluate at the global one)", () => {
    const recorded = new Set(records.map((r) => r.name));
    const unknown = rules.flatMap((r) => selectedNames(r.expr).filter((n) => n.includes(":") && !recorded.has(n)).map((n) => `${r.name}: ${n}`));
    expect(unknown).toEqual([]);
    for (const file of ruleFiles()) {
      for (const group of asList(asMap(readYaml(file), file).groups, "groups")) expect(asMap(group, "group").interval, `${file}`).toBeUndefined();
    }
  });
});
