import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { Attributes } from "@opentelemetry/api";
import { DataPointType, MeterProvider, MetricReader, type HistogramMetricData } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { GenAI, WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { Scrape } from "../support/exposition.js";
import type { setupOtel } from "../support/otel.js";

/** A metric reader the test collects from on demand. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The tracer under test with both metric backends, each fresh: Prometheus on its own registry, OTel metrics on its own provider. */
export function tracedTelemetry(otel: ReturnType<typeof setupOtel>) {
  const registry = new Registry();
  const metrics = new WorkflowMetrics({ registry });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracer = new WorkflowTracer({ tracerProvider: otel.provider, metrics, meterProvider, captureContent: true });
  return {
    tracer,
    /** Waits for LangChain's background callbacks, flushes the spans, and returns what every backend holds. */
    async collect(): Promise<{ spans: ReadableSpan[]; scrape: Scrape; prefix: string; otelTokens: { input: number; output: number } }> {
      await awaitAllCallbacks();
      await otel.provider.forceFlush();
      const spans = [...otel.spans()];
      otel.reset();
      const otelTokens = { input: 0, output: 0 };
      const { resourceMetrics } = await reader.collect();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== "gen_ai.client.token.usage" || metric.dataPointType !== DataPointType.HISTOGRAM) continue;
          for (const point of (metric as HistogramMetricData).dataPoints) {
            const type = (point.attributes as Attributes)[GenAI.TOKEN_TYPE];
            if (type === "input" || type === "output") otelTokens[type] += point.value.sum ?? 0;
          }
        }
      }
      await meterProvider.shutdown();
      return { spans, scrape: await Scrape.of(registry), prefix: metrics.prefix, otelTokens };
    },
  };
}

/** The LLM spans (chat or text completion) among `spans`. */
export function llmSpans(spans: readonly ReadableSpan[]): ReadableSpan[] {
  return spans.filter((s) => {
    const op = (s.attributes as Attributes)[GenAI.OPERATION_NAME];
    return op === "chat" || op === "text_completion";
  });
}
