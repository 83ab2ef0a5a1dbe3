import cluster from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { AggregatorRegistry, register as globalRegistry, type Registry, type RegistryContentType } from "prom-client";
import { resolveClusterServerOptions } from "./options.js";
import { routerFor } from "./router.js";
import type { ClusterMetricsServer, ClusterMetricsServerOptions } from "./types.js";

/**
 * In a `node:cluster` worker: answer the primary's requests for this worker's metrics (prom-client's
 * cluster protocol), from `registries` (default: the global registry). Call once at worker start-up;
 * outside a worker it does nothing and returns false, so the same code runs unclustered.
 */
export function shareMetricsWithPrimary(registries: Registry<RegistryContentType> | Registry<RegistryContentType>[] = globalRegistry): boolean {
  if (!cluster.isWorker) return false;
  AggregatorRegistry.setRegistries(registries as Registry | Registry[]);
  // prom-client installs the worker's IPC listener when an AggregatorRegistry is constructed.
  new AggregatorRegistry();
  return true;
}

/**
 * In the cluster primary: an HTTP server whose `/metrics` is the sum of every worker's metrics (plus the
 * telemetry router's probes), for Prometheus to scrape one target per host.
 */
export async function clusterMetricsServer(options: ClusterMetricsServerOptions): Promise<ClusterMetricsServer> {
  const { port, host, router } = resolveClusterServerOptions(options);
  const app = express();
  app.disable("x-powered-by");
  app.use(routerFor(router, "clusterMetricsServer"));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
