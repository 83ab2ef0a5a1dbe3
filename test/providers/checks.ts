import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { expect } from "vitest";
import { GenAI, Langfuse, Workflow } from "../../src/index.js";
import type { Scrape } from "../support/exposition.js";
import type { ExpectedCall, UsageBuckets } from "../support/provider-expected.js";
import type { HiddenFact, Scenario } from "./scenarios.js";

/**
 * What each replayed call must show, as a table: a check applies to a scenario when its payload has the fact,
 * and compares our telemetry with what the provider billed (test/support/provider-expected.ts). Every check
 * states a behaviour issue 25 specifies; none pins today's numbers.
 */

/**
 * `gen_ai.provider.name` per fixture folder: the GenAI conventions' well-known values; hosts the conventions do
 * not list (Together, OpenRouter, Ollama) by genai-prices' provider id.
 */
export const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  azure: "azure.ai.openai",
  anthropic: "anthropic",
  google: "gcp.gemini",
  bedrock: "aws.bedrock",
  groq: "groq",
  deepseek: "deepseek",
  mistral: "mistral_ai",
  together: "together",
  openrouter: "openrouter",
  ollama: "ollama",
};

export interface Replayed {
  scenario: Scenario;
  expected: ExpectedCall;
  spans: ReadableSpan[];
  /** The one LLM span of the run. */
  llm: ReadableSpan;
  scrape: Scrape;
  /** WorkflowMetrics' metric name prefix (`langgraph_` by default). */
  prefix: string;
  /** Sums of the OTel `gen_ai.client.token.usage` histogram, by token type. */
  otelTokens: { input: number; output: number };
}

export interface Check {
  name: string;
  applies(r: Pick<Replayed, "scenario" | "expected">): boolean;
  verify(r: Replayed): void;
}

const attr = (r: Replayed, key: string): unknown => (r.llm.attributes as Attributes)[key];
const json = (r: Replayed, key: string): Record<string, unknown> | undefined => {
  const v = attr(r, key);
  return typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : undefined;
};
/** Relative closeness for money: exact to 1e-12 of the expected value. */
const closeTo = (actual: unknown, expected: number, what: string) => {
  expect(typeof actual, `${what} is a number`).toBe("number");
  expect(Math.abs((actual as number) - expected), `${what}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
};
/** A token count the payload reports as non-zero equals it; one it does not report is absent or zero. */
const countCheck = (key: string, pick: (e: ExpectedCall) => number | undefined, hiddenAs?: HiddenFact) => (r: Replayed) => {
  const want = pick(r.expected) ?? 0;
  if (hiddenAs && r.scenario.hidden.includes(hiddenAs)) expect([undefined, 0, want]).toContain(attr(r, key));
  else if (want > 0) expect(attr(r, key)).toBe(want);
  else expect([undefined, 0]).toContain(attr(r, key));
};
/** A fact LangChain hides (Scenario.hidden) may be absent; when present it must be the payload's. */
const factCheck = (key: string, fact: "responseModel" | "responseId") => (r: Replayed) => {
  const value = attr(r, key);
  if (r.scenario.hidden.includes(fact) && value === undefined) return;
  expect(value).toBe(r.expected[fact]);
};
const nonZero = (buckets: Record<string, unknown>) => Object.fromEntries(Object.entries(buckets).filter(([, v]) => v !== 0));
const answeredModel = (e: ExpectedCall, s: Scenario) => e.responseModel ?? s.requestModel;
const priced = (e: ExpectedCall) => (e.price?.kind === "priced" ? e.price : undefined);
const spanTokens = (r: Replayed) => Number(attr(r, GenAI.USAGE_INPUT_TOKENS) ?? 0) + Number(attr(r, GenAI.USAGE_OUTPUT_TOKENS) ?? 0);

export const CHECKS: Check[] = [
  {
    name: "gen_ai.usage.input_tokens = billed input (cache included)",
    applies: () => true,
    verify: (r) => expect(attr(r, GenAI.USAGE_INPUT_TOKENS)).toBe(r.expected.usage?.input),
  },
  {
    name: "gen_ai.usage.output_tokens = billed output (reasoning included)",
    applies: () => true,
    verify: (r) => expect(attr(r, GenAI.USAGE_OUTPUT_TOKENS)).toBe(r.expected.usage?.output),
  },
  { name: "gen_ai.usage.cache_read.input_tokens", applies: () => true, verify: countCheck(GenAI.USAGE_CACHE_READ_INPUT_TOKENS, (e) => e.usage?.cacheRead) },
  { name: "gen_ai.usage.cache_creation.input_tokens", applies: () => true, verify: countCheck(GenAI.USAGE_CACHE_CREATION_INPUT_TOKENS, (e) => e.usage?.cacheWrite) },
  { name: "gen_ai.usage.reasoning.output_tokens", applies: () => true, verify: countCheck(GenAI.USAGE_REASONING_OUTPUT_TOKENS, (e) => e.usage?.reasoning, "reasoning") },
  {
    name: "langfuse usage_details: disjoint buckets of the bill",
    applies: () => true,
    verify: (r) => {
      const details = json(r, Langfuse.OBSERVATION_USAGE_DETAILS);
      if (!r.expected.buckets) return expect(details).toBeUndefined();
      const exact = nonZero(r.expected.buckets as unknown as Record<string, unknown>);
      if (r.scenario.hidden.includes("reasoning") && details?.output_reasoning === undefined) {
        // Reasoning the package hides can only be reported as part of output.
        const { output_reasoning: reasoning = 0, output = 0, ...rest } = exact as Record<string, number>;
        return expect(nonZero(details ?? {})).toEqual(nonZero({ ...rest, output: output + reasoning }));
      }
      expect(nonZero(details ?? {})).toEqual(exact);
    },
  },
  {
    name: "gen_ai.response.model = the model that answered",
    applies: ({ expected }) => expected.responseModel !== undefined,
    verify: factCheck(GenAI.RESPONSE_MODEL, "responseModel"),
  },
  {
    name: "gen_ai.response.id",
    applies: ({ expected }) => expected.responseId !== undefined,
    verify: factCheck(GenAI.RESPONSE_ID, "responseId"),
  },
  {
    name: "gen_ai.response.finish_reasons",
    applies: ({ expected }) => expected.finishReasons !== undefined && expected.finishReasons.length > 0,
    verify: (r) => expect(attr(r, GenAI.RESPONSE_FINISH_REASONS)).toEqual(r.expected.finishReasons),
  },
  {
    name: "gen_ai.provider.name",
    applies: () => true,
    verify: (r) => expect(attr(r, GenAI.PROVIDER_NAME)).toBe(PROVIDER_NAMES[r.scenario.fixture.provider]),
  },
  {
    name: "langfuse model = the model that answered",
    applies: () => true,
    verify: (r) => expect(attr(r, Langfuse.OBSERVATION_MODEL)).toBe(answeredModel(r.expected, r.scenario)),
  },
  {
    name: "workflow.cost_usd = genai-prices calcPrice total (local: zero; no usage: none)",
    applies: () => true,
    verify: (r) => {
      const price = r.expected.price;
      const cost = attr(r, Workflow.COST_USD);
      if (price?.kind === "priced") closeTo(cost, price.total, "workflow.cost_usd");
      else if (price?.kind === "local") expect([undefined, 0]).toContain(cost);
      else expect(cost).toBeUndefined();
    },
  },
  {
    name: "langfuse cost_details: total = calcPrice, input and output parts = its input and output prices",
    applies: ({ expected }) => expected.price?.kind === "priced",
    verify: (r) => {
      const price = priced(r.expected)!;
      const details = (json(r, Langfuse.OBSERVATION_COST_DETAILS) ?? {}) as Partial<Record<keyof UsageBuckets, number>>;
      closeTo(details.total, price.total, "cost_details.total");
      closeTo((details.input ?? 0) + (details.input_cache_read ?? 0) + (details.input_cache_creation ?? 0), price.input, "input parts");
      closeTo((details.output ?? 0) + (details.output_reasoning ?? 0), price.output, "output parts");
    },
  },
  {
    name: "no price sent to Langfuse for an unpriced model",
    applies: ({ expected }) => expected.price?.kind === "unpriced",
    verify: (r) => expect(attr(r, Langfuse.OBSERVATION_COST_DETAILS)).toBeUndefined(),
  },
  {
    name: "gen_ai.output.messages has a tool_call part per tool call",
    applies: ({ expected }) => expected.toolCalls.length > 0,
    verify: (r) => {
      const messages = JSON.parse(String(attr(r, GenAI.OUTPUT_MESSAGES) ?? "[]")) as Array<{ parts?: Array<Record<string, unknown>> }>;
      const parts = messages.flatMap((m) => m.parts ?? []).filter((p) => p.type === "tool_call");
      expect(parts.map((p) => p.name)).toEqual(r.expected.toolCalls.map((t) => t.name));
      r.expected.toolCalls.forEach((call, i) => {
        if (call.id !== undefined && !r.scenario.hidden.includes("toolCallIds")) expect(parts[i]?.id).toBe(call.id);
        const args = parts[i]?.arguments;
        expect(typeof args === "string" ? JSON.parse(args) : args).toEqual(call.arguments);
      });
    },
  },
  {
    name: "Prometheus llm_tokens_total = the span's tokens",
    applies: () => true,
    verify: (r) => expect(r.scrape.sum(`${r.prefix}llm_tokens_total`)).toBe(spanTokens(r)),
  },
  {
    name: "Prometheus llm_cost_dollars_total = the span's cost",
    applies: () => true,
    verify: (r) => closeTo(r.scrape.sum(`${r.prefix}llm_cost_dollars_total`), Number(attr(r, Workflow.COST_USD) ?? 0), "llm_cost_dollars_total"),
  },
  {
    name: "Prometheus llm_unpriced_tokens_total counts an unpriced model's tokens, nothing else",
    applies: () => true,
    verify: (r) => expect(r.scrape.sum(`${r.prefix}llm_unpriced_tokens_total`)).toBe(r.expected.price?.kind === "unpriced" ? spanTokens(r) : 0),
  },
  {
    name: "Prometheus model label = the model that answered",
    applies: ({ expected }) => expected.usage !== undefined,
    verify: (r) => expect(r.scrape.labelValues(`${r.prefix}llm_tokens_total`, "model")).toEqual([answeredModel(r.expected, r.scenario)]),
  },
  {
    name: "Prometheus provider label = gen_ai.provider.name",
    applies: ({ expected }) => expected.usage !== undefined,
    verify: (r) => expect(r.scrape.labelValues(`${r.prefix}llm_tokens_total`, "provider")).toEqual([PROVIDER_NAMES[r.scenario.fixture.provider]]),
  },
  {
    name: "gen_ai.client.token.usage (OTel) = the span's tokens",
    applies: () => true,
    verify: (r) => {
      expect(r.otelTokens.input).toBe(Number(attr(r, GenAI.USAGE_INPUT_TOKENS) ?? 0));
      expect(r.otelTokens.output).toBe(Number(attr(r, GenAI.USAGE_OUTPUT_TOKENS) ?? 0));
    },
  },
];
