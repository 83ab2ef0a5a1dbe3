import { randomUUID } from "node:crypto";
import { TraceFlags, type Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GenAI, GenAIOperation, Workflow } from "../attributes.js";
import { redactSecrets } from "../tracer/secrets.js";
import { ExportLane } from "./export-lane.js";
import type { SpoolQueue } from "./spool.js";

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
  spool: SpoolQueue | undefined;
  onDropped: (count: number) => void;
}

const MAX_BATCH = 100;

/**
 * Turns the results nodes report into Langfuse scores, from the spans as they end (so only sampled traces
 * are scored): on the workflow span, `query_valid` (the last validation, 0 when the run threw) and
 * `confidence`, as trace scores; on any span, each `workflow.score.<name>`, scored on that observation.
 * Scores are sent in batches to `/api/public/ingestion` through an export lane (bounded queue, spool when
 * set up), off the workflow's path. Each score keeps its id and timestamp when spooled and replayed, so a
 * replayed duplicate is the same score to Langfuse.
 */
export class LangfuseScoreProcessor implements SpanProcessor {
  readonly lane: ExportLane<ScoreEvent>;

  constructor(private readonly options: LangfuseScoresOptions) {
    this.lane = new ExportLane<ScoreEvent>({
      target: {
        url: `${options.baseUrl}/api/public/ingestion`,
        headers: {
          authorization: `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString("base64")}`,
          "x-langfuse-sdk-name": "langgraph-telemetry",
          "x-langfuse-public-key": options.publicKey,
        },
        contentType: "application/json",
        gzip: false,
      },
      encode: (batch) => Buffer.from(JSON.stringify({ batch })),
      maxQueueSize: options.maxQueueSize,
      maxBatchSize: MAX_BATCH,
      delayMs: 1000,
      exportTimeoutMs: options.timeoutMs,
      spool: options.spool,
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
    await this.lane.flush(Date.now() + this.options.flushTimeoutMs);
  }

  async shutdown(): Promise<void> {
    await this.lane.close(Date.now() + this.options.flushTimeoutMs);
  }

  private score(traceId: string, observationId: string | undefined, name: string, value: number, dataType: "NUMERIC" | "BOOLEAN", comment: string | undefined): void {
    const id = randomUUID();
    const body: ScoreEvent["body"] = { id, traceId, name, value, dataType };
    if (observationId !== undefined) body.observationId = observationId;
    if (comment) body.comment = comment.slice(0, 1000);
    if (this.options.environment !== undefined) body.environment = this.options.environment;
    this.lane.push({ id: randomUUID(), type: "score-create", timestamp: new Date().toISOString(), body });
  }
}
