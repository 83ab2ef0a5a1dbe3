import { randomUUID } from "node:crypto";
import { TraceFlags, type Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GenAI, GenAIOperation, Workflow } from "../attributes.js";
import { redactSecrets } from "../tracer/secrets.js";
import { BatchQueue, raceDeadline } from "./batch-queue.js";

/** One `score-create` event of Langfuse's ingestion API. */
export interface ScoreEvent {
  id: string;
  type: "score-create";
  timestamp: string;
  body: {
    id: string;
    traceId: string;
    observationId?: string;
    name: string;
    value: number;
    dataType: "NUMERIC" | "BOOLEAN";
    comment?: string;
    environment?: string;
  };
}

export interface LangfuseScoresOptions {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  environment: string | undefined;
  timeoutMs: number;
  maxQueueSize: number;
  flushTimeoutMs: number;
  onDropped: (count: number) => void;
}

const MAX_BATCH = 100;

/**
 * Turns the results nodes report into Langfuse scores, from the spans as they end (so only sampled traces
 * are scored): on the workflow span, `query_valid` (the last validation, 0 when the run threw) and
 * `confidence`, as trace scores; on any span, each `workflow.score.<name>`, scored on that observation.
 * Scores are sent in batches to `/api/public/ingestion` through a bounded queue, off the workflow's path.
 */
export class LangfuseScoreProcessor implements SpanProcessor {
  readonly queue: BatchQueue<ScoreEvent>;
  private readonly authorization: string;

  constructor(private readonly options: LangfuseScoresOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString("base64")}`;
    this.queue = new BatchQueue<ScoreEvent>({
      send: (batch) => this.send(batch),
      maxQueueSize: options.maxQueueSize,
      maxBatchSize: MAX_BATCH,
      delayMs: 1000,
      onDropped: options.onDropped,
    });
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    try {
      const { traceId, spanId, traceFlags } = span.spanContext();
      // Recorded but not sampled (a trace the tail sampler dropped): no trace to attach scores to.
      if ((traceFlags & TraceFlags.SAMPLED) === 0) return;
      const attributes = span.attributes;
      if (attributes[GenAI.OPERATION_NAME] === GenAIOperation.INVOKE_WORKFLOW) {
        const valid = attributes[Workflow.VALIDATION_VALID];
        const outcome = attributes[Workflow.OUTCOME];
        if (typeof valid === "boolean") {
          const category = attributes[Workflow.VALIDATION_ERROR_CATEGORY];
          this.score(traceId, undefined, "query_valid", valid ? 1 : 0, "BOOLEAN", valid ? undefined : typeof category === "string" ? category : undefined);
        } else if (outcome === "error") {
          // The status message may come from any instrumentation: strip key-shaped strings before it leaves.
          this.score(traceId, undefined, "query_valid", 0, "BOOLEAN", span.status.message === undefined ? undefined : redactSecrets(span.status.message));
        }
        const confidence = attributes[Workflow.CONFIDENCE];
        if (typeof confidence === "number") this.score(traceId, undefined, "confidence", confidence, "NUMERIC", undefined);
      }
      for (const key in attributes) {
        if (!key.startsWith(Workflow.SCORE_PREFIX)) continue;
        const value = attributes[key];
        if (typeof value === "number" && Number.isFinite(value)) this.score(traceId, spanId, key.slice(Workflow.SCORE_PREFIX.length), value, "NUMERIC", undefined);
      }
    } catch {
      // never let a score break span processing
    }
  }

  async forceFlush(): Promise<void> {
    await this.queue.flush(Date.now() + this.options.flushTimeoutMs);
  }

  async shutdown(): Promise<void> {
    await this.queue.close(Date.now() + this.options.flushTimeoutMs);
  }

  private score(traceId: string, observationId: string | undefined, name: string, value: number, dataType: "NUMERIC" | "BOOLEAN", comment: string | undefined): void {
    const id = randomUUID();
    const body: ScoreEvent["body"] = { id, traceId, name, value, dataType };
    if (observationId !== undefined) body.observationId = observationId;
    if (comment) body.comment = comment.slice(0, 1000);
    if (this.options.environment !== undefined) body.environment = this.options.environment;
    this.queue.push({ id: randomUUID(), type: "score-create", timestamp: new Date().toISOString(), body });
  }

  private async send(batch: ScoreEvent[]): Promise<boolean> {
    const response = await fetch(`${this.options.baseUrl}/api/public/ingestion`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: this.authorization, "x-langfuse-sdk-name": "langgraph-telemetry", "x-langfuse-public-key": this.options.publicKey },
      body: JSON.stringify({ batch }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    // Drain the body so the socket is reused; 207 is the normal multi-status answer.
    await raceDeadline(response.arrayBuffer(), Date.now() + this.options.timeoutMs);
    return response.ok;
  }
}
