/**
 * Reads a question about the shop as parts — what to measure, of what, grouped by what, filtered how, over
 * which period, in which order and how many — so SQL can be composed from them (compose-sql.ts) instead of
 * matched against a fixed list of phrasings. Pure and deterministic: the demo model's understanding.
 */

export type Subject = "orders" | "customers" | "products";
export type Measure = "count" | "revenue" | "units" | "average_order_value" | "average_price" | "list" | "price" | "share";
export type Dimension = "status" | "country" | "category" | "month" | "year" | "week" | "day" | "product" | "customer";

export interface Period {
  /** SQL expressions over `current_date`: from (inclusive) and to (exclusive). */
  from: string;
  to?: string;
  label: string;
}

export interface QuestionParts {
  subject: Subject;
  measure: Measure;
  groupBy?: Dimension;
  status?: string;
  country?: string;
  category?: string;
  period?: Period;
  /** Customers who never ordered, products never ordered. */
  never?: boolean;
  /** "more than N orders" */
  moreThanOrders?: number;
  /** The question names orders ("placed the most orders"), so a ranking of customers counts them. */
  mentionsOrders?: boolean;
  /** A customer named in the question ("Olivia Smith"). */
  customerName?: string;
  /** The period is about sign-ups, not orders. */
  signups?: boolean;
  order?: "desc" | "asc";
  limit?: number;
}

const NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twenty: 20 };
const COUNTRY_NAMES: Array<[RegExp, string]> = [
  [/\b(?:united states|usa|america|american)\b/, "US"],
  [/\b(?:germany|german)\b/, "DE"],
  [/\b(?:france|french)\b/, "FR"],
  [/\b(?:united kingdom|uk|britain|british|england)\b/, "GB"],
  [/\b(?:japan|japanese)\b/, "JP"],
  [/\b(?:brazil|brazilian)\b/, "BR"],
  [/\b(?:india|indian)\b/, "IN"],
  [/\b(?:canada|canadian)\b/, "CA"],
  [/\b(?:australia|australian)\b/, "AU"],
  [/\b(?:spain|spanish)\b/, "ES"],
];
/** Two-letter codes as typed (upper case), so "us" and "in" stay words. */
const COUNTRY_CODE = /\b(US|DE|FR|GB|UK|JP|BR|IN|CA|AU|ES)\b/;
const CATEGORY = /\b(books?|electronics?|garden(?:ing)?|kitchen|toys?)\b/;
const STATUS = /\b(delivered|shipped|cancell?ed|pending|open)\b/;
const DIMENSION_WORDS: Record<string, Dimension> = {
  status: "status", statuses: "status", country: "country", countries: "country", category: "category", categories: "category",
  month: "month", months: "month", year: "year", years: "year", week: "week", weeks: "week", day: "day", days: "day", date: "day",
  product: "product", products: "product", customer: "customer", customers: "customer",
};

function numberAt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? Number.parseInt(text, 10) : NUMBERS[text];
}

const NUM = "(\\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty)";

/** The period a question names, as SQL over current_date (the sample data counts back from the day of seeding). */
export function periodOf(q: string): Period | undefined {
  const month = "date_trunc('month', current_date)";
  const year = "date_trunc('year', current_date)";
  const week = "date_trunc('week', current_date)";
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`\\b(?:last|past|previous) ${NUM} (day|week|month|year)s?\\b`).exec(q))) {
    const n = numberAt(m[1])!;
    return m[2] === "day" ? { from: `current_date - ${n}`, label: `the last ${n} days` } : { from: `current_date - interval '${n} ${m[2]}s'`, label: `the last ${n} ${m[2]}s` };
  }
  if (/\b(?:last|previous) month\b/.test(q)) return { from: `${month} - interval '1 month'`, to: month, label: "last month" };
  if (/\bthis month\b|\bmonth to date\b/.test(q)) return { from: month, label: "this month" };
  if (/\b(?:last|previous) year\b/.test(q)) return { from: `${year} - interval '1 year'`, to: year, label: "last year" };
  if (/\bthis year\b|\byear to date\b|\bytd\b/.test(q)) return { from: year, label: "this year" };
  if (/\b(?:last|previous) week\b/.test(q)) return { from: `${week} - interval '1 week'`, to: week, label: "last week" };
  if (/\bpast week\b|\bthis week\b/.test(q)) return { from: /this week/.test(q) ? week : "current_date - 7", label: "this week" };
  if (/\btoday\b/.test(q)) return { from: "current_date", label: "today" };
  if (/\byesterday\b/.test(q)) return { from: "current_date - 1", to: "current_date", label: "yesterday" };
  if ((m = /\b(?:since|after|from) (20\d\d)\b/.exec(q))) return { from: `DATE '${m[1]}-01-01'`, label: `since ${m[1]}` };
  if ((m = /\b(?:in|during|for|of) (20\d\d)\b|\b(20\d\d)\b/.exec(q))) {
    const y = Number(m[1] ?? m[2]);
    return { from: `DATE '${y}-01-01'`, to: `DATE '${y + 1}-01-01'`, label: `in ${y}` };
  }
  return undefined;
}

function dimensionOf(q: string): Dimension | undefined {
  if (/\bmonthly\b|\bmonth by month\b/.test(q)) return "month";
  if (/\bweekly\b/.test(q)) return "week";
  if (/\bdaily\b|\bper day\b|\beach day\b/.test(q)) return "day";
  if (/\byearly\b|\bannual\b/.test(q)) return "year";
  const m = /\b(?:by|per|each|every|across|grouped by|broken down by|breakdown by|split by|for each|in each|for every)\s+(?:the\s+)?(\w+)/.exec(q);
  const word = m?.[1];
  if (word !== undefined && DIMENSION_WORDS[word] !== undefined) return DIMENSION_WORDS[word];
  // "Which month had…", "which category brings in…", "what country…": a ranking over that dimension.
  const which = /\b(?:which|what)\s+(month|year|week|day|category|country|status|product|customer)s?\b/.exec(q);
  if (which) return DIMENSION_WORDS[which[1]!];
  // "top selling categories", "best 5 countries", "busiest months": a ranking over a plural dimension.
  const ranked = new RegExp(`\\b(?:top|best|worst|busiest|biggest|largest|highest|lowest|most|least)(?:[- ](?:${NUM}|selling|performing|earning))* (categories|countries|months|years|weeks|days|statuses)\\b`).exec(q);
  return ranked ? DIMENSION_WORDS[ranked[ranked.length - 1]!] : undefined;
}

function measureOf(q: string, subject: Subject | undefined): Measure | undefined {
  if (/\b(?:share|percent(?:age)?|proportion|ratio|fraction)\b/.test(q)) return "share";
  if (/\baverage order (?:value|size|total|amount)\b|\baov\b|\baverage (?:spend|basket)\b/.test(q)) return "average_order_value";
  if (/\b(?:average|mean|avg) (?:product )?price\b|\baverage cost\b/.test(q)) return "average_price";
  if (/\bmost expensive\b|\bcheapest\b|\bpriciest\b|\bleast expensive\b|\bprices?\b/.test(q) && subject !== "orders") return "price";
  if (/\bunits?\b|\b(?:best|top)[- ]?sell(?:ing|ers?)\b|\bsold\b|\bmost (?:sold|popular)\b|\bsold the most\b|\bquantit(?:y|ies)\b|\bhow many \w+ (?:did we )?sell\b|\bsell(?:s)?\b|\bitems sold\b/.test(q))
    return "units";
  if (/\b(?:revenue|sales|turnover|income|earn(?:ed|ings)?|made|make|spen[dt]|spending|brings? in|money|gmv|biggest spenders?|top spenders?)\b/.test(q)) return "revenue";
  if (/\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b.*\borders\b|\bamount of orders\b/.test(q)) return "count";
  if (/\b(?:list|show|which|who|what are|give me|display|name)\b/.test(q)) return "list";
  return undefined;
}

function subjectOf(q: string): Subject | undefined {
  const positions: Array<[Subject, number]> = [
    ["customers", q.search(/\b(?:customers?|clients?|buyers?|who|users?|people|signups?|sign[- ]ups?|spenders?)\b/)],
    ["products", q.search(/\b(?:products?|items?|articles?|goods|books?|electronics|toys?|sellers?|catalog(?:ue)?|units)\b/)],
    ["orders", q.search(/\b(?:orders?|purchases?|sales|revenue|turnover|income)\b/)],
  ];
  const found = positions.filter(([, at]) => at >= 0).sort((a, b) => a[1] - b[1]);
  return found[0]?.[0];
}

/** The parts of a question, or undefined when it names nothing the shop's data can measure. */
export function questionParts(question: string): QuestionParts | undefined {
  const typed = question.trim();
  const q = typed.toLowerCase().replace(/[’']/g, "'").replace(/[?!.,;:]/g, " ").replace(/\s+/g, " ");
  let subject = subjectOf(q);
  const never = /\bnever\b|\bno orders\b|\bwithout (?:any )?orders?\b|\bhaven't (?:ordered|bought)\b|\bhasn't (?:ordered|bought)\b|\bnot (?:yet )?(?:been )?(?:ordered|sold|bought)\b|\bunsold\b|\bzero orders\b|\bno sales\b/.test(q);
  const groupBy = dimensionOf(q);
  let measure = measureOf(q, subject);
  if (subject === undefined && measure === undefined) return undefined;
  if (subject === undefined) subject = measure === "revenue" ? "orders" : measure === "units" || measure === "price" || measure === "average_price" ? "products" : undefined;
  if (subject === undefined) {
    if (groupBy === "category") subject = "products";
    else return undefined;
  }
  // A bare noun phrase ("Orders in the last 7 days", "Orders per month") asks how many; "Customers in Japan" who.
  measure ??= groupBy !== undefined || subject === "orders" ? "count" : "list";
  const parts: QuestionParts = { subject, measure };
  if (groupBy !== undefined) parts.groupBy = groupBy;
  if (never) parts.never = true;
  if (/\borders?\b/.test(q)) parts.mentionsOrders = true;

  const status = STATUS.exec(q)?.[1];
  if (status !== undefined && groupBy !== "status") parts.status = status.startsWith("cancel") ? "cancelled" : status === "open" ? "pending" : status;
  const code = COUNTRY_CODE.exec(typed)?.[1];
  const country = code !== undefined ? (code === "UK" ? "GB" : code) : COUNTRY_NAMES.find(([re]) => re.test(q))?.[1];
  if (country !== undefined && groupBy !== "country") parts.country = country;
  // A capitalised first and last name that is not a country: a customer ("How many orders has Olivia Smith placed?").
  const name = /(?<!^)\b([A-Z][a-z\u00c0-\u017f]+ [A-Z][a-z\u00c0-\u017f]+)\b/u.exec(typed)?.[1];
  if (name !== undefined && !COUNTRY_NAMES.some(([re]) => re.test(name.toLowerCase()))) parts.customerName = name;
  const category = CATEGORY.exec(q)?.[1];
  if (category !== undefined && groupBy !== "category") parts.category = category.startsWith("book") ? "books" : category.startsWith("electronic") ? "electronics" : category.startsWith("garden") ? "garden" : category.startsWith("toy") ? "toys" : "kitchen";
  const period = periodOf(q);
  if (period !== undefined) parts.period = period;
  if (subject === "customers" && /\b(?:sign(?:ed)?[- ]?ups?|joined|registered|new customers?|new accounts?|acquired)\b/.test(q)) parts.signups = true;
  const more = new RegExp(`\\b(?:more than|over|at least) ${NUM} (?:orders|times|purchases)\\b`).exec(q);
  if (more) {
    parts.moreThanOrders = numberAt(more[1])! - (/at least/.test(more[0]) ? 1 : 0);
    parts.subject = "customers";
    if (measure === "list" || measure === "count") parts.measure = /\bhow many\b|\bnumber of\b|\bcount\b/.test(q) ? "count" : "list";
  }

  // Order and size: "top 5", "5 best", "the most", "least", "cheapest".
  const ascending = /\b(?:least|lowest|worst|fewest|bottom|smallest|cheapest|least expensive)\b/.test(q);
  const top = new RegExp(`\\b(?:top|bottom|first|best|worst|largest|biggest|highest|lowest) ${NUM}\\b|\\b(?:which|what|the) ${NUM} \\w+|\\b${NUM} (?:best|top|most|least|largest|biggest|highest|lowest|worst|cheapest|most expensive)\\b`).exec(q);
  const ranked = top !== null || /\b(?:top|most|highest|best|biggest|largest|least|lowest|worst|fewest|bottom|cheapest|most expensive|priciest|smallest)\b/.test(q);
  if (ranked && (parts.groupBy !== undefined || ["price", "list", "units", "revenue"].includes(parts.measure)) && !never) {
    parts.order = ascending ? "asc" : "desc";
    const n = numberAt(top?.[1] ?? top?.[2] ?? top?.[3]);
    // "Which country…", "who is…" ask for one; "which countries…", "who are…", "top…" for several.
    const singular = /\b(?:which|what) (?:month|year|week|day|category|country|status|product|customer)\b|\bwho is\b|\bwhat is\b|\bwhat's\b/.test(q);
    const plural = !singular && /\b(?:products|customers|categories|countries|months|years|weeks|days|sellers|items|statuses)\b|\bwho are\b|\bwhat are\b|\btop\b/.test(q);
    parts.limit = n ?? (plural ? 10 : 1);
    if (parts.groupBy === undefined) {
      if (parts.subject === "customers") parts.groupBy = "customer";
      else if (parts.subject === "products" || parts.measure === "units") parts.groupBy = "product";
    }
  }
  return parts;
}
