import type { Server } from "node:http";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import express from "express";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { RecentTraces } from "../../src/index.js";
import { telemetryConsole } from "../../src/express/index.js";
import { setupOtel } from "../support/otel.js";
import { listen } from "../express/support.js";

const TOKEN = "console-secret-123";

describe("telemetry console JSON API and page over real HTTP", () => {
  let db: Database;
  let server: Server;
  let url: string;
  let otel: ReturnType<typeof setupOtel>;
  const recent = new RecentTraces({ maxTraces: 100 });
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    otel = setupOtel(); // the async context manager
    db = await openDatabase({});
    const provider = new BasicTracerProvider({ spanProcessors: [recent] });
    const app = createText2QueryServer({ db, model: new DemoChatModel(), tracerProvider: provider, log: pino({ level: "silent" }), metricsToken: TOKEN, console: { recent, sampleIntervalMs: 200, langfuseUrl: "https://cloud.langfuse.com" } });
    ({ server, url } = await app.listen(0));
    for (const question of ["How many orders are there?", "How many customers in DE?", "Refunds last month?", "Tell me a joke"]) {
      await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
    }
    await new Promise((r) => setTimeout(r, 700)); // a few metric samples
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await db.close();
    await otel.shutdown();
  });

  const get = (path: string, headers: Record<string, string> = auth) => fetch(`${url}${path}`, { headers, redirect: "manual" });

  it("lists the runs newest first with outcome, intent, duration, tokens and cost, and filters by outcome", async () => {
    const body = (await (await get("/telemetry/api/runs")).json()) as { runs: any[] };
    expect(body.runs.map((r) => r.name)).toEqual(["text2query", "text2query", "text2query", "text2query"]);
    expect(body.runs.map((r) => r.question)).toEqual(["Tell me a joke", "Refunds last month?", "How many customers in DE?", "How many orders are there?"]);
    expect(body.runs.map((r) => [r.intent, r.outcome])).toEqual([["out_of_scope", "success"], ["sql_query", "failed"], ["sql_query", "success"], ["sql_query", "success"]]);
    // Correction attempts: none without SQL; the failed run used all three before giving up.
    expect(body.runs[0].corrections).toBe(0);
    expect(body.runs[1].corrections).toBe(3);
    for (const r of body.runs.slice(1)) {
      expect(r.inputTokens).toBeGreaterThan(100);
      expect(r.costUsd).toBeGreaterThan(0);
      expect(r.durationMs).toBeGreaterThan(0);
    }
    const failed = (await (await get("/telemetry/api/runs?outcome=failed")).json()) as { runs: any[] };
    expect(failed.runs).toHaveLength(1);
  });

  it("tells how many runs it keeps, not the page size, so the header can say '2 of 4 runs'", async () => {
    expect(await (await get("/telemetry/api/runs?limit=2")).json()).toMatchObject({ runs: [{}, {}], total: 4 });
    expect(await (await get("/telemetry/api/runs?limit=2&outcome=success")).json()).toMatchObject({ runs: [{}, {}], total: 3 });
  });

  it("returns a run's spans with stages, a generation's tokens and the SQL", async () => {
    const [run] = ((await (await get("/telemetry/api/runs?outcome=failed")).json()) as { runs: any[] }).runs;
    const trace = (await (await get(`/telemetry/api/runs/${run.traceId}`)).json()) as { spans: any[] };
    const stages = new Set(trace.spans.map((s) => s.attributes["workflow.stage"]).filter(Boolean));
    expect([...stages].sort()).toEqual(["correction", "generation", "intent", "reasoning", "validation"]);
    const generation = trace.spans.find((s) => s.attributes["gen_ai.operation.name"] === "chat")!;
    expect(generation.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(trace.spans.filter((s) => s.name === "validate_sql").map((s) => s.attributes["workflow.validation.error_category"])).toEqual(["unknown_table", "unknown_table", "unknown_table", "unknown_table"]);
  });

  it("answers 4xx JSON on bad ids and parameters", async () => {
    for (const [path, status] of [["/telemetry/api/runs/xyz", 400], [`/telemetry/api/runs/${"0".repeat(32)}`, 404], ["/telemetry/api/runs?outcome=maybe", 400], ["/telemetry/api/runs?limit=0", 400], ["/telemetry/api/nothing", 404]] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(((await res.json()) as { error: string }).error, path).toMatch(/\w/);
    }
  });

  it("charts come from the app's own registry: runs per minute, error rate, latency by stage, tokens and cost by model", async () => {
    const m = (await (await get("/telemetry/api/metrics")).json()) as any;
    expect(m.intervalMs).toBe(200);
    expect(m.t.length).toBeGreaterThanOrEqual(2);
    // The sampler started with the app, before any question: its intervals add up to the 4 runs.
    expect(m.runs.reduce((a: number, v: number) => a + v, 0)).toBe(4);
    expect(m.runsPerMinute.length).toBe(m.runs.length);
    expect(Math.max(...m.errorRate)).toBeGreaterThan(0); // the refunds run failed
    expect(Object.keys(m.p95)).toEqual(expect.arrayContaining(["total"]));
    expect(Object.keys(m.tokensPerMinute)).toEqual(["gpt-4o-mini"]);
  });

  it("is behind the metrics bearer token: 401 without it; a ?token= link trades it for a cookie", async () => {
    const none = await get("/telemetry/api/runs", {});
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "missing bearer token" });
    expect((await get("/telemetry", { authorization: "Bearer wrong-token-000" })).status).toBe(401);
    const link = await get(`/telemetry?token=${TOKEN}`, {});
    expect(link.status).toBe(303);
    expect(link.headers.get("location")).toBe("/telemetry");
    const cookie = link.headers.get("set-cookie")!.split(";")[0]!;
    expect(link.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    const page = await get("/telemetry", { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain("Telemetry console");
    expect(html).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/); // the tab's icon is inline: no /favicon.ico 404
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']?https?:/); // no external assets
    expect((await get("/telemetry/api/runs", { cookie })).status).toBe(200);
  });

  it("serves the page under a nonce CSP: a fresh nonce per response, no 'unsafe-inline', not framable, no <base>, forms to itself", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const page = await get("/telemetry");
      const policy = page.headers.get("content-security-policy")!;
      const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{16,})'/.exec(policy)?.[1];
      expect(nonce, policy).toBeDefined();
      nonces.push(nonce!);
      expect(policy).not.toContain("unsafe-inline");
      expect(policy.split(/;\s*/)).toEqual(
        expect.arrayContaining(["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]),
      );
      const html = await page.text();
      expect(html.match(/<script[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
      expect(html.match(/<style[^>]*>/g)).toEqual([`<style nonce="${nonce}">`]);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("the browser session is a signed expiry, not the token: it does not open /metrics, and a raw-token or forged cookie is refused", async () => {
    const link = await get(`/telemetry?token=${TOKEN}`, {});
    const setCookie = link.headers.get("set-cookie")!;
    const cookie = setCookie.split(";")[0]!;
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).toMatch(/^lgt_console=\d+\.[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toMatch(/Max-Age=28800/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP here
    expect((await get("/telemetry/api/runs", { cookie })).status).toBe(200);
    expect((await get("/metrics", { cookie })).status).toBe(401);
    expect((await get("/metrics")).status).toBe(200); // the bearer token still opens /metrics
    const [expiry] = cookie.slice("lgt_console=".length).split(".");
    for (const bad of [`lgt_console=${TOKEN}`, `lgt_console=${expiry}.${"A".repeat(43)}`, `lgt_console=${Number(expiry) + 1}.${cookie.split(".")[1]}`]) {
      const res = await get("/telemetry/api/runs", { cookie: bad });
      expect(res.status, bad).toBe(401);
      expect(await res.json()).toEqual({ error: "invalid or expired session: open /telemetry?token=… again" });
    }
  });

  it.each([["%E0%A4%A"], ["%"], ["a=b=c;;;"], ["\u00ff"]])("answers 401 JSON (never 500) to a malformed session cookie %j", async (value) => {
    const res = await fetch(`${url}/telemetry/api/runs`, { headers: { cookie: `lgt_console=${value}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/session/) });
  });

  it.each([["/TELEMETRY"], ["/Telemetry"], ["/telemetry/"], ["/TELEMETRY/"]])("trades ?token= for a session on %s too, never leaving the token in the address bar", async (path) => {
    const link = await get(`${path}?token=${TOKEN}`, {});
    expect(link.status).toBe(303);
    expect(link.headers.get("location")).toBe("/telemetry");
    expect(link.headers.get("set-cookie")).toMatch(/^lgt_console=\d+\./);
  });

  it("a ?token= is only a way into the page: the JSON API does not take it from the URL", async () => {
    const res = await get(`/telemetry/api/runs?token=${TOKEN}`, {});
    expect(res.status).toBe(401);
  });

  it("sessions expire after sessionTtlMs, and are Secure when the request came over TLS (req.secure)", async () => {
    const app = express();
    app.set("trust proxy", "loopback"); // a TLS-terminating proxy on this host says X-Forwarded-Proto: https
    app.use(telemetryConsole({ recent, bearerToken: TOKEN, sessionTtlMs: 1000 }));
    const running = await listen(app);
    try {
      const link = await fetch(`${running.url}/telemetry?token=${TOKEN}`, { redirect: "manual", headers: { "x-forwarded-proto": "https" } });
      expect(link.headers.get("set-cookie")).toMatch(/; Secure/);
      const cookie = link.headers.get("set-cookie")!.split(";")[0]!;
      const issued = Date.now();
      expect((await fetch(`${running.url}/telemetry/api/runs`, { headers: { cookie } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() - issued) + 5));
      expect((await fetch(`${running.url}/telemetry/api/runs`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await running.close();
    }
  });

  it("is off unless mounted, and rejects bad options", async () => {
    expect(() => telemetryConsole({ recent, sessionTtlMs: 10 })).toThrow("telemetryConsole: invalid option sessionTtlMs: 10. Expected an integer number of milliseconds from 1000 to 2147483647.");
    expect(() => telemetryConsole({ recent: {} as never })).toThrow("telemetryConsole: invalid option recent");
    expect(() => telemetryConsole({ recent, path: "telemetry" })).toThrow(/invalid option path: "telemetry"/);
    expect(() => telemetryConsole({ recent, bearerToken: "short" })).toThrow("telemetryConsole: invalid option bearerToken: \"[redacted]\". Expected a string of at least 8 characters.");
    const plain = await createText2QueryServer({ db, model: new DemoChatModel(), log: pino({ level: "silent" }) }).listen(0);
    try {
      expect((await fetch(`${plain.url}/telemetry`)).status).toBe(404);
    } finally {
      await new Promise((r) => plain.server.close(r));
    }
  });
});
