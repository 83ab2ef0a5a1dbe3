import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { ChatOpenAI } from "@langchain/openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { traceLogFields } from "../../src/index.js";
import { setupOtel } from "../support/otel.js";

const KEY = "sk-proj-providerErrorsTestKey0123456789abcdefghijklmnop";

/** OpenAI's own error bodies (and headers), as its API answers them, by model name. */
const REFUSALS: Record<string, { status: number; headers?: Record<string, string>; body: unknown }> = {
  "bad-key": {
    status: 401,
    body: { error: { message: `Incorrect API key provided: ${KEY.slice(0, 8)}*****mnop. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } },
  },
  "rate-limited": {
    status: 429,
    headers: { "retry-after": "20", "x-ratelimit-limit-requests": "3", "x-ratelimit-remaining-requests": "0" },
    body: { error: { message: "Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.", type: "requests", param: null, code: "rate_limit_exceeded" } },
  },
  "server-error": {
    status: 500,
    body: { error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } },
  },
};

describe("a model provider that refuses (401, 429, 500): a non-200 JSON error naming the setting, logged at error (real ChatOpenAI, real HTTP)", () => {
  let db: Database;
  let provider: Server;
  let otel: ReturnType<typeof setupOtel>;
  const servers: Server[] = [];
  const lines: Array<Record<string, any>> = [];
  const calls: string[] = [];

  beforeAll(async () => {
    otel = setupOtel();
    provider = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const model = (JSON.parse(raw) as { model: string }).model;
        calls.push(model);
        const refusal = REFUSALS[model]!;
        res.writeHead(refusal.status, { "content-type": "application/json", ...refusal.headers }).end(JSON.stringify(refusal.body));
      });
    });
    await new Promise<void>((r) => provider.listen(0, "127.0.0.1", r));
    db = await openDatabase({});
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    await new Promise((r) => provider.close(r));
    await db.close();
    await otel.shutdown();
  });

  async function serve(model: string): Promise<string> {
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, any>);
        done();
      },
    });
    // As main.ts makes it, retries off so the test does not wait through LangChain's backoff.
    const chat = new ChatOpenAI({ model, apiKey: KEY, temperature: 0, maxRetries: 0, configuration: { baseURL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1` } });
    const { server, url } = await createText2QueryServer({ db, model: chat, tracerProvider: otel.provider, log: pino({ mixin: traceLogFields }, sink) }).listen(0);
    servers.push(server);
    return url;
  }

  it.each([
    ["bad-key", 401, 502, "OPENAI_API_KEY", /refused the credentials \(HTTP 401, invalid_api_key\): check OPENAI_API_KEY/],
    ["rate-limited", 429, 503, "OPENAI_API_KEY", /rate-limiting or out of quota \(HTTP 429, rate_limit_exceeded\): check the plan and quota of the account behind OPENAI_API_KEY/],
    ["server-error", 500, 502, "OPENAI_BASE_URL", /the model provider failed \(HTTP 500, server_error\): try again later, and check OPENAI_BASE_URL/],
  ] as const)("%s: provider %i → HTTP %i naming %s", async (model, providerStatus, status, setting, message) => {
    const url = await serve(model);
    lines.length = 0;
    const res = await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "How many orders are there?" }) });
    const text = await res.text();
    expect(res.status).toBe(status);
    const body = JSON.parse(text) as Record<string, string>;
    expect(body).toMatchObject({ setting, providerStatus, traceId: res.headers.get("x-trace-id") });
    expect(body.error).toMatch(message);
    if (providerStatus === 429) expect(res.headers.get("retry-after")).toBe("20");
    expect(text).not.toContain(KEY.slice(8, 24));
    expect(calls.at(-1)).toBe(model);

    // Logged at error with the provider's reason, in the request's trace; not as an answered question.
    await new Promise((r) => setTimeout(r, 20));
    const mine = lines.filter((l) => l.trace_id === body.traceId);
    expect(mine.map((l) => [l.level, l.msg])).toEqual([
      [30, "question received"],
      [50, "model provider refused the request"],
      [50, "request"],
    ]);
    expect(mine[1]).toMatchObject({ provider_status: providerStatus, setting, reason: expect.stringContaining(`HTTP ${providerStatus}`) });
    expect(JSON.stringify(lines)).not.toContain(KEY.slice(8, 24));

    // The run is kept, as an error, for replay.
    const run = (await (await fetch(`${url}/api/runs/${body.runId}`)).json()) as Record<string, unknown>;
    expect(run).toMatchObject({ outcome: "error", traceId: body.traceId });
  });
});
