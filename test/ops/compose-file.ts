import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { deploy, readYaml } from "./support.js";
import { asList, asMap, asString, type Yaml } from "./yaml.js";

/**
 * deploy/docker-compose.yml as the ops tests read it (the strict YAML reader), and the few things compose itself
 * would resolve: port mappings, bind mounts, `${VAR:-default}` interpolation, the files a service is started with.
 */
export const compose = asMap(readYaml(join(deploy, "docker-compose.yml")), "docker-compose.yml");
export const services = asMap(compose.services, "services") as Record<string, Record<string, Yaml>>;

export function service(name: string): Record<string, Yaml> {
  if (services[name] === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return asMap(services[name], `services.${name}`);
}

/** `[address:]host:container` port mappings of a service, as numbers, with `${VAR:-default}` at its default. */
export function ports(name: string): Array<{ host: number; container: number; address?: string }> {
  return ((service(name).ports ?? []) as Yaml[]).map((p) => {
    const text = interpolate(asString(p, `${name}.ports`));
    const m = /^(?:([\d.]+):)?(\d+):(\d+)$/.exec(text);
    if (!m) throw new Error(`${name}: unsupported port mapping ${String(p)}`);
    return { host: Number(m[2]), container: Number(m[3]), ...(m[1] !== undefined ? { address: m[1] } : {}) };
  });
}

/** Volumes of a service: bind mounts (source relative to deploy/) and named volumes. */
export function mounts(name: string): Array<{ source: string; target: string; bind: boolean }> {
  return ((service(name).volumes ?? []) as Yaml[]).map((v) => {
    const [source, target] = asString(v, `${name}.volumes`).split(":");
    return { source: source!, target: target!, bind: source!.startsWith(".") || source!.startsWith("/") };
  });
}

/** The host file a container path of the service resolves to, through its bind mounts. */
export function hostPath(name: string, path: string): string | undefined {
  for (const m of mounts(name).filter((x) => x.bind)) {
    if (path === m.target || path.startsWith(`${m.target}/`)) return resolve(deploy, m.source) + path.slice(m.target.length);
  }
  return undefined;
}

/** The named volume mounted at `path` (or above it) in the service. */
export function volumeAt(name: string, path: string): string | undefined {
  return mounts(name).find((m) => !m.bind && (path === m.target || path.startsWith(`${m.target}/`)))?.source;
}

export function commandArgs(name: string): string[] {
  const command = service(name).command;
  return command === undefined ? [] : asList(command, `${name}.command`).map((c) => asString(c, `${name}.command[]`));
}

/** The value of `flag=value` in the service's command. */
export function flag(name: string, flagName: string): string {
  const found = commandArgs(name).find((a) => a.startsWith(`${flagName}=`));
  if (found === undefined) throw new Error(`${name}: no ${flagName}=… in its command`);
  return found.slice(flagName.length + 1);
}

/** The service's environment as written (before interpolation). */
export function environment(name: string): Record<string, string> {
  const env = service(name).environment;
  if (env === undefined) return {};
  return Object.fromEntries(Object.entries(asMap(env, `${name}.environment`)).map(([k, v]) => [k, String(v)]));
}

/** Compose interpolation with nothing set: `${VAR:-default}` becomes its default, `${VAR}` and `${VAR:-}` empty. */
export function interpolate(text: string): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_all, _name: string, fallback: string | undefined) => fallback ?? "");
}

/** Host and port of a URL or host:port; the port must be explicit. */
export function hostPort(address: string): { host: string; port: number } {
  const m = /^(?:https?:\/\/)?([\w.-]+):(\d+)/.exec(address);
  if (!m) throw new Error(`no host:port in ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** deploy/.env.example: its active `NAME=value` lines, and the ones it shows commented out (`# NAME=value`). */
export function envExample(): { set: Record<string, string>; commented: Record<string, string> } {
  const text = readFileSync(join(deploy, ".env.example"), "utf8");
  const pick = (re: RegExp) => Object.fromEntries([...text.matchAll(re)].map((m) => [m[1]!, m[2]!]));
  return { set: pick(/^([A-Z][A-Z0-9_]*)=(.*)$/gm), commented: pick(/^# ([A-Z][A-Z0-9_]*)=(\S*)$/gm) };
}

/** deploy/langfuse/langfuse.env as a map (the env_file of the Langfuse services). */
export function langfuseEnv(): Record<string, string> {
  const text = readFileSync(join(deploy, "langfuse", "langfuse.env"), "utf8");
  return Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}
