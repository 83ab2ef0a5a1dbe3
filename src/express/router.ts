import express, { type Request, type Response, type Router } from "express";
import { bearerAuth } from "./auth.js";
import { OPENMETRICS_TEXT, openMetricsToPrometheus, prefersOpenMetrics, PROMETHEUS_TEXT, prometheusToOpenMetrics } from "./exposition.js";
import { Faults } from "../faults.js";
import { clusterSource, registrySource, type MetricsSource } from "./metrics-source.js";
import { resolveRouterOptions, type ResolvedRouterOptions } from "./options.js";
import { Readiness } from "./readiness.js";
import type { TelemetryRouterOptions } from "./types.js";

/**
 * An Express router with the operational endpoints of a service:
 *
 * - `GET /metrics`: the registry in the Prometheus text format, or OpenMetrics (with exemplars) when the
 *   scraper's `Accept` asks for `application/openmetrics-text`; optionally behind a bearer token;
 * - `GET /healthz`: liveness, `{"status":"ok"}`;
 * - `GET /readyz`: readiness, 200 or 503 with each check's status and duration.
 *
 * `app.use(telemetryRouter({ checks: { database: () => pool.query("select 1") } }))`
 */
export function telemetryRouter(options?: TelemetryRouterOptions): Router {
  return routerFor(resolveRouterOptions(options), "telemetryRouter");
}

/** @internal Also used by clusterMetricsServer with options it resolved itself. */
export function routerFor(o: ResolvedRouterOptions, owner: string): Router {
  const source = o.cluster ? clusterSource(owner) : registrySource(o.registry);
  const faults = new Faults(owner);
  const router = express.Router();

  if (o.metricsPath !== false) {
    const serve = metricsHandler(source, faults);
    if (o.bearerToken !== undefined) router.get(o.metricsPath, bearerAuth(o.bearerToken), serve);
    else router.get(o.metricsPath, serve);
  }

  if (o.healthPath !== false) {
    router.get(o.healthPath, function livenessProbe(_req: Request, res: Response) {
      res.set("Cache-Control", "no-store").json({ status: "ok" });
    });
  }

  if (o.readyPath !== false) {
    const readiness = new Readiness(o.checks);
    router.get(o.readyPath, async function readinessProbe(_req: Request, res: Response) {
      try {
        const { ready, report } = await readiness.run();
        res.status(ready ? 200 : 503).set("Cache-Control", "no-store").json(report);
      } catch (error) {
        faults.record("readiness", error);
        if (!res.headersSent) res.status(503).set("Cache-Control", "no-store").json({ status: "unavailable", checks: {} });
      }
    });
  }

  return router;
}

function metricsHandler(source: MetricsSource, faults: Faults) {
  return async function prometheusMetrics(req: Request, res: Response): Promise<void> {
    const openMetrics = prefersOpenMetrics(req.headers.accept);
    let body: string;
    try {
      const { text, openMetrics: native } = await source.collect();
      body = openMetrics === native ? text : openMetrics ? prometheusToOpenMetrics(text) : openMetricsToPrometheus(text);
    } catch (error) {
      // A collect() callback that throws, or cluster workers that did not answer in time.
      faults.record("metrics", error);
      if (!res.headersSent) res.status(500).set("Cache-Control", "no-store").json({ error: "metrics collection failed" });
      return;
    }
    // end(), not send(): no ETag hashing of a large body nobody revalidates.
    res.status(200).set({ "Content-Type": openMetrics ? OPENMETRICS_TEXT : PROMETHEUS_TEXT, "Cache-Control": "no-store", Vary: "Accept" }).end(body);
  };
}
