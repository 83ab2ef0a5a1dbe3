import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { GenAI, Langfuse } from "../attributes.js";

/** Our attributes that Langfuse should show as metadata keys of their own (not inside one JSON blob). */
const METADATA_PREFIXES = ["workflow.", "langgraph_"] as const;

/** Attributes that repeat what Langfuse already reads from another key on the same span. */
const REPEATS: ReadonlyArray<readonly [string, string]> = [
  [GenAI.INPUT_MESSAGES, Langfuse.OBSERVATION_INPUT],
  [GenAI.OUTPUT_MESSAGES, Langfuse.OBSERVATION_OUTPUT],
  [GenAI.TOOL_CALL_ARGUMENTS, Langfuse.OBSERVATION_INPUT],
  [GenAI.TOOL_CALL_RESULT, Langfuse.OBSERVATION_OUTPUT],
  [Langfuse.TRACE_INPUT, Langfuse.OBSERVATION_INPUT],
  [Langfuse.TRACE_OUTPUT, Langfuse.OBSERVATION_OUTPUT],
];

/**
 * A span as Langfuse's server should read it (its OTLP ingestion, checked against langfuse/langfuse's
 * OtelIngestionProcessor): the same span with
 * - `workflow.*` and `langgraph_*` attributes as `langfuse.observation.metadata.<key>`, so stage, intent,
 *   validation, SQL, row count and scores are metadata keys one can filter on (values keep their type);
 * - content once: Langfuse reads `langfuse.observation.input`/`output` first, so the semconv copies of the
 *   same content (`gen_ai.input.messages`, tool call arguments, and the root's `langfuse.trace.input`, which
 *   Langfuse takes from the root observation when absent) are not sent again;
 * - `langfuse.internal.as_root` where Langfuse's span processor marked an app root (a workflow under an HTTP
 *   span it does not export): the events path reads `is_app_root`, the legacy path only `as_root`.
 * The span itself is not changed (other exporters see it as it is); an unchanged span is passed through.
 * A span it cannot read is sent as it is.
 */
export function langfuseView(span: ReadableSpan): ReadableSpan {
  try {
    return view(span);
  } catch {
    return span;
  }
}

function view(span: ReadableSpan): ReadableSpan {
  const source = span.attributes;
  let attributes: Attributes | undefined;
  for (const key in source) {
    const repeats = repeatedBy(key);
    const metadata = repeats === undefined && METADATA_PREFIXES.some((p) => key.startsWith(p));
    if ((repeats !== undefined && source[repeats] !== undefined) || metadata) {
      attributes ??= copyUntil(source, key);
      if (metadata) attributes[Langfuse.OBSERVATION_METADATA_PREFIX + key] = source[key];
    } else if (attributes !== undefined) {
      attributes[key] = source[key];
    }
  }
  if (source[Langfuse.INTERNAL_IS_APP_ROOT] === true) {
    attributes ??= { ...source };
    attributes[Langfuse.INTERNAL_AS_ROOT] = true;
  }
  if (attributes === undefined) return span;
  // The SDK's span reads its own fields through `this` (spanContext(), duration): a child object keeps them.
  return Object.create(span, { attributes: { value: attributes, enumerable: true } }) as ReadableSpan;
}

function repeatedBy(key: string): string | undefined {
  for (const [repeat, by] of REPEATS) if (key === repeat) return by;
  return undefined;
}

/** The attributes before `stop`, in order (the ones from `stop` on are decided by the caller). */
function copyUntil(source: Attributes, stop: string): Attributes {
  const out: Attributes = {};
  for (const key in source) {
    if (key === stop) break;
    out[key] = source[key];
  }
  return out;
}
