import type { TracerProvider } from "@opentelemetry/api";
import { WorkflowMetrics, WorkflowTracer } from "../../src/index.js";
import { ScriptedChatModel } from "./scripted-chat-model.js";
import { buildText2QueryGraph, text2queryReplies } from "./text2query-graph.js";

/**
 * A realistic mix through the tracer into `metrics`: successes, an out-of-scope question, a run that gives up,
 * an LLM failure, other models, and quality results recorded outside a node.
 */
export async function metricsWorkload(tracerProvider: TracerProvider, metrics: WorkflowMetrics): Promise<WorkflowTracer> {
  const tracer = new WorkflowTracer({ tracerProvider, metrics, stages: { schema_context: "reasoning" } });
  const graph = buildText2QueryGraph();
  for (const q of ["How many orders per user?", "Tell me a joke", "Revenue by month?", "Top customers?"]) await graph.invoke({ question: q }, { callbacks: [tracer] });
  const stubborn = new ScriptedChatModel({
    model: "claude-3-5-sonnet-20241022",
    replies: (messages) => (String(messages[0]?.content).startsWith("[correct]") ? { content: "SELECT nme FROM users", inputTokens: 500, outputTokens: 10 } : text2queryReplies(messages)),
  });
  await buildText2QueryGraph({ model: stubborn }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer] });
  const failing = new ScriptedChatModel({ model: "acme-finetune", replies: [{ content: "", error: Object.assign(new Error("upstream timeout"), { name: "TimeoutError" }) }] });
  await buildText2QueryGraph({ model: failing }).invoke({ question: "How many orders per user?" }, { callbacks: [tracer] }).catch(() => undefined);
  metrics.recordValidation(false, 'syntax "near FROM"\n');
  metrics.recordConfidence(0.4);
  return tracer;
}
