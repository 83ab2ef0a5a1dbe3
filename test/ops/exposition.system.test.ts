import { spawnSync } from "node:child_process";
import express from "express";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { WorkflowMetrics } from "../../src/index.js";
import { telemetryRouter } from "../../src/express/index.js";
import { jobsRegistry, listen, type Running } from "../express/support.js";
import { metricsWorkload } from "../support/metrics-workload.js";
import { setupOtel } from "../support/otel.js";
import { promtool } from "./support.js";

/** What Prometheus's own linter says of what we expose: `promtool check metrics` from Debian's prometheus. */
describe("the exposition, checked by promtool", () => {
  let running: Running | undefined;
  let otel: ReturnType<typeof setupOtel> | undefined;
  afterEach(async () => {
    await running?.close();
    await otel?.shutdown();
    running = otel = undefined;
  });

  const check = (text: string) => {
    const result = spawnSync(promtool(), ["check", "metrics"], { input: text, encoding: "utf8" });
    return { status: result.status, out: result.stdout + result.stderr };
  };

  it("passes promtool check metrics after a realistic workload, and the check is a real one", async () => {
    otel = setupOtel();
    const registry = new Registry();
    await metricsWorkload(otel.provider, new WorkflowMetrics({ registry, prefix: "text2query_" }));
    expect(check(await registry.metrics())).toEqual({ status: 0, out: "" });
    const bad = check("# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n");
    expect(bad.status).not.toBe(0);
    expect(bad.out).toMatch(/counter metrics should have "_total" suffix/);
  });

  it("passes for the plain text /metrics serves from an OpenMetrics registry, whatever a scraper accepts", async () => {
    const app = express();
    app.use(telemetryRouter({ registry: jobsRegistry() }));
    running = await listen(app);
    for (const accept of [undefined, "text/plain", "*/*", "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5"]) {
      const response = await fetch(`${running.url}/metrics`, accept ? { headers: { accept } } : {});
      expect(response.headers.get("content-type"), accept).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(check(await response.text()), accept).toEqual({ status: 0, out: "" });
    }
  });
});
