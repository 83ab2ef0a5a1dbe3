import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoopbackLlm } from "./llm-server.js";
import {
  alertmanager,
  composeAlertmanager,
  deploy,
  freePort,
  loadRules,
  panelTargets,
  Proc,
  prometheus,
  readYaml,
  run,
  selectedNames,
  substituteGrafanaVariables,
  until,
} from "./support.js";
import { npmStart } from "../support/npm-start.js";
import { asList, asMap, asString } from "./yaml.js";

// The ops pack on live data: two instances of the example server (npm start's program) answer through their
// real ChatOpenAI path (a loopback OpenAI-compatible server that answers as the demo model), a real Prometheus
// scrapes them every second with deploy/prometheus's configuration and rule files, and sends its alerts to a
// real Alertmanager run as compose runs it, which notifies loopback Slack and PagerDuty receivers.
// Instance "a" uses gpt-4o-mini (priced), "b" a model with no price (house-sql-7b, an in-house model), as a canary would.

interface App {
  proc: Proc;
  url: string;
  hostPort: string;
}

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

const ACTIVE = ["pending", "firing"];

/** Starts npm start's program on `port` (chosen free beforehand, so Prometheus can scrape it from its start). */
function startApp(name: string, port: number, model: string, llmUrl: string, dataDir: string, extraEnv: Record<string, string> = {}): { proc: Proc; ready: Promise<App> } {
  const proc = new Proc(name, process.execPath, npmStart().args, {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", DATA_DIR: dataDir, OPENAI_API_KEY: "sk-ops-e2e", OPENAI_BASE_URL: llmUrl, OPENAI_MODEL: model, ...extraEnv },
  });
  const ready = until(
    `instance ${name} to start`,
    async () => {
      if (!proc.running) throw new Error(`instance ${name} exited:\n${proc.output}`);
      return /metrics:\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(proc.output)?.[1];
    },
    90_000,
    200,
  ).then((url) => ({ proc, url, hostPort: url.replace("http://", "") }));
  return { proc, ready };
}

function traffic(url: string, count: number, concurrency: number) {
  return run(process.execPath, ["--import", "tsx", "examples/text2query/traffic.ts", "--count", String(count), "--concurrency", String(concurrency), "--url", url], { timeoutMs: 120_000 });
}

describe("the ops pack on live data: example server, Prometheus with the real rules, Alertmanager", () => {
  const llm = new LoopbackLlm();
  const received: { slack: Array<Record<string, any>>; pagerduty: Array<Record<string, any>> } = { slack: [], pagerduty: [] };
  let receivers: Server;
  let dir: string;
  let a: App;
  let b: App;
  let am: Proc;
  let prom: Proc;
  let promUrl: string;
  let amUrl: string;
  let sent = 0;

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${promUrl}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? JSON.stringify(body)}`);
    return body.data;
  }

  async function query(expr: string): Promise<Sample[]> {
    const data = await api<{ resultType: string; result: Sample[] | [number, string] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType === "scalar") return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as Sample[];
  }

  async function alerts(): Promise<Alert[]> {
    return (await api<{ alerts: Alert[] }>("/api/v1/alerts")).alerts;
  }

  beforeAll(async () => {
    const prometheusBin = prometheus();
    const alertmanagerBin = alertmanager();
    dir = mkdtempSync(join(tmpdir(), "ops-e2e-"));
    await llm.start();

    // Loopback Slack (incoming webhook) and PagerDuty (Events API v2) receivers.
    receivers = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as Record<string, any>;
        if (req.url?.startsWith("/slack/")) received.slack.push(body);
        else if (req.url === "/pagerduty/v2/enqueue") received.pagerduty.push(body);
        res.writeHead(req.url === "/pagerduty/v2/enqueue" ? 202 : 200, { "content-type": "application/json" }).end(req.url === "/pagerduty/v2/enqueue" ? '{"status":"success"}' : "ok");
      });
    });
    await new Promise<void>((r) => receivers.listen(0, "127.0.0.1", r));
    const receiverUrl = `http://127.0.0.1:${(receivers.address() as AddressInfo).port}`;

    // Alertmanager as compose runs it: its directory mounted, secrets from the environment as files.
    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    const amConfig = composeAlertmanager(dir, { SLACK_WEBHOOK_URL: `${receiverUrl}/slack/T0/B0/e2e`, PAGERDUTY_ROUTING_KEY: "e2e-routing-key-0123456789abcdef" }, `${receiverUrl}/pagerduty/v2/enqueue`);
    am = new Proc("alertmanager", alertmanagerBin, [`--config.file=${amConfig}`, `--storage.path=${join(dir, "am-data")}`, `--web.listen-address=127.0.0.1:${amPort}`, "--cluster.listen-address=", `--web.external-url=${amUrl}`]);

    // The two instances start (and seed their PGlite databases) in parallel, on ports chosen now so that
    // Alertmanager and Prometheus start meanwhile.
    const [portA, portB, promPort] = [await freePort(), await freePort(), await freePort()];
    const startA = startApp("a", portA, "gpt-4o-mini", llm.url, join(dir, "a"));
    // Instance b runs a house model through an OpenAI-compatible endpoint not declared local
    // (LOCAL_LLM_ENDPOINTS): no price is known for it, which is what Text2QueryUnpricedLLMTokens is for.
    const startB = startApp("b", portB, "house-sql-7b", llm.url, join(dir, "b"));
    startA.ready.catch(() => undefined);
    startB.ready.catch(() => undefined);
    a = { proc: startA.proc, url: `http://127.0.0.1:${portA}`, hostPort: `127.0.0.1:${portA}` };
    b = { proc: startB.proc, url: `http://127.0.0.1:${portB}`, hostPort: `127.0.0.1:${portB}` };

    // Prometheus with deploy/prometheus/prometheus.yml: same rule files and scrape job, but every second, the
    // job's target replaced by the two instances, and alerts sent to this Alertmanager.
    const source = asMap(readYaml(join(deploy, "prometheus", "prometheus.yml")), "prometheus.yml");
    const job = asList(source.scrape_configs, "scrape_configs").map((j) => asMap(j, "job")).find((j) => j.job_name === "text2query");
    expect(job).toBeDefined();
    const alerting = asMap(source.alerting, "alerting");
    const config = {
      ...source,
      global: { ...asMap(source.global, "global"), scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      rule_files: asList(source.rule_files, "rule_files").map((f) => resolve(deploy, "prometheus", asString(f, "rule_files[]"))),
      alerting: { ...alerting, alertmanagers: asList(alerting.alertmanagers, "alertmanagers").map((m) => ({ ...asMap(m, "am"), static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] })) },
      scrape_configs: [{ ...job, static_configs: [{ targets: [a.hostPort, b.hostPort] }] }],
    };
    writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(config, null, 1));
    promUrl = `http://127.0.0.1:${promPort}`;
    prom = new Proc("prometheus", prometheusBin, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "prom-data")}`, `--web.listen-address=127.0.0.1:${promPort}`, "--enable-feature=exemplar-storage"]);
    await until("Alertmanager to be ready", async () => (am.running ? ((await fetch(`${amUrl}/-/ready`)).ok ? true : undefined) : Promise.reject(new Error(am.output))), 30_000);
    await until("Prometheus to be ready", async () => (prom.running ? ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined) : Promise.reject(new Error(prom.output))), 30_000);
    const [readyA, readyB] = await Promise.all([startA.ready, startB.ready]);
    expect([readyA.url, readyB.url]).toEqual([a.url, b.url]);
  }, 150_000);

  afterAll(async () => {
    await Promise.all([a?.proc.stop(), b?.proc.stop(), prom?.stop(), am?.stop()]);
    await llm.stop();
    if (receivers) await new Promise((r) => receivers.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes both instances of job text2query", async () => {
    const up = await until(
      "up == 1 for both instances",
      async () => {
        const r = await query('up{job="text2query"} == 1');
        return r.length === 2 ? r : undefined;
      },
      20_000,
    );
    expect(up.map((s) => s.metric.instance).sort()).toEqual([a.hostPort, b.hostPort].sort());
  });

  it("healthy traffic (npm run traffic against both instances): no alert pending or firing, but the unpriced house model's", async () => {
    const [ra, rb] = await Promise.all([traffic(a.url, 40, 4), traffic(b.url, 20, 2)]); // 40 draw 20 of the 22 demo questions
    for (const r of [ra, rb]) {
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim()) as { sent: number; outcomes: Record<string, number> };
      expect(summary.outcomes.success).toBeGreaterThan(summary.sent * 0.8);
      sent += summary.sent;
    }
    await until(`Prometheus to see the ${sent} runs`, async () => ((await query("sum(text2query_queries_total)"))[0]?.value[1] === String(sent) ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 2000)); // two rule evaluations on the final data
    const ratio = Number((await query("service:text2query_query_errors:ratio_rate5m"))[0]!.value[1]);
    // The demo's refunds questions fail by design (about 4%), but a series' first increment is invisible to
    // rate(): prom-client creates {status="failed"} on the first failed run, so one failure may read as 0.
    expect(ratio).toBeLessThan(0.1);
    // The demo's steady state is under every threshold: no alert is even pending — except the one that says
    // instance b's house model has no price (pending: it fires after 15 minutes of unpriced tokens).
    const active = (await alerts()).filter((x) => ACTIVE.includes(x.state));
    expect(active.map((x) => `${x.labels.alertname} ${x.state} ${x.labels.provider}/${x.labels.model}`)).toEqual(["Text2QueryUnpricedLLMTokens pending openai/house-sql-7b"]);
  }, 90_000);

  it("an LLM quota outage on instance a makes the error-rate, LLM-error and burn-rate alerts go pending or firing", async () => {
    llm.exhausted.add("gpt-4o-mini");
    const [failing, healthy] = await Promise.all([traffic(a.url, 150, 4), traffic(b.url, 10, 1)]);
    expect(failing.code, failing.stderr).toBe(0);
    // The provider's 429 reaches the client as a 503 naming the setting to check (issue 27), not as a 200.
    expect(JSON.parse(failing.stdout.trim()).outcomes).toEqual({ http_503: 150 });
    expect(healthy.code, healthy.stderr).toBe(0);
    sent += 160;
    const wanted: Array<[string, string, string[]]> = [
      ["Text2QueryHighErrorRate", "warning", ACTIVE],
      ["Text2QueryCriticalErrorRate", "critical", ACTIVE],
      ["Text2QueryLLMErrors", "warning", ACTIVE],
      ["Text2QuerySuccessSLOBurnRate", "critical", ["firing"]], // no for: fires at once
      ["Text2QueryLLMErrorSLOBurnRate", "critical", ["firing"]],
    ];
    const found = await until(
      "the error-rate, LLM-error and burn-rate alerts",
      async () => {
        const now = await alerts();
        const matches = wanted.map(([name, severity, states]) => now.find((x) => x.labels.alertname === name && x.labels.severity === severity && states.includes(x.state)));
        return matches.every((m) => m !== undefined) ? (matches as Alert[]) : undefined;
      },
      30_000,
      500,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; active: ${JSON.stringify((await alerts()).map((x) => [x.labels.alertname, x.labels.severity, x.state, x.value]))}`);
    });
    for (const alert of found) {
      expect(alert.labels).toMatchObject({ team: "ai-platform", service: "text2query" });
      expect(alert.annotations.runbook_url).toMatch(new RegExp(`/deploy/RUNBOOK\\.md#${alert.labels.alertname!.toLowerCase()}$`));
      expect(alert.annotations.description).toMatch(/^\d+(\.\d+)?% of /);
    }
    const errorRate = found[0]!;
    expect(Number(errorRate.value)).toBeGreaterThan(0.25);
    expect((await query('sum by (error_type) (text2query_llm_errors_total{operation="intent"})')).map((s) => s.metric.error_type)).toEqual(["InsufficientQuotaError"]);
  }, 90_000);

  it("every query of every dashboard panel returns data", async () => {
    const targets = panelTargets();
    expect(targets.length).toBeGreaterThan(40);
    const empty: string[] = [];
    await Promise.all(
      targets.map(async (t) => {
        const expr = substituteGrafanaVariables(t.expr);
        const result = await query(expr).catch((error: Error) => {
          empty.push(`${t.dashboard} / ${t.panel} / ${t.refId}: ${error.message}`);
          return undefined;
        });
        if (result !== undefined && !result.some((s) => Number.isFinite(Number(s.value[1])))) empty.push(`${t.dashboard} / ${t.panel} / ${t.refId}: no data (${JSON.stringify(result)}) for ${expr}`);
      }),
    );
    expect(empty).toEqual([]);
  });

  it("every recording rule returns data, and every rule Prometheus loaded is healthy and the one the YAML reader read", async () => {
    const rules = loadRules();
    const empty: string[] = [];
    for (const rule of rules.filter((r) => r.kind === "record")) {
      for (const expr of [rule.expr, rule.name]) {
        const result = await query(expr);
        if (!result.some((s) => Number.isFinite(Number(s.value[1])))) empty.push(`${rule.name}: ${expr} → ${JSON.stringify(result)}`);
      }
    }
    expect(empty).toEqual([]);

    interface Loaded { name: string; query: string; duration?: number; labels?: Record<string, string>; annotations?: Record<string, string>; health: string; lastError?: string; type: string }
    const groups = (await api<{ groups: Array<{ name: string; file: string; rules: Loaded[] }> }>("/api/v1/rules")).groups;
    const loaded = groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
    expect(loaded.length).toBe(rules.length);
    expect(loaded.filter((r) => r.health !== "ok" || r.lastError).map((r) => `${r.name}: ${r.health} ${r.lastError}`)).toEqual([]);
    for (const rule of rules) {
      const match = loaded.filter((l) => l.name === rule.name && l.group === rule.group && JSON.stringify(l.labels ?? {}) === JSON.stringify(Object.fromEntries(Object.entries(rule.labels).sort())));
      expect(match, `${rule.name} ${JSON.stringify(rule.labels)}`).toHaveLength(1);
      // Prometheus keeps the parsed expression; its formatter (which may pretty-print on several lines) shows
      // the same tree for the expression the YAML reader read.
      const formatted = await api<string>(`/api/v1/format_query?query=${encodeURIComponent(rule.expr)}`);
      expect(match[0]!.query.replace(/\s+/g, ""), rule.name).toBe(formatted.replace(/\s+/g, ""));
      expect(match[0]!.type).toBe(rule.kind === "alert" ? "alerting" : "recording");
      if (rule.kind === "alert") {
        expect(match[0]!.annotations).toEqual(rule.annotations);
        const seconds = rule.for === undefined ? 0 : Number(/^(\d+)m$/.exec(rule.for)![1]) * 60;
        expect(match[0]!.duration, rule.name).toBe(seconds);
      }
    }
  });

  it("every series the dashboards and rules select exists in the app's data (no misspelt metric hides behind `or vector(0)`)", async () => {
    const recorded = new Set(loadRules().filter((r) => r.kind === "record").map((r) => r.name));
    // The Collector's own metrics (otelcol_*, rules/otelcol-alerts.yml) come from a Collector, which cannot run
    // here: collector.test.ts checks those names against the Collector's documented ones instead.
    const names = new Set([...panelTargets().map((t) => t.expr), ...loadRules().map((r) => r.expr)].flatMap((e) => selectedNames(e)).filter((n) => !n.startsWith("otelcol_")));
    expect(names.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const name of names) {
      if (name.includes(":") && !recorded.has(name)) missing.push(`${name}: not a recording rule`);
      else if ((await query(`count({__name__="${name}"})`)).length === 0) missing.push(name);
    }
    expect(missing).toEqual([]);
    // The unpriced model's tokens come from instance b, the priced cost from a.
    expect((await query("sum by (model) (text2query_llm_unpriced_tokens_total)")).map((s) => s.metric.model)).toEqual(["house-sql-7b"]);
    expect((await query("sum by (model) (text2query_llm_cost_dollars_total)")).map((s) => s.metric.model)).toEqual(["gpt-4o-mini"]);
  });

  it("latency histograms carry the run's trace id as the trace_id exemplar Grafana's datasource links to Tempo", async () => {
    const datasources = asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "datasources", "datasources.yml")), "ds").datasources, "datasources") as Array<Record<string, any>>;
    const label = datasources.find((d) => d.type === "prometheus")!.jsonData.exemplarTraceIdDestinations[0].name as string;
    const now = Date.now() / 1000;
    for (const metric of ['text2query_query_latency_seconds_bucket{stage="total"}', "text2query_llm_latency_seconds_bucket", "http_request_duration_seconds_bucket"]) {
      const series = await api<Array<{ exemplars: Array<{ labels: Record<string, string> }> }>>(`/api/v1/query_exemplars?query=${encodeURIComponent(metric)}&start=${now - 600}&end=${now + 60}`);
      const exemplars = series.flatMap((s) => s.exemplars);
      expect(exemplars.length, metric).toBeGreaterThan(0);
      for (const e of exemplars) expect(e.labels[label], metric).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("Alertmanager pages PagerDuty and Slack for the critical burn alert, routing key from the secret file, and inhibits its warning", async () => {
    const pages = await until(
      "PagerDuty events for the critical burn-rate alerts",
      async () => {
        const names = new Set(received.pagerduty.map((e) => String(e.payload?.summary ?? "")));
        return [...names].some((s) => s.includes("Text2QuerySuccessSLOBurnRate")) ? received.pagerduty : undefined;
      },
      40_000,
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; Alertmanager log:\n${am.output.slice(-3000)}`);
    });
    const page = pages.find((e) => String(e.payload.summary).includes("Text2QuerySuccessSLOBurnRate"))!;
    expect(page).toMatchObject({ routing_key: "e2e-routing-key-0123456789abcdef", event_action: "trigger", payload: { severity: "critical" } });
    expect(page.payload.summary).toMatch(/^\[FIRING:1\] critical Text2QuerySuccessSLOBurnRate \(text2query\): Fast burn of the success SLO error budget$/);
    expect(page.links).toEqual([
      { href: expect.stringMatching(/RUNBOOK\.md#text2querysuccesssloburnrate$/), text: "Runbook" },
      { href: "http://localhost:3001/d/text2query-overview", text: "Dashboard" },
    ]);
    const slack = await until("the Slack message of the page", async () => received.slack.find((m) => JSON.stringify(m).includes("Text2QuerySuccessSLOBurnRate")), 20_000, 500);
    expect(slack.channel).toBe("#text2query-alerts");
    expect(slack.attachments[0].title).toContain("critical Text2QuerySuccessSLOBurnRate");
    expect(slack.attachments[0].text).toMatch(/\*critical\* \d+(\.\d+)?% of runs failed or errored/);
    // Both severities of the burn alert reached Alertmanager; the warning is muted by the critical one.
    const inAm = (await (await fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent('alertname="Text2QuerySuccessSLOBurnRate"')}`)).json()) as Array<{
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }>;
    const bySeverity = Object.fromEntries(inAm.map((x) => [x.labels.severity, x.status]));
    expect(bySeverity.critical).toMatchObject({ state: "active", inhibitedBy: [] });
    expect(bySeverity.warning!.state).toBe("suppressed");
    expect(bySeverity.warning!.inhibitedBy.length).toBe(1);
    // No notification ever carried the muted warning.
    expect(JSON.stringify(received)).not.toMatch(/warning Text2QuerySuccessSLOBurnRate/);
  }, 60_000);

  it("stopping instance b makes Text2QueryServiceDown go pending for it", async () => {
    expect(await b.proc.stop()).toBe(0);
    const down = await until(
      "Text2QueryServiceDown",
      async () => (await alerts()).find((x) => x.labels.alertname === "Text2QueryServiceDown" && ACTIVE.includes(x.state)),
      20_000,
      500,
    );
    expect(down.labels).toMatchObject({ instance: b.hostPort, job: "text2query", severity: "critical" });
    expect(down.annotations.description).toBe(`Prometheus cannot scrape ${b.hostPort} (job text2query) for more than a minute.`);
  });
});
