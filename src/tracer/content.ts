/**
 * Turning user values into span attribute strings, safely: bounded depth, breadth and length, cycles
 * cut, secrets never copied. Nothing here throws; a value that cannot be read becomes a placeholder.
 */

const MAX_DEPTH = 6;
const MAX_KEYS = 64;
const MAX_ITEMS = 64;
const SECRET_KEY = /api[-_]?key|secret|password|passwd|authorization|access[-_]?token|refresh[-_]?token|credential|private[-_]?key/i;

export const SECRET_PLACEHOLDER = "[secret]";

/** True for keys that name credentials (`api_key`, `apiKey`, `password`, `authorization`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}
const REDACTED = "[redacted]";

/** LangChain serialises secrets as `{ lc: 1, type: "secret", id: [...] }`. */
function isLangChainSecret(value: Record<string, unknown>): boolean {
  return value.lc === 1 && value.type === "secret";
}

/** A LangChain message, detected by shape (two copies of @langchain/core make `instanceof` unreliable). */
export interface MessageLike {
  content: unknown;
  getType?: () => string;
  _getType?: () => string;
  role?: string;
  tool_calls?: unknown;
  name?: string;
}

export function isMessageLike(value: unknown): value is MessageLike {
  if (value === null || typeof value !== "object") return false;
  const v = value as MessageLike;
  return "content" in v && (typeof v.getType === "function" || typeof v._getType === "function");
}

/** Chat role of a message in OpenAI / GenAI-semconv vocabulary. */
export function messageRole(message: MessageLike): string {
  let type: string | undefined;
  try {
    type = typeof message.getType === "function" ? message.getType() : message._getType?.();
  } catch {
    type = undefined;
  }
  switch (type) {
    case "human":
      return "user";
    case "ai":
      return "assistant";
    case "system":
      return "system";
    case "tool":
    case "function":
      return "tool";
    case "developer":
      return "developer";
    default:
      return typeof message.role === "string" ? message.role : "user";
  }
}

function prune(value: unknown, depth: number, seen: Set<object>, maxString: number): unknown {
  switch (typeof value) {
    case "string":
      return value.length > maxString ? value.slice(0, maxString) : value;
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const obj = value as Record<string, unknown>;
  if (seen.has(obj)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Object]";
  seen.add(obj);
  try {
    if (isLangChainSecret(obj)) return SECRET_PLACEHOLDER;
    if (obj instanceof Date) return obj.toISOString();
    if (obj instanceof Error) return { name: obj.name, message: obj.message };
    if (isMessageLike(obj)) {
      const out: Record<string, unknown> = { role: messageRole(obj), content: prune(obj.content, depth + 1, seen, maxString) };
      const calls = obj.tool_calls;
      if (Array.isArray(calls) && calls.length > 0) out.tool_calls = prune(calls, depth + 1, seen, maxString);
      return out;
    }
    if (Array.isArray(obj)) {
      const n = Math.min(obj.length, MAX_ITEMS);
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = prune(obj[i], depth + 1, seen, maxString);
      if (obj.length > MAX_ITEMS) out.push(`[+${obj.length - MAX_ITEMS} more]`);
      return out;
    }
    // A serialised LangChain object: keep only its constructor arguments.
    const source = obj.lc === 1 && obj.type === "constructor" && obj.kwargs && typeof obj.kwargs === "object"
      ? (obj.kwargs as Record<string, unknown>)
      : obj;
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key in source) {
      if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
      if (count++ >= MAX_KEYS) {
        out["…"] = "[more keys]";
        break;
      }
      out[key] = isSecretKey(key) ? REDACTED : prune(source[key], depth + 1, seen, maxString);
    }
    return out;
  } catch {
    return "[unreadable]";
  } finally {
    seen.delete(obj);
  }
}

/**
 * A JSON (or plain, for strings) rendering of `value`, at most `maxLength` characters. Never throws.
 */
export function safeStringify(value: unknown, maxLength: number): string {
  try {
    if (typeof value === "string") return truncate(value, maxLength);
    const json = JSON.stringify(prune(value, 0, new Set(), maxLength));
    return json === undefined ? "" : truncate(json, maxLength);
  } catch {
    return "[unserializable]";
  }
}

export function truncate(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, Math.max(0, maxLength - 1))}…` : text;
}

/** Plain text of a message's content (string, or the text parts of a content array). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    let text = "";
    for (const part of content) {
      if (typeof part === "string") text += part;
      else if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
        text += (part as { text: string }).text;
      }
    }
    return text;
  }
  return "";
}

/** Messages in the GenAI semantic-conventions shape: `[{ role, parts: [{ type: "text", content }] }]`. */
export function toSemconvMessages(messages: readonly unknown[], maxString: number): unknown[] {
  const out: unknown[] = [];
  for (const m of messages) {
    if (!isMessageLike(m)) continue;
    out.push({ role: messageRole(m), parts: [{ type: "text", content: truncate(contentText(m.content), maxString) }] });
  }
  return out;
}
