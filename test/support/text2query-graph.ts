import type { RunnableConfig } from "@langchain/core/runnables";
import { Document } from "@langchain/core/documents";
import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { BaseRetriever } from "@langchain/core/retrievers";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { z } from "zod";
import { traceNode } from "../../src/index.js";
import { ScriptedChatModel, type ScriptedReply } from "./scripted-chat-model.js";

export const Text2QueryState = Annotation.Root({
  question: Annotation<string>(),
  intent: Annotation<string | undefined>(),
  confidence: Annotation<number | undefined>(),
  plan: Annotation<string | undefined>(),
  tables: Annotation<string[] | undefined>(),
  sql: Annotation<string | undefined>(),
  valid: Annotation<boolean | undefined>(),
  error: Annotation<string | undefined>(),
  attempts: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  rows: Annotation<number | undefined>(),
  outcome: Annotation<string | undefined>(),
});
export type Text2QueryStateType = typeof Text2QueryState.State;

/** Replies keyed by the stage marker at the start of the system prompt, with realistic usage. */
export function text2queryReplies(messages: BaseMessage[]): ScriptedReply {
  const system = String(messages[0]?.content ?? "");
  const question = String(messages[messages.length - 1]?.content ?? "");
  if (system.startsWith("[intent]")) {
    return /weather|joke/i.test(question)
      ? { content: "out_of_scope", inputTokens: 210, outputTokens: 4 }
      : { content: "sql_query", inputTokens: 210, outputTokens: 4 };
  }
  if (system.startsWith("[plan]")) return { content: "Join users to orders, count per user.", inputTokens: 640, outputTokens: 85, cachedTokens: 512 };
  if (system.startsWith("[generate]")) return { content: "SELECT nme, COUNT(*) FROM users JOIN orders USING (user_id) GROUP BY nme", inputTokens: 900, outputTokens: 48 };
  if (system.startsWith("[correct]")) return { content: "SELECT name, COUNT(*) FROM users JOIN orders USING (user_id) GROUP BY name", inputTokens: 980, outputTokens: 50, reasoningTokens: 20 };
  return { content: "ok" };
}

class SchemaRetriever extends BaseRetriever {
  lc_namespace = ["test", "retrievers"];
  static override lc_name() {
    return "SchemaRetriever";
  }
  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    return [
      new Document({ pageContent: "users(user_id, name, email)", metadata: { table: "users", query } }),
      new Document({ pageContent: "orders(order_id, user_id, total)", metadata: { table: "orders" } }),
    ];
  }
}

export interface Text2QueryGraphOptions {
  model?: ScriptedChatModel;
  /** Node that throws this error (to test the error path). */
  failIn?: { node: string; error: Error };
}

export function buildText2QueryGraph(options: Text2QueryGraphOptions = {}) {
  const model = options.model ?? new ScriptedChatModel({ model: "gpt-4o", responseModel: "gpt-4o-2024-08-06", temperature: 0, maxTokens: 512, topP: 1, replies: text2queryReplies });
  const retriever = new SchemaRetriever();
  const runSql = tool(async ({ sql }: { sql: string }) => JSON.stringify({ rows: sql.includes("name") ? 42 : 0 }), {
    name: "run_sql",
    description: "Run a read-only SQL query",
    schema: z.object({ sql: z.string() }),
  });
  const maybeFail = (node: string) => {
    if (options.failIn?.node === node) throw options.failIn.error;
  };

  // The reasoning subgraph: plan (stage by name) → select_tables (no rule: inherits the subgraph node's stage).
  const reasoning = new StateGraph(Text2QueryState)
    .addNode("plan_query", async (state: Text2QueryStateType, config?: RunnableConfig) => {
      const reply = await model.invoke([new SystemMessage("[plan] Plan the query."), new HumanMessage(state.question)], config);
      return { plan: String(reply.content) };
    })
    .addNode("select_tables", async (state: Text2QueryStateType, config?: RunnableConfig) => {
      const docs = await retriever.invoke(state.plan ?? state.question, config);
      return { tables: docs.map((d) => String(d.metadata.table)) };
    })
    .addEdge(START, "plan_query")
    .addEdge("plan_query", "select_tables")
    .addEdge("select_tables", END)
    .compile();

  return new StateGraph(Text2QueryState)
    .addNode(
      "classify_intent",
      traceNode("intent", async (state: Text2QueryStateType, config: RunnableConfig, report) => {
        maybeFail("classify_intent");
        const reply = await model.invoke([new SystemMessage("[intent] Classify the question."), new HumanMessage(state.question)], config);
        const intent = String(reply.content);
        report.intent(intent, 0.92);
        return { intent, confidence: 0.92 };
      }),
    )
    .addNode("schema_context", reasoning)
    .addNode("generate_sql", async (state: Text2QueryStateType, config?: RunnableConfig) => {
      maybeFail("generate_sql");
      const reply = await model.invoke([new SystemMessage("[generate] Write SQL."), new HumanMessage(`${state.question}\n${state.plan}`)], config);
      return { sql: String(reply.content) };
    })
    .addNode(
      "validate_sql",
      traceNode("validation", async (state: Text2QueryStateType, _config: RunnableConfig, report) => {
        const valid = !/\bnme\b/.test(state.sql ?? "");
        report.validation(valid, valid ? undefined : "unknown_column");
        report.sql(state.sql ?? "");
        return { valid, error: valid ? undefined : 'column "nme" does not exist' };
      }),
    )
    .addNode(
      "correct_sql",
      traceNode("correction", async (state: Text2QueryStateType, config: RunnableConfig, report) => {
        const attempt = state.attempts + 1;
        report.correction(attempt);
        const reply = await model.invoke([new SystemMessage("[correct] Fix the SQL."), new HumanMessage(`${state.sql}\n${state.error}`)], config);
        return { sql: String(reply.content), attempts: attempt };
      }),
    )
    .addNode(
      "execute_sql",
      traceNode(
        "execution",
        async (state: Text2QueryStateType, config: RunnableConfig) => {
          const out = JSON.parse(String(await runSql.invoke({ sql: state.sql ?? "" }, config))) as { rows: number };
          return { rows: out.rows, outcome: "success" };
        },
        { results: (update) => ({ rowCount: update.rows, outcome: "success" as const, scores: { query_valid: 1 } }) },
      ),
    )
    .addEdge(START, "classify_intent")
    .addConditionalEdges("classify_intent", (s: Text2QueryStateType) => (s.intent === "out_of_scope" ? END : "schema_context"))
    .addEdge("schema_context", "generate_sql")
    .addEdge("generate_sql", "validate_sql")
    .addConditionalEdges("validate_sql", (s: Text2QueryStateType) => (s.valid ? "execute_sql" : s.attempts < 3 ? "correct_sql" : END))
    .addEdge("correct_sql", "validate_sql")
    .addEdge("execute_sql", END)
    .compile();
}
