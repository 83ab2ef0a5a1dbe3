import type { TracerProvider } from "@opentelemetry/api";
import type { RequestOptions } from "../llm/request.js";
import type { Pricer } from "../shared/llm-call.js";
import type { OptionFailure } from "../shared/option-error.js";
import type { TelemetrySink } from "../shared/sink.js";
import { WORKFLOW_STAGES, type RedactHook, type WorkflowStage } from "../shared/workflow.js";

/** The tracer's options, checked and with defaults, and the parts built from them (prices, metric sinks). */
export interface ResolvedTracerOptions extends RequestOptions {
  tracerProvider: TracerProvider | undefined;
  /** Every metrics backend fed by the tracer (prom-client, OpenTelemetry), or undefined for none. */
  sink: TelemetrySink | undefined;
  /** Prices LLM calls. */
  pricer: Pricer;
  stages: ReadonlyMap<string, WorkflowStage>;
  inferStages: boolean;
  /** 0 when content capture is off. */
  contentLimit: number;
  redact: RedactHook | undefined;
  maxSqlLength: number;
  runTtlMs: number;
  maxActiveRuns: number;
  workflowName: string | undefined;
  metadataKeys: ReadonlySet<string> | undefined;
}

/** The options the tracer itself reads (the composition in src/workflow-tracer.ts checks the others). */
export interface RunTracerOptions {
  tracerProvider?: unknown;
  stages?: unknown;
  inferStages?: unknown;
  captureContent?: unknown;
  redact?: unknown;
  maxSqlLength?: unknown;
  runTtlMs?: unknown;
  maxActiveRuns?: unknown;
  workflowName?: unknown;
  metadataKeys?: unknown;
  deployments?: unknown;
  localEndpoints?: unknown;
}

export const RUN_TRACER_OPTIONS: readonly string[] = [
  "tracerProvider",
  "stages",
  "inferStages",
  "captureContent",
  "redact",
  "maxSqlLength",
  "runTtlMs",
  "maxActiveRuns",
  "workflowName",
  "metadataKeys",
  "deployments",
  "localEndpoints",
];

const DEFAULTS = {
  inferStages: true,
  captureContent: false,
  maxSqlLength: 4000,
  /** A streaming server wants abandoned runs out of `active_queries` within minutes, not at the next deploy. */
  runTtlMs: 5 * 60 * 1000,
  maxActiveRuns: 100_000,
  /** Content capture with `true`: long enough for real prompts, short enough to keep spans exportable. */
  contentLimit: 16_384,
} as const;

function positiveInteger(fail: OptionFailure, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) fail(option, value, "a positive integer");
  return value;
}

function stringList(fail: OptionFailure, option: string, value: unknown, expected: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.length > 0)) fail(option, value, expected);
  return value as string[];
}

/** Check the tracer's own options once, at construction (`fail` throws the option error), with the parts given. */
export function resolveRunTracerOptions(options: RunTracerOptions, parts: { sink: TelemetrySink | undefined; pricer: Pricer }, fail: OptionFailure): ResolvedTracerOptions {
  const provider = options.tracerProvider as TracerProvider | undefined;
  if (provider !== undefined && (typeof provider !== "object" || provider === null || typeof provider.getTracer !== "function")) {
    fail("tracerProvider", provider, "an OpenTelemetry TracerProvider (an object with getTracer())");
  }

  const stages = new Map<string, WorkflowStage>();
  if (options.stages !== undefined) {
    if (typeof options.stages !== "object" || options.stages === null || Array.isArray(options.stages)) {
      fail("stages", options.stages, "an object mapping node names to stages");
    }
    for (const [node, stage] of Object.entries(options.stages)) {
      if (!WORKFLOW_STAGES.includes(stage as WorkflowStage)) fail(`stages.${node}`, stage, `one of ${WORKFLOW_STAGES.join(", ")}`);
      stages.set(node, stage as WorkflowStage);
    }
  }

  const inferStages = options.inferStages ?? DEFAULTS.inferStages;
  if (typeof inferStages !== "boolean") fail("inferStages", inferStages, "true or false");

  const capture = options.captureContent ?? DEFAULTS.captureContent;
  let contentLimit: number;
  if (capture === false) contentLimit = 0;
  else if (capture === true) contentLimit = DEFAULTS.contentLimit;
  else if (typeof capture === "number" && Number.isInteger(capture) && capture > 0) contentLimit = capture;
  else fail("captureContent", capture, "false, true, or a positive integer (characters to keep)");

  if (options.redact !== undefined && typeof options.redact !== "function") fail("redact", options.redact, "a function (text, info) => string");

  const workflowName = options.workflowName;
  if (workflowName !== undefined && (typeof workflowName !== "string" || workflowName.length === 0)) {
    fail("workflowName", workflowName, "a non-empty string");
  }

  const keys = stringList(fail, "metadataKeys", options.metadataKeys, "an array of strings");

  const deployments = new Map<string, string>();
  if (options.deployments !== undefined) {
    const d = options.deployments;
    if (typeof d !== "object" || d === null || Array.isArray(d) || !Object.values(d).every((v) => typeof v === "string" && v.length > 0)) {
      fail("deployments", d, 'an object mapping deployment names to model names, e.g. { "prod-chat": "gpt-4o" }');
    }
    for (const [name, model] of Object.entries(d as Record<string, string>)) deployments.set(name, model);
  }

  const localHosts = new Set<string>();
  for (const host of stringList(fail, "localEndpoints", options.localEndpoints, 'an array of hosts ("gpu-box.internal" or "gpu-box.internal:8000")') ?? []) localHosts.add(host.toLowerCase());

  return {
    tracerProvider: provider,
    sink: parts.sink,
    pricer: parts.pricer,
    stages,
    inferStages: inferStages as boolean,
    contentLimit,
    redact: options.redact as RedactHook | undefined,
    maxSqlLength: positiveInteger(fail, "maxSqlLength", options.maxSqlLength, DEFAULTS.maxSqlLength),
    runTtlMs: positiveInteger(fail, "runTtlMs", options.runTtlMs, DEFAULTS.runTtlMs),
    maxActiveRuns: positiveInteger(fail, "maxActiveRuns", options.maxActiveRuns, DEFAULTS.maxActiveRuns),
    workflowName: workflowName as string | undefined,
    metadataKeys: keys === undefined ? undefined : new Set(keys),
    deployments,
    localHosts,
  };
}
