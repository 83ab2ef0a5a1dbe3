/** Fails the run unless the tests' SDK imports reach OpenTelemetry 3.x (its `TracerProvider`; 2.x has none). */
import { BasicTracerProvider, TracerProvider } from "@opentelemetry/sdk-trace-base";
import { trace } from "@opentelemetry/api";

if (typeof TracerProvider !== "function" || BasicTracerProvider !== TracerProvider) {
  throw new Error("vitest.otel3.config.ts: @opentelemetry/sdk-trace-base did not resolve to the 3.x SDK");
}
// API 1.10 (3.x's peer) accepts 3.x's provider globally.
if (!trace.setGlobalTracerProvider(new TracerProvider())) throw new Error("the OpenTelemetry API refused the 3.x TracerProvider");
trace.disable();
