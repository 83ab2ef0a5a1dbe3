import express from "express";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpMetrics, telemetryRouter, traceContext } from "../../src/express/index.js";
import { Scrape } from "../support/exposition.js";
import { setupOtel } from "../support/otel.js";
import { gate, listen, openMetricsRegistry, pool, until, type Running } from "./support.js";

describe("httpMetrics", () => {
  let running: Running | undefined;
  let registry: Registry;
  beforeEach(() => {
    registry = new Registry();
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const scrape = async () => Scrape.of(registry);

  /** An API with a top-level route, a router mounted at a parameterised path, and a failing route. */
  function api(options: Parameters<typeof httpMetrics>[0] = {}) {
    const app = express();
    app.use(httpMetrics({ registry, ...options }));
    app.use(telemetryRouter({ registry }));
    app.get("/api/runs/:id", (req, res) => {
      res.json({ id: req.params.id });
    });
    const tenants = express.Router({ mergeParams: true });
    tenants.get("/runs/:id", (req, res) => {
      res.status(201).json({ id: req.params.id });
    });
    tenants.get("/fail/:id", () => {
      throw new Error("boom");
    });
    const v1 = express.Router();
    v1.use("/tenants/:tenant", tenants);
    app.use("/api/v1", v1);
    app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: "internal server error" });
    });
    return app;
  }

  it("labels 10,000 requests with distinct ids with one route template, and 404s as unmatched", async () => {
    running = await listen(api());
    const ids = Array.from({ length: 10_000 }, (_, i) => `run-${i}-${Math.random().toString(36).slice(2)}`);
    await pool(ids, 32, async (id) => {
      const res = await fetch(`${running!.url}/api/runs/${id}`);
      if (res.status !== 200) throw new Error(`GET /api/runs/${id} answered ${res.status}`);
      await res.arrayBuffer();
    });
    for (const path of ["/nope", "/api/runs", "/api/runs/1/extra", "/api/v1/tenants/acme/nothing"]) await (await fetch(`${running.url}${path}`)).arrayBuffer();

    const m = await scrape();
    expect(m.samples("http_requests_total", { route: "/api/runs/:id" })).toHaveLength(1);
    expect(m.value("http_requests_total", { method: "GET", route: "/api/runs/:id", status_code: "200" })).toBe(10_000);
    expect(m.value("http_request_duration_seconds_count", { method: "GET", route: "/api/runs/:id", status_code: "200" })).toBe(10_000);
    expect(m.value("http_requests_total", { method: "GET", route: "unmatched", status_code: "404" })).toBe(4);
    // Only templates and `unmatched`: no id ever became a label value.
    expect(m.labelValues("http_requests_total", "route")).toEqual(["/api/runs/:id", "unmatched"]);
    expect(m.text).not.toMatch(/run-\d/);
    expect(m.value("http_requests_in_flight", { method: "GET" })).toBe(0);
  }, 60_000);

  it("labels routes of nested routers with the full template, mount parameters included, also when an error leaves the router", async () => {
    running = await listen(api());
    for (const tenant of ["acme", "globex", "initech"]) {
      expect((await fetch(`${running.url}/api/v1/tenants/${tenant}/runs/${tenant}-1`)).status).toBe(201);
      expect((await fetch(`${running.url}/api/v1/tenants/${tenant}/fail/7`)).status).toBe(500);
    }
    const m = await scrape();
    expect(m.value("http_requests_total", { method: "GET", route: "/api/v1/tenants/:tenant/runs/:id", status_code: "201" })).toBe(3);
    // The error handler answered after Express reset req.baseUrl: still the route's full template.
    expect(m.value("http_requests_total", { method: "GET", route: "/api/v1/tenants/:tenant/fail/:id", status_code: "500" })).toBe(3);
    expect(m.text).not.toMatch(/acme|globex|initech/);
  });

  it("labels a router mounted at two paths by the path each request came through", async () => {
    const app = express();
    app.use(httpMetrics({ registry }));
    const runs = express.Router();
    runs.get("/runs/:id", (_req, res) => {
      res.send("ok");
    });
    app.use("/v1", runs);
    app.use("/v2", runs);
    running = await listen(app);
    for (const path of ["/v1/runs/1", "/v1/runs/2", "/v2/runs/3"]) await (await fetch(`${running.url}${path}`)).text();
    const m = await scrape();
    expect(m.value("http_requests_total", { route: "/v1/runs/:id" })).toBe(2);
    expect(m.value("http_requests_total", { route: "/v2/runs/:id" })).toBe(1);
  });

  it("labels routes of a mounted sub-app with its mount path", async () => {
    const app = express();
    app.use(httpMetrics({ registry }));
    const admin = express();
    admin.get("/users/:user", (_req, res) => {
      res.send("ok");
    });
    app.use("/admin", admin);
    running = await listen(app);
    await (await fetch(`${running.url}/admin/users/alice`)).text();
    await (await fetch(`${running.url}/admin/users/bob`)).text();
    expect((await scrape()).value("http_requests_total", { route: "/admin/users/:user" })).toBe(2);
  });

  it("labels responses sent before the route ran (body parser, auth middleware) with the route they were addressed to", async () => {
    const app = express();
    app.use(httpMetrics({ registry }));
    app.use(express.json());
    app.use("/api/admin", (req, res, next) => {
      if (req.headers.authorization === undefined) res.status(401).json({ error: "unauthorized" });
      else next();
    });
    app.post("/api/ask", (_req, res) => {
      res.json({ ok: true });
    });
    const admin = express.Router();
    admin.delete("/users/:user", (_req, res) => {
      res.sendStatus(204);
    });
    app.use("/api/admin", admin);
    running = await listen(app);
    const json = { "content-type": "application/json" };
    expect((await fetch(`${running.url}/api/ask`, { method: "POST", headers: json, body: "{not json" })).status).toBe(400);
    expect((await fetch(`${running.url}/api/ask`, { method: "POST", headers: json, body: "{}" })).status).toBe(200);
    expect((await fetch(`${running.url}/api/admin/users/alice`, { method: "DELETE" })).status).toBe(401);
    expect((await fetch(`${running.url}/api/admin/users/bob`, { method: "DELETE", headers: { authorization: "x" } })).status).toBe(204);
    expect((await fetch(`${running.url}/api/admin/users/carol`, { method: "GET" })).status).toBe(401); // no GET route: unmatched
    const m = await scrape();
    expect(m.value("http_requests_total", { method: "POST", route: "/api/ask", status_code: "400" })).toBe(1);
    expect(m.value("http_requests_total", { method: "POST", route: "/api/ask", status_code: "200" })).toBe(1);
    expect(m.value("http_requests_total", { method: "DELETE", route: "/api/admin/users/:user", status_code: "401" })).toBe(1);
    expect(m.value("http_requests_total", { method: "DELETE", route: "/api/admin/users/:user", status_code: "204" })).toBe(1);
    expect(m.value("http_requests_total", { method: "GET", route: "unmatched", status_code: "401" })).toBe(1);
  });

  it("does not count the probes and /metrics by default, nor the paths given in excludePaths", async () => {
    running = await listen(api());
    for (const path of ["/metrics", "/healthz", "/readyz", "/metrics?x=1"]) expect((await fetch(`${running.url}${path}`)).status).toBe(200);
    await (await fetch(`${running.url}/api/runs/1`)).text();
    let m = await scrape();
    expect(m.sum("http_requests_total")).toBe(1);
    expect(m.labelValues("http_requests_total", "route")).toEqual(["/api/runs/:id"]);
    await running.close();

    registry = new Registry();
    running = await listen(api({ excludePaths: ["/api/runs", /^\/api\/v1\/tenants\/[^/]+\/fail\//] }));
    await (await fetch(`${running.url}/api/runs/1`)).text();
    await (await fetch(`${running.url}/api/v1/tenants/a/fail/1`)).text();
    await (await fetch(`${running.url}/api/v1/tenants/a/runs/1`)).text();
    await (await fetch(`${running.url}/metrics`)).text(); // counted now: not in this list
    m = await scrape();
    expect(m.labelValues("http_requests_total", "route")).toEqual(["/api/v1/tenants/:tenant/runs/:id", "/metrics"]);
  });

  it("shows a pending request in flight, and nothing once it ends", async () => {
    const held = gate();
    const app = express();
    app.use(httpMetrics({ registry }));
    app.post("/api/slow", async (_req, res) => {
      await held.promise;
      res.json({ done: true });
    });
    running = await listen(app);
    const pending = fetch(`${running.url}/api/slow`, { method: "POST" });
    await until("the request to be in flight", async () => ((await scrape()).value("http_requests_in_flight", { method: "POST" }) === 1 ? true : undefined));
    expect((await scrape()).samples("http_requests_total")).toHaveLength(0);
    held.open();
    expect((await pending).status).toBe(200);
    await until("the request to be recorded", async () => ((await scrape()).sum("http_requests_total") === 1 ? true : undefined));
    const m = await scrape();
    expect(m.value("http_requests_in_flight", { method: "POST" })).toBe(0);
    expect(m.value("http_requests_total", { method: "POST", route: "/api/slow", status_code: "200" })).toBe(1);
  });

  it("records a request the client aborted once, as 499, even when the handler answers afterwards", async () => {
    const held = gate();
    let answered: (ok: boolean) => void;
    const handlerDone = new Promise<boolean>((r) => (answered = r));
    const app = express();
    app.use(httpMetrics({ registry }));
    app.get("/api/stream/:id", async (_req, res) => {
      await held.promise;
      res.json({ late: true });
      answered(true);
    });
    running = await listen(app);
    const abort = new AbortController();
    const request = fetch(`${running.url}/api/stream/1`, { signal: abort.signal }).catch((e: unknown) => e);
    await until("the request to be in flight", async () => ((await scrape()).value("http_requests_in_flight", { method: "GET" }) === 1 ? true : undefined));
    abort.abort();
    await request;
    await until("the abort to be recorded", async () => ((await scrape()).sum("http_requests_total") === 1 ? true : undefined));
    held.open();
    await handlerDone;
    await new Promise((r) => setTimeout(r, 50));
    const m = await scrape();
    expect(m.value("http_requests_total", { method: "GET", route: "/api/stream/:id", status_code: "499" })).toBe(1);
    expect(m.sum("http_requests_total")).toBe(1);
    expect(m.value("http_request_duration_seconds_count", { status_code: "499" })).toBe(1);
    expect(m.value("http_requests_in_flight", { method: "GET" })).toBe(0);
  });

  it("bounds the method label to the HTTP methods, others as OTHER", async () => {
    running = await listen(api());
    expect((await fetch(`${running.url}/api/runs/1`, { method: "PROPFIND" })).status).toBe(404);
    await (await fetch(`${running.url}/api/runs/1`, { method: "DELETE" })).text();
    const m = await scrape();
    expect(m.value("http_requests_total", { method: "OTHER", route: "unmatched", status_code: "404" })).toBe(1);
    expect(m.value("http_requests_total", { method: "DELETE", route: "unmatched", status_code: "404" })).toBe(1);
    expect(m.labelValues("http_requests_total", "method")).toEqual(["DELETE", "OTHER"]);
  });

  it("uses the prefix and buckets given", async () => {
    running = await listen(api({ prefix: "gateway_", buckets: [0.5, 2] }));
    await (await fetch(`${running.url}/api/runs/1`)).text();
    const m = await scrape();
    expect(m.value("gateway_http_requests_total", { route: "/api/runs/:id" })).toBe(1);
    expect(m.labelValues("gateway_http_request_duration_seconds_bucket", "le")).toEqual(["+Inf", "0.5", "2"]);
    expect(m.samples("gateway_http_requests_in_flight")).toHaveLength(1);
    expect(m.samples("http_requests_total")).toHaveLength(0);
  });

  it("puts the request's trace id on duration observations as an exemplar on an OpenMetrics registry", async () => {
    const otel = setupOtel();
    try {
      const om = openMetricsRegistry();
      const app = express();
      app.use(traceContext({ tracerProvider: otel.provider }));
      app.use(httpMetrics({ registry: om }));
      app.get("/api/runs/:id", (_req, res) => {
        res.json({ ok: true });
      });
      running = await listen(app);
      const res = await fetch(`${running.url}/api/runs/9`);
      const traceId = res.headers.get("x-trace-id");
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      const m = await until("the request to be recorded", async () => {
        const s = await Scrape.of(om);
        return s.sum("http_requests_total", { route: "/api/runs/:id" }) === 1 ? s : undefined;
      });
      const withExemplar = m.samples("http_request_duration_seconds_bucket", { route: "/api/runs/:id" }).filter((s) => s.exemplar !== undefined);
      expect(withExemplar).toHaveLength(1);
      expect(withExemplar[0]!.exemplar!.labels).toEqual({ trace_id: traceId });
      // Off on request: no exemplars even on an OpenMetrics registry.
      const quiet = openMetricsRegistry();
      const app2 = express();
      app2.use(traceContext({ tracerProvider: otel.provider }));
      app2.use(httpMetrics({ registry: quiet, exemplars: false }));
      app2.get("/x", (_req, res) => {
        res.send("x");
      });
      const other = await listen(app2);
      try {
        await (await fetch(`${other.url}/x`)).text();
        const q = await until("recorded", async () => {
          const s = await Scrape.of(quiet);
          return s.sum("http_requests_total") === 1 ? s : undefined;
        });
        expect(q.samples("http_request_duration_seconds_bucket").some((s) => s.exemplar !== undefined)).toBe(false);
      } finally {
        await other.close();
      }
    } finally {
      await otel.shutdown();
    }
  });

  it("refuses a second instance on the same registry and prefix, naming the metric", () => {
    httpMetrics({ registry });
    expect(() => httpMetrics({ registry })).toThrow(
      "httpMetrics: the registry already has a metric named http_requests_total. Create one httpMetrics middleware per registry and share it, or give this one another prefix.",
    );
    expect(() => httpMetrics({ registry, prefix: "admin_" })).not.toThrow();
  });

  it("rejects invalid options at construction, naming the option, the value and what is allowed", () => {
    const bad: [unknown, string][] = [
      [{ prefixx: "a_" }, 'httpMetrics: invalid option prefixx: "a_". Expected one of the known options (registry, prefix, buckets, excludePaths, exemplars).'],
      [{ prefix: "api" }, 'httpMetrics: invalid option prefix: "api". Expected letters, digits and underscores, starting with a letter or underscore and ending with "_" (e.g. "api_"), or "".'],
      [{ prefix: "1x_" }, 'httpMetrics: invalid option prefix: "1x_".'],
      [{ buckets: [1, 0.5] }, "httpMetrics: invalid option buckets: [1,0.5]. Expected a non-empty array of increasing positive numbers (seconds)."],
      [{ buckets: [] }, "httpMetrics: invalid option buckets: []."],
      [{ excludePaths: "/metrics" }, 'httpMetrics: invalid option excludePaths: "/metrics". Expected an array of paths ("/metrics") and RegExps.'],
      [{ excludePaths: ["metrics"] }, 'httpMetrics: invalid option excludePaths: ["metrics"]. Expected an array of paths starting with "/" and RegExps.'],
      [{ exemplars: true }, "httpMetrics: invalid option exemplars: true. Expected false with this registry: prom-client writes exemplars only in OpenMetrics"],
      [{ exemplars: "yes" }, 'httpMetrics: invalid option exemplars: "yes". Expected true or false.'],
      [{ registry: { metrics: 1 } }, 'httpMetrics: invalid option registry: "[not a prom-client Registry]". Expected a prom-client Registry.'],
    ];
    for (const [options, message] of bad) {
      expect(() => httpMetrics({ registry, ...(options as object) } as never), JSON.stringify(options)).toThrow(TypeError);
      expect(() => httpMetrics({ registry, ...(options as object) } as never), JSON.stringify(options)).toThrow(message);
    }
    // Nothing was registered by the failed attempts.
    expect(registry.getMetricsAsArray()).toHaveLength(0);
  });
});
