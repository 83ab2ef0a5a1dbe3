import { request, type Server } from "node:http";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { traceLogFields } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import { setupOtel } from "../support/otel.js";

describe("example Text2Query server over real HTTP (PGlite)", () => {
  let db: Database;
  let server: Server;
  let url: string;
  let otel: ReturnType<typeof setupOtel>;
  let t2q: ReturnType<typeof createText2QueryServer>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    otel = setupOtel();
    db = await openDatabase({});
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    t2q = createText2QueryServer({ db, model: new DemoChatModel(), tracerProvider: otel.provider, log: pino({ mixin: traceLogFields }, sink) });
    ({ server, url } = await t2q.listen(0));
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await db.close();
    await otel.shutdown();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const ask = async (question: string) => (await (await post("/api/query", { question })).json()) as Record<string, any>;
  const scrape = async () => new Scrape(await (await fetch(`${url}/metrics`)).text());

  it("answers a question with real rows from the sample data, and the response names its trace", async () => {
    const res = await post("/api/query", { question: "Top 3 customers by revenue", userId: "u-42", sessionId: "s-7" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ intent: "sql_query", outcome: "success", corrections: 0, columns: ["name", "revenue"] });
    expect(body.rows).toHaveLength(3);
    const truth = await db.query(
      "SELECT c.name, sum(oi.quantity * oi.unit_price) AS revenue FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.name ORDER BY revenue DESC LIMIT 3",
    );
    expect(body.rows.map((r: any) => r.revenue)).toEqual(truth.rows.map((r) => r.revenue));
    expect(res.headers.get("x-trace-id")).toBe(body.traceId);
    const root = otel.spans().find((s) => s.name === "invoke_workflow text2query" && s.spanContext().traceId === body.traceId)!;
    expect(root.attributes).toMatchObject({ "user.id": "u-42", "session.id": "s-7", "workflow.outcome": "success" });
  });

  it("runs the correction loop and counts it in /metrics", async () => {
    const body = await ask("How many customers in JP?");
    expect(body).toMatchObject({ outcome: "success", corrections: 1 });
    const m = await scrape();
    expect(m.value("text2query_validation_results_total", { result: "invalid", error_category: "unknown_column" })).toBeGreaterThanOrEqual(1);
    expect(m.value("text2query_correction_attempts_bucket", { result: "success", le: "1" })).toBeGreaterThanOrEqual(1);
    expect(m.value("http_requests_total", { method: "POST", route: "/api/query", status_code: "200" })).toBeGreaterThanOrEqual(2);
  });

  it("answers an out-of-scope question without SQL, and a vague one with a request for detail", async () => {
    expect(await ask("What's the weather in Paris?")).toMatchObject({ intent: "out_of_scope", sql: null, rows: [], outcome: "success" });
    const vague = await ask("show me the data");
    expect(vague).toMatchObject({ intent: "needs_clarification", sql: null });
    expect(vague.message).toMatch(/more specific/);
  });

  it("asks back naming the words it did not understand, or says the data cannot tell: low confidence, outcome on the response, the trace, the metrics and the stored run", async () => {
    const unknown = await ask("How many orders did our gold tier customers place?");
    expect(unknown).toMatchObject({ intent: "needs_clarification", outcome: "needs_clarification", sql: null, rows: [] });
    expect(unknown.confidence).toBeLessThan(0.5);
    expect(unknown.message).toMatch(/did not understand "gold", "tier"/);
    const lacking = await ask("How many orders were returned last month?");
    expect(lacking).toMatchObject({ intent: "cannot_answer", outcome: "cannot_answer", sql: null, rows: [] });
    expect(lacking.confidence).toBeLessThan(0.5);
    expect(lacking.message).toMatch(/cannot tell: it has no returns/);

    for (const [body, outcome] of [[unknown, "needs_clarification"], [lacking, "cannot_answer"]] as const) {
      const root = otel.spans().find((s) => s.name === "invoke_workflow text2query" && s.spanContext().traceId === body.traceId)!;
      expect(root.attributes["workflow.outcome"]).toBe(outcome);
      const list = (await (await fetch(`${url}/api/runs?outcome=${outcome}`)).json()) as { runs: any[] };
      expect(list.runs.map((r) => r.runId)).toContain(body.runId);
    }
    const m = await scrape();
    expect(m.value("text2query_queries_total", { intent: "needs_clarification", status: "needs_clarification" })).toBeGreaterThanOrEqual(1);
    expect(m.value("text2query_queries_total", { intent: "cannot_answer", status: "cannot_answer" })).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ["not JSON", "{question:", /JSON|parse/i],
    ["no question", {}, /"question" is required/],
    ["an empty question", { question: "  " }, /"question" is required/],
    ["a question that is not a string", { question: 42 }, /"question" is required/],
    ["a 5,000-character question", { question: "x".repeat(5000) }, /at most 2000 characters/],
    ["a userId that is not a string", { question: "How many orders?", userId: 7 }, /"userId" must be a string/],
    ["an array", [], /body must be a JSON object/],
    ["a null body", "null", /body must be a JSON object/],
    ["a number as body", "42", /body must be a JSON object/],
    ["a question with U+0000 (PostgreSQL cannot store it)", { question: "How many orders\u0000?" }, /"question" must not contain the NUL character \(U\+0000\)/],
    ["a userId with U+0000", { question: "How many orders?", userId: "u\u0000" }, /"userId" must not contain the NUL character/],
    ["a sessionId with U+0000", { question: "How many orders?", sessionId: "s\u0000" }, /"sessionId" must not contain the NUL character/],
  ])("answers 400 JSON with a reason for %s", async (_label, body, reason) => {
    const res = await post("/api/query", body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
  });

  it("keeps failed runs for replay, lists them, and replays a stored run to the same SQL and rows", async () => {
    const failed = await ask("How many refunds last quarter?");
    expect(failed).toMatchObject({ outcome: "failed", corrections: 3 });
    const list = (await (await fetch(`${url}/api/runs?outcome=failed`)).json()) as { runs: any[] };
    expect(list.runs.map((r) => r.runId)).toContain(failed.runId);
    const stored = (await (await fetch(`${url}/api/runs/${failed.runId}`)).json()) as any;
    expect(stored).toMatchObject({ runId: failed.runId, traceId: failed.traceId, outcome: "failed", corrections: 3 });
    expect(stored.costs).toHaveLength(6); // intent, plan, generate, 3 corrections

    const answered = await ask("Revenue by category");
    const replay = await post(`/api/runs/${answered.runId}/replay`, {});
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ runId: answered.runId, sqlMatches: true, rowsMatch: true });
  });

  it("reports dollars without floating-point noise in answers and stored runs", async () => {
    for (const question of ["How many orders are there?", "Revenue by month", "How many customers in JP?", "Top 5 customers by revenue", "Which products have never been ordered?"]) {
      const text = await (await post("/api/query", { question })).text();
      const { runId } = JSON.parse(text) as { runId: string };
      const stored = await (await fetch(`${url}/api/runs/${runId}`)).text();
      const amounts = [...`${text}${stored}`.matchAll(/"costUsd":([^,}]+)/g)].map((m) => m[1]!);
      expect(amounts.length, question).toBeGreaterThanOrEqual(4);
      for (const amount of amounts) expect(amount, question).toMatch(/^0(\.\d{1,10})?$/);
    }
  });

  it("answers 400 and 404 JSON for bad and unknown run ids and parameters", async () => {
    expect((await fetch(`${url}/api/runs/not-a-run`)).status).toBe(400);
    const missing = await fetch(`${url}/api/runs/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no run with this runId" });
    expect((await post(`/api/runs/00000000-0000-4000-8000-00000000000b/replay`, {})).status).toBe(404);
    expect((await fetch(`${url}/api/runs?traceId=xyz`)).status).toBe(400);
    expect((await fetch(`${url}/api/runs?outcome=maybe`)).status).toBe(400);
    expect((await fetch(`${url}/api/runs?limit=0`)).status).toBe(400);
    const unknown = await fetch(`${url}/api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "not found" });
  });

  it("logs every line of a request with the trace id the response carries", async () => {
    lines.length = 0;
    const body = await ask("How many orders are there?");
    await new Promise((r) => setTimeout(r, 20));
    const mine = lines.filter((l) => l.trace_id === body.traceId);
    expect(mine.map((l) => l.msg)).toEqual(["question received", "question answered", "request"]);
    expect(lines.filter((l) => l.trace_id !== body.traceId)).toEqual([]);
  });

  it("logs every response with its trace id, body-parser errors (400 malformed JSON, 413) and refusals included", async () => {
    lines.length = 0;
    const malformed = await post("/api/query", '{"question": "How many orders', {});
    const tooBig = await post("/api/query", { question: "x".repeat(20_000) });
    // fetch cannot send a foreign Host (DNS rebinding): node:http can.
    const foreignHost = await new Promise<{ status: number; headers: { get(name: string): string | null } }>((resolve, reject) =>
      request(`${url}/api/runs`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, headers: { get: (name) => String(res.headers[name] ?? "") || null } });
      })
        .on("error", reject)
        .end(),
    );
    await new Promise((r) => setTimeout(r, 20));
    for (const [res, status] of [[malformed, 400], [tooBig, 413], [foreignHost, 403]] as const) {
      expect(res.status).toBe(status);
      const traceId = res.headers.get("x-trace-id");
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(lines.filter((l) => l.trace_id === traceId)).toEqual([expect.objectContaining({ msg: "request", status, method: res === foreignHost ? "GET" : "POST", level: 40 })]);
    }
  });

  it("refuses destructive SQL before the database sees it, and counts it", async () => {
    for (const sql of ["DELETE FROM orders", "SELECT 1; DROP TABLE customers"]) await expect(t2q.service.sql.execute(sql)).rejects.toThrow(/allowed/);
    expect((await scrape()).value("text2query_sql_refused_total")).toBe(2);
    expect((await db.query("SELECT count(*)::int AS n FROM customers")).rows[0]!.n).toBe(600);
  });

  it("is ready when the database answers, and serves probes", async () => {
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ok", checks: { database: { status: "ok" } } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
