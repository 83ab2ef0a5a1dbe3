import type { Span } from "@opentelemetry/api";
import { Workflow } from "../attributes.js";
import type { TelemetrySink } from "../shared/sink.js";
import type { WorkflowStage } from "../shared/workflow.js";
import { now } from "./clock.js";
import type { RunLifecycle } from "./lifecycle.js";
import type { ResolvedTracerOptions } from "./options.js";
import { applyResults, readResults } from "./results.js";
import { RunKind } from "./run-kind.js";

/**
 * What `traceNode` asks of a tracer found among a node run's callbacks. Not part of the tracer's public type:
 * each `WorkflowTracer` carries it under this registered symbol (so a second copy of the package, ESM beside
 * CJS, finds it too), defined at construction and absent from the published declarations.
 */
export const NODE_HOOKS = Symbol.for("langgraph-telemetry.node-hooks");

export interface NodeHooks {
  /** Stage set by `traceNode` for the node run `runId`; LLM and tool runs started later inherit it. */
  stage(runId: string, stage: WorkflowStage): void;
  /** The span of node run `runId`, made active while the node runs. */
  span(runId: string): Span | undefined;
  /** Results the node reported: span attributes now, summary for the root and metrics. */
  report(runId: string, value: unknown): void;
  /** Count an internal failure (a result extractor that threw). */
  fault(where: string, error: unknown): void;
}

/** The hooks of a callback handler, when it is a WorkflowTracer. */
export function nodeHooksOf(handler: unknown): NodeHooks | undefined {
  if (handler === null || typeof handler !== "object") return undefined;
  const hooks = (handler as Record<symbol, unknown>)[NODE_HOOKS];
  return hooks !== null && typeof hooks === "object" ? (hooks as NodeHooks) : undefined;
}

/**
 * A tracer's hooks over its run table: the stage and span of a node run, and the results it reports (span
 * attributes now, the root's summary and metrics later). Each guarded: a fault is counted, never thrown.
 */
export function nodeHooks(life: RunLifecycle, options: ResolvedTracerOptions, sink: TelemetrySink | undefined, fault: (where: string, error: unknown) => void, refuse: (key: string) => void): NodeHooks {
  return {
    stage(runId, stage) {
      try {
        const state = life.runs.get(runId);
        if (state === undefined || state.kind !== RunKind.Node) return;
        state.stage = stage;
        state.span?.setAttribute(Workflow.STAGE, stage);
        state.span?.setAttribute(Workflow.STAGE_SOURCE, "traceNode");
      } catch (error) {
        fault("setNodeStage", error);
      }
    },
    span(runId) {
      const state = life.runs.get(runId);
      return state?.kind === RunKind.Node ? state.span : undefined;
    },
    report(runId, value) {
      try {
        const state = life.touch(runId, now());
        if (state === undefined || state.span === undefined) return;
        const results = readResults(value, refuse);
        if (results === undefined) return;
        applyResults(state.span, results, options, state.name);
        state.invocation.record(results);
        sink?.resultsReported(results);
      } catch (error) {
        fault("reportResults", error);
      }
    },
    fault,
  };
}
