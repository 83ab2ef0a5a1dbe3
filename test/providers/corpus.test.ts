import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectedCall } from "../support/provider-expected.js";
import { fixtureScenarios, loadFixture, replayModel, ReplayServer, streamPayloads, usesHttp2 } from "../support/provider-replay.js";
import { RecordingHandler, runReplayGraph } from "./recording-handler.js";
import { SCENARIOS, type HiddenFact } from "./scenarios.js";

/** Whether `want` is a leaf value anywhere in `value`. */
function holds(value: unknown, want: unknown, depth = 0): boolean {
  if (value === want) return true;
  if (depth > 14 || value === null || typeof value !== "object") return false;
  return Object.values(value).some((v) => holds(v, want, depth + 1));
}

/** The corpus and the harness themselves: provenance complete, expected values independently confirmed, streams streamed. */

const ROOT = fileURLToPath(new URL("../fixtures/providers/", import.meta.url));
const PROVIDERS = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const LICENCES = new Set(["Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause"]);

describe("the recorded corpus", () => {
  it.each(PROVIDERS)("%s: every fixture has its files and a provenance (repository, path, commit, redistributable licence)", (provider) => {
    const { fixtures } = JSON.parse(readFileSync(`${ROOT}${provider}/provenance.json`, "utf8")) as { fixtures: Array<Record<string, any>> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) {
      expect(existsSync(`${ROOT}${provider}/${f.response}`), f.response).toBe(true);
      if (f.request) expect(existsSync(`${ROOT}${provider}/${f.request}`), f.request).toBe(true);
      expect(f.source.repository).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(f.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(LICENCES.has(f.source.licence), f.source.licence).toBe(true);
      expect(f.notes.length, "how the body was taken out of the recording").toBeGreaterThan(0);
    }
    const files = readdirSync(`${ROOT}${provider}`).filter((name) => name !== "provenance.json");
    const listed = new Set(fixtures.flatMap((f) => [f.response, f.request].filter(Boolean)));
    expect(files.filter((name) => !listed.has(name)), "files no provenance entry names").toEqual([]);
  });

  it("holds no credentials", () => {
    for (const provider of PROVIDERS) {
      for (const name of readdirSync(`${ROOT}${provider}`)) {
        const text = readFileSync(`${ROOT}${provider}/${name}`, "latin1");
        expect(text, `${provider}/${name}`).not.toMatch(/sk-[A-Za-z0-9_-]{20,}|sk-ant-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{30,}|AKIA[0-9A-Z]{16}|"authorization"|"x-api-key"|"api-key"/i);
      }
    }
  });

  it("every scenario of every provider is in the replay table", () => {
    const inTable = new Set(SCENARIOS.map((s) => `${s.fixture.provider}/${s.fixture.scenario}`));
    expect(PROVIDERS.flatMap((p) => fixtureScenarios(p).map((s) => `${p}/${s}`)).filter((s) => !inTable.has(s))).toEqual([]);
  });

  it.each(SCENARIOS.filter((s) => s.fixture.format !== "json").map((s) => [s.label, s] as const))("%s: the stream is cut into its events", (_label, s) => {
    expect(streamPayloads(s.fixture).length).toBeGreaterThanOrEqual(2);
  });
});

describe("expected values (test/support/provider-expected.ts)", () => {
  // An independent reading of the same payload: genai-prices' own extractor (where it has one for the API) must
  // find the same billed counts as ours.
  const core = (u: Record<string, number | undefined>) => ({
    input_tokens: u.input_tokens ?? 0,
    output_tokens: u.output_tokens ?? 0,
    cache_read_tokens: u.cache_read_tokens ?? 0,
    cache_write_tokens: u.cache_write_tokens ?? 0,
    output_reasoning_tokens: u.output_reasoning_tokens ?? 0,
  });
  it.each(SCENARIOS.map((s) => [s.label, s] as const))("%s: usage agrees with genai-prices' extractUsage", (_label, s) => {
    const e = expectedCall(s.fixture, s.requestModel);
    if (!e.pricedUsage) return expect(e.price?.kind ?? "no usage").toMatch(/local|no usage/);
    const u = e.usage!;
    expect(core(e.pricedUsage)).toEqual({ input_tokens: u.input, output_tokens: u.output, cache_read_tokens: u.cacheRead, cache_write_tokens: u.cacheWrite, output_reasoning_tokens: u.reasoning });
    expect(u.total).toBe(u.input + u.output);
  });

  it("Anthropic streams: message_delta's cumulative output count, not message_start's added to it (158, as OpenInference and OpenLLMetry assert)", () => {
    expect(expectedCall(loadFixture("anthropic", "messages-stream"), "claude-3-opus-20240229").usage).toMatchObject({ input: 17, output: 158 });
  });
});

/** The facts a scenario lists as hidden appear nowhere in what LangChain handed the callbacks about the answer (else the entry is stale). */
function assertHidden(s: (typeof SCENARIOS)[number], call: import("./recording-handler.js").RecordedCall | undefined) {
  const e = expectedCall(s.fixture, s.requestModel);
  const values: Record<HiddenFact, unknown[]> = {
    responseModel: [e.responseModel],
    responseId: [e.responseId],
    reasoning: [e.usage?.reasoning],
    toolCallIds: e.toolCalls.map((t) => t.id),
  };
  // What the response brought: the end and the streamed chunks (the start holds the requested model).
  const answered = { end: call?.end, tokens: call?.tokens };
  for (const fact of s.hidden) {
    expect(values[fact].length, `${s.label}: the payload has a ${fact}`).toBeGreaterThan(0);
    for (const value of values[fact]) expect(holds(answered, value), `${s.label}: ${fact} ${String(value)} reaches the callbacks now`).toBe(false);
  }
}

describe("the replay harness", () => {
  it.each(SCENARIOS.filter((s) => !s.streaming && s.hidden.length > 0).map((s) => [s.label, s] as const))("%s: what LangChain hides is still hidden", async (_label, s) => {
    const server = await new ReplayServer({ http2: usesHttp2(s.client) }).start();
    server.always(s.fixture);
    const handler = new RecordingHandler();
    try {
      await runReplayGraph(replayModel(s.client, server.url, { model: s.requestModel, streaming: false, recordedUrl: s.fixture.url }), false, { callbacks: [handler] });
    } finally {
      await server.stop();
    }
    assertHidden(s, [...handler.calls.values()][0]);
  });

  it.each(SCENARIOS.filter((s) => s.streaming).map((s) => [s.label, s] as const))("%s: the client reads the recording as a stream (one callback per streamed chunk)", async (_label, s) => {
    const server = await new ReplayServer({ http2: usesHttp2(s.client) }).start();
    server.always(s.fixture);
    const handler = new RecordingHandler();
    try {
      await runReplayGraph(replayModel(s.client, server.url, { model: s.requestModel, streaming: true, recordedUrl: s.fixture.url }), true, { callbacks: [handler] });
    } finally {
      await server.stop();
    }
    const [call] = [...handler.calls.values()];
    expect(call?.error).toBeUndefined();
    assertHidden(s, call);
    // Mistral's recorded tool call is two events (role, then the whole call): one token callback.
    expect(call!.tokens.length).toBeGreaterThanOrEqual(Math.min(2, streamPayloads(s.fixture).length - 1));
    expect(server.requests).toHaveLength(1);
  });
});
