import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { composeSecrets, deploy, loadRules, readYaml, root } from "./support.js";
import { asList, asMap, asString, type Yaml } from "./yaml.js";

// deploy/docker-compose.yml cannot run here (no Docker engine): these tests check that it is valid YAML (the
// strict reader) and that its paths, ports, secrets and URLs agree with the files it mounts.
const compose = asMap(readYaml(join(deploy, "docker-compose.yml")), "docker-compose.yml");
const services = asMap(compose.services, "services") as Record<string, Record<string, Yaml>>;
const service = (name: string) => asMap(services[name], `services.${name}`);

/** `[address:]host:container` port mappings of a service, as numbers, with `${VAR:-default}` at its default. */
function ports(name: string): Array<{ host: number; container: number; address?: string }> {
  return ((service(name).ports ?? []) as Yaml[]).map((p) => {
    const text = asString(p, `${name}.ports`).replace(/\$\{\w+:-([^}]*)\}/g, "$1");
    const m = /^(?:([\d.]+):)?(\d+):(\d+)$/.exec(text);
    if (!m) throw new Error(`${name}: unsupported port mapping ${String(p)}`);
    return { host: Number(m[2]), container: Number(m[3]), ...(m[1] !== undefined ? { address: m[1] } : {}) };
  });
}

/** Volumes of a service: bind mounts (source relative to deploy/) and named volumes. */
function mounts(name: string): Array<{ source: string; target: string; bind: boolean }> {
  return ((service(name).volumes ?? []) as Yaml[]).map((v) => {
    const [source, target] = asString(v, `${name}.volumes`).split(":");
    return { source: source!, target: target!, bind: source!.startsWith(".") || source!.startsWith("/") };
  });
}

/** The container path `path` resolves to on the host, through the service's bind mounts. */
function hostPath(name: string, path: string): string | undefined {
  for (const m of mounts(name).filter((x) => x.bind)) {
    if (path === m.target || path.startsWith(`${m.target}/`)) return resolve(deploy, m.source) + path.slice(m.target.length);
  }
  return undefined;
}

function commandArgs(name: string): string[] {
  const command = service(name).command;
  return command === undefined ? [] : asList(command, `${name}.command`).map((c) => asString(c, `${name}.command[]`));
}

function flag(name: string, flagName: string): string {
  const found = commandArgs(name).find((a) => a.startsWith(`${flagName}=`));
  if (found === undefined) throw new Error(`${name}: no ${flagName}=… in its command`);
  return found.slice(flagName.length + 1);
}

/** Host and port of a URL or host:port; the port must be explicit. */
function hostPort(address: string): { host: string; port: number } {
  const m = /^(?:https?:\/\/)?([\w.-]+):(\d+)/.exec(address);
  if (!m) throw new Error(`no host:port in ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}

describe("docker-compose.yml: the stack's paths, ports, secrets and URLs agree", () => {
  it("has the example server, Prometheus, Alertmanager, Grafana and Tempo, and Langfuse v3 under the langfuse profile", () => {
    for (const name of ["text2query", "prometheus", "alertmanager", "grafana", "tempo"]) {
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
  });

  it("builds the example server from the repository with node:20 and runs npm start's program with node on 0.0.0.0:3000", () => {
    const build = asMap(service("text2query").build, "text2query.build");
    const context = resolve(deploy, asString(build.context, "build.context"));
    expect(context).toBe(resolve(root));
    const dockerfile = join(context, asString(build.dockerfile, "build.dockerfile"));
    const text = readFileSync(dockerfile, "utf8");
    expect(text).toMatch(/^FROM node:20[\w.-]*$/m);
    expect(text).toMatch(/^RUN npm ci\b/m);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe("node --import tsx examples/text2query/main.ts");
    // npm start's program run by node itself: npm would not pass docker stop's SIGTERM on to the server.
    expect((JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]!) as string[]).join(" ")).toBe(pkg.scripts.start);
    for (const copied of [...text.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "))) expect(existsSync(join(context, copied)), copied).toBe(true);
    expect(existsSync(`${dockerfile}.dockerignore`)).toBe(true);
    const env = asMap(service("text2query").environment, "text2query.environment");
    expect(env).toMatchObject({ HOST: "0.0.0.0", PORT: "3000", DATA_DIR: "/data/pglite" });
    const main = readFileSync(join(root, "examples", "text2query", "main.ts"), "utf8");
    for (const variable of ["HOST", "PORT", "DATA_DIR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "LOG_LEVEL", "OTEL_SERVICE_NAME"]) expect(main).toContain(variable);
    expect(mounts("text2query")).toContainEqual({ source: "text2query-data", target: "/data", bind: false });
    expect(ports("text2query")).toEqual([{ host: 3000, container: 3000, address: "127.0.0.1" }]);
  });

  it("publishes the example server on loopback unless TEXT2QUERY_BIND says otherwise, passes API_TOKEN, and allows Prometheus's Host", () => {
    expect(asString((service("text2query").ports as Yaml[])[0]!, "ports")).toBe("${TEXT2QUERY_BIND:-127.0.0.1}:3000:3000");
    const env = asMap(service("text2query").environment, "text2query.environment");
    expect(env).toMatchObject({ API_TOKEN: "${API_TOKEN:-}", ALLOWED_HOSTS: "text2query", TRACE_CONTEXT: "${TRACE_CONTEXT:-link}" });
    // Prometheus scrapes the service by that name: its Host header must be allowed.
    expect(readFileSync(join(deploy, "prometheus", "prometheus.yml"), "utf8")).toContain('"text2query:3000"');
    const main = readFileSync(join(root, "examples", "text2query", "main.ts"), "utf8");
    for (const variable of ["API_TOKEN", "ALLOWED_HOSTS", "ALLOWED_ORIGINS", "TRACE_CONTEXT"]) expect(main).toContain(`"${variable}"`);
  });

  it("every bind mount exists in deploy/ and every named volume is declared", () => {
    const declared = Object.keys(asMap(compose.volumes, "volumes"));
    for (const name of Object.keys(services)) {
      for (const m of mounts(name)) {
        if (m.bind) expect(existsSync(resolve(deploy, m.source)), `${name}: ${m.source}`).toBe(true);
        else expect(declared, `${name}: volume ${m.source}`).toContain(m.source);
      }
      const envFile = service(name).env_file;
      if (envFile !== undefined) expect(existsSync(resolve(deploy, asString(envFile, `${name}.env_file`))), `${name}: ${String(envFile)}`).toBe(true);
    }
  });

  it("Prometheus reads the mounted prometheus.yml and rules, keeps exemplars, scrapes text2query:3000 and alerts alertmanager:9093", () => {
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
    // The alerts select job="text2query".
    expect(loadRules().find((r) => r.name === "Text2QueryServiceDown")!.expr).toContain('up{job="text2query"}');
    const app = hostPort(jobs.text2query![0]!);
    expect(app).toEqual({ host: "text2query", port: Number(asMap(service("text2query").environment, "env").PORT) });
    const am = hostPort(asString(asList(asMap(asList(asMap(asMap(prom.alerting, "alerting"), "alerting").alertmanagers, "alertmanagers")[0], "am").static_configs, "sc").flatMap((s) => asList(asMap(s, "sc").targets, "targets"))[0], "target"));
    expect(am).toEqual({ host: "alertmanager", port: 9093 });
    expect(ports("alertmanager").map((p) => p.container)).toContain(am.port);
    expect(hostPort(jobs.alertmanager![0]!)).toEqual(am);
    expect(hostPort(jobs.tempo![0]!)).toEqual({ host: "tempo", port: 3200 });
    expect(ports("prometheus")).toEqual([{ host: 9090, container: 9090 }]);
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

  it("Grafana gets the provisioning and the dashboards where the provider looks, and its datasources point at services", () => {
    const grafana = mounts("grafana");
    expect(grafana).toContainEqual({ source: "./grafana/provisioning", target: "/etc/grafana/provisioning", bind: true });
    const provider = asMap(asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "dashboards", "dashboards.yml")), "d").providers, "providers")[0], "provider");
    const path = asString(asMap(provider.options, "options").path, "path");
    expect(hostPath("grafana", path)).toBe(join(deploy, "grafana", "dashboards"));
    const datasources = asList(asMap(readYaml(join(deploy, "grafana", "provisioning", "datasources", "datasources.yml")), "ds").datasources, "datasources");
    for (const ds of datasources) {
      const { host, port } = hostPort(asString(asMap(ds, "ds").url, "url"));
      expect(services[host], `datasource host ${host}`).toBeDefined();
      const exposed = host === "tempo" ? [3200] : ports(host).map((p) => p.container);
      expect(exposed, `${host}:${port}`).toContain(port);
    }
    // Alert annotations link to Grafana on its host port and root URL.
    const rootUrl = asString(asMap(service("grafana").environment, "grafana.environment").GF_SERVER_ROOT_URL, "GF_SERVER_ROOT_URL");
    expect(ports("grafana")).toEqual([{ host: Number(hostPort(rootUrl).port), container: 3000 }]);
    for (const rule of loadRules().filter((r) => r.kind === "alert")) expect(rule.annotations.dashboard!.startsWith(`${rootUrl}/d/`), rule.name).toBe(true);
  });

  it("the app sends OTLP/HTTP to Tempo's receiver, and Tempo's config is the mounted one", () => {
    const endpoint = asString(asMap(service("text2query").environment, "env").OTEL_EXPORTER_OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT");
    const target = hostPort(endpoint);
    expect(target.host).toBe("tempo");
    const configArg = asList(service("tempo").command, "tempo.command").map((c) => asString(c, "c")).find((c) => c.startsWith("-config.file="))!;
    const tempoConfig = hostPath("tempo", configArg.slice("-config.file=".length));
    expect(tempoConfig).toBe(join(deploy, "tempo", "tempo.yaml"));
    expect(statSync(tempoConfig!).isFile()).toBe(true);
    const tempo = asMap(readYaml(tempoConfig!), "tempo.yaml");
    const otlp = asMap(asMap(asMap(asMap(tempo.distributor, "distributor").receivers, "receivers").otlp, "otlp").protocols, "protocols");
    expect(hostPort(asString(asMap(otlp.http, "http").endpoint, "endpoint")).port).toBe(target.port);
    expect(asMap(tempo.server, "server").http_listen_port).toBe(3200);
    expect(ports("tempo")).toContainEqual({ host: 4318, container: target.port });
  });

  it("host ports are unique; Langfuse's keys in .env.example are the ones the bundled Langfuse creates", () => {
    const host = Object.keys(services).flatMap((n) => ports(n).map((p) => p.host));
    expect(new Set(host).size).toBe(host.length);
    const langfuseEnv = readFileSync(join(deploy, "langfuse", "langfuse.env"), "utf8");
    const example = readFileSync(join(deploy, ".env.example"), "utf8");
    const key = /^LANGFUSE_INIT_PROJECT_PUBLIC_KEY=(\S+)$/m.exec(langfuseEnv)![1]!;
    const secret = /^LANGFUSE_INIT_PROJECT_SECRET_KEY=(\S+)$/m.exec(langfuseEnv)![1]!;
    expect(example).toContain(`LANGFUSE_PUBLIC_KEY=${key}`);
    expect(example).toContain(`LANGFUSE_SECRET_KEY=${secret}`);
    const web = ports("langfuse-web")[0]!;
    expect(example).toContain(`LANGFUSE_BASE_URL=http://langfuse-web:${web.container}`);
    expect(asMap(service("langfuse-web").environment, "env").NEXTAUTH_URL).toBe(`http://localhost:${web.host}`);
  });
});
