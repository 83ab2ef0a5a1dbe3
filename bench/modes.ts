/**
 * The benchmark modes. Every mode builds the same graph, the same OpenTelemetry SDK pipeline
 * (BasicTracerProvider → SimpleSpanProcessor → InMemorySpanExporter, async-hooks context manager) and makes
 * the same invocation; they differ only in what observes the run. Peer packages are imported only by their
 * own mode, so they patch nothing elsewhere.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { context, ProxyTracerProvider, SpanKind, type TracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import type { WorkflowTracer } from "../src/index.js";
import { lib } from "./lib.js";
import type { ModeName } from "./mode-names.js";
import { BENCH_INPUT, benchConfig, buildBenchGraph, type NodeStyle } from "./graph.js";

/** LangChain's fixed cost of having a handler at all: no callback methods, awaited like ours. */
class EmptyHandler extends BaseCallbackHandler {
  name = "EmptyHandler";
  constructor() {
    super();
    this.awaitHandlers = true;
  }
}

export interface BenchMode {
  /** One workflow run, including draining LangChain's background callback queue (peers run there). */
  run(): Promise<unknown>;
  exporter: InMemorySpanExporter;
  /** Health counters of our tracer (internal errors, active runs), where there is one. */
  health(): Record<string, number>;
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

export async function setupMode(name: ModeName): Promise<BenchMode> {
  // One context manager per process, whichever modes share it (bench/paired.ts sets up several).
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  let style: NodeStyle = { kind: "plain" };
  let callbacks: unknown[] | undefined;
  let ours: WorkflowTracer | undefined;
  let wrapRoot = false;

  const tracer = (tracerProvider: TracerProvider, options: { metrics?: boolean; captureContent?: boolean } = {}) => {
    const metrics = options.metrics ? new lib.WorkflowMetrics({ registry: new Registry() }) : undefined;
    ours = new lib.WorkflowTracer({ tracerProvider, ...(metrics ? { metrics } : {}), ...(options.captureContent ? { captureContent: true } : {}) });
    return [ours];
  };

  switch (name) {
    case "bare":
      break;
    case "empty-handler":
      callbacks = [new EmptyHandler()];
      break;
    case "otel-manual":
      style = { kind: "otel", tracer: provider.getTracer("bench-manual") };
      wrapRoot = true;
      break;
    case "spans":
      callbacks = tracer(provider);
      break;
    case "metrics":
      // No delegate: every tracer it hands out is the API's no-op tracer.
      callbacks = tracer(new ProxyTracerProvider(), { metrics: true });
      break;
    case "spans+metrics":
      callbacks = tracer(provider, { metrics: true });
      break;
    case "spans+metrics+traceNode":
      callbacks = tracer(provider, { metrics: true });
      style = { kind: "traceNode" };
      break;
    case "spans+metrics+content":
      callbacks = tracer(provider, { metrics: true, captureContent: true });
      break;
    case "langfuse": {
      const { setLangfuseTracerProvider } = await import("@langfuse/tracing");
      const { CallbackHandler } = await import("@langfuse/langchain");
      setLangfuseTracerProvider(provider);
      callbacks = [new CallbackHandler()];
      break;
    }
    case "openinference": {
      const { LangChainInstrumentation } = await import("@arizeai/openinference-instrumentation-langchain");
      const CallbackManagerModule = await import("@langchain/core/callbacks/manager");
      const instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
      instrumentation.manuallyInstrument(CallbackManagerModule);
      break;
    }
    case "openllmetry": {
      const { LangChainInstrumentation } = await import("@traceloop/instrumentation-langchain");
      const CallbackManagerModule = await import("@langchain/core/callbacks/manager");
      const instrumentation = new LangChainInstrumentation();
      instrumentation.setTracerProvider(provider);
      instrumentation.manuallyInstrument({ callbackManagerModule: CallbackManagerModule });
      break;
    }
  }

  const graph = buildBenchGraph(style);
  const rootTracer = provider.getTracer("bench-manual");
  const invoke = () => graph.invoke(BENCH_INPUT, benchConfig(callbacks));
  const run = wrapRoot
    ? () =>
        rootTracer.startActiveSpan("invoke_workflow text2query", { kind: SpanKind.INTERNAL, attributes: { "gen_ai.operation.name": "invoke_workflow", "workflow.name": "text2query" } }, async (span) => {
          try {
            return await invoke();
          } finally {
            span.end();
          }
        })
    : invoke;

  return {
    exporter,
    async run() {
      const result = await run();
      await awaitAllCallbacks();
      return result;
    },
    health(): Record<string, number> {
      if (ours === undefined) return {};
      const s = ours.stats();
      return { internalErrors: s.internalErrors, activeRuns: s.activeRuns, droppedRuns: s.droppedRuns };
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
