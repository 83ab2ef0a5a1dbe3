export { WorkflowTracer } from "./workflow-tracer.js";
export { traceNode } from "./tracer/trace-node.js";
export { inferStage } from "./tracer/stages.js";
export { redactSecrets } from "./tracer/secrets.js";
export { WORKFLOW_STAGES, WORKFLOW_OUTCOMES } from "./types.js";
export type {
  NodeReport,
  NodeResults,
  RedactHook,
  RedactInfo,
  TraceNodeOptions,
  TracerStats,
  WorkflowOutcome,
  WorkflowStage,
  WorkflowTracerOptions,
} from "./types.js";
export { GenAI, GenAIOperation, Langfuse, LangGraph, ObservationType, Workflow, GEN_AI_SEMCONV_VERSION } from "./attributes.js";
export { VERSION } from "./version.js";
export { WorkflowMetrics, METRIC_NAMES } from "./metrics/workflow-metrics.js";
export { PRICE_DATA_SOURCE, priceDataVersion } from "./pricing/catalog.js";
export type { ModelPrice, PricingTable } from "./pricing/pricing.js";
export type { WorkflowMetricsOptions } from "./metrics/options.js";
export type { CostBreakdown, TokenUsage } from "./shared/llm-call.js";
export { setupTelemetry } from "./export/setup-telemetry.js";
export type { ExportStats, Telemetry } from "./export/setup-telemetry.js";
export type { LangfuseExportOptions, OtlpExportOptions, TelemetryOptions } from "./export/options.js";
export { TailSamplingProcessor } from "./export/tail-sampling-processor.js";
export type { TailSamplingStats } from "./export/tail-sampling-processor.js";
export type { KeepRunsHook, KeepRunsOptions, SampledRun, TailSamplingOptions } from "./export/tail-sampling.js";
export { traceLogFields } from "./logging/trace-fields.js";
export type { TraceLogFields } from "./logging/trace-fields.js";
export { RecentTraces } from "./console/recent-traces.js";
export type { RecentTracesOptions, SpanRecord, TraceSummary } from "./console/recent-traces.js";
