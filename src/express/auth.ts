import { createHash, timingSafeEqual } from "node:crypto";
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
