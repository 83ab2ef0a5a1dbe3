import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GenAI, GenAIOperation, Workflow } from "../../src/attributes.js";
import { DEFAULT_KEEP_OUTCOMES, DEFAULT_SLOWER_THAN_MS } from "../../src/export/tail-sampling.js";
import { WORKFLOW_STAGES } from "../../src/types.js";
import { envExample, environment, flag, hostPath, hostPort, interpolate, mounts, ports, service, volumeAt } from "./compose-file.js";
import { deploy, loadRules, readYaml, root, selectedNames } from "./support.js";
import { asList, asMap, asString, type Yaml } from "./yaml.js";

// The OpenTelemetry Collector's configuration (deploy/otelcol/) cannot be checked by the Collector here:
// otelcol-contrib is neither a Debian package nor an npm one, and nothing else on this machine runs
// `otelcol-contrib validate`. So these tests check its structure the way the Collector resolves it (every
// component a pipeline names is defined, every queue's storage is a started extension, every ${env:…} is set by
// compose), that its tail sampling equals setupTelemetry's in-process defaults, and that its endpoints meet the
// services of docker-compose.yml. Loki's configuration likewise (no `loki -verify-config` here either).

const KINDS = ["receivers", "processors", "exporters", "extensions", "connectors"] as const;

/**
 * Component types of the contrib distribution this pack uses, by their current names (the Collector renamed
 * otlphttp to otlp_http in 0.144.0 and loadbalancing to load_balancing in 2026; the old names log deprecation
 * warnings). A typo in a type fails here instead of at the Collector's start.
 */
const KNOWN_TYPES: Record<(typeof KINDS)[number], string[]> = {
  receivers: ["otlp"],
  processors: ["memory_limiter", "tail_sampling"],
  exporters: ["otlp_http", "load_balancing", "nop"],
  extensions: ["file_storage"],
  connectors: [],
};

/**
 * Internal metrics of the Collector 0.159.0 that the alerts and the runbook may name: exporterhelper's
 * (exporter/exporterhelper/documentation.md of open-telemetry/opentelemetry-collector v0.159.0) and tail_sampling's
 * (processor/tailsamplingprocessor/documentation.md of opentelemetry-collector-contrib). Counters get `_total`
 * (the configs' readers set without_type_suffix: false), and names carry no unit (without_units: true).
 */
const COLLECTOR_COUNTERS = [
  ...["enqueue_failed", "send_failed", "sent"].flatMap((what) => ["spans", "log_records", "metric_points", "profile_samples"].map((item) => `otelcol_exporter_${what}_${item}`)),
  ...["count_spans_sampled", "count_traces_sampled", "early_releases_from_cache_decision", "global_count_traces_sampled", "new_trace_id_received", "sampling_policy_evaluation_error", "sampling_trace_dropped_too_early"].map((m) => `otelcol_processor_tail_sampling_${m}`),
];
const COLLECTOR_GAUGES = ["otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity", "otelcol_exporter_in_flight_requests", "otelcol_processor_tail_sampling_sampling_traces_on_memory"];
const COLLECTOR_METRICS = new Set([...COLLECTOR_COUNTERS.map((c) => `${c}_total`), ...COLLECTOR_GAUGES]);

interface Tier {
  name: string;
  file: string;
  text: string;
  config: Record<string, Yaml>;
}

/** The Collector services of the compose file, each with the configuration file its command names. */
const tiers: Tier[] = ["otelcol-gateway", "otelcol-sampler"].map((name) => {
  const file = hostPath(name, flag(name, "--config"));
  if (file === undefined) throw new Error(`${name}: its --config is not a mounted file`);
  return { name, file, text: readFileSync(file, "utf8"), config: asMap(readYaml(file), file) };
});
const tier = (name: string) => tiers.find((t) => t.name === name)!;

const section = (t: Tier, kind: string) => (t.config[kind] === undefined ? {} : asMap(t.config[kind], `${t.file}: ${kind}`));
const componentType = (id: string) => id.split("/")[0]!;
const pipelines = (t: Tier) => asMap(asMap(asMap(t.config.service, "service").pipelines, "pipelines"), "pipelines") as Record<string, Record<string, Yaml>>;

/** The values compose can give an environment variable of the service: its default, and the ones .env.example shows. */
function envValues(t: Tier, variable: string): string[] {
  const written = environment(t.name)[variable];
  if (written === undefined) throw new Error(`${t.file} reads \${env:${variable}}, which docker-compose.yml does not set for ${t.name}`);
  const { set, commented } = envExample();
  return [...new Set([interpolate(written), ...[set[variable], commented[variable]].filter((v): v is string => v !== undefined)])];
}

/** A pipeline's component ids under each value compose can give the variables in them. */
function resolvedIds(t: Tier, ids: Yaml[]): string[][] {
  let variants: string[][] = [[]];
  for (const id of ids.map((x) => asString(x, `${t.file}: pipeline component`))) {
    const env = /^\$\{env:(\w+)\}$/.exec(id);
    const values = env ? envValues(t, env[1]!) : [id];
    variants = variants.flatMap((v) => values.map((value) => [...v, value]));
  }
  return variants;
}

describe("OpenTelemetry Collector configuration (structure; the Collector itself cannot run here)", () => {
  it("each tier's pipelines name only components it defines, of known contrib types, with memory_limiter first", () => {
    for (const t of tiers) {
      const used = new Set<string>();
      for (const [pipeline, p] of Object.entries(pipelines(t))) {
        expect(["traces", "logs", "metrics"], `${t.file}: pipeline ${pipeline}`).toContain(pipeline.split("/")[0]);
        for (const kind of ["receivers", "processors", "exporters"] as const) {
          const ids = (p[kind] ?? []) as Yaml[];
          if (kind !== "processors") expect(ids.length, `${t.file}: ${pipeline}.${kind}`).toBeGreaterThan(0);
          for (const variant of resolvedIds(t, ids)) {
            for (const id of variant) {
              expect(Object.keys(section(t, kind)), `${t.file}: ${pipeline} uses ${kind} ${id}`).toContain(id);
              used.add(`${kind}:${id}`);
            }
          }
        }
        const processors = ((p.processors ?? []) as Yaml[]).map(String);
        if (processors.length > 0) expect(processors[0], `${t.file}: ${pipeline}`).toBe("memory_limiter");
      }
      for (const kind of KINDS) {
        for (const id of Object.keys(section(t, kind))) {
          expect(KNOWN_TYPES[kind], `${t.file}: ${kind} ${id}`).toContain(componentType(id));
          // Every defined receiver, processor and exporter is in a pipeline under some setting of the environment.
          if (kind !== "extensions") expect(used.has(`${kind}:${id}`), `${t.file}: ${kind} ${id} is in no pipeline`).toBe(true);
        }
      }
      // Extensions run only when service.extensions lists them; every listed one is defined.
      const started = asList(asMap(t.config.service, "service").extensions, "service.extensions").map((e) => asString(e, "extension"));
      expect(started.sort(), t.file).toEqual(Object.keys(section(t, "extensions")).sort());
    }
  });

  it("every exporter queues on disk through a started file_storage whose directory is the tier's own volume", () => {
    for (const t of tiers) {
      const storage = asMap(section(t, "extensions").file_storage, `${t.file}: file_storage`);
      const directory = asString(storage.directory, "file_storage.directory");
      expect(asMap(storage.compaction, "compaction").directory).toBe(directory);
      const volume = volumeAt(t.name, directory);
      expect(volume, `${t.name}: ${directory} is on a named volume`).toBe(`${t.name}-data`);
      // No other service mounts that volume but the one-shot init-volumes (a queue directory is one process's).
      for (const other of ["otelcol-gateway", "otelcol-sampler", "tempo", "loki"].filter((n) => n !== t.name)) expect(mounts(other).map((m) => m.source)).not.toContain(volume);
      for (const [id, exporter] of Object.entries(section(t, "exporters"))) {
        if (componentType(id) === "nop") continue;
        const queue = asMap(asMap(exporter, id).sending_queue, `${id}.sending_queue`);
        expect(queue.storage, `${t.file}: ${id}`).toBe("file_storage");
        // Bounded by bytes (as setupTelemetry's spool is), and retried until the backend answers.
        expect(queue.sizer, `${t.file}: ${id}`).toBe("bytes");
        expect(typeof queue.queue_size === "number" && queue.queue_size > 0, `${t.file}: ${id} queue_size`).toBe(true);
        expect(asMap(asMap(exporter, id).retry_on_failure, `${id}.retry_on_failure`)).toEqual({ enabled: true, max_elapsed_time: 0 });
      }
    }
  });

  it("every ${env:…} a tier reads is set by compose for that service", () => {
    for (const t of tiers) {
      for (const m of t.text.matchAll(/\$\{env:(\w+)(:-[^}]*)?\}/g)) {
        expect(m[2], `${t.file}: defaults live in docker-compose.yml, not here`).toBeUndefined();
        expect(Object.keys(environment(t.name)), `${t.file} reads ${m[1]}`).toContain(m[1]);
      }
      expect(t.text).not.toMatch(/\$\{(?!env:)/);
    }
  });

  it("the gateway takes the app's OTLP/HTTP, routes traces by trace id to the sampling tier's OTLP/gRPC port, and sends logs to Loki", () => {
    const gateway = tier("otelcol-gateway");
    const sampler = tier("otelcol-sampler");
    const receiver = (t: Tier, protocol: string) => hostPort(asString(asMap(asMap(asMap(section(t, "receivers").otlp, "otlp").protocols, "protocols")[protocol], protocol).endpoint, "endpoint"));
    const app = hostPort(environment("text2query").OTEL_EXPORTER_OTLP_ENDPOINT!);
    expect(app).toEqual({ host: gateway.name, port: receiver(gateway, "http").port });
    expect(ports(gateway.name)).toContainEqual({ host: app.port, container: app.port, address: "127.0.0.1" });
    expect(Object.keys(pipelines(gateway)).sort()).toEqual(["logs", "traces"]);
    expect(pipelines(gateway).traces!.exporters).toEqual(["load_balancing"]);
    const lb = asMap(section(gateway, "exporters").load_balancing, "load_balancing");
    expect(lb.routing_key).toBe("traceID");
    const dns = asMap(asMap(lb.resolver, "resolver").dns, "resolver.dns");
    expect({ host: dns.hostname, port: dns.port }).toEqual({ host: sampler.name, port: receiver(sampler, "grpc").port });
    expect(asMap(asMap(asMap(lb.protocol, "protocol").otlp, "protocol.otlp").tls, "tls").insecure).toBe(true);
    expect(pipelines(gateway).logs!.exporters).toEqual(["otlp_http/loki"]);
    // The gateway decides nothing: sampling happens where whole traces meet.
    expect(Object.keys(section(gateway, "processors"))).not.toContain("tail_sampling");
  });

  it("the sampling tier sends kept traces to Tempo's OTLP/HTTP receiver and, when LANGFUSE_TRACES_EXPORTER says so, to Langfuse's OTLP endpoint with the same ingestion version as setupTelemetry", () => {
    const sampler = tier("otelcol-sampler");
    const exporters = section(sampler, "exporters");
    const tempo = asMap(readYaml(join(deploy, "tempo", "tempo.yaml")), "tempo.yaml");
    const tempoHttp = asString(asMap(asMap(asMap(asMap(asMap(tempo.distributor, "distributor").receivers, "receivers").otlp, "otlp").protocols, "protocols").http, "http").endpoint, "endpoint");
    expect(hostPort(asString(asMap(exporters["otlp_http/tempo"], "tempo").endpoint, "endpoint"))).toEqual({ host: "tempo", port: hostPort(tempoHttp).port });

    const langfuse = asMap(exporters["otlp_http/langfuse"], "otlp_http/langfuse");
    const env = environment(sampler.name);
    const base = interpolate(env.LANGFUSE_BASE_URL!);
    const endpoint = asString(langfuse.endpoint, "endpoint").replace("${env:LANGFUSE_BASE_URL}", base);
    // otlp_http appends /v1/traces: Langfuse's route (web/src/pages/api/public/otel/v1/traces, the path
    // test/export/langfuse-server.test.ts sends to).
    expect(`${endpoint}/v1/traces`).toBe(`http://langfuse-web:${ports("langfuse-web")[0]!.container}/api/public/otel/v1/traces`);
    const headers = asMap(langfuse.headers, "headers");
    expect(headers.Authorization).toBe("Basic ${env:LANGFUSE_BASIC_AUTH}");
    const sent = /LANGFUSE_INGESTION_VERSION = "(\d+)"/.exec(readFileSync(join(root, "src", "export", "setup-telemetry.ts"), "utf8"))![1];
    expect(headers["x-langfuse-ingestion-version"]).toBe(sent);
    // Off unless asked for: Langfuse runs only under its compose profile.
    expect(interpolate(env.LANGFUSE_TRACES_EXPORTER!)).toBe("nop");
    expect(envValues(sampler, "LANGFUSE_TRACES_EXPORTER").sort()).toEqual(["nop", "otlp_http/langfuse"]);
  });

  it("tail sampling keeps what setupTelemetry keeps by default: outcomes, corrected runs, slow runs, a share of the rest", () => {
    const sampler = tier("otelcol-sampler");
    const ts = asMap(section(sampler, "processors").tail_sampling, "tail_sampling");
    expect(pipelines(sampler).traces!.processors).toEqual(["memory_limiter", "tail_sampling"]);
    const policies = asList(ts.policies, "policies").map((p) => asMap(p, "policy"));
    const byType = (type: string) => policies.filter((p) => p.type === type).map((p) => asMap(p[type], `${type} policy`));
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);

    const strings = byType("string_attribute");
    expect(strings).toContainEqual({ key: Workflow.OUTCOME, values: [...DEFAULT_KEEP_OUTCOMES] });
    expect(WORKFLOW_STAGES).toContain("correction");
    expect(strings).toContainEqual({ key: Workflow.STAGE, values: ["correction"] });
    expect(byType("numeric_attribute")).toEqual([expect.objectContaining({ key: Workflow.CORRECTIONS, min_value: 1 })]);
    expect(byType("latency")).toEqual([{ threshold_ms: DEFAULT_SLOWER_THAN_MS }]);
    // The process counts a workflow span without an outcome as "error" (kept).
    const ottl = byType("ottl_condition");
    expect(ottl).toEqual([{ error_mode: "ignore", span: [`attributes["${GenAI.OPERATION_NAME}"] == "${GenAIOperation.INVOKE_WORKFLOW}" and attributes["${Workflow.OUTCOME}"] == nil`] }]);
    // sampleRate as a percentage, from compose (TRACES_SAMPLE_PERCENTAGE, default 10).
    expect(byType("probabilistic")).toEqual([{ sampling_percentage: "${env:TRACES_SAMPLE_PERCENTAGE}" }]);
    const percentage = Number(interpolate(environment(sampler.name).TRACES_SAMPLE_PERCENTAGE!));
    expect(percentage > 0 && percentage <= 100).toBe(true);
    expect(Number(envExample().set.TRACES_SAMPLE_PERCENTAGE)).toBe(percentage);
    expect(policies.map((p) => p.type).sort()).toEqual(["latency", "numeric_attribute", "ottl_condition", "probabilistic", "string_attribute", "string_attribute"]);

    // A trace is decided after decision_wait: longer than the slow threshold, so a slow run's root has arrived.
    const wait = /^(\d+)s$/.exec(asString(ts.decision_wait, "decision_wait"));
    expect(Number(wait![1]) * 1000).toBeGreaterThan(DEFAULT_SLOWER_THAN_MS);
    expect(ts.num_traces).toBe(50_000);
    expect(asMap(ts.decision_cache, "decision_cache").non_sampled_cache_size, "a late root after a drop must be decided again").toBeUndefined();
  });

  it("each tier serves its own metrics where Prometheus scrapes them, with the names the alerts and runbook use", () => {
    const prom = asMap(readYaml(join(deploy, "prometheus", "prometheus.yml")), "prometheus.yml");
    const job = asList(prom.scrape_configs, "scrape_configs").map((j) => asMap(j, "job")).find((j) => j.job_name === "otelcol")!;
    const targets = asList(asMap(asList(job.static_configs, "static_configs")[0], "sc").targets, "targets").map((t) => hostPort(asString(t, "target")));
    for (const t of tiers) {
      const readers = asList(asMap(asMap(asMap(t.config.service, "service").telemetry, "telemetry").metrics, "metrics").readers, "readers");
      const exporter = asMap(asMap(asMap(asMap(readers[0], "reader").pull, "pull").exporter, "exporter").prometheus, "prometheus");
      expect(exporter).toMatchObject({ host: "0.0.0.0", without_units: true, without_type_suffix: false, without_scope_info: true });
      expect(targets).toContainEqual({ host: t.name, port: exporter.port });
    }
    const collectorRules = loadRules().filter((r) => r.file.endsWith("otelcol-alerts.yml"));
    expect(collectorRules.length).toBeGreaterThanOrEqual(4);
    const named = new Set([
      ...loadRules().flatMap((r) => selectedNames(r.expr)).filter((n) => n.startsWith("otelcol_")),
      ...[...readFileSync(join(deploy, "RUNBOOK.md"), "utf8").matchAll(/\botelcol_[a-z_]+\b(?!\*)/g)].map((m) => m[0]),
    ]);
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((n) => !COLLECTOR_METRICS.has(n) && !n.endsWith("_"))).toEqual([]);
  });
});

describe("Loki configuration (structure; `loki -verify-config` cannot run here)", () => {
  const file = hostPath("loki", flag("loki", "-config.file"));
  const loki = asMap(readYaml(file!), "loki.yaml");

  it("takes OTLP with trace ids as structured metadata (tsdb index, schema v13) on the port the gateway and Grafana use", () => {
    expect(file).toBe(join(deploy, "loki", "loki.yaml"));
    const port = asMap(loki.server, "server").http_listen_port;
    const gatewayLoki = asString(asMap(section(tier("otelcol-gateway"), "exporters")["otlp_http/loki"], "loki").endpoint, "endpoint");
    // otlp_http appends /v1/logs: Loki's OTLP route is /otlp/v1/logs.
    expect(gatewayLoki).toBe(`http://loki:${port}/otlp`);
    expect(ports("loki")).toEqual([{ host: port, container: port, address: "127.0.0.1" }]);
    expect(asMap(loki.limits_config, "limits_config").allow_structured_metadata).toBe(true);
    const schemas = asList(asMap(loki.schema_config, "schema_config").configs, "configs").map((c) => asMap(c, "config"));
    expect(schemas.at(-1)).toMatchObject({ store: "tsdb", schema: "v13", object_store: "filesystem" });
  });

  it("keeps everything under its volume", () => {
    const common = asMap(loki.common, "common");
    const prefix = asString(common.path_prefix, "path_prefix");
    expect(volumeAt("loki", prefix)).toBe("loki-data");
    const fs = asMap(asMap(common.storage, "storage").filesystem, "filesystem");
    const compactor = asMap(loki.compactor, "compactor");
    for (const path of [fs.chunks_directory, fs.rules_directory, compactor.working_directory]) expect(asString(path, "path").startsWith(`${prefix}/`), String(path)).toBe(true);
  });
});
