/**
 * Every span attribute name we emit, in one place.
 *
 * - `gen_ai.*`: local copies of the OpenTelemetry GenAI semantic conventions (experimental, so copied
 *   `as const` rather than imported from `@opentelemetry/semantic-conventions/incubating`).
 * - `langfuse.*` / `user.id` / `session.id`: the keys Langfuse's OTLP ingestion reads
 *   (`LangfuseOtelSpanAttributes` in `@langfuse/core`).
 * - `workflow.*` / `langgraph.*`: ours.
 */

/** GenAI semantic conventions version these names follow. */
export const GEN_AI_SEMCONV_VERSION = "1.38" as const;

export const GenAI = {
  OPERATION_NAME: "gen_ai.operation.name",
  PROVIDER_NAME: "gen_ai.provider.name",
  REQUEST_MODEL: "gen_ai.request.model",
  REQUEST_TEMPERATURE: "gen_ai.request.temperature",
  REQUEST_MAX_TOKENS: "gen_ai.request.max_tokens",
  REQUEST_TOP_P: "gen_ai.request.top_p",
  REQUEST_TOP_K: "gen_ai.request.top_k",
  REQUEST_FREQUENCY_PENALTY: "gen_ai.request.frequency_penalty",
  REQUEST_PRESENCE_PENALTY: "gen_ai.request.presence_penalty",
  REQUEST_SEED: "gen_ai.request.seed",
  REQUEST_STOP_SEQUENCES: "gen_ai.request.stop_sequences",
  REQUEST_STREAM: "gen_ai.request.stream",
  RESPONSE_MODEL: "gen_ai.response.model",
  RESPONSE_ID: "gen_ai.response.id",
  RESPONSE_FINISH_REASONS: "gen_ai.response.finish_reasons",
  RESPONSE_TIME_TO_FIRST_CHUNK: "gen_ai.response.time_to_first_chunk",
  USAGE_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  USAGE_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  USAGE_CACHE_READ_INPUT_TOKENS: "gen_ai.usage.cache_read.input_tokens",
  USAGE_CACHE_CREATION_INPUT_TOKENS: "gen_ai.usage.cache_creation.input_tokens",
  USAGE_REASONING_OUTPUT_TOKENS: "gen_ai.usage.reasoning.output_tokens",
  INPUT_MESSAGES: "gen_ai.input.messages",
  OUTPUT_MESSAGES: "gen_ai.output.messages",
  TOOL_NAME: "gen_ai.tool.name",
  TOOL_CALL_ID: "gen_ai.tool.call.id",
  TOOL_DESCRIPTION: "gen_ai.tool.description",
  TOOL_CALL_ARGUMENTS: "gen_ai.tool.call.arguments",
  TOOL_CALL_RESULT: "gen_ai.tool.call.result",
  RETRIEVAL_QUERY_TEXT: "gen_ai.retrieval.query.text",
  WORKFLOW_NAME: "gen_ai.workflow.name",
  CONVERSATION_ID: "gen_ai.conversation.id",
  TOKEN_TYPE: "gen_ai.token.type",
} as const;

/** OpenTelemetry's general `error.type` (the error's class name). */
export const ERROR_TYPE = "error.type" as const;

/** GenAI metric names (semconv), recorded through the OpenTelemetry metrics API. */
export const GenAIMetric = {
  CLIENT_TOKEN_USAGE: "gen_ai.client.token.usage",
  CLIENT_OPERATION_DURATION: "gen_ai.client.operation.duration",
} as const;

/** Our workflow metrics, in the conventions' naming style (dotted namespace, unit not in the name). */
export const WorkflowMetric = {
  RUN_DURATION: "workflow.run.duration",
  STAGE_DURATION: "workflow.stage.duration",
  CORRECTIONS: "workflow.corrections",
  ACTIVE_RUNS: "workflow.active_runs",
} as const;

export const GenAIOperation = {
  CHAT: "chat",
  TEXT_COMPLETION: "text_completion",
  EXECUTE_TOOL: "execute_tool",
  RETRIEVAL: "retrieval",
  INVOKE_WORKFLOW: "invoke_workflow",
} as const;

export const Langfuse = {
  TRACE_NAME: "langfuse.trace.name",
  TRACE_USER_ID: "user.id",
  TRACE_SESSION_ID: "session.id",
  TRACE_TAGS: "langfuse.trace.tags",
  TRACE_METADATA: "langfuse.trace.metadata",
  TRACE_INPUT: "langfuse.trace.input",
  TRACE_OUTPUT: "langfuse.trace.output",
  OBSERVATION_TYPE: "langfuse.observation.type",
  OBSERVATION_LEVEL: "langfuse.observation.level",
  OBSERVATION_STATUS_MESSAGE: "langfuse.observation.status_message",
  OBSERVATION_INPUT: "langfuse.observation.input",
  OBSERVATION_OUTPUT: "langfuse.observation.output",
  OBSERVATION_METADATA: "langfuse.observation.metadata",
  OBSERVATION_MODEL: "langfuse.observation.model.name",
  OBSERVATION_MODEL_PARAMETERS: "langfuse.observation.model.parameters",
  OBSERVATION_USAGE_DETAILS: "langfuse.observation.usage_details",
  OBSERVATION_COST_DETAILS: "langfuse.observation.cost_details",
  OBSERVATION_COMPLETION_START_TIME: "langfuse.observation.completion_start_time",
  /** The Langfuse prompt a generation used (name, and version as an integer): prompt management links it. */
  OBSERVATION_PROMPT_NAME: "langfuse.observation.prompt.name",
  OBSERVATION_PROMPT_VERSION: "langfuse.observation.prompt.version",
  /** Set by Langfuse's span processor on the first exported span whose parent it will not export. */
  INTERNAL_IS_APP_ROOT: "langfuse.internal.is_app_root",
  /** Makes such a span the trace's root on Langfuse's legacy ingestion path (which ignores is_app_root). */
  INTERNAL_AS_ROOT: "langfuse.internal.as_root",
  /** Prefix of one metadata key per attribute: filterable keys in Langfuse, values keep their type. */
  OBSERVATION_METADATA_PREFIX: "langfuse.observation.metadata.",
} as const;

/** Langfuse observation types we produce. */
export const ObservationType = {
  SPAN: "span",
  AGENT: "agent",
  CHAIN: "chain",
  GENERATION: "generation",
  TOOL: "tool",
  RETRIEVER: "retriever",
} as const;

export const Workflow = {
  NAME: "workflow.name",
  STAGE: "workflow.stage",
  STAGE_SOURCE: "workflow.stage.source",
  OUTCOME: "workflow.outcome",
  INTENT: "workflow.intent",
  CONFIDENCE: "workflow.confidence",
  VALIDATION_VALID: "workflow.validation.valid",
  VALIDATION_ERROR_CATEGORY: "workflow.validation.error_category",
  CORRECTION_ATTEMPT: "workflow.correction.attempt",
  CORRECTIONS: "workflow.corrections",
  SQL: "workflow.sql",
  ROW_COUNT: "workflow.row_count",
  SCORE_PREFIX: "workflow.score.",
  INTERRUPTED: "workflow.interrupted",
  /** The run was abandoned: aborted by its signal (its consumer went away, its caller gave up), or it never ended and the tracer ended it. */
  ABANDONED: "workflow.abandoned",
  COST_USD: "workflow.cost_usd",
  /** Which price an LLM call's cost is: `local`, `pricing:<family>` (yours) or the catalogue's `<provider>/<model>`. */
  PRICED_AS: "workflow.priced_as",
  /**
   * The one exception to exact nesting: a run still going when its parent ended (an LLM call a node did not
   * await, or one that lost a `Promise.race`), or started under a run that had ended. It ends when its own end
   * arrives, after its parent, so its tokens and cost are counted.
   */
  ENDS_AFTER_PARENT: "workflow.ends_after_parent",
  RETRIEVER_DOCUMENTS: "workflow.retriever.documents",
} as const;

/** LangGraph's own metadata keys, kept verbatim so spans filter the same way as LangSmith and Langfuse metadata. */
export const LangGraph = {
  NODE: "langgraph_node",
  STEP: "langgraph_step",
  CHECKPOINT_NS: "langgraph_checkpoint_ns",
} as const;

/**
 * Attribute names a node's own `attributes` may not set: ours, the GenAI conventions', Langfuse's (its
 * observation type, level, trace user and session) and OpenTelemetry's `error.type`. A node reporting one is
 * refused that attribute (counted in `stats().refusedAttributes`).
 */
export const RESERVED_ATTRIBUTE_PREFIXES = ["workflow.", "langfuse.", "gen_ai.", "langgraph.", "langgraph_"] as const;
export const RESERVED_ATTRIBUTES = ["user.id", "session.id", "error.type"] as const;

/** LangChain tag that marks internal runnables (`__start__`, channel writers). */
export const LANGSMITH_HIDDEN_TAG = "langsmith:hidden";

/**
 * The W3C `tracestate` entry our tail sampler puts on traces whose fate is decided when their root ends
 * (`lgt=pending`): the tracer attaches no metric exemplar to them, since they may be dropped.
 */
export const TailSamplingState = {
  KEY: "lgt",
  PENDING: "pending",
} as const;
