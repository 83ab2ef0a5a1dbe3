import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import type { WorkflowMetrics } from "./metrics/workflow-metrics.js";
import type { PricingTable } from "./pricing/pricing.js";
import type { RedactHook, WorkflowStage } from "./shared/workflow.js";

export { WORKFLOW_OUTCOMES, WORKFLOW_STAGES } from "./shared/workflow.js";
export type { NodeResults, RedactHook, RedactInfo, WorkflowOutcome, WorkflowStage } from "./shared/workflow.js";
export type { NodeReport, TraceNodeOptions, TracerStats } from "./tracer/types.js";

export interface WorkflowTracerOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`)
   */
  tracerProvider?: TracerProvider;
  /**
   * Where the OpenTelemetry metrics in the GenAI conventions go (`gen_ai.client.token.usage`,
   * `gen_ai.client.operation.duration`, `workflow.*`); `false` records none. The global provider is looked up
   * when there is something to record, so the tracer may be built before or after `setupTelemetry()`
   * registers one; until one is registered nothing is recorded (and nothing is spent on it).
   * @default the global meter provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: MeterProvider | false;
  /**
   * Prometheus metrics fed in the same callback pass that makes spans.
   * @default undefined (no metrics)
   */
  metrics?: WorkflowMetrics;
  /**
   * Your own prices (USD per million tokens), by model family, over the @pydantic/genai-prices catalogue; LLM spans
   * carry the cost (`langfuse.observation.cost_details`, `workflow.cost_usd`) with or without metrics.
   * @default the `pricing` of `metrics` when given, else {} (the catalogue only)
   */
  pricing?: PricingTable;
  /**
   * Stage of each node by name, used when the node is not wrapped with `traceNode`.
   * @default {}
   */
  stages?: Record<string, WorkflowStage>;
  /**
   * Infer a node's stage from its name when neither `traceNode` nor `stages` gives one
   * (`classify_intent` → intent; the rules are in docs/tracer.md).
   * @default true
   */
  inferStages?: boolean;
  /**
   * Capture prompts, completions, tool arguments and node inputs/outputs: `false` (off), `true` (on) or a
   * number N (on, each value truncated to N characters).
   * @default false
   */
  captureContent?: boolean | number;
  /**
   * Rewrites each captured text, reported SQL and error message/stack before it goes on a span. Error texts
   * have key-shaped strings (`sk-…`, `Bearer …`, `api_key=…`; see `redactSecrets`) stripped first, hook or not.
   * @default undefined
   */
  redact?: RedactHook;
  /**
   * Longest reported SQL kept on a span, in characters.
   * @default 4000
   */
  maxSqlLength?: number;
  /**
   * An invocation that sees no callback at all for this many milliseconds (a stream nobody reads any more but
   * nobody closed, a process path that hangs) is ended as `abandoned` by an unref'd timer, its open runs with
   * it, and its state freed. (A consumer that breaks off a stream needs no timer: LangGraph aborts the run,
   * which ends `abandoned` at once.) Set it above your longest single LLM or tool call.
   * @default 300000 (5 minutes)
   */
  runTtlMs?: number;
  /**
   * Most runs tracked at once; beyond it new runs are not traced (counted in `stats().droppedRuns`).
   * @default 100000
   */
  maxActiveRuns?: number;
  /**
   * Workflow name (root span, `gen_ai.workflow.name`, Langfuse trace name) for invocations that name none:
   * an invocation's `runName` wins, then a name the graph was compiled with (`compile({ name })`); this option
   * replaces only the names nobody chose (LangGraph's `LangGraph`, a runnable's class name). A
   * `withRetry()`/`withFallbacks()` wrapper takes its first attempt's name.
   * @default the root runnable's name (`LangGraph` for an unnamed compiled graph)
   */
  workflowName?: string;
  /**
   * Invocation metadata keys copied to the trace (primitive values only). `langgraph_*`, `ls_*`, `thread_id`
   * and the user, session, tag and prompt keys (`user_id`, `langfuseUserId`, `session_id`, `langfuseSessionId`,
   * `langfuseTags`, … which set the trace's user, session and tags) are not copied unless listed here.
   * @default all other keys, at most 32
   */
  metadataKeys?: readonly string[];
  /**
   * The model behind each deployment (or alias) name, for payloads that do not say which model answered:
   * `{ "prod-chat": "gpt-4o" }` makes an Azure OpenAI deployment named `prod-chat` priced and labelled as
   * gpt-4o. The model a response names always wins.
   * @default {}
   */
  deployments?: Record<string, string>;
  /**
   * Hosts (`host` or `host:port`) of model servers you run yourself (vLLM, TGI, a llama.cpp or LM Studio
   * server elsewhere than its default local port): their calls cost nothing. Ollama, and llama.cpp and
   * LM Studio on their default local ports, are known without it.
   * @default []
   */
  localEndpoints?: readonly string[];
}
