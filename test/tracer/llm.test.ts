import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { FakeLLM } from "@langchain/core/utils/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkflowTracer, type WorkflowTracerOptions } from "../../src/index.js";
import { allAttributeText, one, setupOtel } from "../support/otel.js";
import { ScriptedChatModel, type ScriptedReply } from "../support/scripted-chat-model.js";
import { buildText2QueryGraph } from "../support/text2query-graph.js";

describe("LLM spans", () => {
  let otel: ReturnType<typeof setupOtel>;
  beforeEach(() => {
    otel = setupOtel();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  function tracer(options: WorkflowTracerOptions = {}) {
    return new WorkflowTracer({ tracerProvider: otel.provider, ...options });
  }

  async function callOnce(reply: ScriptedReply, options: WorkflowTracerOptions = {}, fields: Partial<ConstructorParameters<typeof ScriptedChatModel>[0]> = {}) {
    const model = new ScriptedChatModel({ model: "gpt-4o", responseModel: "gpt-4o-2024-08-06", temperature: 0.2, maxTokens: 256, topP: 0.9, replies: [reply], ...fields });
    const out = await model.invoke([new SystemMessage("You write SQL."), new HumanMessage("Orders per user?")], { callbacks: [tracer(options)] });
    return { out, span: one(otel.spans(), `chat ${fields.model ?? "gpt-4o"}`) };
  }

  it("prices each call without any metrics: cost on the span from the default table, or from the tracer's own pricing", async () => {
    const { span } = await callOnce({ content: "SELECT 1", inputTokens: 1000, outputTokens: 500 });
    expect(span.attributes["workflow.cost_usd"]).toBe(0.0075);
    expect(JSON.parse(span.attributes["langfuse.observation.cost_details"] as string)).toEqual({ input: 0.0025, output: 0.005, total: 0.0075 });
    otel.reset();
    const { span: custom } = await callOnce({ content: "SELECT 1", inputTokens: 1000, outputTokens: 500 }, { pricing: { "gpt-4o": { input: 10, output: 20 } } });
    expect(custom.attributes["workflow.cost_usd"]).toBe(0.02);
    otel.reset();
    const { span: unpriced } = await callOnce({ content: "SELECT 1", inputTokens: 1000, outputTokens: 500 }, {}, { model: "house-model-7b", responseModel: "house-model-7b" });
    expect(unpriced.attributes["workflow.cost_usd"]).toBeUndefined();
    expect(() => tracer({ pricing: { "gpt-4o": { input: -1, output: 1 } } })).toThrow(
      'WorkflowTracer: invalid option pricing.gpt-4o: {"input":-1,"output":1}. Expected { input, output, cachedInput?, cacheWrite?, reasoning? } in USD per million tokens, each a number >= 0.',
    );
  });

  it("follows the GenAI semantic conventions: name, operation, provider, request and response fields, usage", async () => {
    const { span } = await callOnce({ content: "SELECT 1", inputTokens: 1000, outputTokens: 500, finishReason: "stop" });
    expect(span.kind).toBe(2 /* SpanKind.CLIENT */);
    expect(span.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.response.model": "gpt-4o-2024-08-06",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 1000,
      "gen_ai.usage.output_tokens": 500,
    });
    expect(String(span.attributes["gen_ai.response.id"])).toMatch(/^chatcmpl-\d+$/);
  });

  it("is a Langfuse generation: observation type, model, parameters and usage details", async () => {
    const { span } = await callOnce({ content: "SELECT 1", inputTokens: 1000, outputTokens: 500 });
    expect(span.attributes["langfuse.observation.type"]).toBe("generation");
    // The model that answered, as Langfuse's own handler records it (and prices it, when no cost is sent).
    expect(span.attributes["langfuse.observation.model.name"]).toBe("gpt-4o-2024-08-06");
    expect(JSON.parse(String(span.attributes["langfuse.observation.model.parameters"]))).toEqual({ temperature: 0.2, max_tokens: 256, top_p: 0.9 });
    expect(JSON.parse(String(span.attributes["langfuse.observation.usage_details"]))).toEqual({ input: 1000, output: 500, total: 1500 });
  });

  it("reports cached and reasoning tokens once each: inside the semconv totals, split out for Langfuse", async () => {
    const { span } = await callOnce({ content: "x", inputTokens: 1200, outputTokens: 300, cachedTokens: 1000, reasoningTokens: 100 });
    expect(span.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 1200,
      "gen_ai.usage.output_tokens": 300,
      "gen_ai.usage.cache_read.input_tokens": 1000,
      "gen_ai.usage.reasoning.output_tokens": 100,
    });
    expect(JSON.parse(String(span.attributes["langfuse.observation.usage_details"]))).toEqual({
      input: 200,
      input_cache_read: 1000,
      output: 200,
      output_reasoning: 100,
      total: 1500,
    });
  });

  it("reads usage from llmOutput.tokenUsage when the message has none", async () => {
    const { span } = await callOnce({ content: "x", inputTokens: 77, outputTokens: 11, legacyUsage: true });
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(77);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(11);
  });

  it("leaves usage unset (not zero) when the provider reports none", async () => {
    const { span } = await callOnce({ content: "x", noUsage: true });
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
    expect(span.attributes["langfuse.observation.usage_details"]).toBeUndefined();
  });

  it("takes streamed usage from the final chunk and marks the first token time", async () => {
    const model = new ScriptedChatModel({ model: "gpt-4o", replies: [{ content: "SELECT name FROM users", inputTokens: 300, outputTokens: 7 }] });
    const started = Date.now();
    let text = "";
    for await (const chunk of await model.stream([new HumanMessage("users?")], { callbacks: [tracer()] })) text += String(chunk.content);
    expect(text).toBe("SELECT name FROM users");
    const span = one(otel.spans(), "chat gpt-4o");
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(300);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(7);
    const firstToken = Date.parse(String(span.attributes["langfuse.observation.completion_start_time"]));
    expect(firstToken).toBeGreaterThanOrEqual(started - 5);
    expect(firstToken).toBeLessThanOrEqual(Date.now());
    expect(span.attributes["gen_ai.response.time_to_first_chunk"]).toBeGreaterThanOrEqual(0);
  });

  it("maps LangChain providers to gen_ai.provider.name", async () => {
    for (const [lsProvider, expected] of [
      ["anthropic", "anthropic"],
      ["google_genai", "gcp.gemini"],
      ["mistralai", "mistral_ai"],
      ["azure", "azure.ai.openai"],
      ["ollama", "ollama"],
    ] as const) {
      otel.reset();
      const { span } = await callOnce({ content: "x" }, {}, { provider: lsProvider, model: "m-1" });
      expect(span.attributes["gen_ai.provider.name"], lsProvider).toBe(expected);
    }
  });

  it("names a text-completion span `text_completion`, without a model when the integration reports none", async () => {
    const llm = new FakeLLM({ response: "SELECT 1" });
    await llm.invoke("complete me", { callbacks: [tracer()] });
    const [span] = otel.spans();
    expect(span!.name).toBe("text_completion");
    expect(span!.attributes["gen_ai.request.model"]).toBeUndefined();
    expect(span!.attributes["gen_ai.operation.name"]).toBe("text_completion");
    expect(span!.attributes["langfuse.observation.type"]).toBe("generation");
  });

  it("never puts an API key in any attribute, even with content capture on", async () => {
    const secret = "sk-live-0123456789abcdefSECRET";
    const model = new ScriptedChatModel({ model: "gpt-4o", apiKey: secret, replies: [{ content: "ok" }] });
    const t = tracer({ captureContent: true });
    await model.invoke([new HumanMessage("hi")], { callbacks: [t], metadata: { api_key: secret } });
    // The serialised model really carries the key as a LangChain secret: we are testing the right thing.
    expect(JSON.stringify(model.toJSON())).toContain('"type":"secret"');
    await buildText2QueryGraph().invoke({ question: "orders?" }, { callbacks: [t], configurable: { openai_api_key: secret }, metadata: { apiKey: secret } });
    expect(otel.spans().length).toBeGreaterThan(1);
    expect(allAttributeText(otel.spans())).not.toContain(secret);
  });

  describe("content capture", () => {
    it("is off by default: no prompt, completion or state on any span", async () => {
      await buildText2QueryGraph().invoke({ question: "secret question about orders" }, { callbacks: [tracer()] });
      const text = allAttributeText(otel.spans());
      expect(text).not.toContain("secret question");
      expect(text).not.toContain("langfuse.observation.input");
      expect(text).not.toContain("gen_ai.input.messages");
      expect(text).not.toContain("langfuse.observation.output");
    });

    it("when on, records prompts and completions as Langfuse input/output and semconv messages", async () => {
      const { span } = await callOnce({ content: "SELECT name FROM users" }, { captureContent: true });
      expect(JSON.parse(String(span.attributes["langfuse.observation.input"]))).toEqual([
        { role: "system", content: "You write SQL." },
        { role: "user", content: "Orders per user?" },
      ]);
      expect(JSON.parse(String(span.attributes["gen_ai.input.messages"]))).toEqual([
        { role: "system", parts: [{ type: "text", content: "You write SQL." }] },
        { role: "user", parts: [{ type: "text", content: "Orders per user?" }] },
      ]);
      expect(JSON.parse(String(span.attributes["langfuse.observation.output"]))).toEqual({ role: "assistant", content: "SELECT name FROM users" });
      expect(JSON.parse(String(span.attributes["gen_ai.output.messages"]))).toEqual([
        { role: "assistant", parts: [{ type: "text", content: "SELECT name FROM users" }], finish_reason: "stop" },
      ]);
    });

    it("truncates each value to N characters when captureContent is a number", async () => {
      const long = "x".repeat(5000);
      const { span } = await callOnce({ content: long }, { captureContent: 100 });
      expect(String(span.attributes["langfuse.observation.output"]).length).toBeLessThanOrEqual(100);
      expect(String(span.attributes["langfuse.observation.input"]).length).toBeLessThanOrEqual(100);
    });

    it("passes every captured value through the redact hook, and survives a hook that throws", async () => {
      const seen: string[] = [];
      await callOnce(
        { content: "mail bob@example.com" },
        {
          captureContent: true,
          redact: (text, info) => {
            seen.push(`${info.runType}:${info.field}`);
            return text.replace(/[\w.]+@[\w.]+/g, "<email>");
          },
        },
      );
      const span = one(otel.spans(), "chat gpt-4o");
      expect(String(span.attributes["langfuse.observation.output"])).toContain("<email>");
      expect(String(span.attributes["langfuse.observation.output"])).not.toContain("bob@");
      expect(seen).toContain("llm:input");
      expect(seen).toContain("llm:output");

      otel.reset();
      const { out } = await callOnce({ content: "fine" }, { captureContent: true, redact: () => { throw new Error("boom"); } });
      expect(out.content).toBe("fine");
      expect(one(otel.spans(), "chat gpt-4o").attributes["langfuse.observation.output"]).toBe("[redaction failed]");
    });

    it("redacts reported SQL too, and bounds its length", async () => {
      const t = tracer({ redact: (text) => text.replace(/'[^']*'/g, "'?'"), maxSqlLength: 40 });
      await buildText2QueryGraph().invoke({ question: "orders?" }, { callbacks: [t] });
      const sql = otel.spans().filter((s) => s.name === "validate_sql").map((s) => String(s.attributes["workflow.sql"]));
      for (const s of sql) expect(s.length).toBeLessThanOrEqual(40);
    });
  });
});
