/**
 * What an LLM call asked for, read from its start callback's arguments: the model it named, who serves it,
 * and the request parameters (`gen_ai.request.*`). Pure; reads a bounded amount of untrusted input.
 */
import { finiteOf, objectOf, stringOf, type Obj } from "../shared/read.js";
import { cut } from "../shared/text.js";
import { servedBy } from "./provider.js";

const MAX_STOP_SEQUENCES = 16;

export interface LlmRequest {
  /** The model the request named, resolved through `deployments`; undefined when it named none. */
  readonly model: string | undefined;
  /** `gen_ai.provider.name`. */
  readonly provider: string;
  /** Served locally: free. */
  readonly local: boolean;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly seed?: number;
  readonly stop?: string[];
  readonly stream?: boolean;
}

/** What the tracer's options say about models and hosts. */
export interface RequestOptions {
  /** Model names by deployment (or alias) name. */
  readonly deployments: ReadonlyMap<string, string>;
  /** Hosts (`host` or `host:port`) the user serves locally. */
  readonly localHosts: ReadonlySet<string>;
}

/** The class name of a serialised runnable (`id: ["langchain", …, "ClassName"]`). */
function classOf(serialized: Obj | undefined): string {
  const ids = serialized?.id;
  return Array.isArray(ids) && ids.length > 0 ? (stringOf(ids[ids.length - 1]) ?? "") : "";
}

/** The endpoint the client was configured with, where LangChain's serialised constructor arguments keep it. */
function baseUrlOf(kwargs: Obj | undefined): string | undefined {
  if (kwargs === undefined) return undefined;
  const configuration = objectOf(kwargs.configuration);
  const clientOptions = objectOf(kwargs.client_options ?? kwargs.clientOptions);
  return (
    stringOf(configuration?.baseURL, 2048) ??
    stringOf(configuration?.basePath, 2048) ??
    stringOf(clientOptions?.baseURL, 2048) ??
    stringOf(kwargs.base_url, 2048) ??
    stringOf(kwargs.baseUrl, 2048) ??
    stringOf(kwargs.baseURL, 2048) ??
    stringOf(kwargs.anthropic_api_url, 2048) ??
    stringOf(kwargs.endpoint_url, 2048) ??
    stringOf(kwargs.endpoint_host, 2048)
  );
}

/**
 * The model a request named. Azure's client reports its default model (`gpt-3.5-turbo`) when given only a
 * deployment, so there the deployment decides unless a model was given; any name is then looked up in
 * `deployments`.
 */
function requestedModel(md: Obj | undefined, params: Obj | undefined, kwargs: Obj | undefined, provider: string, deployments: ReadonlyMap<string, string>): string | undefined {
  let model: string | undefined;
  if (provider === "azure.ai.openai" && kwargs !== undefined) {
    model = stringOf(kwargs.model) ?? stringOf(kwargs.model_name) ?? stringOf(kwargs.deployment_name) ?? stringOf(kwargs.azure_open_ai_api_deployment_name);
  }
  model ??=
    stringOf(md?.ls_model_name) ??
    stringOf(params?.model) ??
    stringOf(params?.model_name) ??
    stringOf(params?.modelName) ??
    stringOf(kwargs?.model) ??
    stringOf(kwargs?.model_name) ??
    stringOf(kwargs?.modelName) ??
    stringOf(kwargs?.model_id) ??
    stringOf(kwargs?.modelId);
  if (model === undefined || deployments.size === 0) return model;
  return deployments.get(model) ?? model;
}

/** The model, provider and parameters of an LLM call, from its start callback's arguments. */
export function readLlmRequest(serialized: unknown, extraParams: unknown, metadata: Obj | undefined, options: RequestOptions): LlmRequest {
  const s = objectOf(serialized);
  const kwargs = objectOf(s?.kwargs);
  const params = objectOf(objectOf(extraParams)?.invocation_params);
  const md = metadata;
  const served = servedBy(stringOf(md?.ls_provider), classOf(s), baseUrlOf(kwargs), options.localHosts);
  const request: { -readonly [K in keyof LlmRequest]: LlmRequest[K] } = {
    model: requestedModel(md, params, kwargs, served.provider, options.deployments),
    provider: served.provider,
    local: served.local,
  };
  const temperature = finiteOf(md?.ls_temperature) ?? finiteOf(params?.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const maxTokens =
    finiteOf(md?.ls_max_tokens) ?? finiteOf(params?.max_tokens) ?? finiteOf(params?.max_completion_tokens) ?? finiteOf(params?.maxOutputTokens) ?? finiteOf(params?.num_predict);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const topP = finiteOf(params?.top_p) ?? finiteOf(params?.topP);
  if (topP !== undefined) request.topP = topP;
  const topK = finiteOf(params?.top_k) ?? finiteOf(params?.topK);
  if (topK !== undefined) request.topK = topK;
  const frequencyPenalty = finiteOf(params?.frequency_penalty) ?? finiteOf(params?.frequencyPenalty);
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;
  const presencePenalty = finiteOf(params?.presence_penalty) ?? finiteOf(params?.presencePenalty);
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const seed = finiteOf(params?.seed);
  if (seed !== undefined) request.seed = seed;
  const stop = md?.ls_stop ?? params?.stop;
  if (Array.isArray(stop) && stop.length > 0 && stop.length <= MAX_STOP_SEQUENCES) {
    const sequences: string[] = [];
    for (let i = 0; i < stop.length; i++) if (typeof stop[i] === "string") sequences.push(cut(stop[i] as string, 200));
    if (sequences.length === stop.length) request.stop = sequences;
  }
  if (typeof params?.stream === "boolean") request.stream = params.stream;
  return request;
}
