import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";

/** One turn of a scripted agent model: tool calls to make, or a final answer. */
export interface AgentTurn {
  content?: string;
  toolCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  inputTokens?: number;
  outputTokens?: number;
  /** Wait this long first; an aborted `signal` rejects the wait, as a provider's fetch would. */
  delayMs?: number;
}

export interface ToolCallingModelFields extends BaseChatModelParams {
  model?: string;
  provider?: string;
  turns: AgentTurn[] | ((messages: BaseMessage[]) => AgentTurn);
}

let callCounter = 0;

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? Object.assign(new Error("Aborted"), { name: "AbortError" }));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? Object.assign(new Error("Aborted"), { name: "AbortError" }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A chat model that drives a tool-calling agent from a script: real AIMessages with `tool_calls`,
 * `usage_metadata` and `response_metadata`, LangChain's ls_* tracing params, and `bindTools` so
 * `createReactAgent` and `createAgent` accept it. A turn given as a function sees the conversation so far.
 */
export class ToolCallingModel extends BaseChatModel<BaseChatModelCallOptions> {
  model: string;
  provider: string;
  private readonly turns: ToolCallingModelFields["turns"];
  private next = 0;

  static override lc_name() {
    return "ToolCallingModel";
  }

  constructor(fields: ToolCallingModelFields) {
    super(fields);
    this.model = fields.model ?? "gpt-4o";
    this.provider = fields.provider ?? "openai";
    this.turns = fields.turns;
  }

  _llmType(): string {
    return "tool-calling-scripted";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ls_provider: this.provider, ls_model_name: this.model, ls_model_type: "chat" as const, ls_stop: options.stop };
  }

  override bindTools(_tools: unknown[]): Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions> {
    // The script decides which tools to call; binding only has to keep the model callable.
    return this as unknown as Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions>;
  }

  private turn(messages: BaseMessage[]): AgentTurn {
    if (typeof this.turns === "function") return this.turns(messages);
    const turn = this.turns[Math.min(this.next++, this.turns.length - 1)];
    if (turn === undefined) throw new Error("ToolCallingModel: empty script");
    return turn;
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const turn = this.turn(messages);
    if (turn.delayMs) await abortableDelay(turn.delayMs, options.signal);
    const id = `chatcmpl-tools-${++callCounter}`;
    const input = turn.inputTokens ?? 100;
    const output = turn.outputTokens ?? 20;
    const message = new AIMessage({
      content: turn.content ?? "",
      id,
      tool_calls: (turn.toolCalls ?? []).map((c, i) => ({ id: `call_${callCounter}_${i}`, name: c.name, args: c.args, type: "tool_call" as const })),
      usage_metadata: { input_tokens: input, output_tokens: output, total_tokens: input + output },
      response_metadata: { model_name: this.model, finish_reason: turn.toolCalls?.length ? "tool_calls" : "stop", id },
    });
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}
