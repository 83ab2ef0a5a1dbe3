import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatGenerationChunk, GenerationChunk, LLMResult } from "@langchain/core/outputs";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { REPLAY_QUESTION } from "../support/provider-replay.js";

/** A one-node LangGraph graph whose node awaits one call of `model`. */
export function replayGraph(model: BaseChatModel) {
  const State = Annotation.Root({ answer: Annotation<unknown>() });
  return new StateGraph(State)
    .addNode("call_model", async (_state: typeof State.State, config: RunnableConfig) => {
      const reply = await model.invoke([new HumanMessage(REPLAY_QUESTION)], config);
      return { answer: reply.content };
    })
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile();
}

/**
 * Runs the graph as an application would: `invoke` for a plain call; for a streamed call, `graph.stream` with
 * stream mode "messages" (how LangGraph apps stream tokens), whose handler makes the chat model stream. (A model
 * built with `streaming: true` and invoked without such a handler goes through ChatOpenAI's `_generate`, which
 * fetches a tiktoken encoding from the network to estimate usage: not something a loopback test may do.)
 */
export async function runReplayGraph(model: BaseChatModel, streaming: boolean, config: RunnableConfig): Promise<unknown> {
  const graph = replayGraph(model);
  if (!streaming) return graph.invoke({}, config);
  const chunks: unknown[] = [];
  for await (const chunk of await graph.stream({}, { ...config, streamMode: "messages" })) chunks.push(chunk);
  return { streamedMessages: chunks.length };
}

/** A LangChain message as plain data: the fields a callback reader can see. */
function plainMessage(message: BaseMessage): Record<string, unknown> {
  const m = message as BaseMessage & Record<string, unknown>;
  const out: Record<string, unknown> = { type: message.getType(), content: message.content };
  for (const key of ["id", "name", "additional_kwargs", "response_metadata", "usage_metadata", "tool_calls", "tool_call_chunks", "invalid_tool_calls"]) {
    if (m[key] !== undefined) out[key] = plain(m[key]);
  }
  return out;
}

function isMessage(value: unknown): value is BaseMessage {
  return typeof value === "object" && value !== null && typeof (value as { getType?: unknown }).getType === "function" && "content" in value;
}

/** Deep copy into JSON-able data (messages flattened to their fields), taken when the callback fires. */
export function plain(value: unknown, depth = 0): unknown {
  if (depth > 12) return "[depth]";
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? String(value) : value;
  if (isMessage(value)) return plainMessage(value);
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v !== "function") out[k] = plain(v, depth + 1);
  return out;
}

export interface RecordedCall {
  start?: { callback: "handleChatModelStart" | "handleLLMStart"; serialized: unknown; extraParams: unknown; metadata: unknown; tags: unknown; runName: unknown; input: unknown };
  tokens: Array<{ token: string; fields: unknown }>;
  end?: unknown;
  error?: string;
}

/** Records what LangChain hands a callback handler for each LLM run (awaited, so nothing races the assertions). */
export class RecordingHandler extends BaseCallbackHandler {
  name = "provider-shape-recorder";
  override awaitHandlers = true;
  readonly calls = new Map<string, RecordedCall>();

  private call(runId: string): RecordedCall {
    let call = this.calls.get(runId);
    if (!call) this.calls.set(runId, (call = { tokens: [] }));
    return call;
  }

  override handleChatModelStart(serialized: Serialized, messages: BaseMessage[][], runId: string, _parent?: string, extraParams?: Record<string, unknown>, tags?: string[], metadata?: Record<string, unknown>, runName?: string) {
    this.call(runId).start = { callback: "handleChatModelStart", serialized: plain(serialized), extraParams: plain(extraParams), metadata: plain(metadata), tags: plain(tags), runName, input: plain(messages) };
  }

  override handleLLMStart(serialized: Serialized, prompts: string[], runId: string, _parent?: string, extraParams?: Record<string, unknown>, tags?: string[], metadata?: Record<string, unknown>, runName?: string) {
    this.call(runId).start = { callback: "handleLLMStart", serialized: plain(serialized), extraParams: plain(extraParams), metadata: plain(metadata), tags: plain(tags), runName, input: prompts };
  }

  override handleLLMNewToken(token: string, _idx: unknown, runId: string, _parent?: string, _tags?: string[], fields?: { chunk?: GenerationChunk | ChatGenerationChunk }) {
    this.call(runId).tokens.push({ token, fields: plain(fields) });
  }

  override handleLLMEnd(output: LLMResult, runId: string) {
    this.call(runId).end = plain(output);
  }

  override handleLLMError(error: unknown, runId: string) {
    this.call(runId).error = String(error);
  }
}
