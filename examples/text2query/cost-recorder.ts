import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { WorkflowMetrics } from "langgraph-telemetry";

export interface CostEvent {
  stage: string;
  model: string;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Stage of each node of the workflow, for cost events. */
const STAGES: Record<string, string> = {
  classify_intent: "intent",
  plan_query: "reasoning",
  generate_sql: "generation",
  correct_sql: "correction",
};

/**
 * Collects one cost event per LLM call of one request (model, tokens, cost priced by the same table as the
 * metrics), for the `llm_cost_events` table (seed 003 §5). One instance per request.
 */
export class CostRecorder extends BaseCallbackHandler {
  name = "CostRecorder";
  readonly events: CostEvent[] = [];
  private readonly calls = new Map<string, { stage: string; model: string }>();

  constructor(private readonly metrics: WorkflowMetrics) {
    super();
    this.awaitHandlers = true;
  }

  override handleChatModelStart(_llm: Serialized, _messages: BaseMessage[][], runId: string, _parentRunId?: string, _extra?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>): void {
    const node = String(metadata?.langgraph_node ?? "");
    this.calls.set(runId, { stage: STAGES[node] ?? "other", model: String(metadata?.ls_model_name ?? "unknown") });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const call = this.calls.get(runId);
    this.calls.delete(runId);
    if (call === undefined) return;
    const message = (output.generations[0]?.[0] as { message?: { usage_metadata?: { input_tokens?: number; output_tokens?: number; input_token_details?: { cache_read?: number } } } } | undefined)?.message;
    const usage = message?.usage_metadata;
    if (usage === undefined) return;
    const input = usage.input_tokens ?? 0;
    const output_ = usage.output_tokens ?? 0;
    const cached = usage.input_token_details?.cache_read ?? 0;
    const cost = this.metrics.costOf(call.model, { input: input - cached, cacheRead: cached, output: output_ });
    this.events.push({ stage: call.stage, model: call.model, inputTokens: input, cachedTokens: cached, outputTokens: output_, costUsd: cost?.total ?? 0 });
  }

  override handleLLMError(_error: unknown, runId: string): void {
    this.calls.delete(runId);
  }
}
