import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { Counter, Histogram, Registry, type LabelValues, type OpenMetricsContentType } from "prom-client";

export interface Running {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves an Express app on a free loopback port (real sockets). */
export async function listen(app: Express): Promise<Running> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { until } from "../support/wait.js";

/** A promise with its resolve function, to hold a request open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(workers);
}

/** A registry in the OpenMetrics format (exemplars on), as docs/metrics.md shows. */
export function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

/** An OpenMetrics registry with a counter, a histogram with an exemplar, and awkward help and label text. */
export function jobsRegistry(): Registry<OpenMetricsContentType> {
  const registry = openMetricsRegistry();
  const jobs = new Counter({ name: "jobs_total", help: 'Jobs done, "quoted" and back\\slashed.', labelNames: ["queue"], registers: [registry] });
  const latency = new Histogram({ name: "job_seconds", help: "Job time.", labelNames: ["queue"], buckets: [0.1, 1], registers: [registry], enableExemplars: true });
  jobs.inc({ queue: 'a "#" {weird} # {x="y"} queue' }, 3);
  jobs.inc({ queue: "b" });
  latency.observe({ labels: { queue: "b" }, value: 0.5, exemplarLabels: { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" } as unknown as LabelValues<"queue"> });
  return registry;
}
