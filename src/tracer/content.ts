/**
 * Turning user values into span attribute strings, safely: bounded depth, breadth and length, cycles
 * cut, secrets never copied. Nothing here throws; a value that cannot be read becomes a placeholder.
 */
import { isPlainObject } from "../shared/read.js";
import { cut, truncate } from "../shared/text.js";

import { CREDENTIAL_KEY_SOURCE, isCredentialKey } from "../shared/credentials.js";

const MAX_DEPTH = 6;
const MAX_KEYS = 64;
const MAX_ITEMS = 64;
export const SECRET_PLACEHOLDER = "[secret]";

/** True for keys that name credentials (`api_key`, `apiKey`, `password`, `auth_token`, …): the one list in shared/credentials.ts. */
export const isSecretKey = isCredentialKey;
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

/**
 * What one rendering may still spend: values visited (shared references are expanded each time they are
 * met, so depth alone does not bound a DAG) and characters of strings copied (the result is cut to the
 * limit anyway).
 */
interface Budget {
  nodes: number;
  chars: number;
}

const MAX_NODES = 2000;

/**
 * `seen` holds every object rendered so far in this rendering: an object met again (a cycle, or a shared
 * reference) is rendered once. Enumerating an object's keys costs all of its keys whatever loop reads
 * them, so no object is enumerated twice.
 */
function prune(value: unknown, depth: number, seen: Set<object>, maxString: number, budget: Budget): unknown {
  if (--budget.nodes < 0 || budget.chars <= 0) return "[…]";
  switch (typeof value) {
    case "string": {
      const text = cut(value, maxString);
      budget.chars -= text.length;
      return text;
    }
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
    // Binary data and collections: a description, not their (possibly millions of) elements.
    if (ArrayBuffer.isView(obj)) return `[${obj.constructor?.name ?? "binary"} ${obj.byteLength} bytes]`;
    if (obj instanceof ArrayBuffer) return `[ArrayBuffer ${obj.byteLength} bytes]`;
    if (obj instanceof Map) return `[Map ${obj.size}]`;
    if (obj instanceof Set) return `[Set ${obj.size}]`;
    // A boxed string lists every character as a key.
    if (obj instanceof String || obj instanceof Number || obj instanceof Boolean) return prune(obj.valueOf(), depth + 1, seen, maxString, budget);
    if (isLangChainSecret(obj)) return SECRET_PLACEHOLDER;
    if (obj instanceof Date) return obj.toISOString();
    if (obj instanceof Error) return { name: prune(obj.name, depth + 1, seen, maxString, budget), message: prune(obj.message, depth + 1, seen, maxString, budget) };
    if (isMessageLike(obj)) {
      const out: Record<string, unknown> = { role: messageRole(obj), content: prune(obj.content, depth + 1, seen, maxString, budget) };
      const calls = obj.tool_calls;
      if (Array.isArray(calls) && calls.length > 0) out.tool_calls = prune(calls, depth + 1, seen, maxString, budget);
      return out;
    }
    if (Array.isArray(obj)) {
      const n = Math.min(obj.length, MAX_ITEMS);
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = prune(obj[i], depth + 1, seen, maxString, budget);
      if (obj.length > MAX_ITEMS) out.push(`[+${obj.length - MAX_ITEMS} more]`);
      return out;
    }
    // A serialised LangChain object: keep only its constructor arguments.
    const source = obj.lc === 1 && obj.type === "constructor" && isPlainObject(obj.kwargs) ? obj.kwargs : obj;
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key in source) {
      if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
      if (count++ >= MAX_KEYS || budget.nodes <= 0) {
        out["…"] = "[more keys]";
        break;
      }
      out[key] = isSecretKey(key) ? REDACTED : prune(source[key], depth + 1, seen, maxString, budget);
    }
    return out;
  } catch {
    return "[unreadable]";
  }
}

/** Longest JSON text parsed to redact its keys (tool arguments arrive as JSON strings). */
const MAX_JSON_PARSE = 1_000_000;
/** `"api_key": "…"` in JSON text that could not be parsed (too long, or cut): the value is masked. */
const SECRET_JSON_FIELD = new RegExp(`("(?:${CREDENTIAL_KEY_SOURCE})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"?`, "gi");

/**
 * A JSON (or plain, for strings) rendering of `value`, at most `maxLength` characters. Never throws, and
 * costs time bounded by `maxLength` and the node budget, whatever `value` is.
 */
export function safeStringify(value: unknown, maxLength: number): string {
  try {
    if (typeof value === "string") return truncate(value, maxLength);
    const json = JSON.stringify(prune(value, 0, new Set(), maxLength, { nodes: MAX_NODES, chars: maxLength + 1 }));
    return json === undefined ? "" : truncate(json, maxLength);
  } catch {
    return "[unserializable]";
  }
}

/**
 * Like `safeStringify`, for a value that may be JSON text (LangChain hands tool arguments over as a JSON
 * string): an object or array in it is parsed so that credential keys are redacted as they are in objects.
 */
export function safeStringifyJsonText(value: unknown, maxLength: number): string {
  if (typeof value !== "string") return safeStringify(value, maxLength);
  const first = value.charCodeAt(0);
  if (first !== 123 /* { */ && first !== 91 /* [ */) return truncate(value, maxLength);
  if (value.length <= MAX_JSON_PARSE) {
    try {
      return safeStringify(JSON.parse(value), maxLength);
    } catch {
      // Not JSON after all: masked below.
    }
  }
  return truncate(value, maxLength).replace(SECRET_JSON_FIELD, `$1"${REDACTED}"`);
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

/** Most tool calls of one message put in its parts. */
const MAX_TOOL_CALLS = 64;

/**
 * Messages in the GenAI semantic-conventions shape: `[{ role, parts }]`, where parts are `text`, `tool_call`
 * (`id`, `name`, `arguments`) and, for tool messages, `tool_call_response` (`id`, `response`). With
 * `finishReason`, they are output messages and carry it.
 */
export function toSemconvMessages(messages: readonly unknown[], maxString: number, finishReason?: string): unknown[] {
  const out: unknown[] = [];
  for (const m of messages) {
    if (!isMessageLike(m)) continue;
    const role = messageRole(m);
    const text = truncate(contentText(m.content), maxString);
    const parts: unknown[] = [];
    if (role === "tool") {
      parts.push({ type: "tool_call_response", id: (m as { tool_call_id?: unknown }).tool_call_id, response: text });
    } else {
      const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
      if (text.length > 0 || calls.length === 0) parts.push({ type: "text", content: text });
      for (let i = 0; i < calls.length && i < MAX_TOOL_CALLS; i++) {
        const call = calls[i] as { id?: unknown; name?: unknown; args?: unknown } | null;
        if (call !== null && typeof call === "object") parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.args });
      }
    }
    out.push(finishReason === undefined ? { role, parts } : { role, parts, finish_reason: finishReason });
  }
  return out;
}
