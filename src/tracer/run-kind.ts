/**
 * Which LangChain run is what to us, from what its start callback says. Pure functions over untrusted
 * values: each reads a bounded amount whatever it is given.
 */
import { LANGSMITH_HIDDEN_TAG } from "../attributes.js";
import { isPlainObject } from "../shared/read.js";
import { cut } from "../shared/text.js";

/** What a LangChain run is to us. */
export enum RunKind {
  /** The root of an invocation: the workflow span, carrying the trace attributes. */
  Workflow,
  /** A compiled (sub)graph below the root. */
  Graph,
  /** A LangGraph node (a task of a graph). */
  Node,
  /** Any other chain; becomes a span only when a descendant needs a parent (so routing lambdas never show). */
  Chain,
  Llm,
  Tool,
  Retriever,
  /** LangGraph plumbing (`langsmith:hidden`); never a span, its children attach to its parent. */
  Hidden,
}

/** Names (runs, models, tools) are cut here: they become span names, cache keys and label values. */
export const MAX_NAME_LENGTH = 200;
/** Tags read per run: LangChain's are a handful; a huge array costs no more than this. */
const MAX_TAGS = 64;

const GRAPH_CLASS = /^(Compiled\w*Graph|Pregel)$/;

/** The name LangGraph gives a compiled graph that was not named. */
export const DEFAULT_GRAPH_NAME = "LangGraph";

/** LangChain's wrappers that run their runnable again, or another in its place: each child run is an attempt. */
const ATTEMPT_WRAPPERS = new Set(["RunnableRetry", "RunnableWithFallbacks"]);

/** A `graph.withRetry()` or `graph.withFallbacks([...])` run: its children are attempts, and the last one decides. */
export function isAttemptWrapper(serialized: unknown): boolean {
  return ATTEMPT_WRAPPERS.has(className(serialized));
}

/**
 * A name nobody chose: LangGraph's `LangGraph` for an unnamed graph, or the runnable's class name. The tracer's
 * `workflowName` replaces these only; a `runName` or a name the graph was compiled with wins.
 */
export function isDefaultName(name: string, serialized: unknown): boolean {
  return name === DEFAULT_GRAPH_NAME || name === className(serialized);
}

export function boundedName(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return undefined;
  return cut(value, MAX_NAME_LENGTH);
}

/** The class name of a serialised runnable (`id: ["langchain", …, "ClassName"]`). */
export function className(serialized: unknown): string {
  const ids = serialized !== null && typeof serialized === "object" ? (serialized as { id?: unknown }).id : undefined;
  if (!Array.isArray(ids) || ids.length === 0) return "";
  return boundedName(ids[ids.length - 1]) ?? "";
}

/** The run's name: its `runName`, else the serialised runnable's name, else its class, else `fallback`. */
export function runNameOf(serialized: unknown, runName: unknown, fallback: string): string {
  const named = boundedName(runName);
  if (named !== undefined) return named;
  const name = serialized !== null && typeof serialized === "object" ? boundedName((serialized as { name?: unknown }).name) : undefined;
  return name ?? (className(serialized) || fallback);
}

export function hasTag(tags: unknown, tag: string): boolean {
  if (!Array.isArray(tags)) return false;
  const n = Math.min(tags.length, MAX_TAGS);
  for (let i = 0; i < n; i++) if (tags[i] === tag) return true;
  return false;
}

/** The plain object a callback was given as metadata, or undefined for anything else (strings, arrays, typed arrays). */
export function metadataOf(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

/**
 * The kind of a chain run. `parentKind` is the kind of its nearest traced ancestor (hidden runs skipped),
 * undefined for a root.
 */
export function chainKind(serialized: unknown, name: string, tags: unknown, metadata: Record<string, unknown> | undefined, parentKind: RunKind | undefined, parentTracked: boolean): RunKind {
  if (parentTracked && hasTag(tags, LANGSMITH_HIDDEN_TAG)) return RunKind.Hidden;
  if (parentKind === undefined) return RunKind.Workflow;
  if (metadata?.langgraph_node === name && (parentKind === RunKind.Workflow || parentKind === RunKind.Graph)) return RunKind.Node;
  if (GRAPH_CLASS.test(className(serialized))) return RunKind.Graph;
  return RunKind.Chain;
}

/** The `runType` a redact hook is told. */
export function runTypeOf(kind: RunKind): "workflow" | "node" | "chain" | "llm" | "tool" | "retriever" {
  switch (kind) {
    case RunKind.Workflow:
      return "workflow";
    case RunKind.Node:
      return "node";
    case RunKind.Llm:
      return "llm";
    case RunKind.Tool:
      return "tool";
    case RunKind.Retriever:
      return "retriever";
    default:
      return "chain";
  }
}
