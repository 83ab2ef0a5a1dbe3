import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HumanMessage, SystemMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";

interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
}

/**
 * An OpenAI-compatible chat-completions server on loopback, answering as the example's demo model does (the
 * same understanding of questions, SQL, corrections and token usage, including cached prompt tokens), so the example
 * server runs its real ChatOpenAI path against it. Models put in `exhausted` answer as OpenAI does when an
 * account's quota is used up: 429 `insufficient_quota` (LangChain does not retry that).
 */
export class LoopbackLlm {
  readonly exhausted = new Set<string>();
  /** Models in `unauthorized` answer 401 as some providers and proxies do: echoing the refused key in the message. */
  readonly unauthorized = new Set<string>();
  readonly calls = new Map<string, number>();
  private readonly demo = new DemoChatModel();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body }) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)),
        (error: unknown) => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: String(error), type: "server_error" } })),
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    const request = JSON.parse(raw) as ChatRequest;
    this.calls.set(request.model, (this.calls.get(request.model) ?? 0) + 1);
    if (this.unauthorized.has(request.model)) {
      const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      return {
        status: 401,
        body: { error: { message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } },
      };
    }
    if (this.exhausted.has(request.model)) {
      return {
        status: 429,
        body: { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } },
      };
    }
    const messages: BaseMessage[] = request.messages.map((m) => (m.role === "system" ? new SystemMessage(String(m.content)) : new HumanMessage(String(m.content))));
    const reply = (await this.demo.invoke(messages)) as AIMessage;
    const usage = reply.usage_metadata!;
    return {
      status: 200,
      body: {
        id: reply.id,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: "assistant", content: String(reply.content) }, finish_reason: "stop" }],
        usage: {
          prompt_tokens: usage.input_tokens,
          completion_tokens: usage.output_tokens,
          total_tokens: usage.total_tokens,
          prompt_tokens_details: { cached_tokens: usage.input_token_details?.cache_read ?? 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    };
  }
}
