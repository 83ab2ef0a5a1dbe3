import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";

export interface AccessOptions {
  /** Require `Authorization: Bearer <apiToken>` on `/api/*`. @default undefined (open, for loopback use) */
  apiToken?: string;
  /**
   * Origins (`https://t2q.example.com`) whose pages may call the server from a browser; their host names are
   * also accepted in `Host`. Same-origin requests (Origin equal to the request's Host) are always accepted.
   * @default []
   */
  allowedOrigins?: string[];
  /** Further host names the server answers to, e.g. a compose service name that Prometheus scrapes. @default [] */
  allowedHosts?: string[];
}

export interface ResolvedAccess {
  apiToken: string | undefined;
  origins: ReadonlySet<string>;
  hosts: ReadonlySet<string>;
}

/** Host names a browser on this machine uses; anything else in `Host` may be a DNS-rebinding page. */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/;

function fail(option: string, value: unknown, expected: string): never {
  throw new TypeError(`createText2QueryServer: invalid option ${option}: ${JSON.stringify(value)}. Expected ${expected}.`);
}

/** Validates the access options once, at construction. */
export function resolveAccess(options: AccessOptions): ResolvedAccess {
  const { apiToken, allowedOrigins = [], allowedHosts = [] } = options;
  if (apiToken !== undefined && (typeof apiToken !== "string" || !/^[\x21-\x7e]{16,}$/.test(apiToken))) fail("apiToken", "[redacted]", "at least 16 printable ASCII characters without spaces");
  if (!Array.isArray(allowedOrigins)) fail("allowedOrigins", allowedOrigins, "an array of origins like https://t2q.example.com");
  if (!Array.isArray(allowedHosts)) fail("allowedHosts", allowedHosts, "an array of host names like text2query");
  const origins = new Set<string>();
  const hosts = new Set<string>(LOOPBACK_HOSTS);
  for (const origin of allowedOrigins) {
    let url: URL | undefined;
    try {
      url = typeof origin === "string" ? new URL(origin) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== origin.replace(/\/$/, "").toLowerCase()) fail("allowedOrigins", origin, "origins like https://t2q.example.com (scheme, host and port only; no path)");
    origins.add(url.origin);
    hosts.add(url.hostname);
  }
  for (const host of allowedHosts) {
    if (typeof host !== "string" || !HOST_NAME.test(host.toLowerCase())) fail("allowedHosts", host, "host names like text2query (no scheme, no port)");
    hosts.add(host.toLowerCase());
  }
  return { apiToken, origins, hosts };
}

/** The host name of a `Host` header, without its port (`[::1]:3000` → `[::1]`). */
function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host === "") return undefined;
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  const colon = lower.indexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

const refuse = (res: Response, error: string) => void res.status(403).set("Cache-Control", "no-store").json({ error });

/**
 * Refuses (403 JSON) a request whose `Host` is not one of ours (DNS rebinding: a foreign page that resolves
 * its own name to this server) and a browser request from another origin (a cross-site form POST or fetch).
 */
export function hostAndOriginCheck(access: ResolvedAccess): RequestHandler {
  return function checkHostAndOrigin(req: Request, res: Response, next: NextFunction): void {
    const host = hostNameOf(req.headers.host);
    if (host === undefined || !access.hosts.has(host)) {
      return refuse(res, `host not allowed: ${JSON.stringify(req.headers.host ?? "")} (add it to allowedHosts / ALLOWED_HOSTS, or its origin to ALLOWED_ORIGINS)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let sameOrigin = false;
      let parsed: URL | undefined;
      try {
        parsed = origin === "null" ? undefined : new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) sameOrigin = parsed.host === String(req.headers.host).toLowerCase() || access.origins.has(parsed.origin);
      if (!sameOrigin) return refuse(res, `cross-origin request refused: Origin ${JSON.stringify(origin)} is not allowed (add it to allowedOrigins / ALLOWED_ORIGINS)`);
    } else if (req.headers["sec-fetch-site"] === "cross-site" && req.method !== "GET" && req.method !== "HEAD") {
      return refuse(res, "cross-site request refused");
    }
    next();
  };
}

/** `Authorization: Bearer <token>` on the API, compared in constant time (both sides hashed first). */
export function apiTokenCheck(token: string): RequestHandler {
  const expected = createHash("sha256").update(token).digest();
  return function requireApiToken(req: Request, res: Response, next: NextFunction): void {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
    if (m !== null && timingSafeEqual(createHash("sha256").update(m[1]!).digest(), expected)) return next();
    res
      .status(401)
      .set("WWW-Authenticate", `Bearer realm="text2query api"${m === null ? "" : ', error="invalid_token"'}`)
      .set("Cache-Control", "no-store")
      .json({ error: m === null ? "missing bearer token: send Authorization: Bearer <API_TOKEN>" : "invalid bearer token" });
  };
}
