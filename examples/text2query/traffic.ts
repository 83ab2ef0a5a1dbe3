// Sends realistic questions to a running Text2Query server so metrics and dashboards fill with data.
// Usage: npm run traffic -- [--count 200] [--concurrency 4] [--url http://localhost:3000]
// API_TOKEN: sent as the bearer token when the server requires one.
import { parseArgs } from "node:util";
import { questionAt } from "./questions.js";

const { values } = parseArgs({
  options: { count: { type: "string", default: "100" }, concurrency: { type: "string", default: "4" }, url: { type: "string", default: process.env.TEXT2QUERY_URL ?? "http://localhost:3000" } },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error("traffic: --count and --concurrency must be positive integers");
  process.exit(2);
}

const outcomes = new Map<string, number>();
let done = 0;
let next = 0;
const started = Date.now();
const summary = () => `${done}/${count} ${[...outcomes].map(([k, v]) => `${k}:${v}`).join(" ")}`;
// A redrawn bar on a terminal; in logs (CI, docker, pipes) one plain line per tenth of the run and at the end.
let reported = -1;
const progress = process.stderr.isTTY
  ? () => {
      const width = 30;
      const filled = Math.round((done / count) * width);
      process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${summary()}   ${done === count ? "\n" : ""}`);
    }
  : () => {
      const tenth = Math.floor((done * 10) / count);
      if (tenth === reported) return;
      reported = tenth;
      process.stderr.write(`traffic: ${summary()}\n`);
    };

async function worker() {
  while (next < count) {
    const i = next++;
    let outcome: string;
    try {
      const res = await fetch(`${values.url}/api/query`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(process.env.API_TOKEN ? { authorization: `Bearer ${process.env.API_TOKEN}` } : {}) },
        body: JSON.stringify({ question: questionAt(i), userId: `user-${i % 25}`, sessionId: `session-${i % 60}` }),
      });
      outcome = res.ok ? String(((await res.json()) as { outcome?: string }).outcome ?? "unknown") : `http_${res.status}`;
    } catch {
      outcome = "unreachable";
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    done++;
    progress();
  }
}

progress();
await Promise.all(Array.from({ length: concurrency }, worker));
console.log(JSON.stringify({ sent: count, seconds: (Date.now() - started) / 1000, outcomes: Object.fromEntries(outcomes) }));
if (outcomes.get("unreachable") === count) {
  console.error(`traffic: could not reach ${values.url} (is the server running? npm start)`);
  process.exit(1);
}
