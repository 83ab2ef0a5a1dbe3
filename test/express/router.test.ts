import express from "express";
import { Counter, Histogram, Registry, type LabelValues } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { telemetryRouter } from "../../src/express/index.js";
import { Scrape } from "../support/exposition.js";
import { gate, jobsRegistry, listen, openMetricsRegistry, type Running } from "./support.js";

const PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

describe("telemetryRouter", () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function serve(router: express.Router) {
    const app = express();
    app.use(router);
    running = await listen(app);
    return running.url;
  }

  describe("probes", () => {
    it("answers liveness with 200 JSON, uncached, and readiness with 200 and no checks", async () => {
      const url = await serve(telemetryRouter({ registry: new Registry() }));
      const live = await fetch(`${url}/healthz`);
      expect(live.status).toBe(200);
      expect(live.headers.get("content-type")).toMatch(/^application\/json/);
      expect(live.headers.get("cache-control")).toBe("no-store");
      expect(await live.json()).toEqual({ status: "ok" });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ok", checks: {} });
    });

    it("serves its endpoints at the configured paths, and none when a path is false", async () => {
      const url = await serve(telemetryRouter({ registry: new Registry(), metricsPath: "/internal/metrics", healthPath: "/live", readyPath: false }));
      expect((await fetch(`${url}/internal/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/live`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(404);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
    });
  });

  describe("readiness", () => {
    it("is 503 while a check throws or rejects or returns false, naming each, and 200 again once they pass", async () => {
      let healthy = false;
      const url = await serve(
        telemetryRouter({
          registry: new Registry(),
          checks: {
            database: async () => {
              if (!healthy) throw Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2"), { code: "ECONNREFUSED" });
            },
            cache: () => {
              if (!healthy) throw new TypeError("cache not warmed");
            },
            queue: () => healthy,
            config: () => "anything but false is ready",
          },
        }),
      );
      const down = await fetch(`${url}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { status: string; checks: Record<string, { status: string; durationMs: number; error?: string }> };
      expect(body.status).toBe("unavailable");
      expect(body.checks.database).toMatchObject({ status: "error", error: "ECONNREFUSED" });
      expect(body.checks.cache).toMatchObject({ status: "error", error: "TypeError" });
      expect(body.checks.queue).toMatchObject({ status: "error", error: "returned false" });
      expect(body.checks.config).toMatchObject({ status: "ok" });
      for (const check of Object.values(body.checks)) expect(check.durationMs).toBeGreaterThanOrEqual(0);
      // Error messages never reach the probe's body.
      expect(JSON.stringify(body)).not.toMatch(/hunter2|10\.0\.0\.5|warmed/);

      healthy = true;
      const up = await fetch(`${url}/readyz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ status: "ok", checks: { database: { status: "ok" }, cache: { status: "ok" }, queue: { status: "ok" }, config: { status: "ok" } } });
    });

    it("answers 503 about when a hung check times out, without waiting for it, and never calls it twice at once", async () => {
      const hung = gate();
      let calls = 0;
      const url = await serve(
        telemetryRouter({
          registry: new Registry(),
          checkTimeoutMs: 5000,
          checks: {
            llm: {
              timeoutMs: 300,
              check: () => {
                calls++;
                return hung.promise;
              },
            },
            database: () => undefined,
          },
        }),
      );
      const started = Date.now();
      const [first, second] = await Promise.all([fetch(`${url}/readyz`), fetch(`${url}/readyz`)]);
      const elapsed = Date.now() - started;
      expect([first.status, second.status]).toEqual([503, 503]);
      const body = (await first.json()) as { checks: Record<string, { status: string; durationMs: number; error?: string }> };
      expect(body.checks.llm).toMatchObject({ status: "timeout", error: "timed out after 300 ms" });
      expect(body.checks.llm!.durationMs).toBeGreaterThanOrEqual(290);
      expect(body.checks.database).toMatchObject({ status: "ok" });
      // The per-check timeout (300 ms), not the router default (5 s) nor the hung check, decided the answer.
      expect(elapsed).toBeLessThan(4000);
      // Two probes, one pending call: a hung dependency does not pile up calls.
      expect(calls).toBe(1);

      hung.open();
      await hung.promise;
      // Settled: the next probe calls the check again, and it passes.
      const recovered = await fetch(`${url}/readyz`);
      expect(recovered.status).toBe(200);
      expect(await recovered.json()).toMatchObject({ status: "ok", checks: { llm: { status: "ok" } } });
      expect(calls).toBe(2);
    });
  });

  describe("bearer token on /metrics", () => {
    it("refuses a missing or wrong token with 401 JSON and WWW-Authenticate, accepts the right one, and leaves the probes open", async () => {
      const url = await serve(telemetryRouter({ registry: new Registry(), bearerToken: "s3cret-token" }));
      const missing = await fetch(`${url}/metrics`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      expect(await missing.json()).toEqual({ error: "missing bearer token" });

      for (const authorization of ["Bearer wrong", "Bearer s3cret-token-but-longer", "Basic czNjcmV0LXRva2Vu", "Bearer", "s3cret-token"]) {
        const refused = await fetch(`${url}/metrics`, { headers: { authorization } });
        expect(refused.status, authorization).toBe(401);
        expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer realm="metrics"/);
        expect(((await refused.json()) as { error: string }).error).toMatch(/bearer token/);
      }
      const wrong = await fetch(`${url}/metrics`, { headers: { authorization: "Bearer wrong" } });
      expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="metrics", error="invalid_token"');

      const ok = await fetch(`${url}/metrics`, { headers: { authorization: "bearer s3cret-token" } });
      expect(ok.status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    });
  });

  describe("/metrics content negotiation", () => {
    it("serves an OpenMetrics registry as OpenMetrics with exemplars to OpenMetrics scrapers, and as valid plain text otherwise", async () => {
      const registry = jobsRegistry();
      const url = await serve(telemetryRouter({ registry }));

      const om = await fetch(`${url}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
      expect(om.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
      expect(om.headers.get("vary")).toBe("Accept");
      const omText = await om.text();
      expect(omText.endsWith("# EOF\n")).toBe(true);
      expect(omText).toContain("# TYPE jobs counter");
      const omScrape = new Scrape(omText);
      expect(omScrape.samples("job_seconds_bucket", { queue: "b", le: "1" })[0]?.exemplar).toMatchObject({ labels: { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" }, value: 0.5 });

      for (const accept of [undefined, "text/plain", "*/*", "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5"]) {
        const plain = await fetch(`${url}/metrics`, accept ? { headers: { accept } } : {});
        expect(plain.headers.get("content-type"), accept).toBe("text/plain; version=0.0.4; charset=utf-8");
        const text = await plain.text();
        expect(text).not.toContain("# EOF");
        expect(text).not.toContain("trace_id");
        expect(text).toContain("# TYPE jobs_total counter");
        // Same samples, same values, in both formats (label values with '#', '{', '}' and quotes survive).
        const plainScrape = new Scrape(text);
        const values = (s: Scrape) => [...s.families.values()].flatMap((f) => f.samples.map((x) => `${x.name}${JSON.stringify(x.labels)} ${x.value}`)).sort();
        expect(values(plainScrape)).toEqual(values(omScrape));
        // (The test parser stops label sets at the first "}", so check this line verbatim.)
        expect(text).toContain('jobs_total{queue="a \\"#\\" {weird} # {x=\\"y\\"} queue"} 3\n');
      }
      // The registry itself was never switched.
      expect(registry.contentType).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    });

    it("serves a plain registry as plain text unchanged, and as OpenMetrics when asked", async () => {
      const registry = new Registry();
      new Counter({ name: "requests_seen_total", help: "Requests.", registers: [registry] }).inc(2);
      new Counter({ name: "legacy_count", help: "A counter without the suffix.", registers: [registry] }).inc(5);
      const url = await serve(telemetryRouter({ registry }));
      const plain = await (await fetch(`${url}/metrics`)).text();
      expect(plain).toBe(await registry.metrics());

      const om = await fetch(`${url}/metrics`, { headers: { accept: "application/openmetrics-text" } });
      expect(om.headers.get("content-type")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
      const text = await om.text();
      expect(text).toBe(
        "# HELP requests_seen Requests.\n# TYPE requests_seen counter\nrequests_seen_total 2\n" +
          "# HELP legacy_count A counter without the suffix.\n# TYPE legacy_count counter\nlegacy_count_total 5\n# EOF\n",
      );
      expect(registry.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    });

    it("answers concurrent scrapes in the format each asked for", async () => {
      const registry = jobsRegistry();
      // A slow collect() keeps the scrapes overlapping.
      new Counter({ name: "slow_total", help: "Slow to collect.", registers: [registry], async collect() { await new Promise((r) => setTimeout(r, 20)); } });
      const url = await serve(telemetryRouter({ registry }));
      const asks = Array.from({ length: 24 }, (_, i) => i % 2 === 0);
      const answers = await Promise.all(
        asks.map(async (openMetrics) => {
          const res = await fetch(`${url}/metrics`, { headers: { accept: openMetrics ? PROMETHEUS_ACCEPT : "text/plain" } });
          return { openMetrics, type: res.headers.get("content-type"), text: await res.text() };
        }),
      );
      for (const a of answers) {
        expect(a.type!.startsWith(a.openMetrics ? "application/openmetrics-text" : "text/plain")).toBe(true);
        expect(a.text.endsWith("# EOF\n")).toBe(a.openMetrics);
        expect(a.text.includes("# TYPE jobs_total counter")).toBe(!a.openMetrics);
        expect(a.text.includes("trace_id=")).toBe(a.openMetrics);
      }
    });

    it("answers 500 JSON, without details, when collecting fails", async () => {
      const registry = new Registry();
      new Counter({ name: "broken_total", help: "Throws on collect.", registers: [registry], collect() { throw new Error("secret detail"); } });
      const url = await serve(telemetryRouter({ registry }));
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: "metrics collection failed" });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  describe("options", () => {
    it("rejects invalid options at construction, naming the option, the value and what is allowed", () => {
      const bad: [unknown, string][] = [
        [{ metricPath: "/m" }, 'telemetryRouter: invalid option metricPath: "/m". Expected one of the known options (registry, metricsPath, healthPath, readyPath, checks, checkTimeoutMs, bearerToken, cluster).'],
        [{ metricsPath: "metrics" }, 'telemetryRouter: invalid option metricsPath: "metrics". Expected a literal path starting with "/" (letters, digits, ".", "_", "~", "-", "/"), or false to disable it.'],
        [{ readyPath: "/ready/:x" }, 'telemetryRouter: invalid option readyPath: "/ready/:x". Expected a literal path starting with "/"'],
        [{ healthPath: "/metrics" }, "telemetryRouter: invalid option metricsPath/healthPath/readyPath"],
        [{ checkTimeoutMs: 0 }, "telemetryRouter: invalid option checkTimeoutMs: 0. Expected a positive integer number of milliseconds."],
        [{ checks: { db: "select 1" } }, 'telemetryRouter: invalid option checks.db: "select 1". Expected a function, or { check: function, timeoutMs?: number }.'],
        [{ checks: { db: { check: () => 1, timeoutMs: -5 } } }, "telemetryRouter: invalid option checks.db.timeoutMs: -5. Expected a positive integer number of milliseconds."],
        [{ checks: { db: { check: () => 1, timeout: 5 } } }, "telemetryRouter: invalid option checks.db.timeout: 5. Expected only check and timeoutMs."],
        [{ checks: { "bad name": () => 1 } }, 'telemetryRouter: invalid option checks: "bad name".'],
        [{ bearerToken: "" }, 'telemetryRouter: invalid option bearerToken: "[redacted]". Expected a non-empty string of printable ASCII without spaces.'],
        [{ bearerToken: "has space" }, "telemetryRouter: invalid option bearerToken: \"[redacted]\""],
        [{ registry: {} }, 'telemetryRouter: invalid option registry: "[not a prom-client Registry]". Expected a prom-client Registry.'],
        [{ cluster: "yes" }, 'telemetryRouter: invalid option cluster: "yes". Expected true or false.'],
        [{ cluster: true, registry: new Registry() }, "telemetryRouter: invalid option registry"],
        ["/metrics", 'telemetryRouter: invalid option options: "/metrics". Expected an options object.'],
      ];
      for (const [options, message] of bad) {
        expect(() => telemetryRouter(options as never), JSON.stringify(options)).toThrow(TypeError);
        expect(() => telemetryRouter(options as never), JSON.stringify(options)).toThrow(message);
      }
    });
  });
});
