/**
 * OpenTelemetry's 3.x trace SDK under the names and call shapes the tests use from 2.x's
 * `@opentelemetry/sdk-trace-base` (vitest.otel3.config.ts resolves that package here). 3.x renamed
 * `BasicTracerProvider` to `TracerProvider`, and its span processors take an options object
 * (`{ exporter, ...config }`) where 2.x took `(exporter, config)`; everything else is 3.x's own.
 */
import * as sdk from "@opentelemetry/sdk-trace";

export * from "@opentelemetry/sdk-trace";
export { TracerProvider as BasicTracerProvider } from "@opentelemetry/sdk-trace";

/** 2.x's positional exporter, or 3.x's options object as it is. */
const options = (exporter, config) => (exporter && typeof exporter.export === "function" ? { ...config, exporter } : exporter);

export class SimpleSpanProcessor extends sdk.SimpleSpanProcessor {
  constructor(exporter, config) {
    super(options(exporter, config));
  }
}

export class BatchSpanProcessor extends sdk.BatchSpanProcessor {
  constructor(exporter, config) {
    super(options(exporter, config));
  }
}
