import { cut } from "../shared/text.js";
import { safeStringify } from "./content.js";

/**
 * LangGraph control-flow signals travel as thrown errors but are not failures: `interrupt()`
 * (human-in-the-loop) throws GraphInterrupt, and `Command({ graph: Command.PARENT })` throws ParentCommand.
 * Matched by name, as LangGraph's own `isGraphBubbleUp` does, so a second copy of the package still matches.
 */
const INTERRUPT_NAMES = new Set(["GraphInterrupt", "NodeInterrupt"]);
const CONTROL_FLOW_NAMES = new Set(["GraphInterrupt", "NodeInterrupt", "ParentCommand", "GraphDrained"]);

function nameOf(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  try {
    const e = error as { name?: unknown; constructor?: { unminifiable_name?: unknown } };
    if (typeof e.name === "string" && CONTROL_FLOW_NAMES.has(e.name)) return e.name;
    const unminified = e.constructor?.unminifiable_name;
    return typeof unminified === "string" ? unminified : undefined;
  } catch {
    return undefined;
  }
}

/** A LangGraph signal (interrupt, parent command): the run did not fail. */
export function isControlFlow(error: unknown): boolean {
  const name = nameOf(error);
  return name !== undefined && CONTROL_FLOW_NAMES.has(name);
}

/** LangGraph's `interrupt()`: the run paused, to be resumed with `Command({ resume })`. */
export function isInterrupt(error: unknown): boolean {
  const name = nameOf(error);
  return name !== undefined && INTERRUPT_NAMES.has(name);
}

/**
 * Errors that say a run was aborted by its AbortSignal, not that it failed: LangGraph's runner rejects a graph
 * with `Error("Abort")` when its signal fires (the caller's `signal`, or the one LangGraph aborts when a stream's
 * consumer breaks off); a step cut short rejects with the signal's reason (a DOMException `AbortError`), with
 * LangChain's `Error("Aborted")` when the reason is not an Error, or with `ModelAbortError` from a chat model;
 * `@langchain/openai` ends a stream whose signal fired with `Error("AbortError")`.
 */
const ABORT_NAMES = new Set(["AbortError", "ModelAbortError"]);
const ABORT_MESSAGES = new Set(["Abort", "Aborted", "AbortError"]);

/** A run stopped by an abort signal (a consumer that went away, a caller that gave up): not a failure of the run. */
export function isAbort(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  try {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return (typeof name === "string" && ABORT_NAMES.has(name)) || (name === "Error" && typeof message === "string" && ABORT_MESSAGES.has(message));
  } catch {
    return false;
  }
}

/** `AbortSignal.timeout()`'s reason: a deadline passed, which is a failure (as gRPC's DEADLINE_EXCEEDED is, and CANCELLED is not). */
export function isTimeout(error: unknown): boolean {
  try {
    return error !== null && typeof error === "object" && (error as { name?: unknown }).name === "TimeoutError";
  } catch {
    return false;
  }
}

const MAX_MESSAGE = 1000;

function boundedString(value: unknown): string {
  if (typeof value !== "string") return safeStringify(value, MAX_MESSAGE);
  return cut(value, MAX_MESSAGE);
}

/** `error.type` per OpenTelemetry: the error's class name, else a fallback. Never throws. */
export function errorType(error: unknown): string {
  try {
    if (error instanceof Error) {
      const name = error.name;
      return boundedString(typeof name === "string" && name.length > 0 && name !== "Error" ? name : error.constructor?.name || "Error");
    }
    if (error !== null && typeof error === "object") {
      const name = (error as { name?: unknown }).name;
      if (typeof name === "string" && name.length > 0) return boundedString(name);
    }
  } catch {
    // A hostile getter: fall through.
  }
  return "_OTHER";
}

/** The error's message as a string of at most 1,000 characters, whatever the error holds. Never throws. */
export function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return boundedString(error.message);
    return boundedString(error);
  } catch {
    return "unreadable error";
  }
}

/**
 * What a span's exception event records: type, message and stack read once, safely. V8 formats a stack on
 * first read with `String(name)` and `String(message)`: for an error whose message is not a string that can
 * cost anything (a nested array of a million elements is joined), so its stack is not read.
 */
export function exceptionOf(error: unknown, type: string, message: string): { name: string; message: string; stack?: string } {
  let stack: string | undefined;
  try {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown } | null;
    if (e !== null && typeof e === "object" && (e.message === undefined || typeof e.message === "string") && (e.name === undefined || typeof e.name === "string")) {
      const s = e.stack;
      if (typeof s === "string") stack = cut(s, 8000);
    }
  } catch {
    stack = undefined;
  }
  return stack === undefined ? { name: type, message } : { name: type, message, stack };
}
