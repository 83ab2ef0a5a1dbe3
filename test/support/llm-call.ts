import type { WorkflowMetrics } from "../../src/index.js";
import type { LlmCall } from "../../src/shared/llm-call.js";
import { TELEMETRY_PARTS, type TelemetrySink } from "../../src/shared/sink.js";

/** The sink a WorkflowMetrics hands the tracer (not API: what the tracer feeds). */
export function sinkOf(metrics: WorkflowMetrics): TelemetrySink {
  return metrics[TELEMETRY_PARTS].sink;
}

/** A record of one LLM call as the tracer builds it, with what a test does not care about filled in. */
export function llmCall(fields: Partial<LlmCall> & Pick<LlmCall, "model">): LlmCall {
  return {
    operation: "chat",
    provider: "openai",
    requestModel: fields.model,
    responseModel: undefined,
    local: false,
    usage: undefined,
    cost: undefined,
    pricedAs: undefined,
    finishReasons: undefined,
    responseId: undefined,
    timeToFirstChunk: undefined,
    stage: "other",
    errorType: undefined,
    durationSeconds: 0,
    traceId: undefined,
    ...fields,
  };
}
