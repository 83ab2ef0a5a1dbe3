/**
 * Results a node reports through `traceNode` (intent, validation, SQL, rows, outcome, scores): read from an
 * untrusted value into a checked copy, then written on the node's span. Bounded whatever the caller passes.
 */
import type { Span } from "@opentelemetry/api";
import { RESERVED_ATTRIBUTE_PREFIXES, RESERVED_ATTRIBUTES, Workflow } from "../attributes.js";
import { isPlainObject } from "../shared/read.js";
import { truncate } from "../shared/text.js";
import { WORKFLOW_OUTCOMES, type NodeResults } from "../shared/workflow.js";
import type { ResolvedTracerOptions } from "./options.js";

const MAX_LABEL_LENGTH = 200;
const MAX_ENTRIES = 64;
const MAX_ATTRIBUTE_LENGTH = 4096;

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function plainObject(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

/** Up to 64 own entries of a plain object whose values `keep` accepts (and whose keys `allowKey` does). */
function entries<T>(value: unknown, keep: (v: unknown) => T | undefined, allowKey?: (key: string) => boolean): Record<string, T> | undefined {
  const source = plainObject(value);
  if (source === undefined) return undefined;
  let out: Record<string, T> | undefined;
  let seen = 0;
  for (const key in source) {
    if (++seen > MAX_ENTRIES) break;
    if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
    if (allowKey !== undefined && !allowKey(key)) continue;
    const kept = keep(source[key]);
    if (kept !== undefined) (out ??= {})[truncate(key, MAX_LABEL_LENGTH)] = kept;
  }
  return out;
}

const RESERVED = new Set<string>(RESERVED_ATTRIBUTES);

/** True for an attribute name a node's own `attributes` may not set (ours, GenAI's, Langfuse's, `error.type`). */
export function isReservedAttribute(key: string): boolean {
  if (RESERVED.has(key)) return true;
  for (const prefix of RESERVED_ATTRIBUTE_PREFIXES) if (key.startsWith(prefix)) return true;
  return false;
}

function primitive(value: unknown): string | number | boolean | undefined {
  if (typeof value === "string") return truncate(value, MAX_ATTRIBUTE_LENGTH);
  if (typeof value === "boolean") return value;
  return finite(value);
}

/**
 * The valid part of what a node reported: strings cut to length, numbers finite, an outcome from
 * `WORKFLOW_OUTCOMES`, scores and attributes plain objects of at most 64 entries, attributes under reserved names
 * left out (each handed to `refused`). Undefined for a non-object.
 */
export function readResults(value: unknown, refused?: (key: string) => void): NodeResults | undefined {
  const r = plainObject(value) as NodeResults | undefined;
  if (r === undefined) return undefined;
  const out: NodeResults = {};
  if (typeof r.intent === "string") out.intent = truncate(r.intent, MAX_LABEL_LENGTH);
  const confidence = finite(r.confidence);
  if (confidence !== undefined) out.confidence = confidence;
  if (typeof r.valid === "boolean") out.valid = r.valid;
  if (typeof r.errorCategory === "string") out.errorCategory = truncate(r.errorCategory, MAX_LABEL_LENGTH);
  const attempt = finite(r.correctionAttempt);
  if (attempt !== undefined) out.correctionAttempt = attempt;
  if (typeof r.sql === "string") out.sql = r.sql;
  const rows = finite(r.rowCount);
  if (rows !== undefined) out.rowCount = rows;
  if (typeof r.outcome === "string" && WORKFLOW_OUTCOMES.includes(r.outcome)) out.outcome = r.outcome;
  const scores = entries(r.scores, finite);
  if (scores !== undefined) out.scores = scores;
  const attributes = entries(r.attributes, primitive, (key) => {
    if (!isReservedAttribute(key)) return true;
    refused?.(key);
    return false;
  });
  if (attributes !== undefined) out.attributes = attributes;
  return out;
}

/** Checked results → attributes of the node's span (SQL cut to `maxSqlLength`, then redacted). */
export function applyResults(span: Span, results: NodeResults, options: ResolvedTracerOptions, nodeName: string): void {
  if (results.intent !== undefined) span.setAttribute(Workflow.INTENT, results.intent);
  if (results.confidence !== undefined) span.setAttribute(Workflow.CONFIDENCE, results.confidence);
  if (results.valid !== undefined) span.setAttribute(Workflow.VALIDATION_VALID, results.valid);
  if (results.errorCategory !== undefined) span.setAttribute(Workflow.VALIDATION_ERROR_CATEGORY, results.errorCategory);
  if (results.correctionAttempt !== undefined) span.setAttribute(Workflow.CORRECTION_ATTEMPT, results.correctionAttempt);
  if (results.sql !== undefined) {
    let sql = truncate(results.sql, options.maxSqlLength);
    if (options.redact !== undefined) {
      try {
        sql = String(options.redact(sql, { field: "sql", runType: "node", name: nodeName }));
      } catch {
        sql = "[redaction failed]";
      }
    }
    span.setAttribute(Workflow.SQL, sql);
  }
  if (results.rowCount !== undefined) span.setAttribute(Workflow.ROW_COUNT, results.rowCount);
  if (results.outcome !== undefined) span.setAttribute(Workflow.OUTCOME, results.outcome);
  if (results.scores !== undefined) for (const name in results.scores) span.setAttribute(`${Workflow.SCORE_PREFIX}${name}`, results.scores[name] as number);
  if (results.attributes !== undefined) for (const key in results.attributes) span.setAttribute(key, results.attributes[key] as string | number | boolean);
}
