/**
 * LangGraph control-flow signals travel as thrown errors but are not failures: `interrupt()`
 * (human-in-the-loop) throws GraphInterrupt, and `Command({ graph: Command.PARENT })` throws ParentCommand.
 * Matched by name, as LangGraph's own `isGraphBubbleUp` does, so a second copy of the package still matches.
 */
const BUBBLE_UP_NAMES = new Set(["GraphInterrupt", "NodeInterrupt", "ParentCommand", "GraphDrained"]);

export function isGraphInterrupt(error: unknown): boolean {
  const e = error as { name?: unknown; constructor?: { unminifiable_name?: unknown } } | null;
  if (e === null || typeof e !== "object") return false;
  if (typeof e.name === "string" && BUBBLE_UP_NAMES.has(e.name)) return true;
  const unminified = e.constructor?.unminifiable_name;
  return typeof unminified === "string" && BUBBLE_UP_NAMES.has(unminified);
}

/** `error.type` per OpenTelemetry: the error's class name, else a fallback. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== "Error" ? error.name : error.constructor?.name || "Error";
  if (error !== null && typeof error === "object") {
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name.length > 0) return name;
  }
  return "_OTHER";
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return String(error);
  } catch {
    return "unknown error";
  }
}
