import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DCLinter } from "dclint";
import { afterAll, describe, expect, it } from "vitest";
import { commandArgs, compose, envExample, environment, flag, hostPath, hostPort, langfuseEnv, mounts, ports, service, services } from "./compose-file.js";
import { composeSecrets, deploy, loadRules, readYaml, root } from "./support.js";
import { asList, asMap, asString, type Yaml } from "./yaml.js";

// deploy/docker-compose.yml cannot run here (no Docker engine, and the Docker client here has no compose
// plugin to run `docker compose config`). Its schema is checked with the Compose Specification's JSON schema
// (dclint bundles it); these tests also check that its paths, ports, secrets and URLs agree with the files it
// mounts. The Collector's configuration against the stack: collector.test.ts.

interface LintMessage {
  line: number;
  rule: string;
  message: string;
}

/** dclint with its style rules (key order, quote style) off: the schema and its error-level rules remain. */
function lint(file: string): { messages: LintMessage[] } {
  const linter = new DCLinter({
    rules: { "service-keys-order": 0, "services-alphabetical-order": 0, "top-level-properties-order": 0, "service-dependencies-alphabetical-order": 0, "require-quotes-in-ports": 0 },
    quiet: false,
    debug: false,
    exclude: [],
  });
  return linter.lintFiles([file], false)[0]!;
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("docker-compose.yml: valid Compose, and the stack's paths, ports, secrets and URLs agree", () => {
  it("the Compose Specification's schema accepts it and dclint finds no error (a misspelt key is caught)", () => {
    const result = lint(join(deploy, "docker-compose.yml"));
    expect(result.messages.map((m) => `${m.line}: ${m.rule} ${m.message}`)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "ops-compose-"));
    scratch.push(dir);
    const broken = join(dir, "docker-compose.yml");
    writeFileSync(broken, readFileSync(join(deploy, "docker-compose.yml"), "utf8").replace("  loki:\n    image:", "  loki:\n    restrat: always\n    image:"));
    expect(lint(broken).messages).toEqual([expect.objectContaining({ rule: "invalid-schema", message: expect.stringContaining('instancePath="/services/loki"') })]);
  });

  it("has the example server, the Collector's two tiers, Tempo, Loki, Prometheus, Alertmanager, Grafana; Langfuse v4 under the langfuse profile", () => {
    for (const name of ["text2query", "otelcol-gateway", "otelcol-sampler", "tempo", "loki", "prometheus", "alertmanager", "grafana", "init-volumes"]) {
      expect(services[name], name).toBeDefined();
      expect(service(name).profiles, name).toBeUndefined();
    }
    const langfuse = Object.keys(services).filter((n) => n.startsWith("langfuse"));
    expect(langfuse.sort()).toEqual(["langfuse-clickhouse", "langfuse-minio", "langfuse-postgres", "langfuse-redis", "langfuse-web", "langfuse-worker"]);
    for (const name of langfuse) expect(service(name).profiles, name).toEqual(["langfuse"]);
    // Images are pinned; Prometheus and Alertmanager to the versions the tests run here (Debian's).
    for (const [name, s] of Object.entries(services)) if (s.image !== undefined) expect(asString(s.image, name)).not.toMatch(/:latest$|^[^:]+$/);
    expect(service("prometheus").image).toBe("prom/prometheus:v2.42.0");
    expect(service("alertmanager").image).toBe("prom/alertmanager:v0.25.0");
    // The images and versions of Langfuse's own docker-compose.yml (langfuse/langfuse v4.16.0), the server pinned
    // to the release whose code test/export/langfuse-server.test.ts checks the export against (not the :4 tag). (MinIO: see the comment in the file.)
    expect(Object.fromEntries(langfuse.map((n) => [n, service(n).image]))).toEqual({
      "langfuse-web": "langfuse/langfuse:4.16.0",
      "langfuse-worker": "langfuse/langfuse-worker:4.16.0",
      "langfuse-postgres": "postgres:17",
      "langfuse-clickhouse": "clickhouse/clickhouse-server:25.12",
      "langfuse-redis": "redis:7",
      "langfuse-minio": "minio/minio:RELEASE.2024-11-07T00-52-20Z",
    });
    for (const name of ["langfuse-web", "langfuse-worker"]) {
      expect(service(name).env_file, name).toBe("./langfuse/langfuse.env");
      expect(Object.keys(asMap(service(name).depends_on, `${name}.depends_on`)).sort()).toEqual(["langfuse-clickhouse", "langfuse-minio", "langfuse-postgres", "langfuse-redis"]);
    }
  });

  it("builds the example server from the repository with node:20 as npm start builds it, and runs npm start's program with node on 0.0.0.0:3000", () => {
    const build = asMap(service("text2query").build, "text2query.build");
    const context = resolve(deploy, asString(build.context, "build.context"));
    expect(context).toBe(resolve(root));
    const dockerfile = join(context, asString(build.dockerfile, "build.dockerfile"));
    const text = readFileSync(dockerfile, "utf8");
    expect(text).toMatch(/^FROM node:20[\w.-]*$/m);
    expect(text).toMatch(/^RUN npm ci\b/m);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe("node --max-semi-space-size=1 --heap-growing-percent=50 --liftoff-only examples/text2query/dist/main.mjs");
    // npm start's prestart (the example's build) runs in the image, after the sources are copied; the host's
    // build is not copied in.
    expect(text.indexOf(`\nRUN ${pkg.scripts.prestart}\n`)).toBeGreaterThan(text.indexOf("\nCOPY examples "));
    expect(readFileSync(`${dockerfile}.dockerignore`, "utf8")).toMatch(/^examples\/text2query\/dist$/m);
    // npm start's program run by node itself: npm would not pass docker stop's SIGTERM on to the server.
    expect((JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]!) as string[]).join(" ")).toBe(pkg.scripts.start);
    for (const copied of [...text.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "))) expect(existsSync(join(context, copied)), copied).toBe(true);
    expect(existsSync(`${dockerfile}.dockerignore`)).toBe(true);
    expect(environment("text2query")).toMatchObject({ HOST: "0.0.0.0", PORT: "3000", DATA_DIR: "/data/pglite" });
    const main = readFileSync(join(root, "examples", "text2query", "main.ts"), "utf8");
    for (const variable of ["HOST", "PORT", "DATA_DIR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "LOG_LEVEL", "OTEL_SERVICE_NAME"]) expect(main).toContain(variable);
    expect(mounts("text2query")).toContainEqual({ source: "text2query-data", target: "/data", bind: false });
    expect(ports("text2query")).toEqual([{ host: 3000, container: 3000, address: "127.0.0.1" }]);
  });

  it("publishes every port on the host's loopback only (the app unless TEXT2QUERY_BIND says otherwise), passes API_TOKEN, and allows Prometheus's Host", () => {
    expect(asString((service("text2query").ports as Yaml[])[0]!, "ports")).toBe("${TEXT2QUERY_BIND:-127.0.0.1}:3000:3000");
    for (const name of Object.keys(services)) for (const p of ports(name)) expect(p.address, `${name} ${p.host}`).toBe("127.0.0.1");
    expect(environment("text2query")).toMatchObject({ API_TOKEN: "${API_TOKEN:-}", ALLOWED_HOSTS: "text2query", TRACE_CONTEXT: "${TRACE_CONTEXT:-link}" });
    // Prometheus scrapes the service by that name: its Host header must be allowed.
    expect(readFileSync(join(deploy, "prometheus", "prometheus.yml"), "utf8")).toContain('"text2query:3000"');
    const main = readFileSync(join(root, "examples", "text2query", "main.ts"), "utf8");
    for (const variable of ["API_TOKEN", "ALLOWED_HOSTS", "ALLOWED_ORIGINS", "TRACE_CONTEXT"]) expect(main).toContain(`"${variable}"`);
  });

  it("every bind mount exists in deploy/, every named volume is declared, and the data volumes are handed to user 10001", () => {
    const declared = Object.keys(asMap(compose.volumes, "volumes"));
    for (const name of Object.keys(services)) {
      for (const m of mounts(name)) {
        if (m.bind) expect(existsSync(resolve(deploy, m.source)), `${name}: ${m.source}`).toBe(true);
        else expect(declared, `${name}: volume ${m.source}`).toContain(m.source);
      }
      const envFile = service(name).env_file;
      if (envFile !== undefined) expect(existsSync(resolve(deploy, asString(envFile, `${name}.env_file`))), `${name}: ${String(envFile)}`).toBe(true);
    }
    // Tempo, Loki and the Collector run as 10001: init-volumes chowns exactly the volumes it mounts, and each
    // of those services waits for it.
    const chowned = asList(service("init-volumes").entrypoint, "init-volumes.entrypoint").map((a) => asString(a, "entrypoint[]"));
    expect(chowned.slice(0, 2)).toEqual(["chown", "10001:10001"]);
    expect(chowned.slice(2).sort()).toEqual(mounts("init-volumes").map((m) => m.target).sort());
    for (const name of ["tempo", "loki", "otelcol-gateway", "otelcol-sampler"]) {
      expect(asMap(asMap(service(name).depends_on, `${name}.depends_on`)["init-volumes"], "init-volumes")).toEqual({ condition: "service_completed_successfully" });
      for (const m of mounts(name).filter((x) => !x.bind)) expect(mounts("init-volumes"), `${name}: ${m.source}`).toContainEqual({ ...m });
    }
  });

  it("Prometheus reads the mounted prometheus.yml and rules, keeps exemplars, scrapes the app, Tempo, Loki and the Collector, and alerts alertmanager:9093", () => {
    const config = hostPath("prometheus", flag("prometheus", "--config.file"));
    expect(config).toBe(join(deploy, "prometheus", "prometheus.yml"));
    expect(commandArgs("prometheus")).toContain("--enable-feature=exemplar-storage");
    const prom = asMap(readYaml(config!), "prometheus.yml");
    const rulesGlob = asString(asList(prom.rule_files, "rule_files")[0], "rule_files[0]");
    expect(rulesGlob).toBe("rules/*.yml");
    expect(existsSync(join(deploy, "prometheus", "rules"))).toBe(true);
    const jobs = Object.fromEntries(
      asList(prom.scrape_configs, "scrape_configs").map((j) => {
        const job = asMap(j, "job");
        const targets = asList(asMap(asList(job.static_configs, "static_configs")[0], "static_configs[0]").targets, "targets").map((t) => asString(t, "target"));
        return [asString(job.job_name, "job_name"), targets];
      }),
    );
    expect(Object.keys(jobs).sort()).toEqual(["alertmanager", "loki", "otelcol", "prometheus", "tempo", "text2query"]);
    // The alerts select job="text2query".
    expect(loadRules().find((r) => r.name === "Text2QueryServiceDown")!.expr).toContain('up{job="text2query"}');
    const app = hostPort(jobs.text2query![0]!);
    expect(app).toEqual({ host: "text2query", port: Number(environment("text2query").PORT) });
    const am = hostPort(asString(asList(asMap(asList(asMap(asMap(prom.alerting, "alerting"), "alerting").alertmanagers, "alertmanagers")[0], "am").static_configs, "sc").flatMap((s) => asList(asMap(s, "sc").targets, "targets"))[0], "target"));
    expect(am).toEqual({ host: "alertmanager", port: 9093 });
    expect(ports("alertmanager").map((p) => p.container)).toContain(am.port);
    expect(hostPort(jobs.alertmanager![0]!)).toEqual(am);
    expect(hostPort(jobs.tempo![0]!)).toEqual({ host: "tempo", port: 3200 });
    expect(hostPort(jobs.loki![0]!)).toEqual({ host: "loki", port: 3100 });
    expect(jobs.otelcol!.map((t) => hostPort(t).host).sort()).toEqual(["otelcol-gateway", "otelcol-sampler"]);
    expect(ports("prometheus")).toEqual([{ host: 9090, container: 9090, address: "127.0.0.1" }]);
  });

  it("Alertmanager reads the mounted config and gets the secrets its receivers read, from documented variables", () => {
    const config = hostPath("alertmanager", flag("alertmanager", "--config.file"));
    expect(config).toBe(join(deploy, "alertmanager", "alertmanager.yml"));
    const text = readFileSync(config!, "utf8");
    const used = [...new Set([...text.matchAll(/\/run\/secrets\/([\w-]+)/g)].map((m) => m[1]!))].sort();
    const granted = asList(service("alertmanager").secrets, "alertmanager.secrets").map((s) => asString(s, "secret")).sort();
    expect(used).toEqual(granted);
    expect(Object.keys(composeSecrets()).sort()).toEqual(granted);
    const example = readFileSync(join(deploy, ".env.example"), "utf8");
    for (const variable of Object.values(composeSecrets())) expect(example).toMatch(new RegExp(`^${variable}=\\S+`, "m"));
  });

  it("Grafana gets the provisioning and the dashboards where the provider looks, and its datasources point at services' ports", () => {
    const grafana = mounts("grafana");
    expect(grafana).toContainEqual({ source: "./grafana/provisioning", target: "/etc/grafana/provisioning", bind: true });
    const provider = asMap(asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "dashboards", "dashboards.yml")), "d").providers, "providers")[0], "provider");
    const path = asString(asMap(provider.options, "options").path, "path");
    expect(hostPath("grafana", path)).toBe(join(deploy, "grafana", "dashboards"));
    const datasources = asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "datasources", "datasources.yml")), "ds").datasources, "datasources");
    const dependsOn = asList(service("grafana").depends_on, "grafana.depends_on").map((d) => asString(d, "depends_on[]"));
    for (const ds of datasources) {
      const { host, port } = hostPort(asString(asMap(ds, "ds").url, "url"));
      expect(dependsOn, `grafana depends on ${host}`).toContain(host);
      expect(ports(host).map((p) => p.container), `${host}:${port}`).toContain(port);
    }
    // Alert annotations link to Grafana on its host port and root URL.
    const rootUrl = asString(environment("grafana").GF_SERVER_ROOT_URL, "GF_SERVER_ROOT_URL");
    expect(ports("grafana")).toEqual([{ host: Number(hostPort(rootUrl).port), container: 3000, address: "127.0.0.1" }]);
    for (const rule of loadRules().filter((r) => r.kind === "alert")) expect(rule.annotations.dashboard!.startsWith(`${rootUrl}/d/`), rule.name).toBe(true);
  });

  it("the app sends spans and logs over OTLP/HTTP to the Collector's gateway, keeps every trace, and pushes no metrics; Tempo's config is the mounted one", () => {
    const env = environment("text2query");
    expect(hostPort(env.OTEL_EXPORTER_OTLP_ENDPOINT!).host).toBe("otelcol-gateway");
    expect(asList(service("text2query").depends_on, "text2query.depends_on")).toContain("otelcol-gateway");
    expect(env.OTEL_LOGS_EXPORTER).toBe("otlp");
    expect(env.OTEL_METRICS_EXPORTER).toBe("none");
    // The Collector samples: a process that sampled too would hand it only part of the traces; one that also
    // had Langfuse keys would send every trace to Langfuse a second time, unsampled.
    for (const variable of ["LANGFUSE_SAMPLE_RATE", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"]) expect(env[variable], variable).toBeUndefined();
    const configArg = asList(service("tempo").command, "tempo.command").map((c) => asString(c, "c")).find((c) => c.startsWith("-config.file="))!;
    const tempoConfig = hostPath("tempo", configArg.slice("-config.file=".length));
    expect(tempoConfig).toBe(join(deploy, "tempo", "tempo.yaml"));
    expect(statSync(tempoConfig!).isFile()).toBe(true);
    expect(asMap(asMap(readYaml(tempoConfig!), "tempo.yaml").server, "server").http_listen_port).toBe(3200);
    expect(ports("tempo")).toEqual([{ host: 3200, container: 3200, address: "127.0.0.1" }]);
  });

  it("host ports are unique; Langfuse's URL is its host port, and .env.example's Langfuse lines are the bundled Langfuse's keys and address", () => {
    const host = Object.keys(services).flatMap((n) => ports(n).map((p) => p.host));
    expect(new Set(host).size).toBe(host.length);
    const langfuse = langfuseEnv();
    const web = ports("langfuse-web")[0]!;
    expect(langfuse.NEXTAUTH_URL).toBe(`http://localhost:${web.host}`);
    const { commented } = envExample();
    expect(commented.LANGFUSE_BASE_URL).toBe(`http://langfuse-web:${web.container}`);
    expect(Buffer.from(commented.LANGFUSE_BASIC_AUTH!, "base64").toString()).toBe(`${langfuse.LANGFUSE_INIT_PROJECT_PUBLIC_KEY}:${langfuse.LANGFUSE_INIT_PROJECT_SECRET_KEY}`);
    expect(commented.LANGFUSE_TRACES_EXPORTER).toBe("otlp_http/langfuse");
  });
});
