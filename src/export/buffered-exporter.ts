import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { BatchQueue } from "./batch-queue.js";

// ExportResultCode of @opentelemetry/core, inlined so this module loads no SDK code.
const SUCCESS = 0;

export interface BufferedExporterOptions {
  maxQueueSize: number;
  maxBatchSize: number;
  delayMs: number;
  /** Deadline of flush and shutdown, from when they are called. */
  flushTimeoutMs: number;
  onDropped: (count: number) => void;
}

/**
 * Puts a bounded, counted queue in front of a real exporter. `export()` only enqueues and succeeds at once,
 * so the span processor in front of it (Langfuse's, in "immediate" mode) never waits on the network, and
 * every span lost to a full queue or a failed export is counted, unlike the SDK's BatchSpanProcessor, which
 * drops silently.
 */
export class BufferedSpanExporter implements SpanExporter {
  readonly queue: BatchQueue<ReadableSpan>;

  constructor(
    private readonly inner: SpanExporter,
    private readonly options: BufferedExporterOptions,
  ) {
    this.queue = new BatchQueue<ReadableSpan>({
      send: (batch) => new Promise<boolean>((resolve) => inner.export(batch, (result) => resolve(result.code === SUCCESS))),
      maxQueueSize: options.maxQueueSize,
      maxBatchSize: options.maxBatchSize,
      delayMs: options.delayMs,
      onDropped: options.onDropped,
    });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) this.queue.push(span);
    resultCallback({ code: SUCCESS });
  }

  async forceFlush(): Promise<void> {
    await this.queue.flush(Date.now() + this.options.flushTimeoutMs);
  }

  async shutdown(): Promise<void> {
    const deadline = Date.now() + this.options.flushTimeoutMs;
    await this.queue.close(deadline);
    // The inner exporter may wait on a hung request; it gets what is left of the deadline.
    await Promise.race([this.inner.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
  }
}
