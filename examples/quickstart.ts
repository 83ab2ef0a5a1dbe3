// quickstart.ts: a two-node LangGraph workflow traced by langgraph-telemetry; prints its spans and metrics.
// Run it with `npx tsx quickstart.ts` in an ES module project ("type": "module" in package.json).
// With OPENAI_API_KEY set it asks gpt-4o-mini (OPENAI_BASE_URL: any OpenAI-compatible server); without, a
// canned model answers, so it runs offline.
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";
import { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Registry } from "prom-client";
import { traceNode, WorkflowMetrics, WorkflowTracer } from "langgraph-telemetry";

// Spans go to the console here; setupTelemetry() sends them to Langfuse or any OTLP backend instead.
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
provider.register();

const model: BaseChatModel = process.env.OPENAI_API_KEY
  ? new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 })
  : new FakeListChatModel({ responses: ["sql_query", "SELECT count(*) FROM orders"] });

const State = Annotation.Root({ question: Annotation<string>(), intent: Annotation<string>(), sql: Annotation<string>() });

const graph = new StateGraph(State)
  .addNode(
    "classify_intent",
    // traceNode marks the node's stage and lets it report results onto its span (and the metrics).
    traceNode("intent", async (state: typeof State.State, config, report) => {
      const answer = await model.invoke(`Reply with one word, sql_query or other. Is this a question for a database? ${state.question}`, config);
      const intent = String(answer.content).trim();
      report.intent(intent, 0.9);
      return { intent };
    }),
  )
  .addNode("generate_sql", async (state: typeof State.State, config) => {
    const answer = await model.invoke(`Reply with one PostgreSQL query and nothing else: ${state.question}`, config);
    return { sql: String(answer.content).trim() };
  })
  .addEdge(START, "classify_intent")
  .addEdge("classify_intent", "generate_sql")
  .addEdge("generate_sql", END)
  .compile();

const registry = new Registry();
const tracer = new WorkflowTracer({ metrics: new WorkflowMetrics({ registry }) }); // one tracer for the whole app

const result = await graph.invoke(
  { question: "How many orders are there?" },
  { callbacks: [tracer], runName: "text2query", metadata: { user_id: "u-42", session_id: "s-7" }, tags: ["demo"] },
);
console.log("result:", result);
console.log(await registry.metrics()); // what a /metrics endpoint serves to Prometheus
await provider.shutdown();
