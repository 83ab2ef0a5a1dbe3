/**
 * A realistic mix of questions for `npm run traffic`: mostly answerable ones (some needing a correction), some
 * vague (asked back), some out of scope, one about data the shop does not record (answered "cannot tell"), and
 * some the correction loop gives up on (refunds: the deliberate failure family).
 */
export const QUESTIONS: ReadonlyArray<{ question: string; weight: number }> = [
  { question: "How many orders are there?", weight: 6 },
  { question: "How many delivered orders are there?", weight: 4 },
  { question: "How many cancelled orders do we have?", weight: 3 },
  { question: "Top 5 customers by revenue", weight: 5 },
  { question: "Top 10 customers by spend", weight: 3 },
  { question: "Revenue by month", weight: 5 },
  { question: "Best-selling products", weight: 4 },
  { question: "Revenue by category", weight: 4 },
  { question: "How many customers in DE?", weight: 3 },
  { question: "Customers by country", weight: 3 },
  { question: "How many orders since 2025?", weight: 3 },
  { question: "What is the average order value?", weight: 3 },
  { question: "How many orders per status?", weight: 3 },
  { question: "Revenue last month", weight: 2 },
  { question: "Which customers never ordered?", weight: 2 },
  { question: "Top selling categories this year", weight: 2 },
  { question: "How many customers signed up per month this year?", weight: 1 },
  { question: "How many refunds did we issue last month?", weight: 2 },
  { question: "How many orders were returned last month?", weight: 1 },
  { question: "show me the data", weight: 2 },
  { question: "what about last week?", weight: 2 },
  { question: "What's the weather in Paris?", weight: 1 },
  { question: "Tell me a joke", weight: 1 },
];

/** The i-th question of a deterministic weighted sequence. */
export function questionAt(i: number): string {
  const total = QUESTIONS.reduce((a, q) => a + q.weight, 0);
  let pick = (i * 7919) % total;
  for (const q of QUESTIONS) {
    if (pick < q.weight) return q.question;
    pick -= q.weight;
  }
  return QUESTIONS[0]!.question;
}
