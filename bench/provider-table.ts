/**
 * Each recorded provider scenario of test/providers (real recordings replayed over loopback to the real LangChain
 * packages, in a LangGraph graph traced by WorkflowTracer), as a table: tokens, buckets and cost on our span
 * against the payload's own numbers and @pydantic/genai-prices' calcPrice for them.
 *
 *   node --import tsx bench/provider-table.ts   (npm run bench:providers)
 *
 * "=" means equal; otherwise ours, then the payload's value. Facts a LangChain package never passes to callbacks
 * (Anthropic streams' thinking tokens) show as a difference here; test/providers/checks.ts lists them.
 */
import type { Attributes } from "@opentelemetry/api";
import { setupOtel } from "../test/support/otel.js";
import { expectedCall } from "../test/support/provider-expected.js";
import { replayModel, ReplayServer, usesHttp2 } from "../test/support/provider-replay.js";
import { runReplayGraph } from "../test/providers/recording-handler.js";
import { SCENARIOS } from "../test/providers/scenarios.js";
import { llmSpans, tracedTelemetry } from "../test/providers/traced.js";

const otel = setupOtel();
const cell = (ours: number | undefined, payload: number | undefined) => (ours === payload ? `${ours ?? "—"} =` : `${ours ?? "—"} ≠ ${payload ?? "—"}`);
const money = (ours: number | undefined, payload: number | undefined) => {
  if (ours === undefined && payload === undefined) return "unpriced =";
  if (ours === undefined || payload === undefined) return `${ours ?? "unpriced"} ≠ ${payload ?? "unpriced"}`;
  const diff = ours - payload;
  return Math.abs(diff) <= 1e-12 * Math.max(1, Math.abs(payload)) ? `$${ours.toPrecision(6)} =` : `$${ours.toPrecision(6)} ≠ $${payload.toPrecision(6)}`;
};

const rows: string[] = [];
let exact = 0;
for (const s of SCENARIOS) {
  const server = await new ReplayServer({ http2: usesHttp2(s.client) }).start();
  server.always(s.fixture);
  const telemetry = tracedTelemetry(otel);
  const at = new Date();
  try {
    await runReplayGraph(replayModel(s.client, server.url, { model: s.requestModel, streaming: s.streaming, recordedUrl: s.fixture.url }), s.streaming, { callbacks: [telemetry.tracer] });
  } finally {
    await server.stop();
  }
  const { spans } = await telemetry.collect();
  const a = (llmSpans(spans)[0]?.attributes ?? {}) as Attributes;
  const e = expectedCall(s.fixture, s.requestModel, at);
  const n = (key: string) => (typeof a[key] === "number" ? (a[key] as number) : undefined);
  const details = typeof a["langfuse.observation.usage_details"] === "string" ? (JSON.parse(a["langfuse.observation.usage_details"] as string) as Record<string, number>) : {};
  const b = e.buckets;
  const price = e.price?.kind === "priced" ? e.price.total : e.price?.kind === "local" ? 0 : undefined;
  const cells = [
    cell(n("gen_ai.usage.input_tokens"), e.usage?.input),
    cell(details.input_cache_read ?? (b ? 0 : undefined), b?.input_cache_read),
    cell(details.input_cache_creation ?? (b ? 0 : undefined), b?.input_cache_creation),
    cell(n("gen_ai.usage.output_tokens"), e.usage?.output),
    cell(details.output_reasoning ?? (b ? 0 : undefined), b?.output_reasoning),
    money(n("workflow.cost_usd"), price),
  ];
  if (cells.every((c) => c.endsWith("="))) exact++;
  rows.push(`| ${s.label} | ${cells.join(" | ")} |`);
}
await otel.shutdown();
console.log(`${exact} of ${SCENARIOS.length} scenarios equal the payload in every column.\n`);
console.log("| scenario | input | cache read | cache write | output | reasoning | cost |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
