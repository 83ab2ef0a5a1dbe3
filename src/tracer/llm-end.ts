import type { Span } from "@opentelemetry/api";
import { GenAI, Langfuse, Workflow } from "../attributes.js";
import { toSemconvMessages } from "./content.js";
import { generationOutput, lastGeneration, readResponse, readUsage, UNKNOWN_MODEL } from "./llm-info.js";
import type { ResolvedTracerOptions } from "./options.js";
import type { RunState } from "./run-state.js";
import { applyLlmResponse, captured, langfuseCostDetails } from "./span-attributes.js";

/**
 * What an LLM call's end says — usage (else the last streamed chunk's), response fields, cost, and the output
 * when captured — on its span, and on its state for the metrics; the caller ends the run.
 */
export function describeLlmEnd(state: RunState, span: Span, output: unknown, options: ResolvedTracerOptions, capture: boolean): void {
  const generation = lastGeneration(output);
  const usage = readUsage(output, generation) ?? state.usage;
  state.usage = usage;
  const response = readResponse(output, generation);
  applyLlmResponse(span, usage, response);
  // Priced and labelled by the requested model (stable across dated versions), else by the one that answered.
  if (state.name === UNKNOWN_MODEL && response.model !== undefined) state.model = response.model;
  state.responseModel = response.model;
  if (usage !== undefined) {
    const cost = options.costOf(state.model ?? state.name, usage, state.provider);
    if (cost !== undefined && Number.isFinite(cost.total)) {
      state.cost = cost;
      span.setAttribute(Langfuse.OBSERVATION_COST_DETAILS, langfuseCostDetails(cost, usage));
      span.setAttribute(Workflow.COST_USD, cost.total);
      state.invocation.costUsd += cost.total;
    }
  }
  if (capture) {
    const message = generationOutput(generation);
    const info = { field: "output", runType: "llm", name: state.name } as const;
    span.setAttribute(Langfuse.OBSERVATION_OUTPUT, captured(message, options, info));
    span.setAttribute(GenAI.OUTPUT_MESSAGES, captured(toSemconvMessages([message], options.contentLimit), options, info));
  }
}
