// An Express API serving a LangGraph workflow, with traces, metrics and probes. Run: npx tsx examples/express.ts
//   curl -X POST localhost:3000/api/ask -H 'content-type: application/json' -d '{"question":"How many orders?"}'
//   curl localhost:3000/metrics    curl localhost:3000/readyz
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import express from "express";
import { Registry, type OpenMetricsContentType } from "prom-client";
import { setupTelemetry, traceNode, WorkflowMetrics, WorkflowTracer } from "langgraph-telemetry";
import { httpMetrics, jsonErrorHandler, telemetryRouter, traceContext } from "langgraph-telemetry/express";

// Registers the tracer provider, context manager and propagators; exports where LANGFUSE_*/OTEL_* say.
const telemetry = await setupTelemetry({ serviceName: "text2query-api" });

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

// OpenMetrics registry: Prometheus gets trace ids as exemplars (plain-text scrapers still get plain text).
const registry = new Registry<OpenMetricsContentType>();
registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
const tracer = new WorkflowTracer({ metrics: new WorkflowMetrics({ registry, prefix: "text2query_" }) });

let started = false; // a readiness check; yours would be e.g. { database: () => pool.query("select 1") }
const app = express();
app.use(traceContext()); // first: everything below runs in the request's trace
app.use(httpMetrics({ registry }));
app.use(telemetryRouter({ registry, checks: { started: () => started } })); // /metrics, /healthz, /readyz
app.use(express.json());
app.post("/api/ask", async (req, res) => {
  const result = await graph.invoke({ question: String(req.body.question) }, { callbacks: [tracer], runName: "text2query" });
  res.json({ intent: result.intent, sql: result.sql });
});
app.use(jsonErrorHandler());

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  started = true;
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : ""}`);
});
process.on("SIGTERM", () => server.close(() => void telemetry.shutdown().then(() => process.exit(0))));
