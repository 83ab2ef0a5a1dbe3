/** This package's version, reported as the OpenTelemetry instrumentation scope version. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";
