import type { ResolvedMetricsOptions } from "./options.js";

/**
 * `WorkflowMetrics` constructed twice on one registry (hot reload, a re-imported module): the same options get
 * the registered instance back, as prom-client users expect; other options are a clash.
 */

/**
 * The instances made on a registry, by prefix, kept on the registry itself under a global symbol: an ESM and a
 * CJS copy of this package (or two bundles) see the same ones, and nothing outlives the registry.
 */
const INSTANCES = Symbol.for("langgraph-telemetry.WorkflowMetrics");

interface Registered {
  options: Record<string, string>;
  metrics: unknown;
}

/** The options that decide what the metrics are, in comparable form. */
function fingerprint(o: ResolvedMetricsOptions): Record<string, string> {
  return {
    pricing: JSON.stringify(o.pricing),
    maxLabelValues: String(o.maxLabelValues),
    latencyBuckets: JSON.stringify(o.latencyBuckets),
    llmLatencyBuckets: JSON.stringify(o.llmLatencyBuckets),
    exemplars: String(o.exemplars),
  };
}

function instancesOf(registry: object): Map<string, Registered> | undefined {
  return (registry as { [INSTANCES]?: Map<string, Registered> })[INSTANCES];
}

/**
 * The instance with these options already on the registry (undefined if none, or if `live` says its metrics
 * are no longer the registry's: the registry was cleared); throws on a clash.
 */
export function registeredOn<T>(o: ResolvedMetricsOptions, live: (metrics: T) => boolean): T | undefined {
  const entry = instancesOf(o.registry)?.get(o.prefix);
  if (entry === undefined || !live(entry.metrics as T)) return undefined;
  const wanted = fingerprint(o);
  const clashes = Object.keys(wanted).filter((k) => wanted[k] !== entry.options[k]);
  if (clashes.length === 0) return entry.metrics as T;
  const detail = clashes.map((k) => `${k} ${entry.options[k]} there, ${wanted[k]} here`).join("; ");
  throw new Error(
    `WorkflowMetrics: the registry already has WorkflowMetrics with prefix ${JSON.stringify(o.prefix)} and other options (${detail}). Pass the same options to get that instance back, or give this one another prefix.`,
  );
}

export function remember(o: ResolvedMetricsOptions, metrics: unknown): void {
  let instances = instancesOf(o.registry);
  if (instances === undefined) {
    instances = new Map();
    Object.defineProperty(o.registry, INSTANCES, { value: instances, enumerable: false });
  }
  instances.set(o.prefix, { options: fingerprint(o), metrics });
}

