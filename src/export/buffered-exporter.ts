import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { ExportLane } from "./export-lane.js";

// ExportResultCode of @opentelemetry/core, inlined so this module loads no SDK code.
const SUCCESS = 0;

/**
 * A span exporter that only hands spans to an export lane (a bounded, counted queue in front of the backend,
 * with the spool behind it when one is set up). `export()` succeeds at once, so the span processor in front
 * of it (Langfuse's, in "immediate" mode, or a SimpleSpanProcessor) never waits on the network or the disk,
 * and every span lost is counted, unlike the SDK's BatchSpanProcessor, which drops silently.
 */
export class BufferedSpanExporter implements SpanExporter {
  constructor(
    readonly lane: ExportLane<ReadableSpan>,
    /** Deadline of flush and shutdown, from when they are called. */
    private readonly flushTimeoutMs: number,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) this.lane.push(span);
    resultCallback({ code: SUCCESS });
  }

  async forceFlush(): Promise<void> {
    await this.lane.flush(Date.now() + this.flushTimeoutMs);
  }

  async shutdown(): Promise<void> {
    await this.lane.close(Date.now() + this.flushTimeoutMs);
  }
}
