/**
 * Dumps, for every replayed scenario, what LangChain hands a callback handler (start, streamed chunks, end) as
 * JSON files, for designing the reader of LLM runs. Not a test: run by hand,
 *   node --import tsx test/providers/shapes.ts <output-dir> [label-filter]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { replayModel, ReplayServer, usesHttp2 } from "../support/provider-replay.js";
import { RecordingHandler, runReplayGraph, type RecordedCall } from "./recording-handler.js";
import { SCENARIOS } from "./scenarios.js";

/** Streamed chunks that carry more than text (metadata, usage, tool-call pieces), plus the first and last. */
function summariseTokens(tokens: RecordedCall["tokens"]) {
  const interesting = (fields: unknown): boolean => {
    const chunk = (fields as { chunk?: { generationInfo?: object; message?: Record<string, unknown> } } | undefined)?.chunk;
    if (!chunk) return false;
    if (chunk.generationInfo && Object.keys(chunk.generationInfo).length > 0) return true;
    const m = chunk.message ?? {};
    const nonEmpty = (v: unknown) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === "object" && v !== null && Object.keys(v).length === 0);
    return ["usage_metadata", "response_metadata", "additional_kwargs", "tool_call_chunks", "id"].some((k) => nonEmpty(m[k]));
  };
  return {
    count: tokens.length,
    text: tokens.map((t) => t.token).join("").slice(0, 400),
    first: tokens[0],
    last: tokens.at(-1),
    withMetadata: tokens.map((t, index) => ({ index, ...t })).filter((t) => interesting(t.fields)),
  };
}

async function main() {
  const [outDir, filter] = process.argv.slice(2);
  if (!outDir) throw new Error("usage: shapes.ts <output-dir> [label-filter]");
  mkdirSync(outDir, { recursive: true });
  for (const s of SCENARIOS.filter((x) => !filter || x.label.includes(filter))) {
    const server = await new ReplayServer({ http2: usesHttp2(s.client) }).start();
    server.always(s.fixture);
    const handler = new RecordingHandler();
    let result: unknown;
    let failure: string | undefined;
    try {
      const model = replayModel(s.client, server.url, { model: s.requestModel, streaming: s.streaming, recordedUrl: s.fixture.url });
      result = await runReplayGraph(model, s.streaming, { callbacks: [handler] });
    } catch (error) {
      failure = String((error as Error)?.stack ?? error);
    }
    await server.stop();
    const calls = [...handler.calls.values()].map((c) => ({ start: c.start, tokens: summariseTokens(c.tokens), end: c.end, error: c.error }));
    const file = `${outDir}/${s.label.replace(/[/ ]/g, "-").replace(/[()]/g, "")}.json`;
    const dump = {
      label: s.label,
      client: s.client,
      requestModel: s.requestModel,
      streaming: s.streaming,
      source: s.fixture.source,
      request: { path: server.requests.map((r) => `${r.method} ${r.path}`), body: server.requests[0]?.body.slice(0, 2000) },
      failure,
      result,
      calls,
    };
    writeFileSync(file, JSON.stringify(dump, null, 2));
    console.log(`${s.label.padEnd(60)} ${failure ? "FAILED " + failure.split("\n")[0] : `ok (${calls.length} call, ${calls[0]?.tokens.count ?? 0} tokens)`}`);
  }
}

await main();
