import { tool } from "@langchain/core/tools";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TailSamplingProcessor, WorkflowTracer } from "../../src/index.js";
import { stepsGraph } from "../support/steps-graph.js";

/**
 * What the tail sampler's memory cap promises for failing runs: spans of traces whose root is still open wait
 * in memory, and a failure's exception event carries up to 1,000 characters of message and 8,000 of stack. The
 * estimate (`stats().waiting.bytes`) must count them, so that `maxWaitingBytes` bounds the heap really held.
 * Checked by counts, not by measuring the heap (which depends on the garbage collector's timing): every
 * waiting trace holds a failed call's 9,000 characters, so at most cap / 9,000 traces may wait.
 */
describe("tail sampling memory, with failures in the waiting traces", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("maxWaitingBytes bounds what the processor holds: the estimate counts each failure's message and stack, so at most cap / 9,000 failed runs wait", async () => {
    const cap = 1024 * 1024;
    const sampling = new TailSamplingProcessor({ processors: [new SimpleSpanProcessor(new InMemorySpanExporter())], sampleRate: 0, maxWaitingBytes: cap });
    const provider = new NodeTracerProvider({ sampler: sampling.sampler, spanProcessors: [sampling] });
    cleanups.push(() => provider.shutdown());
    const tracer = new WorkflowTracer({ tracerProvider: provider });
    // A lookup that fails the way a database driver does: a long message and a deep stack.
    const frames = Array.from({ length: 100 }, (_, i) => `    at Connection.query${i} (/app/node_modules/pg/lib/client.js:${i}:17)`).join("\n");
    // Flat strings of their own, as an error's message and V8's stack are (not slices of a longer string).
    const flat = (text: string, length: number) => Buffer.from(text.padEnd(length, ".").slice(0, length), "latin1").toString("latin1");
    let failures = 0;
    const lookup = tool(
      async () => {
        const message = flat(`relation "orders_${++failures}" does not exist: `, 1000);
        const error = new Error(message);
        error.stack = flat(`Error: ${message}\n${frames}`, 8000);
        throw error;
      },
      { name: "lookup", description: "Look rows up", schema: z.object({ table: z.string() }) },
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let paused = 0;
    const graph = stepsGraph({
      execute_sql: async (_s, config) => {
        await lookup.invoke({ table: "orders" }, config).catch(() => undefined); // the run goes on after the failed lookup
        paused++;
        await gate;
        return { answer: "none" };
      },
    });
    const n = 400;
    const runs = Array.from({ length: n }, (_, i) => graph.invoke({ question: `q${i}` }, { callbacks: [tracer], runName: "text2query" }));
    while (paused < n) await new Promise((r) => setTimeout(r, 5));

    const waiting = sampling.stats().waiting;
    const overflow = sampling.stats().dropped.overflow;
    const exceptionChars = 1000 + 8000;
    console.info(
      `${n} open runs, each with a failed tool call (message 1000 chars, stack 8000 chars): ` +
        `waiting ${waiting.traces} traces, ${waiting.spans} spans; estimate ${waiting.bytes} bytes (cap ${cap}); dropped for the cap ${overflow}`,
    );
    await sampling.shutdown();
    release();
    await Promise.all(runs);

    // Every run is either still waiting or was dropped, oldest first, for the cap.
    expect(waiting.traces + overflow).toBe(n);
    expect(waiting.traces).toBeGreaterThan(0);
    expect(waiting.bytes).toBeLessThanOrEqual(cap);
    // Each waiting trace holds its ended, failed tool call: the estimate counts that call's exception text (one
    // byte a character, as V8 stores these Latin-1 strings), so the cap bounds the heap those strings take.
    expect(waiting.bytes).toBeGreaterThanOrEqual(waiting.traces * exceptionChars);
    expect(waiting.traces).toBeLessThanOrEqual(Math.floor(cap / exceptionChars));
  }, 60_000);
});
