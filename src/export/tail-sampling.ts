import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GenAI, GenAIOperation, Workflow } from "../attributes.js";
import type { WorkflowMetrics } from "../metrics/workflow-metrics.js";
import { WORKFLOW_OUTCOMES, type WorkflowOutcome } from "../shared/workflow.js";

/** What a kept-or-dropped decision sees of a run: the facts on its workflow span when it ended. */
export interface SampledRun {
  traceId: string;
  /** The workflow's name (`gen_ai.workflow.name`). */
  name: string;
  outcome: WorkflowOutcome;
  /** Correction attempts reported by its nodes (0 when none ran). */
  corrections: number;
  durationMs: number;
  intent: string | undefined;
  /** The last validation result, if a node reported one. */
  valid: boolean | undefined;
  /** Token totals of the LLM spans of the trace (`gen_ai.usage.*`). */
  inputTokens: number;
  outputTokens: number;
  /** Estimated cost of the run in US dollars (`workflow.cost_usd`), 0 when unpriced. */
  costUsd: number;
  /** Every attribute of the workflow span. */
  attributes: Attributes;
}

/** Decides whether a run is kept whole; `true` keeps it. */
export type KeepRunsHook = (run: SampledRun) => boolean;

/** Which runs are always kept whole, whatever `sampleRate` says. */
export interface KeepRunsOptions {
  /**
   * Outcomes always kept. `abandoned` (its consumer went away, its caller aborted it, or it never ended) is not a
   * failure and is not kept by default; add it to keep those runs too.
   * @default ["failed", "error", "interrupted"]
   */
  outcomes?: readonly WorkflowOutcome[];
  /** Keep runs in which a correction ran (`workflow.corrections` > 0, or a span of stage `correction`). @default true */
  corrected?: boolean;
  /** Keep runs slower than this many milliseconds; `false` keeps none for being slow. @default 30000 */
  slowerThanMs?: number | false;
  /** Also keep the runs this returns true for. */
  when?: KeepRunsHook;
}

export interface TailSamplingOptions {
  /** Where kept spans go (an exporter's processor, Langfuse's, a score processor). */
  processors: SpanProcessor[];
  /** Share of ordinary traces kept, by trace id (the same id always gets the same answer). @default 1 */
  sampleRate?: number;
  /** Which runs are kept whatever the ratio: `true` (the defaults), options, your own function, or `false` (the ratio alone). @default true */
  keepRuns?: boolean | KeepRunsOptions | KeepRunsHook;
  /** Spans held, over all traces waiting for their root; past it the oldest waiting traces are dropped (counted). @default 50000 */
  maxWaitingSpans?: number;
  /** Estimated bytes held by waiting spans (attributes, status and events, exception stacks included); past it the oldest waiting traces are dropped (counted). @default 67108864 (64 MiB) */
  maxWaitingBytes?: number;
  /** A trace whose local root is still open after this long is decided then (dropped unless kept by ratio). @default 600000 */
  traceTtlMs?: number;
  /** Counts decisions in `telemetry_sampled_traces_total`. */
  metrics?: WorkflowMetrics;
}

export const DEFAULT_KEEP_OUTCOMES: readonly WorkflowOutcome[] = ["failed", "error", "interrupted"];
export const DEFAULT_SLOWER_THAN_MS = 30_000;

export interface ResolvedTailSampling {
  processors: SpanProcessor[];
  sampleRate: number;
  /** The verdict on one ended workflow span of a waiting trace (`spans`: the trace's spans so far). */
  keep: (workflow: ReadableSpan, spans: readonly ReadableSpan[], corrected: boolean) => boolean;
  maxWaitingSpans: number;
  maxWaitingBytes: number;
  traceTtlMs: number;
  metrics: WorkflowMetrics | undefined;
}

function show(value: unknown): string {
  if (typeof value === "function") return "[function]";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(option: string, value: unknown, expected: string, owner = "TailSamplingProcessor"): never {
  throw new TypeError(`${owner}: invalid option ${option}: ${show(value)}. Expected ${expected}.`);
}

const KNOWN = new Set(["processors", "sampleRate", "keepRuns", "maxWaitingSpans", "maxWaitingBytes", "traceTtlMs", "metrics"]);
const KNOWN_KEEP = new Set(["outcomes", "corrected", "slowerThanMs", "when"]);

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) fail(option, value, "a positive integer");
  return value;
}

export function resolveTailSampling(options: TailSamplingOptions): ResolvedTailSampling {
  if (options === null || typeof options !== "object") fail("options", options, "an options object with processors");
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(key, (options as unknown as Record<string, unknown>)[key], `one of ${[...KNOWN].join(", ")}`);
  const processors = options.processors;
  if (!Array.isArray(processors) || !processors.every((p) => p !== null && typeof p === "object" && typeof p.onEnd === "function")) {
    fail("processors", "[not span processors]", "an array of OpenTelemetry SpanProcessors (where kept spans go)");
  }
  const rate = options.sampleRate ?? 1;
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0 || rate > 1) fail("sampleRate", rate, "a number from 0 to 1");
  const metrics = options.metrics;
  if (metrics !== undefined && (metrics === null || typeof metrics !== "object" || typeof (metrics as { recordSampling?: unknown }).recordSampling !== "function")) {
    fail("metrics", "[not a WorkflowMetrics]", "a WorkflowMetrics instance");
  }
  return {
    processors,
    sampleRate: rate,
    keep: keepRule(options.keepRuns ?? true, "keepRuns"),
    maxWaitingSpans: positiveInt("maxWaitingSpans", options.maxWaitingSpans, 50_000),
    maxWaitingBytes: positiveInt("maxWaitingBytes", options.maxWaitingBytes, 64 * 1024 * 1024),
    traceTtlMs: positiveInt("traceTtlMs", options.traceTtlMs, 10 * 60 * 1000),
    metrics,
  };
}

/** The keep rule, built once: the default checks read three attributes; a hook sees a full summary. */
export function keepRule(keepRuns: unknown, option: string, owner?: string): ResolvedTailSampling["keep"] {
  if (typeof keepRuns === "function") {
    const hook = keepRuns as KeepRunsHook;
    return (workflow, spans) => hook(summarize(workflow, spans)) === true;
  }
  if (keepRuns === false) return () => false;
  if (keepRuns === true) keepRuns = {};
  if (keepRuns === null || typeof keepRuns !== "object" || Array.isArray(keepRuns)) fail(option, keepRuns, "true, false, an object { outcomes, corrected, slowerThanMs, when }, or a function (run) => boolean", owner);
  const o = keepRuns as KeepRunsOptions;
  for (const key of Object.keys(o)) if (!KNOWN_KEEP.has(key)) fail(`${option}.${key}`, (o as Record<string, unknown>)[key], `one of ${[...KNOWN_KEEP].join(", ")}`, owner);
  const outcomes = o.outcomes ?? DEFAULT_KEEP_OUTCOMES;
  if (!Array.isArray(outcomes) || !outcomes.every((v) => WORKFLOW_OUTCOMES.includes(v))) fail(`${option}.outcomes`, outcomes, `an array of outcomes (${WORKFLOW_OUTCOMES.join(", ")})`, owner);
  const corrected = o.corrected ?? true;
  if (typeof corrected !== "boolean") fail(`${option}.corrected`, corrected, "true or false", owner);
  const slower = o.slowerThanMs ?? DEFAULT_SLOWER_THAN_MS;
  if (slower !== false && (typeof slower !== "number" || !Number.isFinite(slower) || slower < 0)) fail(`${option}.slowerThanMs`, slower, "a number of milliseconds ≥ 0, or false", owner);
  const when = o.when;
  if (when !== undefined && typeof when !== "function") fail(`${option}.when`, when, "a function (run) => boolean", owner);
  const kept = new Set<unknown>(outcomes);
  const slowerNs = slower === false ? Infinity : slower * 1e6;
  return (workflow, spans, correctedSeen) => {
    const a = workflow.attributes;
    if (kept.has(a[Workflow.OUTCOME] ?? "error")) return true;
    if (corrected && (correctedSeen || ((a[Workflow.CORRECTIONS] as number | undefined) ?? 0) > 0)) return true;
    if (workflow.duration[0] * 1e9 + workflow.duration[1] > slowerNs) return true;
    return when !== undefined && when(summarize(workflow, spans)) === true;
  };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** A run's summary from its ended workflow span and the spans of its trace held so far. */
export function summarize(workflow: ReadableSpan, spans: readonly ReadableSpan[]): SampledRun {
  const a = workflow.attributes;
  let inputTokens = 0;
  let outputTokens = 0;
  for (const span of spans) {
    inputTokens += num(span.attributes[GenAI.USAGE_INPUT_TOKENS]);
    outputTokens += num(span.attributes[GenAI.USAGE_OUTPUT_TOKENS]);
  }
  const outcome = a[Workflow.OUTCOME];
  return {
    traceId: workflow.spanContext().traceId,
    name: String(a[GenAI.WORKFLOW_NAME] ?? workflow.name),
    outcome: WORKFLOW_OUTCOMES.includes(outcome as WorkflowOutcome) ? (outcome as WorkflowOutcome) : "error",
    corrections: num(a[Workflow.CORRECTIONS]),
    durationMs: workflow.duration[0] * 1e3 + workflow.duration[1] / 1e6,
    intent: typeof a[Workflow.INTENT] === "string" ? (a[Workflow.INTENT] as string) : undefined,
    valid: typeof a[Workflow.VALIDATION_VALID] === "boolean" ? (a[Workflow.VALIDATION_VALID] as boolean) : undefined,
    inputTokens,
    outputTokens,
    costUsd: num(a[Workflow.COST_USD]),
    attributes: a,
  };
}

/** True for the span of a whole workflow run (our tracer's root of an invocation). */
export const isWorkflowSpan = (span: ReadableSpan) => span.attributes[GenAI.OPERATION_NAME] === GenAIOperation.INVOKE_WORKFLOW;

/**
 * The ratio decision of a trace, from the last 8 hex digits of its (random) id: the same trace id always gets
 * the same answer, in this process and any other using the same rate.
 */
export function keptByRatio(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return parseInt(traceId.slice(-8), 16) < rate * 0x1_0000_0000;
}

/** Per-span overhead of an ended SDK span (ids, times, resource and scope references, arrays), measured roughly. */
const SPAN_BYTES = 600;
/** Per-event overhead: the event object, its time pair and its attributes object. */
const EVENT_BYTES = 120;
/** Per-link overhead: the link and its span context. */
const LINK_BYTES = 80;
/** One attribute's slot in a span's or event's attributes (key reference, value, property details). */
const ATTRIBUTE_BYTES = 32;
/** A heap string's header (map, hash, length; a cut string's slice adds as much again). */
const STRING_BYTES = 32;

/** A string's heap size, counted at one byte a character (text outside Latin-1 takes two: counted half). */
const stringBytes = (text: string) => STRING_BYTES + text.length;

function attributesBytes(attributes: Attributes | undefined): number {
  let bytes = 0;
  for (const key in attributes) {
    const value = attributes[key];
    bytes += ATTRIBUTE_BYTES;
    if (typeof value === "string") bytes += stringBytes(value);
    else if (Array.isArray(value)) for (const item of value) bytes += typeof item === "string" ? stringBytes(item) : 16;
    else bytes += 16;
  }
  return bytes;
}

/**
 * A cheap estimate of the memory a held span keeps alive: fixed overheads, its attributes and status message,
 * and its events' (an exception event carries up to 1,000 characters of message and 8,000 of stack).
 */
export function spanBytes(span: ReadableSpan): number {
  let bytes = SPAN_BYTES + span.links.length * LINK_BYTES + attributesBytes(span.attributes);
  const message = span.status.message;
  if (message !== undefined) bytes += stringBytes(message);
  for (const event of span.events) bytes += EVENT_BYTES + stringBytes(event.name) + attributesBytes(event.attributes);
  return bytes;
}
