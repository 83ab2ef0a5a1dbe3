/**
 * One LLM call's end, followed through our code: which of our functions run, how often, in which files
 * (V8's precise coverage with call counts, taken around a single `handleLLMEnd` of an OpenAI-shaped call with
 * cached tokens, after 50 warm-up calls). `npm run bench:llm-path`; ROOT=<another checkout> measures that one
 * (its src/index.ts, run through tsx) — how the closing note of the one-record issue compared before and after.
 */
import { Session } from "node:inspector/promises";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const root = process.env.ROOT ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const session = new Session(); session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
const lib = await import(`${root}/src/index.ts`);
const exporter = new InMemorySpanExporter();
const t = new lib.WorkflowTracer({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), metrics: new lib.WorkflowMetrics({ registry: new Registry() }) });
const serialized = { lc: 1, type: "constructor", id: ["langchain", "chat_models", "openai", "ChatOpenAI"], kwargs: { model: "gpt-4o" } };
const md = { ls_provider: "openai", ls_model_name: "gpt-4o", ls_model_type: "chat", langgraph_node: "generate_sql" };
const msg = new AIMessage({ content: "SELECT 1", response_metadata: { model_name: "gpt-4o-2024-08-06", finish_reason: "stop", usage: { prompt_tokens: 900, completion_tokens: 48, total_tokens: 948, prompt_tokens_details: { cached_tokens: 512 } } }, usage_metadata: { input_tokens: 900, output_tokens: 48, total_tokens: 948, input_token_details: { cache_read: 512 } } });
const out = () => ({ generations: [[{ text: "SELECT 1", message: msg, generationInfo: { finish_reason: "stop" } }]], llmOutput: { tokenUsage: { promptTokens: 900, completionTokens: 48, totalTokens: 948 } } });
function once(i: number) {
  const wf = `wf-${i}`, node = `node-${i}`, llm = `llm-${i}`;
  t.handleChainStart({ lc: 1, type: "not_implemented", id: ["langgraph", "CompiledStateGraph"] }, {}, wf, undefined, [], {}, undefined, "LangGraph");
  t.handleChainStart({ lc: 1, type: "not_implemented", id: ["langchain_core", "runnables", "RunnableCallable"] }, {}, node, wf, ["graph:step:1"], { langgraph_node: "generate_sql", langgraph_step: 1, langgraph_checkpoint_ns: `generate_sql:${i}` }, undefined, "generate_sql");
  t.handleChatModelStart(serialized, [[new HumanMessage("q")]], llm, node, { invocation_params: { model: "gpt-4o" } }, [], md, "ChatOpenAI");
  return { wf, node, llm };
}
for (let i = 0; i < 50; i++) { const r = once(i); t.handleLLMEnd(out(), r.llm, r.node); t.handleChainEnd({}, r.node, r.wf); t.handleChainEnd({}, r.wf); }
const r = once(99);
await session.post("Profiler.takePreciseCoverage"); // reset counts
t.handleLLMEnd(out(), r.llm, r.node);
const { result } = await session.post("Profiler.takePreciseCoverage");
const files = new Map<string, Array<[string, number]>>();
let calls = 0;
for (const s of result) {
  if (!s.url.includes(`${root}/src/`)) continue;
  for (const f of s.functions) { const c = f.ranges[0]!.count; if (c > 0 && f.functionName !== "") { const k = s.url.replace(`file://${root}/`, ""); (files.get(k) ?? files.set(k, []).get(k)!).push([f.functionName, c]); calls += c; } }
}
for (const [f, fns] of files) console.log(f, fns.map(([n, c]) => (c > 1 ? `${n}×${c}` : n)).join(" "));
console.log(`files ${files.size}, calls of our functions ${calls}, distinct functions ${[...files.values()].reduce((a, b) => a + b.length, 0)}; spans ${exporter.getFinishedSpans().length}`);
