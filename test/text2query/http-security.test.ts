import { randomBytes } from "node:crypto";
import { request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { createText2QueryServer, type Text2QueryServerOptions } from "../../examples/text2query/server.js";
import { setupOtel } from "../support/otel.js";

const API_TOKEN = "api-token-0123456789abcdef";

/** One request over a real socket, with any Host and headers (fetch does not let a test set Host). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body: text.startsWith("{") ? JSON.parse(text) : text, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A raw TCP connection and when it was closed by the server. */
function openSocket(url: string): Promise<{ socket: Socket; closed: Promise<number>; data: () => string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let data = "";
    const socket = connect(Number(port), "127.0.0.1");
    const closed = new Promise<number>((r) => socket.on("close", () => r(performance.now())));
    socket.on("data", (c: Buffer) => (data += c.toString()));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed, data: () => data }));
    socket.once("error", reject);
  });
}

describe("example server against a hostile client: Host/Origin checks, API token, inbound trace context, HTTP limits", () => {
  let db: Database;
  let otel: ReturnType<typeof setupOtel>;
  const servers: Server[] = [];

  beforeAll(async () => {
    otel = setupOtel();
    db = await openDatabase({});
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => (s.closeAllConnections(), s.close(r)));
    await db.close();
    await otel.shutdown();
  });

  async function start(options: Partial<Text2QueryServerOptions> = {}) {
    const t2q = createText2QueryServer({ db, model: new DemoChatModel(), tracerProvider: otel.provider, log: pino({ level: "silent" }), metricsToken: "metrics-token-123", ...options });
    const { server, url } = await t2q.listen(0);
    servers.push(server);
    return { t2q, url };
  }
  const ask = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ question: "How many orders are there?" }) });

  it("refuses a cross-site form POST to /replay with 403 JSON and a reason, and the replay does not run", async () => {
    const { url } = await start();
    const { runId } = (await (await ask(url)).json()) as { runId: string };
    const before = ((await (await fetch(`${url}/api/runs?limit=500`)).json()) as { runs: unknown[] }).runs.length;
    // What a browser sends for <form method=post action="http://127.0.0.1:3000/api/runs/…/replay"> on another site.
    const res = await raw(url, `/api/runs/${runId}/replay`, {
      method: "POST",
      headers: { host: new URL(url).host, origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
      body: "x=1",
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'cross-origin request refused: Origin "https://evil.example" is not allowed (add it to allowedOrigins / ALLOWED_ORIGINS)' });
    for (const origin of ["null", "http://127.0.0.1.evil.example", "http://localhost:1"]) {
      expect((await raw(url, `/api/runs/${runId}/replay`, { method: "POST", headers: { host: new URL(url).host, origin } })).status, origin).toBe(403);
    }
    const after = ((await (await fetch(`${url}/api/runs?limit=500`)).json()) as { runs: unknown[] }).runs.length;
    expect(after).toBe(before);
    // The same request from the page's own origin, or without Origin (curl), runs.
    expect((await raw(url, `/api/runs/${runId}/replay`, { method: "POST", headers: { host: new URL(url).host, origin: url } })).status).toBe(200);
    expect((await raw(url, `/api/runs/${runId}/replay`, { method: "POST", headers: { host: new URL(url).host } })).status).toBe(200);
  });

  it("refuses a foreign Host (DNS rebinding) on every endpoint with 403 JSON; loopback names, allowed hosts and origins pass", async () => {
    const { url } = await start({ allowedHosts: ["text2query"], allowedOrigins: ["https://t2q.example.com"] });
    const port = new URL(url).port;
    for (const path of ["/api/runs", "/telemetry", "/metrics", "/healthz"]) {
      const res = await raw(url, path, { headers: { host: `rebind.attacker.example:${port}` } });
      expect(res.status, path).toBe(403);
      expect(res.body.error, path).toBe(`host not allowed: "rebind.attacker.example:${port}" (add it to allowedHosts / ALLOWED_HOSTS, or its origin to ALLOWED_ORIGINS)`);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`, "text2query:3000", "t2q.example.com"]) {
      expect((await raw(url, "/api/runs", { headers: { host } })).status, host).toBe(200);
    }
    const fromAllowedPage = await raw(url, "/api/query", {
      method: "POST",
      headers: { host: "t2q.example.com", origin: "https://t2q.example.com", "content-type": "application/json" },
      body: JSON.stringify({ question: "How many orders are there?" }),
    });
    expect(fromAllowedPage.status).toBe(200);
  });

  it("requires the API token on /api/* when set (401 JSON with a reason), and leaves the probes open", async () => {
    const { url } = await start({ apiToken: API_TOKEN });
    const none = await ask(url);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "missing bearer token: send Authorization: Bearer <API_TOKEN>" });
    const wrong = await fetch(`${url}/api/runs`, { headers: { authorization: "Bearer not-the-token-at-all" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "invalid bearer token" });
    expect((await fetch(`${url}/api/runs/${"a".repeat(32)}`)).status).toBe(401);
    const ok = await ask(url, { authorization: `Bearer ${API_TOKEN}` });
    expect(ok.status).toBe(200);
    expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("starts a new trace for a client's traceparent (link by default): ten requests, ten traces, none the client's, each linked to it", async () => {
    const { url } = await start();
    const clientTrace = randomBytes(16).toString("hex");
    const clientSpan = randomBytes(8).toString("hex");
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await ask(url, { traceparent: `00-${clientTrace}-${clientSpan}-00` });
      ids.push(((await res.json()) as { traceId: string }).traceId);
    }
    expect(new Set(ids).size).toBe(10);
    expect(ids).not.toContain(clientTrace);
    // Recorded although the client said "not sampled"; each run's server span links to the client's span.
    for (const id of ids) {
      const server = otel.spans().find((s) => s.spanContext().traceId === id && s.name === "POST /api/query");
      expect(server?.links.map((l) => l.context.spanId)).toEqual([clientSpan]);
    }
  });

  it("rejects bad access and limit options at construction, naming the option", () => {
    const make = (o: Partial<Text2QueryServerOptions>) => () => createText2QueryServer({ db, model: new DemoChatModel(), log: pino({ level: "silent" }), ...o });
    expect(make({ apiToken: "short" })).toThrow('createText2QueryServer: invalid option apiToken: "[redacted]". Expected at least 16 printable ASCII characters without spaces.');
    expect(make({ allowedOrigins: ["https://t2q.example.com/app"] })).toThrow('createText2QueryServer: invalid option allowedOrigins: "https://t2q.example.com/app". Expected origins like https://t2q.example.com (scheme, host and port only; no path).');
    expect(make({ allowedHosts: ["text2query:3000"] })).toThrow('createText2QueryServer: invalid option allowedHosts: "text2query:3000". Expected host names like text2query (no scheme, no port).');
    expect(make({ http: 5000 as never })).toThrow("createText2QueryServer: invalid option http: 5000. Expected an object { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections }.");
    expect(make({ http: { headersTimeoutMs: 0 } })).toThrow("createText2QueryServer: invalid option http.headersTimeoutMs: 0. Expected an integer from 1 to 3600000.");
    expect(make({ http: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } })).toThrow("createText2QueryServer: invalid option http.headersTimeoutMs: 20000. Expected at most requestTimeoutMs (10000).");
    expect(make({ http: { maxConnection: 5 } as never })).toThrow("createText2QueryServer: invalid option http.maxConnection: 5. Expected one of headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections.");
    expect(make({ traceContext: "always" as never })).toThrow('traceContext: invalid option inbound: "always". Expected "trust", "link" or "ignore".');
  });

  describe("HTTP limits over real sockets", () => {
    // Node checks the header/request timeouts every quarter of the shorter one (here 100 ms).
    const limits = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 300, maxConnections: 4 };
    const CHECK = 100;
    const NODE_KEEP_ALIVE_GRACE = 1000;
    // Timer and event-loop delay on a loaded machine (the defaults these replace keep a slow client 60–300 s).
    const SCHEDULING = 300;

    it("closes a connection that sends its headers too slowly (408), between headersTimeout and one check later", async () => {
      const { url } = await start({ http: limits });
      const { socket, closed, data } = await openSocket(url);
      const opened = performance.now();
      socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      const drip = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 50);
      const at = (await closed) - opened;
      clearInterval(drip);
      expect(data()).toMatch(/^HTTP\/1\.1 408/);
      expect(at).toBeGreaterThanOrEqual(limits.headersTimeoutMs);
      expect(at).toBeLessThan(limits.headersTimeoutMs + CHECK + SCHEDULING);
    });

    it("closes a connection whose body arrives too slowly (408), after requestTimeout", async () => {
      const { url } = await start({ http: limits });
      const { socket, closed, data } = await openSocket(url);
      const opened = performance.now();
      socket.write("POST /api/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      const drip = setInterval(() => socket.writable && socket.write(" "), 50);
      const at = (await closed) - opened;
      clearInterval(drip);
      expect(data()).toMatch(/^HTTP\/1\.1 408/);
      expect(at).toBeGreaterThanOrEqual(limits.requestTimeoutMs);
      expect(at).toBeLessThan(limits.requestTimeoutMs + CHECK + SCHEDULING);
    });

    it("closes an idle keep-alive connection after keepAliveTimeout", async () => {
      const { url } = await start({ http: limits });
      const { socket, closed, data } = await openSocket(url);
      socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      while (!/\r\n\r\n[\s\S]*\}/.test(data())) await new Promise((r) => setTimeout(r, 5));
      const answered = performance.now();
      expect(data()).toMatch(/^HTTP\/1\.1 200/);
      const at = (await closed) - answered;
      // The server advertises the timeout; Node 20 closes the socket one second after it (a grace, so a client that
      // honours the advertised timeout never sends into a closing socket).
      expect(data()).toMatch(/\r\nKeep-Alive: timeout=0\r\n/i);
      expect(at).toBeGreaterThanOrEqual(limits.keepAliveTimeoutMs - 20); // the timer starts as the response is written
      expect(at).toBeLessThan(limits.keepAliveTimeoutMs + NODE_KEEP_ALIVE_GRACE + SCHEDULING);
    });

    it("holds at most maxConnections: one more is closed at once, and the server serves again when they go", async () => {
      const { url } = await start({ http: { ...limits, headersTimeoutMs: 5000, requestTimeoutMs: 5000 } });
      const held = await Promise.all(Array.from({ length: limits.maxConnections }, () => openSocket(url)));
      const extra = await openSocket(url);
      const opened = performance.now();
      const at = (await extra.closed) - opened;
      expect(at).toBeLessThan(100);
      expect(extra.data()).toBe("");
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      await new Promise((r) => setTimeout(r, 20)); // the server sees the closes
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });
});
