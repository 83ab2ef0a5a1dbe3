import type { QuestionReader } from "./question-reader.js";

/**
 * Recognisers for the parts of a question that are not names: numbers, periods, dimensions to group by, and
 * thresholds on counts or amounts. Each takes the words it understood from the reader (question-reader.ts).
 */

export type Dimension = "status" | "country" | "category" | "month" | "year" | "week" | "day" | "product" | "customer" | "order";

export interface Period {
  /** SQL expressions over `current_date`: from (inclusive) and to (exclusive). */
  from: string;
  to?: string;
  label: string;
}

/** A condition on a per-entity count or amount: "customers with exactly 2 orders", "orders over $500". */
export interface Threshold {
  entity: "customer" | "order" | "product";
  /** orders placed, revenue (spent, order total), units (quantity), lines (distinct products), list price */
  of: "orders" | "revenue" | "units" | "lines" | "price";
  op: ">" | ">=" | "=" | "<" | "<=";
  value: number;
}

const NUMBERS: Record<string, number> = { zero: 0, one: 1, a: 1, single: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, fifty: 50, hundred: 100 };
export const NUM = "(\\d+(?:\\.\\d+)?|zero|one|single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty|hundred)";

export function numberAt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : NUMBERS[text];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The period a question names, as SQL over current_date (the sample data counts back from the day of seeding). */
export function periodOf(r: QuestionReader): Period | undefined {
  const month = "date_trunc('month', current_date)";
  const year = "date_trunc('year', current_date)";
  const week = "date_trunc('week', current_date)";
  let m: RegExpExecArray | null;
  if ((m = r.take(new RegExp(`\\b(?:(?:in|over|during|for|within) the )?(?:last|past|previous) ${NUM} (day|week|month|year)s?\\b`)))) {
    const n = numberAt(m[1])!;
    return m[2] === "day" ? { from: `current_date - ${n}`, label: `the last ${n} days` } : { from: `current_date - interval '${n} ${m[2]}s'`, label: `the last ${n} ${m[2]}s` };
  }
  if (r.has(/\b(?:last|previous) month\b/)) return { from: `${month} - interval '1 month'`, to: month, label: "last month" };
  if (r.has(/\bthis month\b|\bmonth to date\b|\bcurrent month\b/)) return { from: month, label: "this month" };
  if (r.has(/\b(?:last|previous) year\b/)) return { from: `${year} - interval '1 year'`, to: year, label: "last year" };
  if (r.has(/\bthis year\b|\byear to date\b|\bytd\b|\bcurrent year\b/)) return { from: year, label: "this year" };
  if (r.has(/\b(?:last|previous) week\b/)) return { from: `${week} - interval '1 week'`, to: week, label: "last week" };
  if ((m = r.take(/\bpast week\b|\bthis week\b/))) return { from: /this week/.test(m[0]) ? week : "current_date - 7", label: "this week" };
  if (r.has(/\btoday\b/)) return { from: "current_date", label: "today" };
  if (r.has(/\byesterday\b/)) return { from: "current_date - 1", to: "current_date", label: "yesterday" };
  if ((m = r.take(/\b(?:since|after|from) (20\d\d)\b/))) return { from: `DATE '${m[1]}-01-01'`, label: `since ${m[1]}` };
  // A year, not an amount ("$2,000", "2000 dollars").
  if ((m = r.take(/\b(?:in|during|for|of) (20\d\d)\b(?! ?(?:dollars?|usd|bucks|\$))|(?<!\$ ?)\b(20\d\d)\b(?! ?(?:dollars?|usd|bucks|\$|k\b))/))) {
    const y = Number(m[1] ?? m[2]);
    return { from: `DATE '${y}-01-01'`, to: `DATE '${y + 1}-01-01'`, label: `in ${y}` };
  }
  return undefined;
}

export const DIMENSION_WORDS: Record<string, Dimension> = {
  status: "status", statuses: "status", country: "country", countries: "country", category: "category", categories: "category",
  month: "month", months: "month", year: "year", years: "year", week: "week", weeks: "week", day: "day", days: "day", date: "day",
  product: "product", products: "product", customer: "customer", customers: "customer", order: "order", item: "product",
};

/** The dimension to group by; "a customer", "an order" only when averaging over them ("orders a customer places on average"). */
export function dimensionOf(r: QuestionReader, averaging = false): Dimension | undefined {
  if (r.has(/\bmonthly\b|\bmonth by month\b|\bmonth over month\b/)) return "month";
  if (r.has(/\bweekly\b|\bweek by week\b/)) return "week";
  if (r.has(/\bdaily\b|\bper day\b|\beach day\b|\ba day\b|\bday by day\b/)) return "day";
  if (r.has(/\byearly\b|\bannual(?:ly)?\b|\byear by year\b|\bper year\b/)) return "year";
  // "by country", "per customer", "for each month"; "an order", "a customer" only for the entities averaged over.
  // "placed by customers in Spain", "by customers who…": who did it, not a grouping.
  const by = r.peek(/\b(?:(?<!\b(?:placed|made|ordered|bought|purchased|spent|sold|generated|in) )by(?!\s+(?:the\s+)?\w+ (?:(?:in|from)(?! (?:20\d\d|last|this|the (?:last|past))\b)|who|that|with|of|named)\b)|per|each|every|across|grouped by|broken down by|breakdown by|split by|for each|in each|for every|within each|an?)\s+(?:the\s+)?(?:individual\s+|single\s+|average\s+|typical\s+)?(\w+)\b(?!')/);
  const word = by?.[1];
  if (by && word !== undefined && DIMENSION_WORDS[word] !== undefined && (!/^an?\s/.test(by[0]) || (averaging && /^(?:order|customer)$/.test(word)))) {
    r.take(new RegExp(`\\b${escape(by[0])}\\b`));
    return DIMENSION_WORDS[word];
  }
  // "Each country's share", "every category's revenue".
  const owner = r.take(/\b(?:each|every)\s+(month|year|week|day|category|country|status|product|customer)'s\b/);
  if (owner) return DIMENSION_WORDS[owner[1]!];
  // "Which month had…", "which category brings in…", "what country…": a ranking over that dimension.
  // "Which customers…", "which products…" name the subject (a ranking, if any, groups by it later).
  const which = r.take(/\b(?:which|what)\s+(month|year|week|day|category|country|status|product|customer)s?\b/);
  if (which && which[1] !== "product" && which[1] !== "customer") return DIMENSION_WORDS[which[1]!];
  // "top selling categories", "best 5 countries", "busiest months", "the most popular category": a ranking over a dimension.
  const ranked = r.take(new RegExp(`\\b(?:top|best|worst|busiest|biggest|largest|highest|lowest|most|least)(?: (?:${NUM}|selling|performing|earning|popular|profitable|successful))* (categories|countries|months|years|weeks|days|statuses|category|country|month|year|week|day)\\b`));
  return ranked ? DIMENSION_WORDS[ranked[ranked.length - 1]!] : undefined;
}

const OPS: Array<[RegExp, Threshold["op"]]> = [
  [/^(?:more than|over|above|greater than|in excess of|exceeding|upwards of)$/, ">"],
  [/^(?:at least|minimum of|a minimum of|no fewer than|no less than)$/, ">="],
  [/^(?:exactly|precisely|just|only)$/, "="],
  [/^(?:less than|fewer than|under|below)$/, "<"],
  [/^(?:at most|no more than|up to|a maximum of|maximum of)$/, "<="],
];
const OP = "(more than|over|above|greater than|in excess of|exceeding|upwards of|at least|a minimum of|minimum of|no fewer than|no less than|exactly|precisely|just|only|less than|fewer than|under|below|at most|no more than|up to|a maximum of|maximum of)";
const opOf = (words: string | undefined): Threshold["op"] => OPS.find(([re]) => re.test(words ?? ""))?.[1] ?? "=";

/**
 * A threshold on a count ("more than 3 orders", "exactly two orders", "ordered twice", "repeat customers",
 * "orders with more than 3 items") or on an amount ("orders over $500", "customers who spent more than 1,000
 * dollars", "products over $100"), for the subject the question is about. Its words are locked: "worth over
 * $800" is a threshold, not also revenue.
 */
export function thresholdOf(r: QuestionReader, subject: "orders" | "customers" | "products" | undefined): Threshold | undefined {
  let m: RegExpExecArray | null;
  const countEntity = (): Threshold["entity"] => (subject === "products" ? "product" : "customer");
  if ((m = r.takeName(new RegExp(`\\b(?:${OP} |with |having |has |have |placed |made )(?:an? )?${NUM}(?: or (more|fewer|less))? (?:orders?|times|purchases?)\\b`)))) {
    const more = m[3];
    return { entity: countEntity(), of: "orders", op: more === "more" ? ">=" : more ? "<=" : opOf(m[1]), value: numberAt(m[2])! };
  }
  if ((m = r.takeName(/\b(?:(more than|at least|only|just|exactly) )?(once|twice)\b/))) {
    const n = m[2] === "once" ? 1 : 2;
    return { entity: countEntity(), of: "orders", op: m[1] ? opOf(m[1]) : "=", value: n };
  }
  if (r.takeName(/\b(?:repeat|returning|recurring) (?:customers?|buyers?|clients?)\b/) !== null) {
    r.takeAll(/\b(?:customers?|buyers?|clients?)\b/);
    return { entity: "customer", of: "orders", op: ">", value: 1 };
  }
  if ((m = r.takeName(new RegExp(`\\b(?:${OP} |with |having |containing |contain |bought |buy )(?:an? )?${NUM}(?: or (more|fewer|less))? (items?|units?|products?|different products|distinct products|lines?)\\b`)))) {
    const more = m[3];
    const lines = /product|line/.test(m[4]!);
    const entity: Threshold["entity"] = subject === "customers" ? "customer" : subject === "products" && !lines ? "product" : "order";
    return { entity, of: lines ? "lines" : "units", op: more === "more" ? ">=" : more ? "<=" : opOf(m[1]), value: numberAt(m[2])! };
  }
  // Amounts: "$500", "500 dollars", "spent more than 1000"; a bare number needs both a money verb and a comparison.
  const money = "(?:\\$ ?(\\d+(?:\\.\\d+)?)(k)?|(\\d+(?:\\.\\d+)?)(k)?(?: ?(?:dollars?|usd|bucks|\\$))?)";
  const verb = "(spent|spend|spending|worth|valued?|totall?ing|totals?|priced|priced at|costing|costs?|revenue|sales|sold|with an? (?:total|value) of)";
  m = r.peek(new RegExp(`(?:\\b${verb}\\s+)?(?:\\b${OP}\\s+)?${money}`));
  const currency = m !== null && /\$|dollar|usd|buck/.test(m[0]);
  if (m && ((currency && (m[1] !== undefined || m[2] !== undefined)) || (m[1] !== undefined && m[2] !== undefined))) {
    r.takeName(new RegExp(escape(m[0])));
    const value = Number(m[3] ?? m[5]) * (m[4] ?? m[6] ? 1000 : 1);
    const op = m[2] ? opOf(m[2]) : ">=";
    const sold = /revenue|sales|sold/.test(m[1] ?? "");
    if (subject === "customers") return { entity: "customer", of: "revenue", op, value };
    if (subject === "products") return { entity: "product", of: sold || r.has(/\b(?:revenue|sales|sold|brought in|earned)\b/) ? "revenue" : "price", op, value };
    return { entity: "order", of: "revenue", op, value };
  }
  return undefined;
}
