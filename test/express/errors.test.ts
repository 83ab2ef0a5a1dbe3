import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import express from "express";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonErrorHandler, traceContext } from "../../src/express/index.js";
import { setupOtel } from "../support/otel.js";
import { listen, until, type Running } from "./support.js";

describe("jsonErrorHandler", () => {
  let otel: ReturnType<typeof setupOtel>;
  let running: Running | undefined;
  let seen: { error: unknown; status: number; path: string }[];
  beforeEach(() => {
    otel = setupOtel();
    seen = [];
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await otel.shutdown();
  });

  async function serve() {
    const app = express();
    app.use(traceContext({ tracerProvider: otel.provider }));
    app.use(express.json({ limit: "1kb" }));
    app.post("/api/ask", (req, res) => {
      res.json({ question: req.body.question });
    });
    app.get("/api/internal", () => {
      throw new Error("connection to postgres://admin:hunter2@db failed");
    });
    app.get("/api/async-internal", async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new TypeError("cannot read properties of undefined (reading 'rows')");
    });
    app.get("/api/unprocessable", () => {
      throw Object.assign(new Error("question is required"), { status: 422, expose: true });
    });
    app.get("/api/hidden-client-error", () => {
      throw Object.assign(new Error("internal reason for a 404"), { statusCode: 404, expose: false });
    });
    app.get("/api/unavailable", () => {
      throw Object.assign(new Error("pool exhausted"), { status: 503 });
    });
    app.get("/api/method", () => {
      throw Object.assign(new Error("use POST"), { status: 405, headers: { Allow: "POST" } });
    });
    app.get("/api/string", () => {
      throw "a string, not an Error";
    });
    app.use(jsonErrorHandler({ onError: (error, req, status) => seen.push({ error, status, path: req.path }) }));
    running = await listen(app);
    return running.url;
  }

  it("answers a malformed JSON body with 400 JSON giving the reason and body-parser's type", async () => {
    const url = await serve();
    const res = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"question": "How many' });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, string>;
    expect(body.type).toBe("entity.parse.failed");
    expect(body.error).toMatch(/JSON/);
    expect(body.traceId).toBe(res.headers.get("x-trace-id"));
    expect(Object.keys(body).sort()).toEqual(["error", "traceId", "type"]);
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
    expect(seen).toMatchObject([{ status: 400, path: "/api/ask" }]);

    const tooLarge = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "x".repeat(5000) }) });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ type: "entity.too.large", error: "request entity too large" });
  });

  it("answers internal errors with 500 {error, traceId}: no message, no stack; the exception goes to the server span", async () => {
    const url = await serve();
    for (const path of ["/api/internal", "/api/async-internal", "/api/string"]) {
      otel.reset();
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(500);
      const text = await res.text();
      const traceId = res.headers.get("x-trace-id");
      expect(JSON.parse(text), path).toEqual({ error: "internal server error", traceId });
      expect(text).not.toMatch(/hunter2|postgres|rows|string|at /);
      const server = await until("the server span", () => otel.spans().find((s) => s.kind === SpanKind.SERVER));
      expect(server.status.code).toBe(SpanStatusCode.ERROR);
      if (path !== "/api/string") expect(server.events.map((e) => e.name)).toContain("exception");
      if (path === "/api/internal") {
        // The exception event keeps the type and the message, without the password in the URL (message and stack).
        const exception = server.events.find((e) => e.name === "exception")!;
        expect(exception.attributes?.["exception.type"]).toBe("Error");
        expect(exception.attributes?.["exception.message"]).toBe("connection to postgres://[redacted]@db failed");
        expect(String(exception.attributes?.["exception.stacktrace"])).toMatch(/^Error: connection to postgres:\/\/\[redacted\]@db failed\n/);
        expect(JSON.stringify(exception)).not.toContain("hunter2");
      }
    }
    expect(seen.map((s) => s.status)).toEqual([500, 500, 500]);
    expect((seen[0]!.error as Error).message).toMatch(/hunter2/); // the hook gets the real error, for your logs
  });

  it("passes client errors' status, exposed message and headers; hides unexposed messages; keeps 5xx generic", async () => {
    const url = await serve();
    const unprocessable = await fetch(`${url}/api/unprocessable`);
    expect(unprocessable.status).toBe(422);
    expect(await unprocessable.json()).toMatchObject({ error: "question is required" });

    const hidden = await fetch(`${url}/api/hidden-client-error`);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ error: "not found" });

    const method = await fetch(`${url}/api/method`);
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("POST");

    const unavailable = await fetch(`${url}/api/unavailable`);
    expect(unavailable.status).toBe(503);
    const body = (await unavailable.json()) as Record<string, string>;
    expect(body).toEqual({ error: "service unavailable", traceId: unavailable.headers.get("x-trace-id") });
  });

  it("survives a throwing onError hook", async () => {
    const app = express();
    app.get("/x", () => {
      throw new Error("x");
    });
    app.use(
      jsonErrorHandler({
        onError: () => {
          throw new Error("logger down");
        },
      }),
    );
    running = await listen(app);
    const res = await fetch(`${running.url}/x`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal server error" });
  });

  it("rejects invalid options at construction", () => {
    expect(() => jsonErrorHandler({ onError: "console.error" } as never)).toThrow('jsonErrorHandler: invalid option onError: "console.error". Expected a function (error, req, status) => void.');
    expect(() => jsonErrorHandler({ log: true } as never)).toThrow("jsonErrorHandler: invalid option log: true. Expected one of the known options (onError).");
  });
});
