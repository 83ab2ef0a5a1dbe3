import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupOtel } from "../support/otel.js";
import { expectedCall } from "../support/provider-expected.js";
import { replayModel, ReplayServer, usesHttp2 } from "../support/provider-replay.js";
import { CHECKS, type Replayed } from "./checks.js";
import { runReplayGraph } from "./recording-handler.js";
import { SCENARIOS, type Scenario } from "./scenarios.js";
import { llmSpans, tracedTelemetry } from "./traced.js";

/**
 * Issue 25: every LLM call's model, tokens and cost equal what the provider billed. Each scenario replays a real
 * recorded provider response over loopback HTTP to the real LangChain provider package, inside a real LangGraph
 * graph traced by WorkflowTracer (spans, Prometheus and OTel metrics), and compares with the payload's own
 * numbers and genai-prices' price for them.
 */

describe("recorded provider responses, replayed through the real LangChain packages", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeAll(() => {
    otel = setupOtel();
  });
  afterAll(async () => {
    await otel.shutdown();
  });

  async function replay(s: Scenario): Promise<Replayed> {
    const server = await new ReplayServer({ http2: usesHttp2(s.client) }).start();
    server.always(s.fixture);
    const telemetry = tracedTelemetry(otel);
    const at = new Date();
    try {
      await runReplayGraph(replayModel(s.client, server.url, { model: s.requestModel, streaming: s.streaming, recordedUrl: s.fixture.url }), s.streaming, { callbacks: [telemetry.tracer] });
    } finally {
      await server.stop();
    }
    const { spans, scrape, prefix, otelTokens } = await telemetry.collect();
    expect(server.requests, "the client called the provider once").toHaveLength(1);
    const llm = llmSpans(spans);
    expect(llm, `one LLM span among: ${spans.map((x) => x.name).join(", ")}`).toHaveLength(1);
    return { scenario: s, expected: expectedCall(s.fixture, s.requestModel, at), spans, llm: llm[0]!, scrape, prefix, otelTokens };
  }

  for (const s of SCENARIOS) {
    describe(s.label, () => {
      let replayed: Replayed | undefined;
      let failure: unknown;
      beforeAll(async () => {
        try {
          replayed = await replay(s);
        } catch (error) {
          failure = error;
        }
      });
      const expected = expectedCall(s.fixture, s.requestModel);
      for (const check of CHECKS) {
        if (!check.applies({ scenario: s, expected })) continue;
        it(check.name, () => {
          if (failure !== undefined) throw failure;
          check.verify(replayed!);
        });
      }
    });
  }
});
