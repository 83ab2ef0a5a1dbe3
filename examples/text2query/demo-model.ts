import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { STAGE_MARKERS } from "./prompts.js";

/**
 * A family of questions the demo model answers: the SQL it writes first (sometimes wrong, as real models are)
 * and how it corrects an error. Documented in docs/example.md.
 */
interface QuestionFamily {
  name: string;
  match: RegExp;
  tables: string[];
  plan: string;
  /** First attempt. */
  sql: (m: RegExpMatchArray) => string;
  /** Attempt `n` (1-based) after `error`; the same wrong SQL again means "cannot fix". */
  fix?: (m: RegExpMatchArray, attempt: number, error: string) => string;
}

const REVENUE = "sum(oi.quantity * oi.unit_price)";

const FAMILIES: QuestionFamily[] = [
  {
    name: "order_count",
    match: /how many (?:(delivered|shipped|cancelled|pending) )?orders/i,
    tables: ["orders"],
    plan: "Count rows of orders, filtered by status when one is named.",
    sql: (m) => `SELECT count(*) AS orders FROM orders${m[1] ? ` WHERE status = '${m[1].toLowerCase()}'` : ""}`,
  },
  {
    name: "top_customers",
    match: /top (\d+ )?customers|best customers|customers by (?:revenue|spend)/i,
    tables: ["customers", "orders", "order_items"],
    plan: "Join customers to their orders and items, sum quantity × unit price of orders not cancelled, order by it.",
    sql: (m) =>
      `SELECT c.name, ${REVENUE} AS revenue FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.name ORDER BY revenue DESC LIMIT ${Number.parseInt(m[1] ?? "10", 10)}`,
  },
  {
    name: "monthly_revenue",
    match: /revenue (?:by|per) month|monthly revenue|sales (?:by|per) month/i,
    tables: ["orders", "order_items"],
    plan: "Group delivered and shipped orders by month of ordered_at and sum their items.",
    sql: () =>
      `SELECT date_trunc('month', o.ordered_at) AS month, ${REVENUE} AS revenue FROM orders o JOIN order_items oi USING (order_id) WHERE o.status IN ('delivered', 'shipped') GROUP BY 1 ORDER BY 1`,
  },
  {
    name: "best_sellers",
    match: /(?:best|top)[- ]selling products|most (?:sold|popular) products/i,
    tables: ["products", "order_items"],
    plan: "Sum quantities of order_items per product and order by it.",
    sql: () => "SELECT p.name, sum(oi.quantity) AS units FROM products p JOIN order_items oi USING (product_id) GROUP BY p.name ORDER BY units DESC LIMIT 10",
  },
  {
    name: "revenue_by_category",
    match: /(?:revenue|sales) (?:by|per) category/i,
    tables: ["products", "order_items"],
    plan: "Join order_items to products and sum revenue per category.",
    sql: () => `SELECT p.category, ${REVENUE} AS revenue FROM products p JOIN order_items oi USING (product_id) GROUP BY p.category ORDER BY revenue DESC`,
  },
  {
    // First attempt guesses a column name: validation fails (unknown column), one correction fixes it.
    name: "customers_by_country",
    match: /customers (?:by|per|in each) country|how many customers (?:are )?in ([a-z]{2})\b/i,
    tables: ["customers"],
    plan: "Count customers grouped by country.",
    sql: (m) => (m[1] ? `SELECT count(*) AS customers FROM customers WHERE customer_country = '${m[1].toUpperCase()}'` : "SELECT customer_country, count(*) AS customers FROM customers GROUP BY customer_country ORDER BY customers DESC"),
    fix: (m) => (m[1] ? `SELECT count(*) AS customers FROM customers WHERE country = '${m[1].toUpperCase()}'` : "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY customers DESC"),
  },
  {
    // First attempt compares a date with a number: type mismatch, then fixed.
    name: "orders_since_year",
    match: /orders (?:since|after|in) (20\d\d)/i,
    tables: ["orders"],
    plan: "Count orders with ordered_at on or after the start of the year.",
    sql: (m) => `SELECT count(*) AS orders FROM orders WHERE ordered_at >= ${m[1]}`,
    fix: (m) => `SELECT count(*) AS orders FROM orders WHERE ordered_at >= DATE '${m[1]}-01-01'`,
  },
  {
    // First attempt uses a column orders does not have; the fix computes order totals from the items.
    name: "average_order_value",
    match: /average order (?:value|size|total)/i,
    tables: ["orders", "order_items"],
    plan: "Average, over orders not cancelled, of the sum of their items.",
    sql: () => "SELECT round(avg(total), 2) AS average_order_value FROM orders WHERE status <> 'cancelled'",
    fix: () =>
      `SELECT round(avg(order_total), 2) AS average_order_value FROM (SELECT ${REVENUE} AS order_total FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY o.order_id) t`,
  },
  {
    // The schema has no refunds: every attempt fails validation, and the run ends failed after 3 corrections.
    name: "refunds",
    match: /refund/i,
    tables: ["orders"],
    plan: "Refunds would be in a refunds table joined to orders.",
    sql: () => "SELECT count(*) AS refunds FROM refunds",
    fix: (_m, attempt) => (attempt === 1 ? "SELECT count(*) AS refunds FROM order_refunds" : "SELECT count(*) AS refunds FROM refunds r JOIN orders o USING (order_id)"),
  },
];

const OUT_OF_SCOPE = /\b(weather|joke|poem|recipe|song|stock price|horoscope|translate|president)\b/i;

export type DemoIntent = "sql_query" | "needs_clarification" | "out_of_scope";

/** The family a question falls in, for tests and the traffic generator. */
export function familyOf(question: string): string | undefined {
  return FAMILIES.find((f) => f.match.test(question))?.name;
}

export function classify(question: string): { intent: DemoIntent; confidence: number } {
  const jitter = (hash(question) % 50) / 1000; // 0 … 0.049, stable per question
  if (OUT_OF_SCOPE.test(question)) return { intent: "out_of_scope", confidence: 0.95 - jitter / 2 };
  if (FAMILIES.some((f) => f.match.test(question))) return { intent: "sql_query", confidence: 0.93 - jitter };
  return { intent: "needs_clarification", confidence: 0.62 - jitter };
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
 * The built-in demo model: no key, no network, deterministic. It reads the stage from the system prompt and
 * answers the documented question families; it reports token usage the way OpenAI does (input including a
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
      response_metadata: { model_name: `${this.model}-demo`, finish_reason: "stop" },
    });
    return { generations: [{ text: content, message }], llmOutput: {} };
  }

  private answer(system: string, user: string): string {
    if (system.startsWith(STAGE_MARKERS.intent)) {
      const { intent, confidence } = classify(user);
      return JSON.stringify({ intent, confidence: Number(confidence.toFixed(3)) });
    }
    const question = /^Question: (.*)$/m.exec(user)?.[1] ?? user;
    const family = FAMILIES.find((f) => f.match.test(question));
    if (family === undefined) return system.startsWith(STAGE_MARKERS.reasoning) ? "I cannot map this question to the schema." : "SELECT 1 WHERE false";
    const match = question.match(family.match)!;
    if (system.startsWith(STAGE_MARKERS.reasoning)) return `Tables: ${family.tables.join(", ")}.\nPlan: ${family.plan}`;
    if (system.startsWith(STAGE_MARKERS.correction)) {
      const attempt = Number(/^Attempt: (\d+)$/m.exec(user)?.[1] ?? "1");
      const error = /^Error: (.*)$/m.exec(user)?.[1] ?? "";
      return fence((family.fix ?? family.sql)(match, attempt, error));
    }
    return fence(family.sql(match));
  }
}

function fence(sql: string): string {
  return "```sql\n" + sql + "\n```";
}
