import { createNoopMeter, metrics as metricsApi, type Attributes, type Histogram, type Meter, type MeterProvider, type UpDownCounter } from "@opentelemetry/api";
import { GenAI, GenAIMetric, WorkflowMetric, Workflow, ERROR_TYPE } from "../attributes.js";
import type { LlmCall } from "../shared/llm-call.js";
import type { StepInfo, TelemetrySink, WorkflowEndInfo } from "../shared/sink.js";
import type { NodeResults } from "../shared/workflow.js";
import { VERSION } from "../version.js";
import { LabelGuard } from "./label-guard.js";

/** The GenAI convention's recommended boundaries of `gen_ai.client.token.usage`. */
export const TOKEN_USAGE_BUCKETS: readonly number[] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** The GenAI convention's recommended boundaries of `gen_ai.client.operation.duration` (seconds). */
export const OPERATION_DURATION_BUCKETS: readonly number[] = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** Runs and stages take longer than one call: the same doubling, on to ~5.5 minutes. */
const WORKFLOW_DURATION_BUCKETS: readonly number[] = [...OPERATION_DURATION_BUCKETS, 163.84, 327.68];
const CORRECTION_BUCKETS: readonly number[] = [0, 1, 2, 3, 5];

/** Distinct values kept per attribute (models, providers, intents, error types), as `WorkflowMetrics`' default. */
const MAX_ATTRIBUTE_VALUES = 100;
/** Attribute sets cached per key; past this they are built per call (the values themselves stay bounded). */
const MAX_CACHED = 1000;

/** Model attribute value when the call named none. */
const UNKNOWN_MODEL = "unknown";

/** The attribute sets of one (operation, provider, request model, response model), built on first use. */
interface CallAttributes {
  input: Attributes;
  output: Attributes;
  duration: Attributes;
}

/**
 * The tracer's metrics in the OpenTelemetry GenAI conventions, recorded through the OpenTelemetry metrics API
 * (the way OpenTelemetry instrumentations do): `gen_ai.client.token.usage` and `gen_ai.client.operation.duration`
 * per LLM call, plus workflow metrics in our `workflow.*` namespace for what the conventions do not define.
 *
 * Instruments are made once, at construction; with no MeterProvider there is no instance at all (see `of`
 * and `GlobalGenAiMetrics`). Attribute values are bounded like `WorkflowMetrics`' labels.
 */
export class GenAiMetrics implements TelemetrySink {
  private readonly tokenUsage: Histogram;
  private readonly operationDuration: Histogram;
  private readonly runDuration: Histogram;
  private readonly stageDuration: Histogram;
  private readonly corrections: Histogram;
  private readonly activeRuns: UpDownCounter;

  private readonly models = new LabelGuard(MAX_ATTRIBUTE_VALUES);
  private readonly providers = new LabelGuard(MAX_ATTRIBUTE_VALUES);
  private readonly intents = new LabelGuard(MAX_ATTRIBUTE_VALUES);
  private readonly errorTypes = new LabelGuard(MAX_ATTRIBUTE_VALUES);
  private readonly stages = new LabelGuard(MAX_ATTRIBUTE_VALUES);

  private readonly calls = new Map<string, CallAttributes>();
  private readonly runs = new Map<string, Attributes>();
  private readonly stageAttributes = new Map<string, Attributes>();
  private readonly correctionAttributes = { valid: { [Workflow.VALIDATION_VALID]: true }, invalid: { [Workflow.VALIDATION_VALID]: false } } as const;

  /**
   * The metrics of `provider`, or undefined when it is the API's no-op (no MeterProvider registered): then the
   * tracer feeds nothing at all, not even attribute lookups (a few µs a run, measured).
   */
  static of(provider: MeterProvider): GenAiMetrics | undefined {
    const meter = provider.getMeter("langgraph-telemetry", VERSION);
    return meter === createNoopMeter() ? undefined : new GenAiMetrics(meter);
  }

  constructor(meter: Meter) {
    this.tokenUsage = meter.createHistogram(GenAIMetric.CLIENT_TOKEN_USAGE, {
      description: "Number of input and output tokens used.",
      unit: "{token}",
      advice: { explicitBucketBoundaries: [...TOKEN_USAGE_BUCKETS] },
    });
    this.operationDuration = meter.createHistogram(GenAIMetric.CLIENT_OPERATION_DURATION, {
      description: "GenAI operation duration.",
      unit: "s",
      advice: { explicitBucketBoundaries: [...OPERATION_DURATION_BUCKETS] },
    });
    this.runDuration = meter.createHistogram(WorkflowMetric.RUN_DURATION, {
      description: "Duration of workflow runs, by outcome (success, failed, error, interrupted, abandoned, needs_clarification, cannot_answer) and intent; its count is the runs.",
      unit: "s",
      advice: { explicitBucketBoundaries: [...WORKFLOW_DURATION_BUCKETS] },
    });
    this.stageDuration = meter.createHistogram(WorkflowMetric.STAGE_DURATION, {
      description: "Duration of workflow stages (one entry of a stage's nodes).",
      unit: "s",
      advice: { explicitBucketBoundaries: [...WORKFLOW_DURATION_BUCKETS] },
    });
    this.corrections = meter.createHistogram(WorkflowMetric.CORRECTIONS, {
      description: "Correction attempts per validated run, by whether its last validation passed.",
      unit: "{correction}",
      advice: { explicitBucketBoundaries: [...CORRECTION_BUCKETS] },
    });
    this.activeRuns = meter.createUpDownCounter(WorkflowMetric.ACTIVE_RUNS, { description: "Workflow runs in flight.", unit: "{run}" });
  }

  workflowStarted(): void {
    this.activeRuns.add(1);
  }

  /** `countDown` false: the run's start was not counted (it began before this provider was registered). */
  workflowEnded(info: WorkflowEndInfo, countDown = true): void {
    if (countDown) this.activeRuns.add(-1);
    const intent = this.intents.value(info.intent, "unknown");
    const key = `${info.outcome}\u0000${intent}`;
    let attributes = this.runs.get(key);
    if (attributes === undefined) {
      attributes = { [Workflow.OUTCOME]: info.outcome, [Workflow.INTENT]: intent };
      if (this.runs.size < MAX_CACHED) this.runs.set(key, attributes);
    }
    if (Number.isFinite(info.durationSeconds)) this.runDuration.record(info.durationSeconds, attributes);
    if (info.valid !== undefined && Number.isFinite(info.corrections) && info.corrections >= 0) {
      this.corrections.record(info.corrections, info.valid ? this.correctionAttributes.valid : this.correctionAttributes.invalid);
    }
  }

  nodeEnded(info: StepInfo): void {
    const stage = this.stages.value(info.name, "other");
    let attributes = this.stageAttributes.get(stage);
    if (attributes === undefined) {
      attributes = { [Workflow.STAGE]: stage };
      if (this.stageAttributes.size < MAX_CACHED) this.stageAttributes.set(stage, attributes);
    }
    if (Number.isFinite(info.durationSeconds)) this.stageDuration.record(info.durationSeconds, attributes);
  }

  llmEnded(call: LlmCall): void {
    const attributes = this.callAttributes(call);
    if (Number.isFinite(call.durationSeconds)) {
      const duration = call.errorType === undefined ? attributes.duration : { ...attributes.duration, [ERROR_TYPE]: this.errorTypes.value(call.errorType, "_OTHER") };
      this.operationDuration.record(call.durationSeconds, duration);
    }
    const usage = call.usage;
    if (usage === undefined) return;
    // The convention's token types are input and output only: cache reads and writes are input, reasoning is
    // output (as providers bill them), so nothing is counted twice.
    this.tokenUsage.record(usage.inputTokens, attributes.input);
    this.tokenUsage.record(usage.outputTokens, attributes.output);
  }

  toolEnded(): void {}

  retrieverEnded(): void {}

  resultsReported(_results: NodeResults): void {}

  internalError(): void {}

  runReaped(): void {}

  private callAttributes(call: LlmCall): CallAttributes {
    const operation = call.operation;
    const provider = call.provider;
    const requestModel = call.requestModel ?? UNKNOWN_MODEL;
    const responseModel = call.responseModel;
    const key = `${operation}\u0000${provider}\u0000${requestModel}\u0000${responseModel ?? ""}`;
    let attributes = this.calls.get(key);
    if (attributes !== undefined) return attributes;
    const duration: Attributes = {
      [GenAI.OPERATION_NAME]: operation,
      [GenAI.PROVIDER_NAME]: this.providers.value(provider, "unknown"),
      [GenAI.REQUEST_MODEL]: this.models.value(requestModel, UNKNOWN_MODEL),
    };
    if (responseModel !== undefined) duration[GenAI.RESPONSE_MODEL] = this.models.value(responseModel, UNKNOWN_MODEL);
    attributes = { duration, input: { ...duration, [GenAI.TOKEN_TYPE]: "input" }, output: { ...duration, [GenAI.TOKEN_TYPE]: "output" } };
    if (this.calls.size < MAX_CACHED) this.calls.set(key, attributes);
    return attributes;
  }
}

/**
 * The GenAI metrics of the global MeterProvider, whenever one is registered: looked up when there is
 * something to record, so the order of `new WorkflowTracer()` and `setupTelemetry()` does not matter. Until a
 * provider is registered nothing is recorded, and runs that started then do not count down `active_runs`.
 */
export class GlobalGenAiMetrics implements TelemetrySink {
  private metrics: GenAiMetrics | undefined = undefined;
  /** Runs started before the provider was found: their ends must not count `active_runs` down. */
  private unseenStarts = 0;

  /** The global provider last seen giving the no-op meter (the API's own, until one is registered). */
  private noopProvider: MeterProvider | undefined = undefined;

  private current(): GenAiMetrics | undefined {
    if (this.metrics !== undefined) return this.metrics;
    const provider = metricsApi.getMeterProvider();
    // Until a provider is registered, each call only sees that the global one is still the same.
    if (provider === this.noopProvider) return undefined;
    const meter = provider.getMeter("langgraph-telemetry", VERSION);
    if (meter === createNoopMeter()) {
      this.noopProvider = provider;
      return undefined;
    }
    return (this.metrics = new GenAiMetrics(meter));
  }

  workflowStarted(): void {
    const metrics = this.current();
    if (metrics === undefined) this.unseenStarts++;
    else metrics.workflowStarted();
  }

  workflowEnded(info: WorkflowEndInfo): void {
    const metrics = this.current();
    if (metrics === undefined) {
      if (this.unseenStarts > 0) this.unseenStarts--;
    } else if (this.unseenStarts > 0) {
      this.unseenStarts--;
      metrics.workflowEnded(info, false);
    } else {
      metrics.workflowEnded(info);
    }
  }

  // A stage ends inside a run: the provider was looked for when the run started.
  nodeEnded(info: StepInfo): void {
    this.metrics?.nodeEnded(info);
  }

  llmEnded(call: LlmCall): void {
    this.current()?.llmEnded(call);
  }

  toolEnded(): void {}

  retrieverEnded(): void {}

  resultsReported(): void {}

  internalError(): void {}

  runReaped(): void {}
}
