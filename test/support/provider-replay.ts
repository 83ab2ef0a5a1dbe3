import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { ChatAnthropic } from "@langchain/anthropic";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { ChatBedrockConverse } from "@langchain/aws";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ChatDeepSeek } from "@langchain/deepseek";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { ChatGroq } from "@langchain/groq";
import { ChatMistralAI } from "@langchain/mistralai";
import { ChatOllama } from "@langchain/ollama";
import { AzureChatOpenAI, ChatOpenAI, ChatOpenAICompletions } from "@langchain/openai";

/**
 * Replays real recorded provider responses (test/fixtures/providers) over loopback HTTP to the real LangChain
 * provider packages. The server answers whatever path the client calls with the recorded body; streams go out
 * event by event with a turn of the event loop between writes, so the client parses them as a stream.
 */

const FIXTURES = fileURLToPath(new URL("../fixtures/providers/", import.meta.url));

export type FixtureFormat = "json" | "sse" | "ndjson" | "eventstream";

export interface FixtureSource {
  repository: string;
  path: string;
  commit: string;
  licence: string;
  interaction: number;
}

export interface ProviderFixture {
  provider: string;
  scenario: string;
  format: FixtureFormat;
  /** The response body bytes, as recorded. */
  body: Buffer;
  /** The request body the recording sent, parsed (absent where the recording kept none). */
  request?: Record<string, unknown>;
  status: number;
  contentType: string;
  /** The URL the recording called (the provider's real endpoint). */
  url: string;
  source: FixtureSource;
}

interface ProvenanceEntry {
  scenario: string;
  source: FixtureSource;
  response: string;
  request?: string;
  status: number;
  contentType: string | null;
  url: string;
}

/** The content type each format is served with when the recording kept no response headers. */
const CONTENT_TYPES: Record<FixtureFormat, string> = {
  json: "application/json",
  sse: "text/event-stream; charset=utf-8",
  ndjson: "application/x-ndjson",
  eventstream: "application/vnd.amazon.eventstream",
};

const provenanceCache = new Map<string, ProvenanceEntry[]>();

function provenance(provider: string): ProvenanceEntry[] {
  let entries = provenanceCache.get(provider);
  if (!entries) {
    entries = (JSON.parse(readFileSync(`${FIXTURES}${provider}/provenance.json`, "utf8")) as { fixtures: ProvenanceEntry[] }).fixtures;
    provenanceCache.set(provider, entries);
  }
  return entries;
}

/** Every recorded scenario of a provider, in provenance order. */
export function fixtureScenarios(provider: string): string[] {
  return provenance(provider).map((e) => e.scenario);
}

export function loadFixture(provider: string, scenario: string): ProviderFixture {
  const entry = provenance(provider).find((e) => e.scenario === scenario);
  if (!entry) throw new Error(`no recorded fixture ${provider}/${scenario}: see test/fixtures/providers/${provider}/provenance.json`);
  const format = entry.response.slice(entry.response.lastIndexOf(".") + 1) as FixtureFormat;
  if (!(format in CONTENT_TYPES)) throw new Error(`fixture ${provider}/${entry.response}: unknown format "${format}"`);
  return {
    provider,
    scenario,
    format,
    body: readFileSync(`${FIXTURES}${provider}/${entry.response}`),
    request: entry.request ? (JSON.parse(readFileSync(`${FIXTURES}${provider}/${entry.request}`, "utf8")) as Record<string, unknown>) : undefined,
    status: entry.status,
    contentType: entry.contentType ?? CONTENT_TYPES[format],
    url: entry.url,
    source: entry.source,
  };
}

/**
 * The body cut into the pieces the provider sent: SSE events (each with its blank-line terminator), NDJSON
 * lines, AWS event-stream messages (length-prefixed). A JSON body is one piece.
 */
export function streamPieces(fixture: ProviderFixture): Buffer[] {
  const { body } = fixture;
  switch (fixture.format) {
    case "json":
      return [body];
    case "sse":
      return splitAfter(body, /\r?\n\r?\n/g);
    case "ndjson":
      return splitAfter(body, /\n/g);
    case "eventstream": {
      const pieces: Buffer[] = [];
      for (let at = 0; at < body.length; ) {
        const length = body.readUInt32BE(at);
        pieces.push(body.subarray(at, at + length));
        at += length;
      }
      return pieces;
    }
  }
}

function splitAfter(body: Buffer, separator: RegExp): Buffer[] {
  const text = body.toString("utf8");
  const pieces: Buffer[] = [];
  let start = 0;
  for (const match of text.matchAll(separator)) {
    const end = match.index + match[0].length;
    pieces.push(Buffer.from(text.slice(start, end), "utf8"));
    start = end;
  }
  if (start < text.length) pieces.push(Buffer.from(text.slice(start), "utf8"));
  return pieces;
}

/** The JSON payloads of a stream, in order: SSE `data:` lines (not `[DONE]`), NDJSON lines, event-stream message bodies. */
export function streamPayloads(fixture: ProviderFixture): unknown[] {
  if (fixture.format === "json") return [JSON.parse(fixture.body.toString("utf8"))];
  const payloads: unknown[] = [];
  for (const piece of streamPieces(fixture)) {
    if (fixture.format === "eventstream") {
      const headersLength = piece.readUInt32BE(4);
      const payload = piece.subarray(12 + headersLength, piece.length - 4).toString("utf8");
      if (payload) payloads.push(JSON.parse(payload));
      continue;
    }
    const text = piece.toString("utf8");
    if (fixture.format === "ndjson") {
      if (text.trim()) payloads.push(JSON.parse(text));
      continue;
    }
    const data = text.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
    if (data && data !== "[DONE]") payloads.push(JSON.parse(data));
  }
  return payloads;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  fixture: ProviderFixture;
  /** The response waits for this before its first byte (lets a test end the node while the call is in flight). */
  until?: Promise<unknown>;
}

/**
 * A loopback HTTP server that answers each request with the next queued recorded response. HTTP/1.1 by default;
 * `{ http2: true }` serves cleartext HTTP/2 (what the AWS SDK's Bedrock runtime client speaks by default).
 */
export class ReplayServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly queue: Reply[] = [];
  private fallback: Reply | undefined;
  private server: Server | Http2Server | undefined;
  private readonly sessions = new Set<Http2Session>();
  private inFlight = new Set<Promise<void>>();
  url = "";

  constructor(private readonly options: { http2?: boolean } = {}) {}

  async start(): Promise<this> {
    const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
        const reply = this.queue.shift() ?? this.fallback;
        const done = reply ? this.answer(res, reply) : Promise.resolve(void res.writeHead(599, { "content-type": "application/json" }).end('{"error":"no recorded response queued"}'));
        this.inFlight.add(done);
        void done.finally(() => this.inFlight.delete(done));
      });
    };
    if (this.options.http2) {
      const server = createHttp2Server(handle);
      server.on("session", (session) => {
        this.sessions.add(session);
        session.on("close", () => this.sessions.delete(session));
      });
      this.server = server;
    } else {
      this.server = createServer(handle);
    }
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answer the next request with `fixture` (after `until` settles, when given). */
  enqueue(fixture: ProviderFixture, until?: Promise<unknown>): this {
    this.queue.push({ fixture, until });
    return this;
  }

  /** Answer every request not otherwise queued with `fixture`. */
  always(fixture: ProviderFixture): this {
    this.fallback = { fixture };
    return this;
  }

  /** Resolves when every response begun so far has been written out in full. */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async stop(): Promise<void> {
    await this.drained();
    if (this.server) {
      if ("closeAllConnections" in this.server) this.server.closeAllConnections();
      for (const session of this.sessions) session.destroy();
      await new Promise((resolve) => this.server!.close(resolve));
    }
  }

  private async answer(res: ServerResponse | Http2ServerResponse, { fixture, until }: Reply): Promise<void> {
    await until;
    res.writeHead(fixture.status, { "content-type": fixture.contentType });
    if (fixture.format === "json") {
      res.end(fixture.body);
      return;
    }
    for (const piece of streamPieces(fixture)) {
      await new Promise<void>((resolve, reject) => (res as ServerResponse).write(piece, (error) => (error ? reject(error) : resolve())));
      await nextTurn();
    }
    res.end();
  }
}

/** How a scenario's model is built: which LangChain package and constructor form. */
export type ClientKind =
  | "openai"
  | "openai-completions"
  | "openai-responses"
  | "azure-fields"
  | "azure-positional"
  | "anthropic"
  | "google"
  | "bedrock"
  | "groq"
  | "mistral"
  | "deepseek"
  | "openai-compatible"
  | "ollama";

export interface ReplayModelOptions {
  /** The model (or Azure deployment) name the client requests. */
  model: string;
  streaming: boolean;
  /**
   * The URL the recording called. Clients built on an SDK that takes a `fetch` (OpenAI, Azure, DeepSeek,
   * OpenAI-compatible hosts, Anthropic) are configured with this real endpoint, as an application would be, and
   * their fetch reroutes to the loopback server; so what the client reports (its `baseURL` in the serialized
   * kwargs) names the real host. The others (Gemini, Bedrock, Groq, Mistral, Ollama) get the loopback URL itself.
   */
  recordedUrl: string;
}

const FAKE_KEY = "replay-key-not-a-secret";

/** A `fetch` that sends every request to `baseUrl` instead of the host in its URL (same path and query). */
export function loopbackFetch(baseUrl: string): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    return fetch(`${baseUrl}${url.pathname}${url.search}`, init);
  };
}

/** The recorded URL up to the API's version segment (`https://api.together.ai/v1`, `https://openrouter.ai/api/v1`). */
function recordedApiBase(recordedUrl: string): string {
  const url = new URL(recordedUrl);
  const version = /^(.*?\/v\d+(?:beta)?)(?:\/|$)/.exec(url.pathname)?.[1] ?? "";
  return `${url.origin}${version}`;
}

/** Whether the client of `kind` speaks HTTP/2 (its ReplayServer must be built with `{ http2: true }`). */
export function usesHttp2(kind: ClientKind): boolean {
  return kind === "bedrock";
}

/** The real LangChain chat model for `kind`, pointed at `baseUrl` (a ReplayServer's url); never retries. */
export function replayModel(kind: ClientKind, baseUrl: string, { model, streaming, recordedUrl }: ReplayModelOptions): BaseChatModel {
  const fetch = loopbackFetch(baseUrl);
  const openai = { apiKey: FAKE_KEY, maxRetries: 0, configuration: { baseURL: recordedApiBase(recordedUrl), fetch } };
  switch (kind) {
    case "openai":
    case "openai-compatible":
      return new ChatOpenAI({ model, streaming, ...openai });
    case "openai-completions":
      // ChatOpenAI sends some models (gpt-5.6-sol, *-pro, codex) to the Responses API whatever its options say;
      // ChatOpenAICompletions is LangChain's own class for forcing chat completions.
      return new ChatOpenAICompletions({ model, streaming, ...openai });
    case "openai-responses":
      return new ChatOpenAI({ model, streaming, useResponsesApi: true, ...openai });
    case "azure-fields":
      return new AzureChatOpenAI({ azureOpenAIApiDeploymentName: model, ...azure(recordedUrl, fetch), streaming });
    case "azure-positional":
      return new AzureChatOpenAI(model, { ...azure(recordedUrl, fetch), streaming });
    case "anthropic":
      return new ChatAnthropic({ model, streaming, apiKey: FAKE_KEY, maxRetries: 0, clientOptions: { fetch } });
    case "google":
      return new ChatGoogleGenerativeAI({ model, streaming, apiKey: FAKE_KEY, maxRetries: 0, baseUrl });
    case "bedrock":
      // `endpointHost` is always https and `clientOptions.endpoint` is overwritten by it, so the client is passed
      // in, with the SDK's own default transport (HTTP/2: serve with `new ReplayServer({ http2: true })`).
      return new ChatBedrockConverse({
        model,
        streaming,
        region: "us-east-1",
        client: new BedrockRuntimeClient({
          region: "us-east-1",
          endpoint: baseUrl,
          maxAttempts: 1,
          credentials: { accessKeyId: "AKIDREPLAYNOTASECRET", secretAccessKey: FAKE_KEY },
        }),
      });
    case "groq":
      return new ChatGroq({ model, streaming, apiKey: FAKE_KEY, maxRetries: 0, baseUrl });
    case "mistral":
      return new ChatMistralAI({ model, streaming, apiKey: FAKE_KEY, maxRetries: 0, serverURL: baseUrl });
    case "deepseek":
      return new ChatDeepSeek({ model, streaming, ...openai });
    case "ollama":
      return new ChatOllama({ model, streaming, baseUrl, maxRetries: 0 });
  }
}

/** AzureChatOpenAI's connection fields: the recorded resource endpoint and API version, fetch rerouted. */
function azure(recordedUrl: string, fetch: typeof globalThis.fetch) {
  const url = new URL(recordedUrl);
  return {
    azureOpenAIApiKey: FAKE_KEY,
    azureOpenAIEndpoint: url.origin,
    azureOpenAIApiVersion: url.searchParams.get("api-version") ?? "2024-10-21",
    maxRetries: 0,
    configuration: { fetch },
  };
}

/** The user message every replayed call sends (the recorded answer does not depend on it). */
export const REPLAY_QUESTION = "Replay the recorded answer.";

/**
 * A node that starts the model call and returns without awaiting it (`void model.invoke(x, config)`): the issue's
 * fire-and-forget probe. The started calls are kept in `calls` so a test can await them after the graph ends.
 */
export function fireAndForgetNode(model: BaseChatModel) {
  const calls: Promise<unknown>[] = [];
  const node = async (_state: unknown, config: RunnableConfig) => {
    calls.push(model.invoke([new HumanMessage(REPLAY_QUESTION)], config));
    return {};
  };
  return { node, calls };
}

/**
 * A node that races the model call against a timeout (`Promise.race([model.invoke(q, config), timeout])`), a
 * common latency guard: when the timeout wins, the node returns while the provider is still answering.
 */
export function timeoutRaceNode(model: BaseChatModel, timeoutMs: number) {
  const calls: Promise<unknown>[] = [];
  const node = async (_state: unknown, config: RunnableConfig) => {
    const call = model.invoke([new HumanMessage(REPLAY_QUESTION)], config);
    calls.push(call);
    const winner = await Promise.race([call.then(() => "answered" as const), new Promise<"timed out">((resolve) => setTimeout(() => resolve("timed out"), timeoutMs))]);
    return { outcome: winner };
  };
  return { node, calls };
}
