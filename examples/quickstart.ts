// Quick start: a two-node LangGraph workflow traced to the console. Run: npx tsx examples/quickstart.ts
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { traceNode, WorkflowTracer } from "langgraph-telemetry";

const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
provider.register();

const model = new FakeListChatModel({ responses: ["sql_query", "SELECT count(*) FROM orders"] });
const State = Annotation.Root({ question: Annotation<string>(), intent: Annotation<string>(), sql: Annotation<string>() });

const graph = new StateGraph(State)
  .addNode(
    "classify_intent",
    traceNode("intent", async (state: typeof State.State, config, report) => {
      const intent = String((await model.invoke(state.question, config)).content);
      report.intent(intent, 0.9);
      return { intent };
    }),
  )
  .addNode("generate_sql", async (state: typeof State.State, config) => ({ sql: String((await model.invoke(state.question, config)).content) }))
  .addEdge(START, "classify_intent")
  .addEdge("classify_intent", "generate_sql")
  .addEdge("generate_sql", END)
  .compile();

const tracer = new WorkflowTracer(); // one instance for the whole app
const result = await graph.invoke(
  { question: "How many orders?" },
  { callbacks: [tracer], runName: "text2query", metadata: { user_id: "u-42", session_id: "s-7" }, tags: ["demo"] },
);
console.log("result:", result);
await provider.shutdown();
