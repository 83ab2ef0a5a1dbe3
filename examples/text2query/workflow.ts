import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { traceNode } from "langgraph-telemetry";
import { correctionInput, CORRECTION_PROMPT, extractSql, generationInput, GENERATION_PROMPT, INTENT_PROMPT, REASONING_PROMPT } from "./prompts.js";
import type { SqlRunner } from "./sql-runner.js";

export type Intent = "sql_query" | "needs_clarification" | "out_of_scope" | "cannot_answer";
const INTENTS = new Set<string>(["sql_query", "needs_clarification", "out_of_scope", "cannot_answer"]);

/**
 * How a run ended: `success` (rows), `failed` (no valid SQL after the corrections), `needs_clarification` (asked
 * the user back: `message` says what was not understood), `cannot_answer` (the data cannot tell: `message` says
 * what it lacks). Out-of-scope questions end without an outcome (nothing was asked of the data).
 */
export type RunOutcome = "success" | "failed" | "needs_clarification" | "cannot_answer";

export const Text2QueryState = Annotation.Root({
  question: Annotation<string>(),
  intent: Annotation<Intent | undefined>(),
  confidence: Annotation<number | undefined>(),
  plan: Annotation<string | undefined>(),
  sql: Annotation<string | undefined>(),
  valid: Annotation<boolean | undefined>(),
  error: Annotation<string | undefined>(),
  errorCategory: Annotation<string | undefined>(),
  attempts: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
  rows: Annotation<Record<string, unknown>[] | undefined>(),
  columns: Annotation<string[] | undefined>(),
  truncated: Annotation<boolean | undefined>(),
  outcome: Annotation<RunOutcome | undefined>(),
  /** For the user, when the run asks back or cannot answer: what was not understood, or what the data lacks. */
  message: Annotation<string | undefined>(),
});
export type Text2QueryStateType = typeof Text2QueryState.State;

export interface Text2QueryWorkflowOptions {
  model: BaseChatModel;
  sql: SqlRunner;
  /** Correction attempts before giving up. @default 3 */
  maxCorrections?: number;
}

const DEFAULT_REASONS: Partial<Record<Intent, string>> = {
  needs_clarification: "Please be more specific: which data (orders, customers, products, revenue) and which period?",
  cannot_answer: "The shop's data cannot tell: it does not record what this question asks about.",
};

/** Reads the classifier's JSON answer; anything unreadable is a low-confidence request for clarification. */
function parseIntent(answer: string): { intent: Intent; confidence: number; reason: string | undefined } {
  try {
    const parsed = JSON.parse(/\{[\s\S]*\}/.exec(answer)?.[0] ?? "") as { intent?: unknown; confidence?: unknown; reason?: unknown };
    const intent = typeof parsed.intent === "string" && INTENTS.has(parsed.intent) ? (parsed.intent as Intent) : "needs_clarification";
    const confidence = typeof parsed.confidence === "number" && Number.isFinite(parsed.confidence) ? Math.min(1, Math.max(0, parsed.confidence)) : 0.3;
    const reason = typeof parsed.reason === "string" && parsed.reason.trim() !== "" ? parsed.reason.trim().slice(0, 500) : DEFAULT_REASONS[intent];
    return { intent, confidence, reason };
  } catch {
    return { intent: "needs_clarification", confidence: 0.3, reason: "I could not read what was asked. Please rephrase the question." };
  }
}

/**
 * The Text2Query pipeline of the design (seed 000 §2): classify intent → plan over the schema → generate SQL →
 * validate (EXPLAIN on the database) → correct (at most `maxCorrections` times) → execute read-only. Every node
 * is a `traceNode` that reports its results, so traces, metrics and scores need nothing else.
 */
export function buildText2QueryWorkflow(options: Text2QueryWorkflowOptions) {
  const { model, sql } = options;
  const maxCorrections = options.maxCorrections ?? 3;
  const ask = async (system: string, user: string, config: RunnableConfig) => String((await model.invoke([new SystemMessage(system), new HumanMessage(user)], config)).content);

  return new StateGraph(Text2QueryState)
    .addNode(
      "classify_intent",
      traceNode("intent", async (state: Text2QueryStateType, config, report) => {
        const { intent, confidence, reason } = parseIntent(await ask(INTENT_PROMPT, state.question, config));
        report.intent(intent, confidence);
        // Asking back and "the data cannot tell" end the run here: no answer, and not counted as one.
        if (intent === "needs_clarification" || intent === "cannot_answer") {
          report.outcome(intent);
          return { intent, confidence, outcome: intent, message: reason };
        }
        return { intent, confidence };
      }),
    )
    .addNode(
      "plan_query",
      traceNode("reasoning", async (state: Text2QueryStateType, config) => ({ plan: await ask(REASONING_PROMPT, `Question: ${state.question}`, config) })),
    )
    .addNode(
      "generate_sql",
      traceNode("generation", async (state: Text2QueryStateType, config, report) => {
        const query = extractSql(await ask(GENERATION_PROMPT, generationInput(state.question, state.plan ?? ""), config));
        report.sql(query);
        return { sql: query };
      }),
    )
    .addNode(
      "validate_sql",
      traceNode("validation", async (state: Text2QueryStateType, _config, report) => {
        const result = await sql.validate(state.sql ?? "");
        if (result.valid) {
          report.validation(true);
          return { valid: true, error: undefined, errorCategory: undefined };
        }
        report.validation(false, result.category);
        if (state.attempts >= maxCorrections) report.outcome("failed");
        return { valid: false, error: result.error, errorCategory: result.category, outcome: state.attempts >= maxCorrections ? ("failed" as const) : undefined };
      }),
    )
    .addNode(
      "correct_sql",
      traceNode("correction", async (state: Text2QueryStateType, config, report) => {
        const attempt = state.attempts + 1;
        report.correction(attempt);
        const query = extractSql(await ask(CORRECTION_PROMPT, correctionInput(state.question, state.sql ?? "", state.error ?? "", attempt), config));
        report.sql(query);
        return { sql: query, attempts: attempt };
      }),
    )
    .addNode(
      "execute_sql",
      traceNode("execution", async (state: Text2QueryStateType, _config, report) => {
        const result = await sql.execute(state.sql ?? "");
        report.rows(result.rows.length);
        report.outcome("success");
        return { rows: result.rows, columns: result.columns, truncated: result.truncated, outcome: "success" as const };
      }),
    )
    .addEdge(START, "classify_intent")
    .addConditionalEdges("classify_intent", (s: Text2QueryStateType) => (s.intent === "sql_query" ? "plan_query" : END))
    .addEdge("plan_query", "generate_sql")
    .addEdge("generate_sql", "validate_sql")
    .addConditionalEdges("validate_sql", (s: Text2QueryStateType) => (s.valid ? "execute_sql" : s.attempts < maxCorrections ? "correct_sql" : END))
    .addEdge("correct_sql", "validate_sql")
    .addEdge("execute_sql", END)
    .compile();
}
