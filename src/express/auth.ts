import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/**
 * `Authorization: Bearer <token>` check (RFC 6750). Both sides are hashed first so the comparison is
 * constant-time whatever the length of what the client sent.
 */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return function requireBearerToken(req: Request, res: Response, next: NextFunction): void {
    const header = req.headers.authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    if (match === null) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="metrics"').set("Cache-Control", "no-store").json({ error: "missing bearer token" });
      return;
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="metrics", error="invalid_token"').set("Cache-Control", "no-store").json({ error: "invalid bearer token" });
      return;
    }
    next();
  };
}
