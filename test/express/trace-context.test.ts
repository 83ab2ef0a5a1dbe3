import { randomBytes } from "node:crypto";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import express from "express";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowTracer } from "../../src/index.js";
import { traceContext } from "../../src/express/index.js";
import { parentId, setupOtel } from "../support/otel.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";
import { listen, until, type Running } from "./support.js";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

describe("traceContext", () => {
  let otel: ReturnType<typeof setupOtel>;
  let running: Running | undefined;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await otel.shutdown();
  });

  const graph = buildText2QueryGraph();

  /** An API that runs the Text2Query workflow per request, behind a JSON body parser. */
  async function serve(options: Parameters<typeof traceContext>[0] = {}, before?: express.RequestHandler) {
    const tracer = new WorkflowTracer({ tracerProvider: otel.provider, stages: { schema_context: "reasoning" } });
    const app = express();
    if (before) app.use(before);
    app.use(traceContext({ tracerProvider: otel.provider, ...options }));
    app.use(express.json());
    app.post("/api/ask", async (req, res) => {
      const result = await graph.invoke({ question: String(req.body.question) }, { callbacks: [tracer] });
      res.json({ sql: result.sql, tenant: propagation.getBaggage(context.active())?.getEntry("tenant")?.value ?? null });
    });
    app.get("/api/runs/:id", (_req, res) => {
      res.json({ ok: true });
    });
    // Reads the body itself: its listeners run from socket events, outside the middleware's call stack.
    app.post("/api/raw", (req, res) => {
      let size = 0;
      req.on("data", (chunk: Buffer) => (size += chunk.length));
      req.on("end", () => {
        res.json({ size, spanId: trace.getActiveSpan()?.spanContext().spanId ?? null });
      });
    });
    app.get("/api/fail", () => {
      throw new Error("boom");
    });
    app.get("/healthz", (_req, res) => {
      res.json({ status: "ok" });
    });
    running = await listen(app);
    return running.url;
  }

  const serverSpans = () => otel.spans().filter((s) => s.kind === SpanKind.SERVER);
  const oneServerSpan = () => until("the server span to end", () => (serverSpans().length === 1 ? serverSpans()[0] : undefined));

  function ancestors(spans: readonly ReadableSpan[], span: ReadableSpan): string[] {
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const out: string[] = [];
    for (let p = parentId(span); p !== undefined; p = byId.get(p) ? parentId(byId.get(p)!) : undefined) out.push(p);
    return out;
  }

  it("makes the workflow run by a handler part of the caller's trace, under a server span that is the child of the caller's span", async () => {
    const url = await serve();
    const clientTrace = hex(16);
    const clientSpan = hex(8);
    const res = await fetch(`${url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${clientTrace}-${clientSpan}-01`, tracestate: "vendor=abc", baggage: "tenant=acme", "user-agent": "test-agent/1.0" },
      body: JSON.stringify({ question: "How many orders per user?" }),
    });
    expect(res.status).toBe(200);
    // Baggage reached the handler, after the body parser's stream callbacks.
    expect(await res.json()).toMatchObject({ tenant: "acme", sql: expect.stringContaining("SELECT name") });

    const server = await oneServerSpan();
    const spans = otel.spans();
    expect(server.name).toBe("POST /api/ask");
    expect(server.spanContext().traceId).toBe(clientTrace);
    expect(server.parentSpanContext?.spanId).toBe(clientSpan);
    expect(server.parentSpanContext?.isRemote).toBe(true);
    expect(server.spanContext().traceState?.get("vendor")).toBe("abc");
    expect(server.attributes).toMatchObject({
      "http.request.method": "POST",
      "url.path": "/api/ask",
      "url.scheme": "http",
      "http.route": "/api/ask",
      "http.response.status_code": 200,
      "server.address": "127.0.0.1",
      "user_agent.original": "test-agent/1.0",
      "network.protocol.version": "1.1",
    });
    expect(server.status.code).toBe(SpanStatusCode.UNSET);

    const root = spans.find((s) => s.name.startsWith("invoke_workflow"));
    expect(root, spans.map((s) => s.name).join(", ")).toBeDefined();
    expect(parentId(root!)).toBe(server.spanContext().spanId);
    // Every span of the workflow is in the caller's trace, below the server span.
    expect(spans.length).toBeGreaterThan(10);
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(clientTrace);
      if (s !== server) expect(ancestors(spans, s), s.name).toContain(server.spanContext().spanId);
    }

    expect(res.headers.get("x-trace-id")).toBe(clientTrace);
    expect(res.headers.get("traceparent")).toBe(`00-${clientTrace}-${server.spanContext().spanId}-01`);
  });

  it("keeps the request's context in the request's own stream listeners", async () => {
    const url = await serve();
    const res = await fetch(`${url}/api/raw`, { method: "POST", body: "x".repeat(200_000) });
    const body = (await res.json()) as { size: number; spanId: string | null };
    expect(body.size).toBe(200_000);
    expect(body.spanId).toBe((await oneServerSpan()).spanContext().spanId);
  });

  it("starts a new trace when the request has no traceparent", async () => {
    const url = await serve();
    const res = await fetch(`${url}/api/runs/7`);
    const server = await oneServerSpan();
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.name).toBe("GET /api/runs/:id");
    expect(server.attributes["http.route"]).toBe("/api/runs/:id");
    expect(server.attributes["url.path"]).toBe("/api/runs/7");
    expect(res.headers.get("x-trace-id")).toBe(server.spanContext().traceId);
    expect(res.headers.get("traceparent")).toBe(`00-${server.spanContext().traceId}-${server.spanContext().spanId}-01`);
  });

  it("ignores malformed traceparent headers: 200 and a fresh trace", async () => {
    const url = await serve();
    const t = hex(16);
    const s = hex(8);
    const malformed = [
      `ff-${t}-${s}-01`, // version ff is invalid
      `00-${"0".repeat(32)}-${s}-01`, // all-zero trace id
      `00-${t}-${"0".repeat(16)}-01`, // all-zero parent id
      "garbage",
      `00-${t}-${s}-01-${"a".repeat(600)}`, // too long: version 00 has exactly four fields
      `00-${t.toUpperCase()}-${s}-01`, // upper-case hex
      `00-${t.slice(2)}-${s}-01`, // short trace id
    ];
    for (const traceparent of malformed) {
      otel.reset();
      const res = await fetch(`${url}/api/runs/1`, { headers: { traceparent } });
      expect(res.status, traceparent).toBe(200);
      const server = await oneServerSpan();
      expect(server.parentSpanContext, traceparent).toBeUndefined();
      expect(server.spanContext().traceId).not.toBe(t);
      const header = TRACEPARENT.exec(res.headers.get("traceparent") ?? "");
      expect(header?.[1], traceparent).toBe(server.spanContext().traceId);
      expect(res.headers.get("x-trace-id")).toBe(server.spanContext().traceId);
    }
  });

  it("follows the caller's sampling decision: an unsampled traceparent records nothing but keeps the trace id", async () => {
    const url = await serve();
    const t = hex(16);
    const res = await fetch(`${url}/api/runs/1`, { headers: { traceparent: `00-${t}-${hex(8)}-00` } });
    expect(res.status).toBe(200);
    expect(TRACEPARENT.exec(res.headers.get("traceparent") ?? "")?.slice(1, 4)).toEqual([t, expect.any(String), "00"]);
    await new Promise((r) => setTimeout(r, 50));
    expect(otel.spans()).toHaveLength(0);
  });

  it("marks 5xx as errors, names unmatched requests by method only, and maps unknown methods to _OTHER", async () => {
    const url = await serve();
    expect((await fetch(`${url}/api/fail`)).status).toBe(500);
    let server = await oneServerSpan();
    expect(server.name).toBe("GET /api/fail");
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes).toMatchObject({ "http.response.status_code": 500, "error.type": "500" });

    otel.reset();
    expect((await fetch(`${url}/nowhere/123`)).status).toBe(404);
    server = await oneServerSpan();
    expect(server.name).toBe("GET");
    expect(server.attributes["http.route"]).toBeUndefined();
    expect(server.attributes["http.response.status_code"]).toBe(404);
    expect(server.status.code).toBe(SpanStatusCode.UNSET); // 4xx are the client's errors

    otel.reset();
    await (await fetch(`${url}/api/runs/1`, { method: "PROPFIND" })).text();
    server = await oneServerSpan();
    expect(server.name).toBe("HTTP");
    expect(server.attributes).toMatchObject({ "http.request.method": "_OTHER", "http.request.method_original": "PROPFIND" });
  });

  it("makes no span and sends no headers for excluded paths (the probes by default)", async () => {
    const url = await serve();
    const res = await fetch(`${url}/healthz`, { headers: { traceparent: `00-${hex(16)}-${hex(8)}-01` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("traceparent")).toBeNull();
    expect(res.headers.get("x-trace-id")).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(otel.spans()).toHaveLength(0);
    await running!.close();

    const url2 = await serve({ excludePaths: [/^\/api\/runs\//] });
    expect((await fetch(`${url2}/api/runs/1`)).headers.get("x-trace-id")).toBeNull();
    expect((await fetch(`${url2}/healthz`)).headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("sends no trace headers with responseHeaders: false, and still traces", async () => {
    const url = await serve({ responseHeaders: false });
    const res = await fetch(`${url}/api/runs/1`);
    expect(res.headers.get("traceparent")).toBeNull();
    expect(res.headers.get("x-trace-id")).toBeNull();
    expect((await oneServerSpan()).name).toBe("GET /api/runs/:id");
  });

  describe("serverSpan: false (instrumentation-http makes the server span)", () => {
    it("keeps the active server span: no second span, its ids in the headers, the workflow below it", async () => {
      const tracer = otel.provider.getTracer("stand-in-for-instrumentation-http");
      // What @opentelemetry/instrumentation-http does before Express runs: a server span, active for the request.
      const outer: express.RequestHandler = (_req, res, next) => {
        const span = tracer.startSpan("POST", { kind: SpanKind.SERVER });
        res.on("finish", () => span.end());
        context.with(trace.setSpan(context.active(), span), next);
      };
      const url = await serve({ serverSpan: false }, outer);
      const res = await fetch(`${url}/api/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", baggage: "tenant=globex" },
        body: JSON.stringify({ question: "How many orders per user?" }),
      });
      expect(await res.json()).toMatchObject({ tenant: "globex" });
      const server = await oneServerSpan();
      expect(server.instrumentationScope.name).toBe("stand-in-for-instrumentation-http");
      const root = otel.spans().find((s) => s.name.startsWith("invoke_workflow"))!;
      expect(parentId(root)).toBe(server.spanContext().spanId);
      expect(res.headers.get("traceparent")).toBe(`00-${server.spanContext().traceId}-${server.spanContext().spanId}-01`);
      expect(res.headers.get("x-trace-id")).toBe(server.spanContext().traceId);
    });

    it("without an active span, joins the incoming trace: the workflow root is the caller's child", async () => {
      const url = await serve({ serverSpan: false });
      const clientTrace = hex(16);
      const clientSpan = hex(8);
      const res = await fetch(`${url}/api/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${clientTrace}-${clientSpan}-01` },
        body: JSON.stringify({ question: "How many orders per user?" }),
      });
      expect(res.status).toBe(200);
      expect(serverSpans()).toHaveLength(0);
      const root = otel.spans().find((s) => s.name.startsWith("invoke_workflow"))!;
      expect(root.spanContext().traceId).toBe(clientTrace);
      expect(parentId(root)).toBe(clientSpan);
      expect(res.headers.get("x-trace-id")).toBe(clientTrace);
    });
  });

  describe("inbound: what a client-chosen traceparent may decide", () => {
    /** Ten requests carrying one client-chosen traceparent (sampled or not), the workflow run by each. */
    async function tenWithOneTraceparent(url: string, flags: "00" | "01") {
      const clientTrace = hex(16);
      const clientSpan = hex(8);
      const headers = { "content-type": "application/json", traceparent: `00-${clientTrace}-${clientSpan}-${flags}`, baggage: "tenant=acme" };
      const answers: Array<{ traceId: string | null; tenant: string | null }> = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${url}/api/ask`, { method: "POST", headers, body: JSON.stringify({ question: "How many orders per user?" }) });
        expect(res.status).toBe(200);
        answers.push({ traceId: res.headers.get("x-trace-id"), tenant: ((await res.json()) as { tenant: string | null }).tenant });
      }
      await until("ten server spans", () => (serverSpans().length === 10 ? true : undefined));
      return { clientTrace, clientSpan, answers };
    }

    it("link: each request starts its own sampled trace, its server span linked to the caller's span; baggage dropped", async () => {
      const url = await serve({ inbound: "link" });
      const { clientTrace, clientSpan, answers } = await tenWithOneTraceparent(url, "00");
      const traces = new Set(answers.map((a) => a.traceId));
      expect(traces.size).toBe(10);
      expect(traces.has(clientTrace)).toBe(false);
      expect(answers.every((a) => a.tenant === null)).toBe(true);
      for (const span of serverSpans()) {
        expect(parentId(span)).toBeUndefined();
        expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[clientTrace, clientSpan]]);
        // The caller's flags 00 did not keep the run out of sampling: the workflow was recorded in the new trace.
        expect(otel.spans().some((s) => s.name.startsWith("invoke_workflow") && s.spanContext().traceId === span.spanContext().traceId)).toBe(true);
      }
      expect([...traces].sort()).toEqual(serverSpans().map((s) => s.spanContext().traceId).sort());
    });

    it("ignore: each request starts its own trace with no link to the caller", async () => {
      const url = await serve({ inbound: "ignore" });
      const { clientTrace, answers } = await tenWithOneTraceparent(url, "01");
      expect(new Set(answers.map((a) => a.traceId)).size).toBe(10);
      expect(answers.some((a) => a.traceId === clientTrace)).toBe(false);
      expect(answers.every((a) => a.tenant === null)).toBe(true);
      for (const span of serverSpans()) {
        expect(parentId(span)).toBeUndefined();
        expect(span.links).toEqual([]);
      }
    });

    it("trust (the default): the ten requests join the caller's one trace and keep its baggage", async () => {
      const url = await serve();
      const { clientTrace, answers } = await tenWithOneTraceparent(url, "01");
      expect(answers.every((a) => a.traceId === clientTrace && a.tenant === "acme")).toBe(true);
    });

    it("ignore without a server span: the middleware does not join the caller's trace", async () => {
      const url = await serve({ inbound: "ignore", serverSpan: false });
      const clientTrace = hex(16);
      const res = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json", traceparent: `00-${clientTrace}-${hex(8)}-01` }, body: JSON.stringify({ question: "How many orders per user?" }) });
      expect(res.status).toBe(200);
      const root = await until("the workflow span", () => otel.spans().find((s) => s.name.startsWith("invoke_workflow")));
      expect(root.spanContext().traceId).not.toBe(clientTrace);
      expect(parentId(root)).toBeUndefined();
    });
  });

  it("rejects invalid options at construction, naming the option, the value and what is allowed", () => {
    const bad: [unknown, string][] = [
      [{ tracer: {} }, "traceContext: invalid option tracer: {}. Expected one of the known options (tracerProvider, serverSpan, responseHeaders, excludePaths, inbound)."],
      [{ inbound: "yes" }, 'traceContext: invalid option inbound: "yes". Expected "trust", "link" or "ignore".'],
      [{ inbound: "link", serverSpan: false }, 'traceContext: invalid option inbound: "link". Expected "trust" or "ignore" when serverSpan is false (a link needs the server span to carry it).'],
      [{ tracerProvider: {} }, "traceContext: invalid option tracerProvider: {}. Expected an OpenTelemetry TracerProvider (an object with getTracer())."],
      [{ serverSpan: "no" }, 'traceContext: invalid option serverSpan: "no". Expected true or false.'],
      [{ responseHeaders: 1 }, "traceContext: invalid option responseHeaders: 1. Expected true or false."],
      [{ excludePaths: [42] }, 'traceContext: invalid option excludePaths: [42]. Expected an array of paths starting with "/" and RegExps.'],
    ];
    for (const [options, message] of bad) {
      expect(() => traceContext(options as never), JSON.stringify(options)).toThrow(TypeError);
      expect(() => traceContext(options as never), JSON.stringify(options)).toThrow(message);
    }
  });
});
