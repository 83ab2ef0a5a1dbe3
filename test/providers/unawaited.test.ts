import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenAI, Workflow } from "../../src/index.js";
import { parentId, setupOtel } from "../support/otel.js";
import { expectedCall, type ExpectedCall } from "../support/provider-expected.js";
import { fireAndForgetNode, loadFixture, REPLAY_QUESTION, replayModel, ReplayServer, timeoutRaceNode, type ProviderFixture } from "../support/provider-replay.js";
import { until } from "../support/wait.js";
import { recordedRequestModel } from "./scenarios.js";
import { llmSpans, tracedTelemetry } from "./traced.js";

/**
 * Issue 25, "every billed call is counted": a call the node does not await is still billed by the provider.
 * The recorded answer is held back until the graph has ended, then released; the call's tokens and cost must
 * land on its own span and in the metrics, in the workflow's trace, with no second (phantom) workflow.
 */

type NodeFn = (state: unknown, config: RunnableConfig) => Promise<Record<string, unknown>>;

function oneNodeGraph(node: NodeFn) {
  const State = Annotation.Root({ outcome: Annotation<string>() });
  return new StateGraph(State).addNode("call_model", node).addEdge(START, "call_model").addEdge("call_model", END).compile();
}

describe("billed LLM calls a node does not await", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeAll(() => {
    otel = setupOtel();
  });
  afterAll(async () => {
    await otel.shutdown();
  });

  /** Runs `makeNode(model)` in a graph while the provider's answer waits; releases it once the graph has ended. */
  async function runUnawaited(fixture: ProviderFixture, client: "openai" | "anthropic", makeNode: (model: BaseChatModel) => { node: NodeFn; calls: Promise<unknown>[] }) {
    const server = await new ReplayServer().start();
    let release!: () => void;
    server.enqueue(fixture, new Promise<void>((resolve) => (release = resolve)));
    const telemetry = tracedTelemetry(otel);
    const requestModel = recordedRequestModel(fixture);
    const model = replayModel(client, server.url, { model: requestModel, streaming: false, recordedUrl: fixture.url });
    const { node, calls } = makeNode(model);
    const result = await oneNodeGraph(node).invoke({}, { callbacks: [telemetry.tracer] });
    await until("the provider to receive the call", () => (server.requests.length === 1 ? true : undefined));
    release();
    await until("the node's call to start", () => (calls.length === 1 ? true : undefined));
    await Promise.all(calls);
    await server.stop();
    const collected = await telemetry.collect();
    return { result, ...collected, expected: expectedCall(fixture, requestModel) };
  }

  /** Every fact checked softly, so a failure lists all that is wrong at once. */
  function assertCounted(spans: ReadableSpan[], scrape: import("../support/exposition.js").Scrape, prefix: string, expected: ExpectedCall) {
    const roots = spans.filter((s) => parentId(s) === undefined);
    expect.soft(roots.map((s) => s.name), "one workflow, no phantom second one").toHaveLength(1);
    const [llm] = llmSpans(spans);
    expect(llm, "the call has its span").toBeDefined();
    expect.soft(llm!.spanContext().traceId, "in the workflow's trace").toBe(roots[0]!.spanContext().traceId);
    const a = llm!.attributes as Attributes;
    expect.soft(a[Workflow.ABANDONED], "the call ended by itself").toBeUndefined();
    expect.soft(a[GenAI.USAGE_INPUT_TOKENS]).toBe(expected.usage!.input);
    expect.soft(a[GenAI.USAGE_OUTPUT_TOKENS]).toBe(expected.usage!.output);
    const price = expected.price!;
    if (price.kind !== "priced") throw new Error("these fixtures are priced");
    expect.soft(Math.abs(Number(a[Workflow.COST_USD]) - price.total)).toBeLessThanOrEqual(price.total * 1e-12);
    expect.soft(scrape.sum(`${prefix}llm_tokens_total`)).toBe(expected.usage!.input + expected.usage!.output);
    expect.soft(Math.abs(scrape.sum(`${prefix}llm_cost_dollars_total`) - price.total)).toBeLessThanOrEqual(price.total * 1e-12);
  }

  it("`void model.invoke(x, config)` (fire and forget): tokens and cost reach its span and the metrics", async () => {
    const { spans, scrape, prefix, expected } = await runUnawaited(loadFixture("openai", "chat"), "openai", fireAndForgetNode);
    assertCounted(spans, scrape, prefix, expected);
  });

  it("`Promise.race([model.invoke(q, config), timeout])` lost by the call: its tokens and cost are still counted", async () => {
    const { result, spans, scrape, prefix, expected } = await runUnawaited(loadFixture("anthropic", "messages"), "anthropic", (model) => timeoutRaceNode(model, 5));
    expect(result.outcome, "the timeout won the race").toBe("timed out");
    assertCounted(spans, scrape, prefix, expected);
  });

  it("a call started after its node returned joins the workflow's trace instead of starting a phantom workflow", async () => {
    const { spans, scrape, prefix, expected } = await runUnawaited(loadFixture("openai", "chat"), "openai", (model) => {
      const calls: Promise<unknown>[] = [];
      const node = async (_state: unknown, config: RunnableConfig) => {
        setTimeout(() => calls.push(model.invoke([new HumanMessage(REPLAY_QUESTION)], config)), 0);
        return {};
      };
      return { node, calls };
    });
    assertCounted(spans, scrape, prefix, expected);
  });
});
