/**
 * OpenTelemetry's 3.x trace SDK under the names the tests import from 2.x's `@opentelemetry/sdk-trace-base`
 * (vitest.otel3.config.ts resolves that package here): 3.x renamed `BasicTracerProvider` to `TracerProvider`.
 */
export * from "@opentelemetry/sdk-trace";
export { TracerProvider as BasicTracerProvider } from "@opentelemetry/sdk-trace";
