import cluster from "node:cluster";
import { AggregatorRegistry, Registry, type RegistryContentType } from "prom-client";

/** Where /metrics text comes from, in which of the two formats. */
export interface MetricsSource {
  collect(): Promise<{ text: string; openMetrics: boolean }>;
}

export function registrySource(registry: Registry<RegistryContentType>): MetricsSource {
  return {
    async collect() {
      // Read in the registry's own content type; never switched (see exposition.ts).
      const openMetrics = registry.contentType === Registry.OPENMETRICS_CONTENT_TYPE;
      return { text: await registry.metrics(), openMetrics };
    },
  };
}

let aggregator: AggregatorRegistry<RegistryContentType> | undefined;

/** The primary's view of all workers: prom-client's AggregatorRegistry (one per process; it installs IPC listeners). */
export function clusterSource(owner: string): MetricsSource {
  if (!cluster.isPrimary) {
    throw new TypeError(`${owner}: invalid option cluster: true. Expected it only in the cluster primary (cluster.isPrimary); in workers call shareMetricsWithPrimary(registry) instead.`);
  }
  aggregator ??= new AggregatorRegistry();
  const source = aggregator;
  return {
    async collect() {
      // prom-client aggregates into the Prometheus text format (histograms summed, exemplars dropped).
      return { text: await source.clusterMetrics(), openMetrics: false };
    },
  };
}
