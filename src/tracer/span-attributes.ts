/**
 * Building the attributes of each kind of span from callback arguments. Pure functions: the tracer
 * decides when, these decide what.
 */
import type { Attributes } from "@opentelemetry/api";
import { GenAI, GenAIOperation, LangGraph, Langfuse, ObservationType, Workflow } from "../attributes.js";
import { cut, truncate } from "../shared/text.js";
import type { RedactInfo } from "../shared/workflow.js";
import { isSecretKey, safeStringify, safeStringifyJsonText, toSemconvMessages } from "./content.js";
import type { ResolvedTracerOptions } from "./options.js";
import { redactSecrets } from "./secrets.js";

type Obj = Record<string, unknown>;

/**
 * Invocation metadata keys that say who and which session (ours, Langfuse's Python handler's and its JS
 * handler's `langfuseUserId`/`langfuseSessionId`), Langfuse's tags and prompt: read, never copied as metadata.
 */
const IDENTITY_KEYS = new Set([
  "user_id",
  "userId",
  "langfuse_user_id",
  "langfuse_userId",
  "langfuseUserId",
  "session_id",
  "sessionId",
  "langfuse_session_id",
  "langfuse_sessionId",
  "langfuseSessionId",
  "langfuse_tags",
  "langfuseTags",
  "langfusePrompt",
]);
const MAX_METADATA_KEYS = 32;
/** Keys of invocation metadata looked at, copied or not (LangGraph adds a dozen of its own). */
const MAX_METADATA_KEYS_READ = 256;

function idString(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return cut(value, 200);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

export interface Identity {
  userId: string | undefined;
  sessionId: string | undefined;
  conversationId: string | undefined;
}

/**
 * User, session and conversation ids from invocation metadata (ours, Langfuse's and LangGraph's keys). LangGraph's
 * `thread_id` is the conversation (`gen_ai.conversation.id`), not a session id of ours: Langfuse's ingestion takes
 * it as the trace's session when no `session.id` is set, and a session named in metadata wins.
 */
export function readIdentity(metadata: Obj | undefined): Identity {
  if (metadata === undefined) return NO_IDENTITY;
  return {
    userId: idString(metadata.user_id) ?? idString(metadata.userId) ?? idString(metadata.langfuse_user_id) ?? idString(metadata.langfuse_userId) ?? idString(metadata.langfuseUserId),
    sessionId:
      idString(metadata.session_id) ??
      idString(metadata.sessionId) ??
      idString(metadata.langfuse_session_id) ??
      idString(metadata.langfuse_sessionId) ??
      idString(metadata.langfuseSessionId),
    conversationId: idString(metadata.thread_id),
  };
}

const NO_IDENTITY: Identity = Object.freeze({ userId: undefined, sessionId: undefined, conversationId: undefined });

const MAX_TAGS = 32;

function addTags(out: string[], tags: unknown): void {
  if (!Array.isArray(tags)) return;
  const n = Math.min(tags.length, 64);
  for (let i = 0; i < n && out.length < MAX_TAGS; i++) {
    const tag: unknown = tags[i];
    if (typeof tag !== "string" || tag.startsWith("graph:step:") || tag.startsWith("langsmith:") || tag.startsWith("seq:step:")) continue;
    const kept = truncate(tag, 200);
    if (!out.includes(kept)) out.push(kept);
  }
}

/** Invocation tags and Langfuse's metadata tags, without LangGraph's internal ones (`graph:step:N`, `langsmith:*`, `seq:step:N`); at most 32. */
export function userTags(tags: unknown, metadata: Obj | undefined): string[] {
  const out: string[] = [];
  addTags(out, tags);
  addTags(out, metadata?.langfuse_tags);
  addTags(out, metadata?.langfuseTags);
  return out;
}

/** Root span attributes: the Langfuse trace attributes and the GenAI workflow operation. */
export function workflowAttributes(
  name: string,
  identity: Identity,
  tags: readonly string[],
  metadata: Obj | undefined,
  options: ResolvedTracerOptions,
): Attributes {
  const attributes: Attributes = {
    [GenAI.OPERATION_NAME]: GenAIOperation.INVOKE_WORKFLOW,
    [GenAI.WORKFLOW_NAME]: name,
    [Workflow.NAME]: name,
    [Langfuse.TRACE_NAME]: name,
    [Langfuse.OBSERVATION_TYPE]: ObservationType.AGENT,
  };
  if (identity.userId !== undefined) attributes[Langfuse.TRACE_USER_ID] = identity.userId;
  if (identity.sessionId !== undefined) attributes[Langfuse.TRACE_SESSION_ID] = identity.sessionId;
  if (identity.conversationId !== undefined) attributes[GenAI.CONVERSATION_ID] = identity.conversationId;
  if (tags.length > 0) attributes[Langfuse.TRACE_TAGS] = tags as string[];
  if (metadata) {
    let copied = 0;
    let read = 0;
    for (const key in metadata) {
      if (copied >= MAX_METADATA_KEYS || ++read > MAX_METADATA_KEYS_READ) break;
      if (isSecretKey(key)) continue;
      if (options.metadataKeys ? !options.metadataKeys.has(key) : IDENTITY_KEYS.has(key) || key.startsWith("langgraph_") || key.startsWith("ls_") || key === "thread_id" || key.startsWith("checkpoint")) {
        continue;
      }
      const value = metadata[key];
      if (typeof value === "string") attributes[`${Langfuse.TRACE_METADATA}.${key}`] = truncate(value, 1000);
      else if (typeof value === "number" || typeof value === "boolean") attributes[`${Langfuse.TRACE_METADATA}.${key}`] = value;
      else continue;
      copied++;
    }
  }
  return attributes;
}

/** Captured content (when enabled): truncated, then redacted. */
export function captured(value: unknown, options: ResolvedTracerOptions, info: RedactInfo): string {
  return redacted(safeStringify(value, options.contentLimit), options, info);
}

/** Captured tool arguments: JSON text parsed so credential keys are redacted as in objects. */
export function capturedArguments(value: unknown, options: ResolvedTracerOptions, info: RedactInfo): string {
  return redacted(safeStringifyJsonText(value, options.contentLimit), options, info);
}

/**
 * An error's message or stack as it goes on a span: key-shaped strings stripped (providers echo refused keys),
 * then the user's `redact` (field `error`). Error paths only.
 */
export function errorText(text: string, options: ResolvedTracerOptions, info: RedactInfo): string {
  return redacted(redactSecrets(text), options, info);
}

function redacted(text: string, options: ResolvedTracerOptions, info: RedactInfo): string {
  if (options.redact === undefined) return text;
  try {
    return String(options.redact(text, info));
  } catch {
    return "[redaction failed]";
  }
}

export function inputMessagesAttributes(messages: readonly unknown[], options: ResolvedTracerOptions, info: RedactInfo): Attributes {
  return {
    [Langfuse.OBSERVATION_INPUT]: captured(messages, options, info),
    [GenAI.INPUT_MESSAGES]: captured(toSemconvMessages(messages, options.contentLimit), options, info),
  };
}

/** The Langfuse observation type of a node, from its name (retrievers and tool nodes show as such). */
export function nodeObservationType(name: string): string {
  return /retriev/i.test(name) ? ObservationType.RETRIEVER : /^tools?$|_tools?$/i.test(name) ? ObservationType.TOOL : ObservationType.SPAN;
}

export function nodeAttributes(name: string, observationType: string, step: unknown, checkpointNs: unknown, workflowName: string): Attributes {
  const a: Attributes = {
    [LangGraph.NODE]: name,
    [GenAI.WORKFLOW_NAME]: workflowName,
    [Langfuse.OBSERVATION_TYPE]: observationType,
  };
  if (typeof step === "number") a[LangGraph.STEP] = step;
  if (typeof checkpointNs === "string") a[LangGraph.CHECKPOINT_NS] = checkpointNs;
  return a;
}
