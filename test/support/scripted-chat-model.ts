import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** One scripted reply, with the usage a real provider would report for it. */
export interface ScriptedReply {
  content: string;
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
  finishReason?: string;
  /** Throw this instead of answering (after `delayMs`). */
  error?: Error;
  delayMs?: number;
  /** Report usage only in `llmOutput.tokenUsage` (legacy OpenAI shape), not on the message. */
  legacyUsage?: boolean;
  /** Report no usage at all. */
  noUsage?: boolean;
}

export interface ScriptedChatModelFields extends BaseChatModelParams {
  model?: string;
  /** Model name the "provider" answers with (e.g. a dated version). */
  responseModel?: string;
  provider?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  apiKey?: string;
  replies: ScriptedReply[] | ((messages: BaseMessage[]) => ScriptedReply);
}

let responseCounter = 0;

/**
 * A chat model that answers from a script but otherwise behaves like a provider integration: real
 * AIMessages with usage_metadata and response_metadata, LangChain's standard ls_* tracing params, a
 * secret API key field, and streaming with usage on the final chunk only (OpenAI's stream_options shape).
 */
export class ScriptedChatModel extends BaseChatModel<BaseChatModelCallOptions> {
  model: string;
  responseModel: string;
  provider: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  apiKey?: string;
  private readonly script: ScriptedChatModelFields["replies"];
  private next = 0;

  static override lc_name() {
    return "ScriptedChatModel";
  }

  override lc_serializable = true;

  override get lc_secrets(): Record<string, string> {
    return { apiKey: "SCRIPTED_API_KEY" };
  }

  constructor(fields: ScriptedChatModelFields) {
    super(fields);
    this.model = fields.model ?? "gpt-4o-mini";
    this.responseModel = fields.responseModel ?? this.model;
    this.provider = fields.provider ?? "openai";
    this.temperature = fields.temperature;
    this.maxTokens = fields.maxTokens;
    this.topP = fields.topP;
    this.apiKey = fields.apiKey;
    this.script = fields.replies;
  }

  _llmType(): string {
    return "scripted";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return {
      ls_provider: this.provider,
      ls_model_name: this.model,
      ls_model_type: "chat" as const,
      ls_temperature: this.temperature,
      ls_max_tokens: this.maxTokens,
      ls_stop: options.stop,
    };
  }

  override invocationParams(): Record<string, unknown> {
    // Deliberately includes the raw key, as careless integrations do: the tracer must never copy it.
    return { model: this.model, temperature: this.temperature, max_tokens: this.maxTokens, top_p: this.topP, api_key: this.apiKey };
  }

  private reply(messages: BaseMessage[]): ScriptedReply {
    if (typeof this.script === "function") return this.script(messages);
    const reply = this.script[this.next % this.script.length];
    this.next++;
    if (reply === undefined) throw new Error("ScriptedChatModel: empty script");
    return reply;
  }

  private usage(reply: ScriptedReply) {
    const input = reply.inputTokens ?? 120;
    const output = reply.outputTokens ?? 40;
    return {
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      ...(reply.cachedTokens ? { input_token_details: { cache_read: reply.cachedTokens } } : {}),
      ...(reply.reasoningTokens ? { output_token_details: { reasoning: reply.reasoningTokens } } : {}),
    };
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const reply = this.reply(messages);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.error) throw reply.error;
    const id = `chatcmpl-${++responseCounter}`;
    const usage = this.usage(reply);
    const message = new AIMessage({
      content: reply.content,
      id,
      usage_metadata: reply.legacyUsage || reply.noUsage ? undefined : usage,
      response_metadata: { model_name: this.responseModel, finish_reason: reply.finishReason ?? "stop", id },
    });
    const llmOutput = reply.legacyUsage
      ? { tokenUsage: { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, totalTokens: usage.total_tokens } }
      : {};
    return { generations: [{ text: reply.content, message }], llmOutput };
  }

  override async *_streamResponseChunks(messages: BaseMessage[], _options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const reply = this.reply(messages);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.error) throw reply.error;
    const id = `chatcmpl-${++responseCounter}`;
    const words = reply.content.split(/(?<= )/);
    for (const word of words) {
      const chunk = new ChatGenerationChunk({ text: word, message: new AIMessageChunk({ content: word, id }) });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, { chunk });
    }
    // Usage arrives on the last, empty chunk only.
    const last = new ChatGenerationChunk({
      text: "",
      message: new AIMessageChunk({
        content: "",
        id,
        usage_metadata: reply.noUsage ? undefined : this.usage(reply),
        response_metadata: { model_name: this.responseModel, finish_reason: reply.finishReason ?? "stop", id },
      }),
    });
    yield last;
    await runManager?.handleLLMNewToken("", undefined, undefined, undefined, undefined, { chunk: last });
  }
}
