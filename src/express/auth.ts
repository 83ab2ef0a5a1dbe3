import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export function bearerTokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * A check of candidate tokens against `token`. Both sides are hashed first so the comparison is
 * constant-time whatever the length of what the client sent.
 */
export function tokenMatcher(token: string): (candidate: string) => boolean {
  const expected = digest(token);
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}

/** `Authorization: Bearer <token>` check (RFC 6750). */
export function bearerAuth(token: string): RequestHandler {
  const matches = tokenMatcher(token);
  return function requireBearerToken(req: Request, res: Response, next: NextFunction): void {
    const candidate = bearerTokenOf(req);
    if (candidate === undefined) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="metrics"').set("Cache-Control", "no-store").json({ error: "missing bearer token" });
      return;
    }
    if (!matches(candidate)) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="metrics", error="invalid_token"').set("Cache-Control", "no-store").json({ error: "invalid bearer token" });
      return;
    }
    next();
  };
}

/** A session value: expiry (ms since the epoch) and its HMAC, both URL-safe. */
const SESSION = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/**
 * Signed browser sessions for a token-protected page: the cookie holds an expiry and its HMAC, never the
 * token, so a leaked cookie neither reveals the token (which also opens /metrics) nor outlives its expiry.
 * The key is derived from the token: every process serving the same token (cluster workers, a restarted
 * server) accepts the session, and changing the token ends every session.
 */
export class SignedSessions {
  private readonly key: Buffer;

  constructor(token: string, readonly ttlMs: number) {
    this.key = createHmac("sha256", token).update("langgraph-telemetry console session v1").digest();
  }

  issue(now = Date.now()): string {
    const expires = String(now + this.ttlMs);
    return `${expires}.${this.sign(expires)}`;
  }

  /** Whether `value` is a session this key signed that has not expired. Any malformed value is simply invalid. */
  verify(value: string, now = Date.now()): boolean {
    const m = SESSION.exec(value);
    if (m === null || Number(m[1]) <= now) return false;
    return timingSafeEqual(Buffer.from(m[2]!, "utf8"), Buffer.from(this.sign(m[1]!), "utf8"));
  }

  private sign(expires: string): string {
    return createHmac("sha256", this.key).update(expires).digest("base64url");
  }
}
