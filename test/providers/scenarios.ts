import { loadFixture, type ClientKind, type ProviderFixture } from "../support/provider-replay.js";

/**
 * Every replayed scenario: one recorded fixture, the LangChain package and constructor form that calls it.
 * Adding a scenario is one line (after adding its recording and provenance under test/fixtures/providers).
 */
export interface Scenario {
  /** Unique label: `<provider>/<scenario>` plus the client form when one fixture is replayed through several. */
  label: string;
  fixture: ProviderFixture;
  client: ClientKind;
  /** The model (Azure: deployment) the client requests: the recording's own request. */
  requestModel: string;
  streaming: boolean;
  /** Facts of the payload the LangChain package never hands to callbacks, so no tracer can report them. */
  hidden: HiddenFact[];
}

export type HiddenFact = "responseModel" | "responseId" | "reasoning" | "toolCallIds";

/**
 * What each LangChain package drops before any callback sees it (found in the shape dumps of
 * test/providers/shapes.ts; corpus.test.ts checks it is still so, so an entry expires when the package improves).
 */
export const HIDDEN_BY_LANGCHAIN: ReadonlyArray<readonly [RegExp, readonly HiddenFact[], string]> = [
  [/^google\//, ["responseModel", "responseId"], "@langchain/google-genai drops modelVersion and responseId"],
  [/^mistral\/.*stream/, ["responseId"], "@langchain/mistralai streams drop the completion id"],
  [/^anthropic\/thinking-stream$/, ["reasoning"], "@langchain/anthropic streams drop message_delta's usage.output_tokens_details"],
  [/^ollama\/tool-call/, ["toolCallIds"], "@langchain/ollama replaces the provider's tool-call ids with generated UUIDs"],
];

function scenario(provider: string, name: string, client: ClientKind, requestModel?: string): Scenario {
  const fixture = loadFixture(provider, name);
  const label = `${provider}/${name}${client === "azure-positional" ? " (new AzureChatOpenAI(deployment))" : ""}`;
  const key = `${provider}/${name}`;
  const hidden = HIDDEN_BY_LANGCHAIN.filter(([pattern]) => pattern.test(key)).flatMap(([, facts]) => facts);
  return { label, fixture, client, requestModel: requestModel ?? recordedRequestModel(fixture), streaming: fixture.format !== "json", hidden };
}

/** The model the recording asked for: the request body's `model`, else the deployment or model in its URL. */
export function recordedRequestModel(fixture: ProviderFixture): string {
  const url = new URL(fixture.url);
  const deployment = /\/deployments\/([^/]+)\//.exec(url.pathname)?.[1];
  if (deployment) return decodeURIComponent(deployment);
  const gemini = /\/models\/([^/:]+):/.exec(url.pathname)?.[1];
  if (gemini) return decodeURIComponent(gemini);
  const bedrock = /\/model\/([^/]+)\/converse/.exec(url.pathname)?.[1];
  if (bedrock) return decodeURIComponent(bedrock);
  const model = fixture.request?.model;
  if (typeof model === "string") return model;
  throw new Error(`${fixture.provider}/${fixture.scenario}: no model in the recorded request`);
}

export const SCENARIOS: Scenario[] = [
  scenario("openai", "chat", "openai"),
  scenario("openai", "chat-stream", "openai"),
  scenario("openai", "tool-call", "openai"),
  scenario("openai", "tool-call-stream", "openai"),
  scenario("openai", "cached", "openai"),
  scenario("openai", "reasoning", "openai"),
  scenario("openai", "cache-write", "openai-completions"),
  scenario("openai", "responses", "openai-responses"),
  scenario("openai", "responses-reasoning", "openai-responses"),
  scenario("openai", "responses-cached", "openai-responses"),
  scenario("openai", "responses-cache-write", "openai"),
  scenario("openai", "responses-stream", "openai-responses"),
  scenario("azure", "chat", "azure-fields"),
  scenario("azure", "chat", "azure-positional"),
  scenario("azure", "chat-stream", "azure-fields"),
  scenario("azure", "reasoning", "azure-fields"),
  scenario("azure", "reasoning", "azure-positional"),
  scenario("anthropic", "messages", "anthropic"),
  scenario("anthropic", "messages-stream", "anthropic"),
  scenario("anthropic", "tool-use", "anthropic"),
  scenario("anthropic", "tool-use-stream", "anthropic"),
  scenario("anthropic", "cache-write", "anthropic"),
  scenario("anthropic", "cache-read", "anthropic"),
  scenario("anthropic", "cache-write-stream", "anthropic"),
  scenario("anthropic", "cache-read-stream", "anthropic"),
  scenario("anthropic", "thinking", "anthropic"),
  scenario("anthropic", "thinking-undetailed", "anthropic"),
  scenario("anthropic", "thinking-stream", "anthropic"),
  scenario("google", "generate", "google"),
  scenario("google", "thinking", "google"),
  scenario("google", "function-call", "google"),
  scenario("google", "stream", "google"),
  scenario("google", "thinking-stream", "google"),
  scenario("google", "cached", "google"),
  scenario("bedrock", "converse", "bedrock"),
  scenario("bedrock", "converse-guardrail", "bedrock"),
  scenario("bedrock", "converse-tool", "bedrock"),
  scenario("bedrock", "converse-cache-write", "bedrock"),
  scenario("bedrock", "converse-stream", "bedrock"),
  scenario("bedrock", "converse-stream-tool", "bedrock"),
  scenario("groq", "chat", "groq"),
  scenario("groq", "chat-stream", "groq"),
  scenario("groq", "reasoning", "groq"),
  scenario("together", "chat", "openai-compatible"),
  scenario("together", "chat-stream", "openai-compatible"),
  scenario("together", "tool-call", "openai-compatible"),
  scenario("deepseek", "chat-stream", "deepseek"),
  scenario("deepseek", "tool-call-cached-reasoning", "deepseek"),
  scenario("deepseek", "reasoner-stream", "deepseek"),
  scenario("mistral", "chat-stream", "mistral"),
  scenario("mistral", "tool-call-stream", "mistral"),
  scenario("openrouter", "chat-reasoning", "openai-compatible"),
  scenario("openrouter", "cache-write", "openai-compatible"),
  scenario("openrouter", "chat-stream", "openai-compatible"),
  scenario("ollama", "chat", "ollama"),
  scenario("ollama", "chat-stream", "ollama"),
  scenario("ollama", "tool-call", "ollama"),
];
