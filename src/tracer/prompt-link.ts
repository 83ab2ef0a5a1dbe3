import { Langfuse } from "../attributes.js";
import { boundedName } from "./run-kind.js";

/** The Langfuse prompt a generation is linked to (prompt management's usage and metrics per version). */
export interface LinkedPrompt {
  readonly name: string;
  readonly version: number;
}

/**
 * The prompt in a run's metadata under `langfusePrompt`, as Langfuse's LangChain integration reads it: a
 * Langfuse prompt client (`{ name, version, isFallback }`). A fallback prompt (the client could not fetch it)
 * is not linked: it is not a version Langfuse knows. Anything else is ignored.
 */
export function promptOf(metadata: Record<string, unknown> | undefined): LinkedPrompt | undefined {
  const value = metadata?.langfusePrompt;
  if (value === undefined || value === null || typeof value !== "object") return undefined;
  const p = value as { name?: unknown; version?: unknown; isFallback?: unknown };
  if (p.isFallback === true) return undefined;
  const name = boundedName(p.name);
  const version = p.version;
  if (name === undefined || typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) return undefined;
  return { name, version };
}

/** The span attributes of a linked prompt; the version is an integer attribute, as Langfuse requires. */
export function promptAttributes(prompt: LinkedPrompt): Record<string, string | number> {
  return { [Langfuse.OBSERVATION_PROMPT_NAME]: prompt.name, [Langfuse.OBSERVATION_PROMPT_VERSION]: prompt.version };
}

/**
 * The prompt a generation uses: the one its template registered on the parent run (taken: used once), else
 * one in its own metadata (an invocation's prompt reaches every run through LangChain's inherited metadata).
 */
export function takePrompt(parent: { prompt: LinkedPrompt | undefined } | undefined, metadata: Record<string, unknown> | undefined): LinkedPrompt | undefined {
  const registered = parent?.prompt;
  if (parent === undefined || registered === undefined) return promptOf(metadata);
  parent.prompt = undefined;
  return registered;
}
