/**
 * Which provider serves an LLM call (`gen_ai.provider.name`), and whether it is served locally (free). Decided
 * once, at the call's start, from what LangChain's start callback says: the endpoint's host when the client
 * was given a base URL of a known host (an OpenAI client pointed at Groq is Groq), else LangChain's
 * `ls_provider`, else the client's class name. The host table is documented in docs/metrics.md.
 */

/** LangChain `ls_provider` values → `gen_ai.provider.name` (the GenAI conventions' names where they have one). */
const LS_PROVIDERS: Readonly<Record<string, string>> = {
  openai: "openai",
  azure: "azure.ai.openai",
  azure_openai: "azure.ai.openai",
  anthropic: "anthropic",
  google_genai: "gcp.gemini",
  google: "gcp.gemini",
  google_vertexai: "gcp.vertex_ai",
  vertexai: "gcp.vertex_ai",
  mistral: "mistral_ai",
  mistralai: "mistral_ai",
  groq: "groq",
  bedrock: "aws.bedrock",
  amazon_bedrock: "aws.bedrock",
  cohere: "cohere",
  deepseek: "deepseek",
  xai: "x_ai",
  perplexity: "perplexity",
  together: "together",
  togetherai: "together",
  fireworks: "fireworks",
  cerebras: "cerebras",
  openrouter: "openrouter",
  ollama: "ollama",
  llama_cpp: "llama_cpp",
  llamacpp: "llama_cpp",
  watsonx: "ibm.watsonx.ai",
};

/** Class-name hints, for integrations that set no `ls_provider`. */
const CLASS_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/azure/i, "azure.ai.openai"],
  [/openai/i, "openai"],
  [/anthropic/i, "anthropic"],
  [/vertex/i, "gcp.vertex_ai"],
  [/google|gemini/i, "gcp.gemini"],
  [/mistral/i, "mistral_ai"],
  [/groq/i, "groq"],
  [/bedrock/i, "aws.bedrock"],
  [/ollama/i, "ollama"],
  [/llama_?cpp/i, "llama_cpp"],
  [/cohere/i, "cohere"],
  [/deepseek/i, "deepseek"],
  [/together/i, "together"],
  [/fireworks/i, "fireworks"],
];

/** Providers whose calls run on your own machine: free, whatever a hosted model of the same name costs. */
const LOCAL_PROVIDERS = new Set(["ollama", "llama_cpp", "lm_studio"]);

/** Known API hosts (exact, or a suffix when it starts with `.` or `-`) → provider; docs/metrics.md lists them. */
export const KNOWN_HOSTS: ReadonlyArray<readonly [string, string]> = [
  ["api.openai.com", "openai"],
  [".openai.azure.com", "azure.ai.openai"],
  [".cognitiveservices.azure.com", "azure.ai.openai"],
  [".services.ai.azure.com", "azure.ai.openai"],
  ["api.anthropic.com", "anthropic"],
  ["generativelanguage.googleapis.com", "gcp.gemini"],
  ["aiplatform.googleapis.com", "gcp.vertex_ai"],
  ["-aiplatform.googleapis.com", "gcp.vertex_ai"],
  ["api.groq.com", "groq"],
  ["api.together.xyz", "together"],
  ["api.together.ai", "together"],
  ["api.fireworks.ai", "fireworks"],
  ["api.deepseek.com", "deepseek"],
  ["api.mistral.ai", "mistral_ai"],
  ["openrouter.ai", "openrouter"],
  ["api.x.ai", "x_ai"],
  ["api.perplexity.ai", "perplexity"],
  ["api.cerebras.ai", "cerebras"],
  ["api.moonshot.ai", "moonshotai"],
  ["api.novita.ai", "novita"],
  ["dashscope.aliyuncs.com", "alibaba_cloud"],
  ["dashscope-intl.aliyuncs.com", "alibaba_cloud"],
];

/** Default ports of local servers, on a loopback host: Ollama, LM Studio, a llama.cpp server. */
export const LOCAL_PORTS: Readonly<Record<string, string>> = { "11434": "ollama", "1234": "lm_studio", "8080": "llama_cpp" };

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0"]);

export interface ServedBy {
  /** `gen_ai.provider.name`. */
  readonly provider: string;
  /** Served locally: free. */
  readonly local: boolean;
}

/** `host` and `host:port` of a base URL, lower case; undefined when it is not a URL. */
function hostOf(baseUrl: string): { host: string; port: string } | undefined {
  try {
    const url = new URL(baseUrl);
    return { host: url.hostname.toLowerCase(), port: url.port };
  } catch {
    return undefined;
  }
}

function knownHost(host: string): string | undefined {
  for (const [pattern, provider] of KNOWN_HOSTS) {
    if (pattern.charCodeAt(0) === 46 /* . */ || pattern.charCodeAt(0) === 45 /* - */ ? host.endsWith(pattern) : host === pattern) return provider;
  }
  return undefined;
}

/**
 * Who serves a call. `lsProvider` and `runnableClass` are what LangChain says; `baseUrl` the client's
 * configured endpoint, if any; `localHosts` the hosts (`host` or `host:port`) the user declared local.
 */
export function servedBy(lsProvider: string | undefined, runnableClass: string, baseUrl: string | undefined, localHosts: ReadonlySet<string>): ServedBy {
  // Calls come from one model after another of the same client: the last answer is reused (a base URL is
  // parsed with `new URL` otherwise, on every call).
  const last = lastServed;
  if (last !== undefined && last.lsProvider === lsProvider && last.runnableClass === runnableClass && last.baseUrl === baseUrl && last.localHosts === localHosts) return last.served;
  const served = resolveServedBy(lsProvider, runnableClass, baseUrl, localHosts);
  lastServed = { lsProvider, runnableClass, baseUrl, localHosts, served };
  return served;
}

/** The arguments and answer of the last `servedBy` (it is a pure function of them; `localHosts` is never mutated). */
let lastServed: { lsProvider: string | undefined; runnableClass: string; baseUrl: string | undefined; localHosts: ReadonlySet<string>; served: ServedBy } | undefined;

function resolveServedBy(lsProvider: string | undefined, runnableClass: string, baseUrl: string | undefined, localHosts: ReadonlySet<string>): ServedBy {
  const declared = lsProvider?.toLowerCase();
  let provider = declared !== undefined ? LS_PROVIDERS[declared] : undefined;
  if (provider === undefined) {
    for (const [pattern, name] of CLASS_HINTS) {
      if (pattern.test(runnableClass) || (declared !== undefined && pattern.test(declared))) {
        provider = name;
        break;
      }
    }
  }
  provider ??= declared ?? "unknown";
  if (baseUrl !== undefined) {
    const at = hostOf(baseUrl);
    if (at !== undefined) {
      if (localHosts.size > 0 && (localHosts.has(at.host) || localHosts.has(`${at.host}:${at.port}`))) return { provider, local: true };
      const hosted = knownHost(at.host);
      if (hosted !== undefined) return { provider: hosted, local: false };
      if (LOOPBACK.has(at.host)) {
        const server = LOCAL_PORTS[at.port];
        if (server !== undefined) return { provider: server, local: true };
      }
    }
  }
  return { provider, local: LOCAL_PROVIDERS.has(provider) };
}
