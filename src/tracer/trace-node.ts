import { context, trace } from "@opentelemetry/api";
import { WORKFLOW_STAGES, type NodeResults, type WorkflowOutcome, type WorkflowStage } from "../shared/workflow.js";
import { nodeHooksOf, type NodeHooks } from "./node-hooks.js";
import type { NodeReport, TraceNodeOptions } from "./types.js";

/** Report handle used when no tracer is attached: every call is a no-op. */
const NOOP_REPORT: NodeReport = Object.freeze({
  recording: false,
  set() {},
  intent() {},
  validation() {},
  correction() {},
  sql() {},
  rows() {},
  outcome() {},
  score() {},
});

/** Report handle bound to one node run of one tracer. */
class BoundReport implements NodeReport {
  readonly recording = true;
  constructor(
    private readonly tracers: readonly NodeHooks[],
    private readonly runId: string,
  ) {}

  set(results: NodeResults): void {
    if (results === null || typeof results !== "object") return;
    for (const tracer of this.tracers) tracer.report(this.runId, results);
  }
  intent(intent: string, confidence?: number): void {
    this.set(confidence === undefined ? { intent } : { intent, confidence });
  }
  validation(valid: boolean, errorCategory?: string): void {
    this.set(errorCategory === undefined ? { valid } : { valid, errorCategory });
  }
  correction(attempt: number): void {
    this.set({ correctionAttempt: attempt });
  }
  sql(sql: string): void {
    this.set({ sql });
  }
  rows(rowCount: number): void {
    this.set({ rowCount });
  }
  outcome(outcome: WorkflowOutcome): void {
    this.set({ outcome });
  }
  score(name: string, value: number): void {
    this.set({ scores: { [name]: value } });
  }
}

interface CallbackManagerLike {
  handlers?: unknown;
  parentRunId?: unknown;
  _parentRunId?: unknown;
}

/**
 * The tracers among a run's own callbacks, and the run id of the node. LangGraph hands each node a config
 * whose `callbacks` is the node run's child manager: its `parentRunId` is the node's run id.
 */
function findTracers(config: unknown): { tracers: NodeHooks[]; runId: string } | undefined {
  const callbacks = (config as { callbacks?: unknown } | undefined)?.callbacks as CallbackManagerLike | undefined;
  if (callbacks === undefined || callbacks === null || typeof callbacks !== "object") return undefined;
  const handlers = callbacks.handlers;
  if (!Array.isArray(handlers)) return undefined;
  let tracers: NodeHooks[] | undefined;
  for (const handler of handlers) {
    const hooks = nodeHooksOf(handler);
    if (hooks !== undefined) (tracers ??= []).push(hooks);
  }
  if (tracers === undefined) return undefined;
  const runId = callbacks.parentRunId ?? callbacks._parentRunId;
  return typeof runId === "string" ? { tracers, runId } : undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Wrap a LangGraph node: mark its stage and give it a handle to report domain results (intent, validation,
 * SQL, rows, outcome, scores). The node keeps its own signature plus a third argument, the report handle.
 *
 * It needs no reference to a tracer: it finds one among the run's own callbacks. With none attached the
 * node runs as it would unwrapped, with a no-op report. While the node runs, its span is the active
 * OpenTelemetry span, so database or HTTP spans made inside nest under the node.
 *
 * @example
 * graph.addNode("validate_sql", traceNode("validation", async (state, config, report) => {
 *   const result = await validate(state.sql);
 *   report.validation(result.ok, result.category);
 *   return { valid: result.ok };
 * }));
 */
export function traceNode<State, Config, Update>(
  stage: WorkflowStage,
  fn: (state: State, config: Config, report: NodeReport) => Update,
  options?: TraceNodeOptions<State, Awaited<Update>>,
): (state: State, config: Config) => Update {
  if (!WORKFLOW_STAGES.includes(stage)) {
    throw new TypeError(`traceNode: invalid stage ${JSON.stringify(stage)}. Expected one of ${WORKFLOW_STAGES.join(", ")}.`);
  }
  if (typeof fn !== "function") throw new TypeError(`traceNode: the node must be a function, got ${typeof fn}.`);
  const extract = options?.results;
  if (extract !== undefined && typeof extract !== "function") {
    throw new TypeError(`traceNode: invalid option results: expected a function (update, state) => NodeResults, got ${typeof extract}.`);
  }

  const traced = function tracedNode(state: State, config: Config): Update {
    let found: ReturnType<typeof findTracers>;
    try {
      found = findTracers(config);
    } catch {
      found = undefined;
    }
    if (found === undefined) return fn(state, config, NOOP_REPORT);

    const { tracers, runId } = found;
    let span;
    for (const tracer of tracers) {
      tracer.stage(runId, stage);
      span ??= tracer.span(runId);
    }
    const report = new BoundReport(tracers, runId);
    const run = () => fn(state, config, report);
    const result = span !== undefined ? context.with(trace.setSpan(context.active(), span), run) : run();

    if (extract === undefined) return result;
    const onUpdate = (update: Awaited<Update>) => {
      try {
        const results = extract(update, state);
        if (results !== undefined) report.set(results);
      } catch (error) {
        for (const tracer of tracers) tracer.fault("traceNode results", error);
      }
    };
    if (isThenable(result)) {
      return (result as PromiseLike<Awaited<Update>>).then((update) => {
        onUpdate(update);
        return update;
      }) as Update;
    }
    onUpdate(result as Awaited<Update>);
    return result;
  };
  return traced;
}
