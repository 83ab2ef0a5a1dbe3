import type { LlmCall } from "../shared/llm-call.js";
import type { StepInfo, TelemetrySink, WorkflowEndInfo } from "../shared/sink.js";
import type { NodeResults } from "../shared/workflow.js";

/**
 * Feeds two metrics backends (prom-client and OpenTelemetry) from one callback pass. The second is fed even
 * when the first throws; the error still reaches the tracer's fault guard, which counts it.
 */
class TeeSink implements TelemetrySink {
  constructor(
    private readonly first: TelemetrySink,
    private readonly second: TelemetrySink,
  ) {}

  workflowStarted(): void {
    try {
      this.first.workflowStarted();
    } finally {
      this.second.workflowStarted();
    }
  }

  workflowEnded(info: WorkflowEndInfo): void {
    try {
      this.first.workflowEnded(info);
    } finally {
      this.second.workflowEnded(info);
    }
  }

  nodeEnded(info: StepInfo): void {
    try {
      this.first.nodeEnded(info);
    } finally {
      this.second.nodeEnded(info);
    }
  }

  llmEnded(info: LlmCall): void {
    try {
      this.first.llmEnded(info);
    } finally {
      this.second.llmEnded(info);
    }
  }

  toolEnded(info: StepInfo): void {
    try {
      this.first.toolEnded(info);
    } finally {
      this.second.toolEnded(info);
    }
  }

  retrieverEnded(info: StepInfo): void {
    try {
      this.first.retrieverEnded(info);
    } finally {
      this.second.retrieverEnded(info);
    }
  }

  resultsReported(results: NodeResults): void {
    try {
      this.first.resultsReported(results);
    } finally {
      this.second.resultsReported(results);
    }
  }

  internalError(): void {
    try {
      this.first.internalError();
    } finally {
      this.second.internalError();
    }
  }

  runReaped(): void {
    try {
      this.first.runReaped();
    } finally {
      this.second.runReaped();
    }
  }
}

/** One sink for the tracer to feed: both, either, or none. */
export function teeSinks(first: TelemetrySink | undefined, second: TelemetrySink | undefined): TelemetrySink | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return new TeeSink(first, second);
}
