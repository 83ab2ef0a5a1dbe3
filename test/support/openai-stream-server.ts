import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ChatOpenAI } from "@langchain/openai";

/** How the loopback endpoint answers one chat completion. */
export interface StreamedReply {
  /** The text, sent as one chunk per word when the request streams. */
  content: string;
  /** Pause before each chunk (and before a non-streamed answer). */
  chunkDelayMs?: number;
  promptTokens?: number;
  completionTokens?: number;
}

/**
 * An OpenAI-compatible chat-completions endpoint on loopback that answers in OpenAI's wire shapes: a JSON
 * completion, or (with `stream: true`) server-sent `chat.completion.chunk` events word by word, the finish reason,
 * then the usage chunk `stream_options.include_usage` asks for and `[DONE]`. It stops writing when the client
 * goes away (a `ChatOpenAI` call aborted by its signal), and counts the requests it saw end that way.
 */
export class OpenAiStreamServer {
  private server: Server | undefined;
  url = "";
  requests = 0;
  /** Requests whose client disconnected before the answer was complete. */
  disconnected = 0;

  constructor(private readonly reply: (request: { model: string; messages: Array<{ role: string; content: unknown }> }) => StreamedReply) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  /** A real ChatOpenAI pointed at this endpoint (no retries: a test sees each call once). */
  model(model = "gpt-4o-mini"): ChatOpenAI {
    return new ChatOpenAI({ model, apiKey: "sk-loopback-test", temperature: 0, maxRetries: 0, configuration: { baseURL: this.url } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    this.requests++;
    const body = JSON.parse(raw) as { model: string; stream?: boolean; messages: Array<{ role: string; content: unknown }> };
    const reply = this.reply(body);
    const delay = reply.chunkDelayMs ?? 0;
    const usage = { prompt_tokens: reply.promptTokens ?? 12, completion_tokens: reply.completionTokens ?? 5, total_tokens: (reply.promptTokens ?? 12) + (reply.completionTokens ?? 5) };
    const id = `chatcmpl-loop${this.requests}`;
    const created = Math.floor(Date.now() / 1000);
    let gone = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        gone = true;
        this.disconnected++;
      }
    });
    const pause = () => new Promise((r) => setTimeout(r, delay));
    const words = reply.content.split(/(?<= )/);
    if (body.stream !== true) {
      // As long as the streamed answer would take.
      for (let i = 0; i < words.length && !gone; i++) await pause();
      if (gone) return;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ id, object: "chat.completion", created, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: reply.content }, finish_reason: "stop" }], usage }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: object, finish: string | null) => ({ id, object: "chat.completion.chunk", created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    send(chunk({ role: "assistant", content: "" }, null));
    for (const word of words) {
      await pause();
      if (gone) return;
      send(chunk({ content: word }, null));
    }
    send(chunk({}, "stop"));
    send({ id, object: "chat.completion.chunk", created, model: body.model, choices: [], usage });
    res.end("data: [DONE]\n\n");
  }
}
