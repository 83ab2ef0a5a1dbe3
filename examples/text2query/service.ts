import { createHash, randomUUID } from "node:crypto";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { context, trace, type Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import { redactSecrets, type WorkflowMetrics, type WorkflowTracer } from "langgraph-telemetry";
import { CostRecorder } from "./cost-recorder.js";
import type { Database } from "./database.js";
import { providerFailure } from "./provider-errors.js";
import { RunStore, type StoredRun } from "./run-store.js";
import { SqlRunner } from "./sql-runner.js";
import { buildText2QueryWorkflow, type Text2QueryStateType } from "./workflow.js";

export interface Question {
  question: string;
  userId?: string;
  sessionId?: string;
}

export interface Answer {
  /** The stored run's id: GET /api/runs/<runId>, POST /api/runs/<runId>/replay. */
  runId: string;
  /** The trace of the request (a caller's traceparent can make several runs share one). */
  traceId: string;
  intent: string | null;
  confidence: number | null;
  sql: string | null;
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  corrections: number;
  /**
   * `needs_clarification`: the question was asked back (`message` names what was not understood);
   * `cannot_answer`: the data cannot tell (`message` says what it lacks). Both with low confidence and no SQL.
   */
  outcome: "success" | "failed" | "error" | "needs_clarification" | "cannot_answer";
  /** Why the run failed or errored; for clarification, cannot-answer and out-of-scope questions, what to ask instead. */
  message?: string;
  costUsd: number;
  durationMs: number;
}

export interface ReplayReport {
  runId: string;
  original: StoredRun;
  replay: Answer;
  sqlMatches: boolean;
  rowsMatch: boolean;
}

export interface Text2QueryServiceOptions {
  db: Database;
  model: BaseChatModel;
  tracer: WorkflowTracer;
  metrics: WorkflowMetrics;
  log: Logger;
  /** Where the service's own spans go (the request span when called outside an HTTP request). */
  otelTracer: Tracer;
  statementTimeoutMs?: number;
  maxRows?: number;
  /** Bytes of row data a query returns at most. @default 1 MiB */
  maxBytes?: number;
  /** Called when generated SQL is refused (not a single SELECT over the shop's tables with allowed functions). */
  onSqlRefused?: (reason: string) => void;
}

/** An error as stored and shown: its type and its message without key-shaped strings (providers echo refused keys). */
function storedError(error: unknown): string {
  const type = error instanceof Error ? error.constructor.name || error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `${type}: ${redactSecrets(message)}`.slice(0, 1000);
}

const hashUser = (userId: string | undefined) => (userId ? createHash("sha256").update(userId).digest("hex").slice(0, 16) : null);
/** Dollars without floating-point noise (0.0002757, not 0.00027570000000000003); metrics keep full precision. */
export const roundUsd = (usd: number) => Number(usd.toFixed(10));
const digest = (rows: unknown[]) => createHash("sha256").update(JSON.stringify(rows)).digest("hex");

/** The Text2Query service: runs the traced workflow for a question, stores the run, replays stored runs. */
export class Text2QueryService {
  readonly sql: SqlRunner;
  readonly runs: RunStore;
  private readonly workflow: ReturnType<typeof buildText2QueryWorkflow>;

  constructor(private readonly options: Text2QueryServiceOptions) {
    this.sql = new SqlRunner(options.db, {
      statementTimeoutMs: options.statementTimeoutMs ?? 5000,
      maxRows: options.maxRows ?? 1000,
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
      ...(options.onSqlRefused !== undefined ? { onRefused: options.onSqlRefused } : {}),
    });
    this.runs = new RunStore(options.db);
    this.workflow = buildText2QueryWorkflow({ model: options.model, sql: this.sql });
  }

  /**
   * Answers a question. The run joins the active trace (the HTTP request's), or gets a span of its own. When
   * the model provider refuses or fails (401, 429, 5xx…), the run is stored and a ModelProviderError thrown.
   */
  async ask(q: Question): Promise<Answer> {
    if (trace.getSpan(context.active()) !== undefined) return this.run(q);
    return this.options.otelTracer.startActiveSpan("text2query.ask", async (span) => {
      try {
        return await this.run(q);
      } finally {
        span.end();
      }
    });
  }

  async replay(runId: string): Promise<ReplayReport | undefined> {
    const original = await this.runs.get(runId);
    if (original === undefined) return undefined;
    const replay = await this.ask({ question: original.question });
    return {
      runId,
      original,
      replay,
      sqlMatches: replay.sql === original.sql,
      rowsMatch: original.rowsDigest !== null && replay.outcome === "success" && digest(replay.rows) === original.rowsDigest,
    };
  }

  private async run(q: Question): Promise<Answer> {
    const { log, tracer, metrics } = this.options;
    const traceId = trace.getSpan(context.active())!.spanContext().traceId;
    const costs = new CostRecorder(metrics);
    const started = performance.now();
    const userHash = hashUser(q.userId);
    log.info({ question: q.question, user_hash: userHash }, "question received");

    let state: Text2QueryStateType | undefined;
    let error: unknown;
    try {
      state = await this.workflow.invoke(
        { question: q.question },
        { callbacks: [tracer, costs], runName: "text2query", metadata: { user_id: q.userId, session_id: q.sessionId } },
      );
    } catch (e) {
      error = e;
    }
    const durationMs = performance.now() - started;
    const costUsd = roundUsd(costs.events.reduce((a, c) => a + c.costUsd, 0));
    const answer: Answer = {
      runId: randomUUID(),
      traceId,
      intent: state?.intent ?? null,
      confidence: state?.confidence ?? null,
      sql: state?.sql ?? null,
      columns: state?.columns ?? [],
      rows: state?.rows ?? [],
      truncated: state?.truncated ?? false,
      corrections: state?.attempts ?? 0,
      outcome: error !== undefined ? "error" : (state?.outcome ?? "success"),
      costUsd,
      durationMs,
    };
    if (error !== undefined) answer.message = "the query could not be run";
    else if (answer.outcome === "failed") answer.message = `could not write valid SQL after ${answer.corrections} corrections: ${state?.error ?? "unknown error"}`;
    else if (answer.outcome === "needs_clarification" || answer.outcome === "cannot_answer") answer.message = state?.message ?? "Please be more specific: which data (orders, customers, products, revenue) and which period?";
    else if (state?.intent === "out_of_scope") answer.message = "I answer questions about the shop's orders, customers and products.";

    const run: StoredRun = {
      runId: answer.runId,
      traceId,
      question: q.question,
      userHash,
      sessionId: q.sessionId ?? null,
      intent: answer.intent,
      confidence: answer.confidence,
      sql: answer.sql,
      rowCount: state?.rows ? state.rows.length : null,
      rowsDigest: state?.rows ? digest(state.rows) : null,
      corrections: answer.corrections,
      outcome: answer.outcome,
      error: error !== undefined ? storedError(error) : (state?.valid === false ? (state.error ?? null) : null),
      inputTokens: costs.events.reduce((a, c) => a + c.inputTokens, 0),
      outputTokens: costs.events.reduce((a, c) => a + c.outputTokens, 0),
      costUsd,
      durationMs,
    };
    try {
      await this.runs.save(run, costs.events.map((e) => ({ ...e, costUsd: roundUsd(e.costUsd) })));
    } catch (e) {
      log.error({ err: e }, "could not store the run");
    }
    const provider = providerFailure(error);
    if (provider !== undefined) {
      // Not an answer: the client gets a non-200 naming the setting to check; the log says why, at error.
      log.error({ provider_status: provider.providerStatus, setting: provider.setting, reason: provider.reason, run_id: answer.runId, duration_ms: Math.round(durationMs) }, "model provider refused the request");
      provider.runId = answer.runId;
      provider.traceId = traceId;
      throw provider;
    }
    const level = answer.outcome === "failed" || answer.outcome === "error" ? "warn" : "info";
    log[level]({ intent: answer.intent, outcome: answer.outcome, corrections: answer.corrections, row_count: run.rowCount, cost_usd: costUsd, duration_ms: Math.round(durationMs) }, "question answered");
    return answer;
  }
}
