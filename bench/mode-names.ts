/** The benchmark modes by name: what the runner, the report and the tests need without loading any mode. */

export const MODES = [
  "bare",
  "empty-handler",
  "otel-manual",
  "spans",
  "metrics",
  "spans+metrics",
  "spans+metrics+traceNode",
  "spans+metrics+content",
  "langfuse",
  "openinference",
  "openllmetry",
] as const;
export type ModeName = (typeof MODES)[number];

export const MODE_DESCRIPTIONS: Record<ModeName, string> = {
  bare: "no callbacks, no spans",
  "empty-handler": "a BaseCallbackHandler with no methods, awaitHandlers = true (LangChain's cost of any handler)",
  "otel-manual": "hand-written OTel spans from the node functions: workflow, node, LLM call, a few attributes (the floor)",
  spans: "WorkflowTracer → in-memory SDK pipeline",
  metrics: "WorkflowTracer with WorkflowMetrics, no-op tracer provider (metrics only)",
  "spans+metrics": "WorkflowTracer with WorkflowMetrics → in-memory SDK pipeline",
  "spans+metrics+traceNode": "as spans+metrics, nodes wrapped with traceNode reporting intent, validation, SQL, correction, rows",
  "spans+metrics+content": "as spans+metrics, captureContent: true (the peers capture content by default)",
  langfuse: "@langfuse/langchain CallbackHandler (defaults) → in-memory SDK pipeline",
  openinference: "@arizeai/openinference-instrumentation-langchain, manuallyInstrument → in-memory SDK pipeline",
  openllmetry: "@traceloop/instrumentation-langchain (defaults) → in-memory SDK pipeline",
};

export function isMode(name: string): name is ModeName {
  return (MODES as readonly string[]).includes(name);
}

/**
 * The modes that can share a process (bench/paired.ts): they install no global instrumentation. OpenInference
 * and OpenLLMetry patch LangChain's CallbackManager for the whole process, so they only run in their own.
 */
export const PAIRABLE: readonly ModeName[] = ["bare", "empty-handler", "otel-manual", "spans", "metrics", "spans+metrics", "spans+metrics+traceNode", "spans+metrics+content", "langfuse"];
