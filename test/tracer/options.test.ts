import { describe, expect, it } from "vitest";
import { traceNode, WorkflowTracer, type WorkflowTracerOptions } from "../../src/index.js";

function construct(options: unknown) {
  return () => new WorkflowTracer(options as WorkflowTracerOptions);
}

describe("WorkflowTracer options", () => {
  it("accepts no options and every documented option", () => {
    expect(construct(undefined)).not.toThrow();
    expect(
      construct({
        stages: { plan: "reasoning" },
        inferStages: false,
        captureContent: 500,
        redact: (t: string) => t,
        maxSqlLength: 100,
        runTtlMs: 1000,
        maxActiveRuns: 10,
        workflowName: "text2query",
        metadataKeys: ["tenant"],
      }),
    ).not.toThrow();
  });

  it.each([
    [{ stages: { plan: "thinking" } }, 'WorkflowTracer: invalid option stages.plan: "thinking". Expected one of intent, reasoning, generation, validation, correction, execution, other.'],
    [{ stages: ["plan"] }, 'WorkflowTracer: invalid option stages: ["plan"]. Expected an object mapping node names to stages.'],
    [{ captureContent: "yes" }, 'WorkflowTracer: invalid option captureContent: "yes". Expected false, true, or a positive integer (characters to keep).'],
    [{ captureContent: -5 }, "WorkflowTracer: invalid option captureContent: -5. Expected false, true, or a positive integer (characters to keep)."],
    [{ runTtlMs: 0 }, "WorkflowTracer: invalid option runTtlMs: 0. Expected a positive integer."],
    [{ maxActiveRuns: 1.5 }, "WorkflowTracer: invalid option maxActiveRuns: 1.5. Expected a positive integer."],
    [{ maxSqlLength: "long" }, 'WorkflowTracer: invalid option maxSqlLength: "long". Expected a positive integer.'],
    [{ redact: "mask" }, 'WorkflowTracer: invalid option redact: "mask". Expected a function (text, info) => string.'],
    [{ workflowName: "" }, 'WorkflowTracer: invalid option workflowName: "". Expected a non-empty string.'],
    [{ inferStages: "no" }, 'WorkflowTracer: invalid option inferStages: "no". Expected true or false.'],
    [{ metadataKeys: "tenant" }, 'WorkflowTracer: invalid option metadataKeys: "tenant". Expected an array of strings.'],
    [{ tracerProvider: {} }, "WorkflowTracer: invalid option tracerProvider: {}. Expected an OpenTelemetry TracerProvider (an object with getTracer())."],
  ])("rejects %j with a message that says what to fix", (options, message) => {
    expect(construct(options)).toThrow(new TypeError(message));
  });

  it("rejects unknown options, so a typo does not silently disable a feature", () => {
    expect(construct({ captureContents: true })).toThrow(/invalid option captureContents: true\. Expected one of the known options \(tracerProvider, stages/);
  });
});

describe("traceNode arguments", () => {
  it("rejects an unknown stage, a non-function node and a bad results option", () => {
    expect(() => traceNode("thinking" as never, () => ({}))).toThrow(
      'traceNode: invalid stage "thinking". Expected one of intent, reasoning, generation, validation, correction, execution, other.',
    );
    expect(() => traceNode("intent", "node" as never)).toThrow("traceNode: the node must be a function, got string.");
    expect(() => traceNode("intent", () => ({}), { results: 3 as never })).toThrow(/invalid option results/);
  });

  it("runs the node unchanged with a no-op report when no tracer is attached", async () => {
    let recording: boolean | undefined;
    const node = traceNode("validation", async (state: { sql: string }, _config: unknown, report) => {
      recording = report.recording;
      report.validation(false, "syntax");
      report.score("x", 1);
      return { valid: state.sql.length > 0 };
    });
    await expect(node({ sql: "SELECT 1" }, undefined)).resolves.toEqual({ valid: true });
    expect(recording).toBe(false);
    // Sync nodes stay sync.
    const sync = traceNode("other", (s: number) => s + 1);
    expect(sync(1, {})).toBe(2);
  });
});
