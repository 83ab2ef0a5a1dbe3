import type { HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** Exact order of two HrTimes ([seconds, nanoseconds] integer pairs): negative, 0 or positive. No slack. */
export function compareHrTime(a: HrTime, b: HrTime): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

const show = (t: HrTime) => `[${t[0]}, ${t[1]}]`;

/**
 * Spec item 1: every span starts no later than it ends, and every span whose parent is among `spans` (same
 * trace) starts at or after its parent's start and ends at or before its parent's end, compared exactly.
 * Returns how many parent/child pairs were checked, so callers can assert the check was not vacuous.
 */
export function assertExactNesting(spans: readonly ReadableSpan[]): number {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const problems: string[] = [];
  let pairs = 0;
  for (const span of spans) {
    for (const t of [span.startTime, span.endTime]) {
      if (!Number.isInteger(t[0]) || !Number.isInteger(t[1])) problems.push(`${span.name}: time ${show(t)} is not an integer pair`);
    }
    if (compareHrTime(span.startTime, span.endTime) > 0) problems.push(`${span.name}: starts ${show(span.startTime)} after it ends ${show(span.endTime)}`);
    const parentId = span.parentSpanContext?.spanId;
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent === undefined || parent.spanContext().traceId !== span.spanContext().traceId) continue;
    pairs++;
    if (compareHrTime(span.startTime, parent.startTime) < 0) {
      problems.push(`${span.name} starts ${show(span.startTime)} before its parent ${parent.name} ${show(parent.startTime)}`);
    }
    if (compareHrTime(span.endTime, parent.endTime) > 0) {
      problems.push(`${span.name} ends ${show(span.endTime)} after its parent ${parent.name} ${show(parent.endTime)}`);
    }
  }
  if (problems.length > 0) throw new Error(`spans not nested exactly in their parents:\n  ${problems.join("\n  ")}`);
  return pairs;
}

/** A LangGraph node span: it carries its own node name as `langgraph_node` and a numeric `langgraph_step`. */
export function isNodeSpan(span: ReadableSpan): boolean {
  return span.attributes["langgraph_node"] === span.name && typeof span.attributes["langgraph_step"] === "number";
}

/**
 * Spec item 1: node spans under the same parent with different `langgraph_step` ran one after another, so the
 * earlier step ends at or before the later one starts (exact). Nodes of one step (Send fan-out, parallel
 * branches) may overlap. Returns how many ordered pairs were checked.
 */
export function assertNodesDoNotOverlap(spans: readonly ReadableSpan[]): number {
  const byParent = new Map<string, ReadableSpan[]>();
  for (const span of spans.filter(isNodeSpan)) {
    const key = `${span.spanContext().traceId}/${span.parentSpanContext?.spanId ?? "-"}`;
    byParent.set(key, [...(byParent.get(key) ?? []), span]);
  }
  const problems: string[] = [];
  let pairs = 0;
  for (const siblings of byParent.values()) {
    for (const earlier of siblings) {
      for (const later of siblings) {
        if ((earlier.attributes["langgraph_step"] as number) >= (later.attributes["langgraph_step"] as number)) continue;
        pairs++;
        if (compareHrTime(earlier.endTime, later.startTime) > 0) {
          problems.push(
            `${earlier.name} (step ${earlier.attributes["langgraph_step"]}) ends ${show(earlier.endTime)} after ${later.name} (step ${later.attributes["langgraph_step"]}) starts ${show(later.startTime)}`,
          );
        }
      }
    }
  }
  if (problems.length > 0) throw new Error(`sequential LangGraph nodes overlap:\n  ${problems.join("\n  ")}`);
  return pairs;
}
