// Prometheus metrics of a LangGraph workflow. Run: npx tsx examples/metrics.ts
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { Registry } from "prom-client";
import { traceNode, WorkflowMetrics, WorkflowTracer } from "langgraph-telemetry";

// A stand-in for ChatOpenAI (no key, no network): canned answers with the usage a provider reports.
class CannedChatModel extends BaseChatModel {
  model = "gpt-4o-mini";
  private answers = [{ text: "sql_query", input: 180, output: 3 }, { text: "SELECT count(*) FROM orders", input: 850, output: 12 }];
  _llmType() {
    return "canned";
  }
  override invocationParams() {
    return { model: this.model };
  }
  async _generate() {
    const { text, input, output } = this.answers.shift()!;
    const usage_metadata = { input_tokens: input, output_tokens: output, total_tokens: input + output };
    return { generations: [{ text, message: new AIMessage({ content: text, usage_metadata }) }] };
  }
}
const model = new CannedChatModel({});

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

const registry = new Registry();
const metrics = new WorkflowMetrics({ registry, prefix: "text2query_" });
const tracer = new WorkflowTracer({ metrics });

await graph.invoke({ question: "How many orders?" }, { callbacks: [tracer] });
console.log(await registry.metrics()); // what GET /metrics serves
