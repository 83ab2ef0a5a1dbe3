import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dashboards, deploy, panelsOf, panelTargets, readYaml, substituteGrafanaVariables } from "./support.js";
import { asList, asMap } from "./yaml.js";

// The dashboards' structure and provisioning. That every panel query returns data from the real app is
// proven in e2e.system.test.ts.
describe("Grafana dashboards and provisioning", () => {
  const all = dashboards();
  const targets = panelTargets();

  it("three dashboards: overview and SLOs, quality, cost; unique uids, linked to each other by tag", () => {
    expect(all.map((d) => d.json.uid)).toEqual(["text2query-cost", "text2query-overview", "text2query-quality"]);
    for (const d of all) {
      expect(d.file).toBe(`${d.json.uid}.json`);
      expect(d.json.tags).toContain("text2query");
      expect(d.json.links).toEqual([expect.objectContaining({ type: "dashboards", tags: ["text2query"] })]);
      expect(typeof d.json.title).toBe("string");
    }
  });

  it("a Prometheus datasource template variable, used by every panel and every query", () => {
    for (const d of all) {
      const variables = asList(d.json.templating?.list ?? null, `${d.file} templating.list`) as Array<Record<string, unknown>>;
      expect(variables).toContainEqual(expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }));
      for (const panel of panelsOf(d.json).filter((p) => p.type !== "row")) {
        expect(panel.datasource, `${d.file}: ${panel.title}`).toEqual({ type: "prometheus", uid: "${datasource}" });
      }
    }
    expect(targets.length).toBeGreaterThan(40);
    for (const t of targets) expect(t.datasourceUid, `${t.dashboard}: ${t.panel}`).toBe("${datasource}");
  });

  it("every panel has queries with distinct refIds; expressions use only Grafana's interval variables", () => {
    for (const d of all) {
      for (const panel of panelsOf(d.json).filter((p) => p.type !== "row")) {
        const refs = (panel.targets as Array<{ refId: string; expr: string }>).map((t) => t.refId);
        expect(refs.length, `${d.file}: ${panel.title}`).toBeGreaterThan(0);
        expect(new Set(refs).size).toBe(refs.length);
      }
    }
    for (const t of targets) {
      expect(t.expr.trim(), `${t.dashboard}: ${t.panel}`).not.toBe("");
      expect(() => substituteGrafanaVariables(t.expr)).not.toThrow();
    }
  });

  it("panels fit the 24-column grid without overlapping, with unique ids", () => {
    for (const d of all) {
      const panels = panelsOf(d.json);
      expect(new Set(panels.map((p) => p.id)).size, d.file).toBe(panels.length);
      const boxes = panels.map((p) => ({ title: String(p.title), ...(p.gridPos as { x: number; y: number; w: number; h: number }) }));
      for (const [i, a] of boxes.entries()) {
        expect(a.x + a.w, `${d.file}: ${a.title}`).toBeLessThanOrEqual(24);
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${d.file}: "${a.title}" overlaps "${b.title}"`).toBe(false);
        }
      }
    }
  });

  it("latency panels link to traces: every time series over a *_seconds_bucket histogram asks for exemplars", () => {
    const latency = targets.filter((t) => t.panelType === "timeseries" && /_seconds_bucket\b/.test(t.expr));
    expect(latency.length).toBeGreaterThanOrEqual(6);
    for (const t of latency) expect(t.exemplar, `${t.dashboard}: ${t.panel} ${t.refId}`).toBe(true);
  });

  it("each dashboard shows what it is for", () => {
    const exprs = (uid: string) => targets.filter((t) => t.dashboard === uid).map((t) => t.expr).join("\n");
    const overview = exprs("text2query-overview");
    for (const s of ["service:text2query_query_success:ratio_rate1d", "service:text2query_query_fast:ratio_rate1h", "service:text2query_llm_errors:ratio_rate1h", "/ 0.05", "/ 0.01", "http_requests_total", "ALERTS", "text2query_telemetry_spans_dropped_total", "text2query_telemetry_internal_errors_total"]) {
      expect(overview).toContain(s);
    }
    const quality = exprs("text2query-quality");
    for (const s of ["sum by (intent)", "sum by (error_category)", "text2query_correction_attempts_bucket", "text2query_query_confidence_bucket", "text2query_sql_refused_total"]) expect(quality).toContain(s);
    const cost = exprs("text2query-cost");
    for (const s of ["service_model:text2query_llm_cost_dollars:increase1h", "sum by (type, model) (rate(text2query_llm_tokens_total", "sum by (le, operation, model) (rate(text2query_llm_latency_seconds_bucket", "text2query_llm_errors_total", "text2query_llm_unpriced_tokens_total"]) {
      expect(cost).toContain(s);
    }
  });

  it("provisioning: Prometheus (default) turns trace_id exemplars into links to the provisioned Tempo datasource", () => {
    const datasources = asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "datasources", "datasources.yml")), "datasources.yml").datasources, "datasources") as Array<Record<string, any>>;
    const prometheus = datasources.find((d) => d.type === "prometheus");
    const tempo = datasources.find((d) => d.type === "tempo");
    expect(prometheus).toMatchObject({ uid: "prometheus", isDefault: true, url: "http://prometheus:9090" });
    expect(tempo).toMatchObject({ uid: "tempo", url: "http://tempo:3200" });
    // The label name is the one WorkflowMetrics and httpMetrics write (e2e.system.test.ts reads it back from Prometheus).
    expect(prometheus!.jsonData.exemplarTraceIdDestinations).toEqual([{ name: "trace_id", datasourceUid: tempo!.uid, urlDisplayLabel: "Open trace in Tempo" }]);
    expect(datasources.find((d) => d.type === "alertmanager")).toMatchObject({ url: "http://alertmanager:9093", jsonData: { implementation: "prometheus" } });
    const providers = asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "dashboards", "dashboards.yml")), "dashboards.yml").providers, "providers") as Array<Record<string, any>>;
    expect(providers).toEqual([expect.objectContaining({ type: "file", options: expect.objectContaining({ path: "/var/lib/grafana/dashboards" }) })]);
  });

  // Field names as Grafana reads them: DerivedFieldConfig (public/app/plugins/datasource/loki/types.ts) and
  // TraceToLogsOptionsV2 (packages/grafana-o11y-ds-frontend/src/TraceToLogs/TraceToLogsSettings.tsx) of
  // grafana/grafana. Grafana ignores a misspelt key without a word, so the keys are checked here.
  const DERIVED_FIELD_KEYS = ["matcherRegex", "name", "url", "urlDisplayLabel", "datasourceUid", "matcherType", "targetBlank"];
  const TRACES_TO_LOGS_V2_KEYS = ["datasourceUid", "tags", "spanStartTimeShift", "spanEndTimeShift", "filterByTraceID", "filterBySpanID", "query", "customQuery"];

  it("provisioning: a Loki log line links to its trace in Tempo, and a Tempo trace to its log lines in Loki", () => {
    const file = join(deploy, "grafana", "provisioning", "datasources", "datasources.yml");
    const datasources = asList(asMap(readYaml(file), "datasources.yml").datasources, "datasources") as Array<Record<string, any>>;
    const loki = datasources.find((d) => d.type === "loki");
    const tempo = datasources.find((d) => d.type === "tempo");
    expect(loki).toMatchObject({ uid: "loki", url: "http://loki:3100" });
    expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);

    // Log → trace: Loki's OTLP ingestion keeps a record's trace id as the structured metadata trace_id; a
    // derived field of matcherType "label" reads it (not a regex over the line), and links to Tempo by uid.
    const derived = loki!.jsonData.derivedFields as Array<Record<string, string>>;
    expect(derived).toEqual([{ name: "TraceID", matcherType: "label", matcherRegex: "trace_id", datasourceUid: tempo!.uid, url: "$${__value.raw}", urlDisplayLabel: "Open trace in Tempo" }]);
    for (const field of derived) for (const key of Object.keys(field)) expect(DERIVED_FIELD_KEYS, key).toContain(key);

    // Trace → logs: the span's service (service.name, which Loki indexes as service_name) and the trace id,
    // as a structured-metadata filter: the default "trace id in the line" filter would find nothing.
    const toLogs = tempo!.jsonData.tracesToLogsV2 as Record<string, any>;
    for (const key of Object.keys(toLogs)) expect(TRACES_TO_LOGS_V2_KEYS, key).toContain(key);
    expect(toLogs).toMatchObject({ datasourceUid: loki!.uid, customQuery: true, tags: [{ key: "service.name", value: "service_name" }] });
    expect(toLogs.query).toBe('{$${__tags}} | trace_id="$${__trace.traceId}"');
    expect(toLogs.spanStartTimeShift).toMatch(/^-\d+[smh]$/);
    expect(toLogs.spanEndTimeShift).toMatch(/^\d+[smh]$/);

    // Grafana expands $VAR and ${VAR} in provisioning files from its environment: each of its own ${__…}
    // variables is written $${__…}, and nothing else starts with $.
    const text = readFileSync(file, "utf8").replace(/^\s*#.*$/gm, "");
    expect(text.match(/(?<!\$)\$\{__/g)).toBeNull();
    expect([...text.matchAll(/\$+\{?[\w.]*/g)].map((m) => m[0]).filter((v) => !v.startsWith("$${__"))).toEqual([]);
  });
});
