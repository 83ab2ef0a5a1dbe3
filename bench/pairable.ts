import type { ModeName } from "./mode-names.js";

/**
 * The modes that can share a process (bench/paired.ts): they install no global instrumentation. OpenInference
 * and OpenLLMetry patch LangChain's CallbackManager for the whole process, so they only run in their own.
 */
export const PAIRABLE: readonly ModeName[] = ["bare", "empty-handler", "otel-manual", "spans", "metrics", "spans+metrics", "spans+metrics+traceNode", "spans+metrics+content", "langfuse"];
