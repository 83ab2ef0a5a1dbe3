import { context, trace, type Attributes } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** Real OTel SDK with an in-memory exporter and the async context manager, as a Node app would run it. */
export function setupOtel() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  return {
    provider,
    exporter,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async shutdown() {
      await provider.shutdown();
      contextManager.disable();
      context.disable();
      trace.disable();
    },
  };
}

export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Spans by name (throws when there is not exactly one, so assertions name what is missing). */
export function one(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one span "${name}", found ${found.length}: [${spans.map((s) => s.name).join(", ")}]`);
  return found[0]!;
}

export function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((s) => parentId(s) === parent.spanContext().spanId).sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
}

export function hrMs(t: [number, number]): number {
  return t[0] * 1000 + t[1] / 1e6;
}

/** Every attribute value of every span, as strings, for "this must appear nowhere" assertions. */
export function allAttributeText(spans: readonly ReadableSpan[]): string {
  const parts: string[] = [];
  for (const s of spans) {
    parts.push(s.name);
    for (const [k, v] of Object.entries(s.attributes as Attributes)) parts.push(`${k}=${JSON.stringify(v)}`);
    for (const e of s.events) parts.push(JSON.stringify(e.attributes ?? {}));
  }
  return parts.join("\n");
}

/** Indented tree of span names, for readable failure messages and shape assertions. */
export function treeOf(spans: readonly ReadableSpan[], root: ReadableSpan, depth = 0): string {
  let out = `${"  ".repeat(depth)}${root.name}\n`;
  for (const child of childrenOf(spans, root)) out += treeOf(spans, child, depth + 1);
  return out;
}
