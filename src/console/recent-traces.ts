import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GenAI, GenAIOperation, Langfuse, Workflow } from "../attributes.js";
import { redactSecrets } from "../tracer/secrets.js";

export interface RecentTracesOptions {
  /** Traces kept; the oldest are evicted first. @default 500 */
  maxTraces?: number;
  /** Approximate memory budget of everything kept, in bytes (UTF-16 strings counted at 2 bytes a character). @default 33554432 (32 MiB) */
  maxBytes?: number;
  /** Longest attribute string kept, in characters; longer ones are cut and marked. @default 8192 */
  maxValueLength?: number;
  /** Keep only traces with a workflow run (not, say, a health probe's HTTP span). @default true */
  workflowsOnly?: boolean;
}

/** One span as the console shows it. */
export interface SpanRecord {
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  /** Epoch milliseconds. */
  startTime: number;
  durationMs: number;
  status: { code: number; message?: string };
  attributes: Record<string, string | number | boolean | Array<string | number | boolean | null | undefined>>;
}

/** A trace's line in the runs list, from its workflow span. */
export interface TraceSummary {
  traceId: string;
  name: string;
  /** The run's input (its `question`, `input` or `query` field, when content capture is on). */
  question: string | undefined;
  startTime: number;
  durationMs: number;
  /** True once the root span has ended. */
  complete: boolean;
  /** True when the trace has a workflow span (WorkflowTracer's root). */
  workflow: boolean;
  outcome: string | undefined;
  intent: string | undefined;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Correction attempts: the run's `workflow.corrections`, or the highest `workflow.correction.attempt` reported so far. */
  corrections: number;
  spanCount: number;
}

interface TraceEntry {
  summary: TraceSummary;
  spans: SpanRecord[];
  bytes: number;
}

const TRUNCATED = "…[truncated]";
const SPAN_OVERHEAD_BYTES = 200;
const MAX_PENDING = 50_000;

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new TypeError(`RecentTraces: invalid option ${option}: ${JSON.stringify(value)}. Expected a positive integer.`);
  return value;
}

/** The question of a captured workflow input: a `question`/`input`/`query` field, else the text itself. */
function questionOf(input: string): string {
  try {
    const parsed = JSON.parse(input) as unknown;
    if (parsed !== null && typeof parsed === "object") {
      for (const key of ["question", "input", "query"]) {
        const value = (parsed as Record<string, unknown>)[key];
        if (typeof value === "string") return value.slice(0, 500);
      }
    }
  } catch {
    // not JSON: the text is the input
  }
  return input.slice(0, 500);
}

const hrToMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/**
 * A span processor that keeps the last `maxTraces` traces in memory, within `maxBytes`, for the telemetry
 * console. `onEnd` only pushes the span onto a pending list; copying, truncating and evicting happen in one
 * batch per event-loop turn (setImmediate), off the workflow's path.
 */
export class RecentTraces implements SpanProcessor {
  readonly maxTraces: number;
  readonly maxBytes: number;
  readonly maxValueLength: number;
  readonly workflowsOnly: boolean;
  private readonly traces = new Map<string, TraceEntry>();
  private pending: ReadableSpan[] = [];
  private scheduled = false;
  private bytes = 0;
  /** Traces evicted to stay within the bounds, and spans dropped because the pending list was full. */
  evicted = 0;
  dropped = 0;

  constructor(options: RecentTracesOptions = {}) {
    if (options === null || typeof options !== "object") throw new TypeError(`RecentTraces: invalid options: ${JSON.stringify(options)}. Expected an options object.`);
    for (const key of Object.keys(options)) if (!["maxTraces", "maxBytes", "maxValueLength", "workflowsOnly"].includes(key)) throw new TypeError(`RecentTraces: invalid option ${key}. Expected one of maxTraces, maxBytes, maxValueLength, workflowsOnly.`);
    this.maxTraces = positiveInt("maxTraces", options.maxTraces, 500);
    this.maxBytes = positiveInt("maxBytes", options.maxBytes, 32 * 1024 * 1024);
    this.maxValueLength = positiveInt("maxValueLength", options.maxValueLength, 8192);
    if (options.workflowsOnly !== undefined && typeof options.workflowsOnly !== "boolean") throw new TypeError(`RecentTraces: invalid option workflowsOnly: ${JSON.stringify(options.workflowsOnly)}. Expected true or false.`);
    this.workflowsOnly = options.workflowsOnly ?? true;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push(span);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  async forceFlush(): Promise<void> {
    this.drain();
  }

  async shutdown(): Promise<void> {
    this.drain();
  }

  /** Summaries, newest first; `outcome` filters (e.g. "failed"). */
  list(filter: { outcome?: string; limit?: number } = {}): TraceSummary[] {
    this.drain();
    const out: TraceSummary[] = [];
    const entries = [...this.traces.values()];
    for (let i = entries.length - 1; i >= 0 && out.length < (filter.limit ?? Infinity); i--) {
      const s = entries[i]!.summary;
      if (filter.outcome === undefined || s.outcome === filter.outcome) out.push(s);
    }
    return out;
  }

  /** One trace's summary and spans (ordered by start time), or undefined when not (or no longer) kept. */
  get(traceId: string): { summary: TraceSummary; spans: SpanRecord[] } | undefined {
    this.drain();
    const entry = this.traces.get(traceId);
    if (entry === undefined) return undefined;
    return { summary: entry.summary, spans: [...entry.spans].sort((a, b) => a.startTime - b.startTime) };
  }

  stats(): { traces: number; bytes: number; evicted: number; dropped: number } {
    this.drain();
    return { traces: this.traces.size, bytes: this.bytes, evicted: this.evicted, dropped: this.dropped };
  }

  private drain(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const span of batch) {
      try {
        this.add(span);
      } catch {
        this.dropped++;
      }
    }
    this.evict();
  }

  private add(span: ReadableSpan): void {
    const { traceId, spanId } = span.spanContext();
    let entry = this.traces.get(traceId);
    if (entry === undefined) {
      entry = {
        summary: { traceId, name: span.name, question: undefined, startTime: hrToMs(span.startTime), durationMs: 0, complete: false, workflow: false, outcome: undefined, intent: undefined, inputTokens: 0, outputTokens: 0, costUsd: 0, corrections: 0, spanCount: 0 },
        spans: [],
        bytes: 0,
      };
      this.traces.set(traceId, entry);
    } else {
      // Most recently active last, so eviction takes the traces idle longest, not a long run still going.
      this.traces.delete(traceId);
      this.traces.set(traceId, entry);
    }
    let bytes = SPAN_OVERHEAD_BYTES + span.name.length * 2;
    const attributes: SpanRecord["attributes"] = {};
    for (const key in span.attributes) {
      let value = span.attributes[key];
      if (value === undefined) continue;
      if (typeof value === "string") {
        if (value.length > this.maxValueLength) value = value.slice(0, this.maxValueLength) + TRUNCATED;
        bytes += value.length * 2;
      } else if (Array.isArray(value)) {
        bytes += 16 * value.length;
      } else bytes += 16;
      bytes += key.length * 2;
      attributes[key] = value as SpanRecord["attributes"][string];
    }
    const record: SpanRecord = {
      spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      name: span.name,
      kind: span.kind,
      startTime: hrToMs(span.startTime),
      durationMs: hrToMs(span.duration),
      // A third-party span's error message may echo a credential: the console shows it without key-shaped strings.
      status: span.status.message ? { code: span.status.code, message: redactSecrets(span.status.message.slice(0, this.maxValueLength)) } : { code: span.status.code },
      attributes,
    };
    entry.spans.push(record);
    entry.bytes += bytes;
    this.bytes += bytes;
    const root = this.summarise(entry.summary, record, span);
    // A trace that ended without a workflow run (a probe, a console request) is not a run: let it go.
    if (root && this.workflowsOnly && !entry.summary.workflow) {
      this.traces.delete(traceId);
      this.bytes -= entry.bytes;
    }
  }

  /** Updates the summary with one span; true when it was the trace's root. */
  private summarise(summary: TraceSummary, record: SpanRecord, span: ReadableSpan): boolean {
    summary.spanCount++;
    const a = record.attributes;
    if (a[GenAI.USAGE_INPUT_TOKENS] !== undefined) summary.inputTokens += Number(a[GenAI.USAGE_INPUT_TOKENS]) || 0;
    if (a[GenAI.USAGE_OUTPUT_TOKENS] !== undefined) summary.outputTokens += Number(a[GenAI.USAGE_OUTPUT_TOKENS]) || 0;
    // Both carry the highest attempt: the reporting node's while the run goes on, the root's once it ended.
    for (const key of [Workflow.CORRECTION_ATTEMPT, Workflow.CORRECTIONS]) {
      const attempts = a[key];
      if (typeof attempts === "number" && Number.isFinite(attempts) && attempts > summary.corrections) summary.corrections = attempts;
    }
    const isWorkflow = a[GenAI.OPERATION_NAME] === GenAIOperation.INVOKE_WORKFLOW && !summary.workflow;
    const isRoot = span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;
    // The first workflow span describes the run; a root span only when there is none (yet).
    if (isWorkflow || (isRoot && !summary.workflow)) {
      summary.name = String(a[Workflow.NAME] ?? record.name);
      summary.startTime = record.startTime;
      summary.durationMs = record.durationMs;
      if (typeof a[Workflow.OUTCOME] === "string") summary.outcome = a[Workflow.OUTCOME] as string;
      if (typeof a[Workflow.INTENT] === "string") summary.intent = a[Workflow.INTENT] as string;
      if (typeof a[Workflow.COST_USD] === "number") summary.costUsd = a[Workflow.COST_USD] as number;
      const input = a[Langfuse.TRACE_INPUT] ?? a[Langfuse.OBSERVATION_INPUT];
      if (typeof input === "string") summary.question = questionOf(input);
    }
    if (isWorkflow) summary.workflow = true;
    if (isRoot) summary.complete = true;
    return isRoot;
  }

  private evict(): void {
    for (const [traceId, entry] of this.traces) {
      if (this.traces.size <= this.maxTraces && this.bytes <= this.maxBytes) break;
      // The newest trace stays even alone over the byte budget: its values are already cut to maxValueLength.
      if (this.traces.size === 1) break;
      this.traces.delete(traceId);
      this.bytes -= entry.bytes;
      this.evicted++;
    }
  }
}
