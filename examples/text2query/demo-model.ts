import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { composeSql, unsupported } from "./compose-sql.js";
import { STAGE_MARKERS } from "./prompts.js";
import { readQuestion, type QuestionParts, type Reading } from "./question-parts.js";

/**
 * What the demo understands of a question: the SQL it writes first (sometimes wrong, as real models' first
 * attempts are), the plan it states, and the SQL it writes when told attempt `n` failed. Documented in
 * docs/example.md.
 */
interface Understanding {
  tables: string[];
  plan: string;
  first: string;
  fix: (attempt: number) => string;
}

/**
 * The schema has no refunds: every attempt fails validation, and the run ends failed after 3 corrections
 * (a failure family the dashboards and alerts rely on).
 */
const REFUNDS = /\brefund/i;
const REFUND_ATTEMPTS = ["SELECT count(*) AS refunds FROM refunds", "SELECT count(*) AS refunds FROM order_refunds", "SELECT count(*) AS refunds FROM refunds r JOIN orders o USING (order_id)"];

/**
 * Realistic first-attempt mistakes, each fixed by one correction (they exercise validation and correction):
 * a guessed column name, a year compared as a number with a date, a column orders does not have.
 */
const MISTAKES: Array<{ applies: (question: string, parts: QuestionParts) => boolean; wrong: (sql: string) => string }> = [
  { applies: (q) => /customers (?:by|per|in each) country|how many customers (?:are )?in ([a-z]{2})\b/i.test(q), wrong: (sql) => sql.replace(/\b(c\.)?country\b/g, "$1customer_country") },
  { applies: (q) => /orders (?:since|after|in) 20\d\d/i.test(q), wrong: (sql) => sql.replace(/DATE '(20\d\d)-01-01'/g, "$1") },
  { applies: (_q, p) => p.measure === "average_order_value" && p.groupBy === undefined, wrong: () => "SELECT round(avg(total), 2) AS average_order_value FROM orders WHERE status <> 'cancelled'" },
];

function understand(question: string): Understanding | undefined {
  if (REFUNDS.test(question)) {
    return { tables: ["orders"], plan: "Refunds would be in a refunds table joined to orders.", first: REFUND_ATTEMPTS[0]!, fix: (attempt) => REFUND_ATTEMPTS[Math.min(attempt, 2)]! };
  }
  const reading = readQuestion(question);
  const parts = reading.parts;
  if (parts === undefined || unsupported(parts) !== undefined) return undefined;
  const { sql, tables, plan } = composeSql(parts);
  const read = reading.corrections.map((c) => `"${c.typed}" read as "${c.read}"`).join(", ");
  const mistake = MISTAKES.find((m) => m.applies(question, parts));
  return { tables, plan: read ? `${plan} (${read})` : plan, first: mistake ? mistake.wrong(sql) : sql, fix: () => sql };
}

const OUT_OF_SCOPE = /\b(weather|joke|poem|recipe|song|stock price|horoscope|translate|president)\b/i;

export type DemoIntent = "sql_query" | "needs_clarification" | "out_of_scope" | "cannot_answer";

const quoted = (words: string[]) => words.map((w) => `"${w}"`).join(", ");

/** Why the demo asks back or cannot answer, in words for the user. */
function reasonOf(reading: Reading): string {
  if (reading.missing !== undefined) return `The shop's data cannot tell: it has no ${reading.missing.lacks}, so "${reading.missing.asked}" cannot be answered from it.`;
  if (reading.unknown.length > 0) return `I did not understand ${quoted(reading.unknown)}. Please rephrase with what the data holds: orders (status, date), customers (name, country, sign-up date), products (name, category, price), revenue and units sold.`;
  if (reading.unclear !== undefined) return `Please be more specific: ${reading.unclear}`;
  const combination = reading.parts !== undefined ? unsupported(reading.parts) : undefined;
  if (combination !== undefined) return `I cannot answer ${combination} in one query yet. Please ask for one of them.`;
  return "Please be more specific: which data (orders, customers, products, revenue) and which period?";
}

/**
 * The intent of a question, how sure the demo is that it can answer it as understood, and (when it does not
 * answer) why: words it did not understand (asks back, naming them) or data the shop does not record (cannot
 * answer). Both come with low confidence: below 0.5.
 */
export function classify(question: string): { intent: DemoIntent; confidence: number; reason?: string } {
  const jitter = (hash(question) % 50) / 1000; // 0 … 0.049, stable per question
  if (OUT_OF_SCOPE.test(question)) return { intent: "out_of_scope", confidence: 0.95 - jitter / 2 };
  const reading = readQuestion(question);
  if (reading.missing !== undefined) return { intent: "cannot_answer", confidence: 0.2 - jitter, reason: reasonOf(reading) };
  if (REFUNDS.test(question)) return { intent: "sql_query", confidence: 0.93 - jitter };
  if (reading.parts !== undefined && unsupported(reading.parts) === undefined) return { intent: "sql_query", confidence: (reading.corrections.length > 0 ? 0.86 : 0.93) - jitter };
  return { intent: "needs_clarification", confidence: (reading.unknown.length > 0 ? 0.3 : 0.4) - jitter, reason: reasonOf(reading) };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export interface DemoChatModelFields extends BaseChatModelParams {
  /** Model name reported (and priced). @default "gpt-4o-mini" */
  model?: string;
}

let responses = 0;

/**
 * The built-in demo model: no key, no network, deterministic. It reads the stage from the system prompt, reads
 * the question as parts (question-parts.ts) and composes SQL from them (compose-sql.ts); it reports token usage the way OpenAI does (input including a
 * cached prefix on repeated long prompts, output) on a real AIMessage, so to LangChain and to the tracer it is
 * indistinguishable from a provider integration.
 */
export class DemoChatModel extends BaseChatModel {
  model: string;
  private readonly seenPrompts = new Set<string>();

  static override lc_name() {
    return "DemoChatModel";
  }

  constructor(fields: DemoChatModelFields = {}) {
    super(fields);
    this.model = fields.model ?? "gpt-4o-mini";
  }

  _llmType() {
    return "demo";
  }

  override invocationParams() {
    return { model: this.model, temperature: 0 };
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "demo", ls_model_name: this.model, ls_model_type: "chat" as const, ls_temperature: 0 };
  }

  async _generate(messages: BaseMessage[], _options: this["ParsedCallOptions"], _runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const system = String(messages[0]?.content ?? "");
    const user = String(messages[messages.length - 1]?.content ?? "");
    const content = this.answer(system, user);
    const input = messages.reduce((n, m) => n + tokens(String(m.content)) + 4, 3);
    const output = tokens(content);
    // OpenAI caches prompt prefixes of 1,024 tokens or more, in 128-token steps, once seen.
    const prefix = tokens(system);
    const cached = prefix >= 1024 && this.seenPrompts.has(system) ? Math.floor(prefix / 128) * 128 : 0;
    this.seenPrompts.add(system);
    const message = new AIMessage({
      content,
      id: `chatcmpl-demo-${++responses}`,
      usage_metadata: {
        input_tokens: input,
        output_tokens: output,
        total_tokens: input + output,
        input_token_details: { cache_read: cached },
        output_token_details: { reasoning: 0 },
      },
      response_metadata: { model_name: this.model, finish_reason: "stop" },
    });
    return { generations: [{ text: content, message }], llmOutput: {} };
  }

  private answer(system: string, user: string): string {
    if (system.startsWith(STAGE_MARKERS.intent)) {
      const { intent, confidence, reason } = classify(user);
      return JSON.stringify({ intent, confidence: Number(confidence.toFixed(3)), ...(reason !== undefined ? { reason } : {}) });
    }
    const question = /^Question: (.*)$/m.exec(user)?.[1] ?? user;
    const understood = understand(question);
    if (understood === undefined) return system.startsWith(STAGE_MARKERS.reasoning) ? "I cannot map this question to the schema." : "SELECT 1 WHERE false";
    if (system.startsWith(STAGE_MARKERS.reasoning)) return `Tables: ${understood.tables.join(", ")}.\nPlan: ${understood.plan}`;
    if (system.startsWith(STAGE_MARKERS.correction)) return fence(understood.fix(Number(/^Attempt: (\d+)$/m.exec(user)?.[1] ?? "1")));
    return fence(understood.first);
  }
}

function fence(sql: string): string {
  return "```sql\n" + sql + "\n```";
}
