import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoopbackLlm } from "../ops/llm-server.js";
import { npmStart } from "../support/npm-start.js";
import { LoopbackReceiver } from "../support/otlp-receiver.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
// An OpenAI-style project key (48 random characters after the prefix), as a proxy echoes it back in its 401.
const KEY = `sk-proj-${randomBytes(36).toString("base64url")}`;
const API_TOKEN = "api-token-for-secrets-test-0001";
const METRICS_TOKEN = "metrics-token-secrets-test";
const LANGFUSE_TRACES = "/api/public/otel/v1/traces";

describe("a provider 401 that echoes the API key: the key is never stored, shown, logged or exported (npm start, real wire)", () => {
  const llm = new LoopbackLlm();
  let langfuse: LoopbackReceiver;
  let collector: LoopbackReceiver;
  let child: ChildProcess;
  let url = "";
  let output = "";
  const dataDir = mkdtempSync(join(tmpdir(), "text2query-secrets-"));
  const seen: Array<{ where: string; text: string }> = [];
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, init);
    const text = await res.text();
    seen.push({ where: path, text });
    return { status: res.status, json: JSON.parse(text) as any };
  };

  beforeAll(async () => {
    await llm.start();
    llm.unauthorized.add("gpt-4o-mini");
    langfuse = await new LoopbackReceiver().start();
    collector = await new LoopbackReceiver().start();
    child = spawn(process.execPath, npmStart().args, {
      cwd: root,
      env: {
        ...process.env,
        PORT: "0",
        LOG_LEVEL: "info",
        DATA_DIR: dataDir,
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: llm.url,
        OPENAI_MODEL: "gpt-4o-mini",
        LANGFUSE_PUBLIC_KEY: "pk-lf-secrets-test",
        LANGFUSE_SECRET_KEY: "sk-lf-secrets-test",
        LANGFUSE_BASE_URL: langfuse.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        METRICS_TOKEN,
        API_TOKEN,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
      child.stdout!.on("data", () => {
        const m = /metrics:\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
  }, 90_000);
  afterAll(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await llm.stop();
    await langfuse?.stop();
    await collector?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers, stores, shows and exports the error as its type and a redacted message", async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const answer = await api("/api/query", { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ question: "How many orders are there?" }) });
    // Not an answer: a 502 that names the setting to check, and never the key.
    expect(answer.status).toBe(502);
    expect(answer.json).toMatchObject({ setting: "OPENAI_API_KEY", providerStatus: 401 });
    expect(answer.json.error).toMatch(/refused the credentials \(HTTP 401, invalid_api_key\): check OPENAI_API_KEY/);
    const traceId = answer.json.traceId as string;
    expect(llm.calls.get("gpt-4o-mini")).toBeGreaterThanOrEqual(1);

    // The run store, through the API.
    const listed = await api("/api/runs?outcome=error", { headers: auth });
    const run = listed.json.runs.find((r: any) => r.traceId === traceId);
    expect(run.error).toMatch(/^AuthenticationError: .*Incorrect API key provided: \[redacted\]/);
    await api(`/api/runs/${traceId}`, { headers: auth });

    // The console's run list and run detail.
    const consoleAuth = { authorization: `Bearer ${METRICS_TOKEN}` };
    await api("/telemetry/api/runs", { headers: consoleAuth });
    const detail = await api(`/telemetry/api/runs/${traceId}`, { headers: consoleAuth });
    // The spans that failed with the provider's message (the HTTP server span of the 502 has a status, no message).
    const failed = detail.json.spans.filter((s: any) => s.status.code === 2 && s.status.message !== undefined);
    expect(failed.length).toBeGreaterThan(0);
    for (const s of failed) {
      expect(s.status.message).toContain("[redacted]");
      expect(s.attributes["langfuse.observation.status_message"]).toContain("[redacted]");
    }

    // Stop the server: its shutdown flushes the exporters.
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGTERM");
    await exited;

    const exportedLangfuse = langfuse.spans(LANGFUSE_TRACES);
    const exportedOtlp = collector.spans("/v1/traces");
    for (const wire of [exportedLangfuse, exportedOtlp]) {
      const errors = wire.filter((s) => s.traceId === traceId && s.status.code === 2 && s.status.message);
      expect(errors.length).toBeGreaterThan(0);
      for (const s of errors) expect(s.status.message).toContain("[redacted]");
    }
    const scores = langfuse.ingestionEvents().filter((e) => e.body.traceId === traceId && e.body.name === "query_valid");
    expect(scores).toHaveLength(1);
    expect(String(scores[0]!.body.comment)).toContain("[redacted]");

    // Nowhere: API answers, console JSON, every exported byte (spans, exception events with stacks, scores), logs.
    for (const r of [...langfuse.requests, ...collector.requests]) seen.push({ where: `export ${r.path}`, text: r.body.toString("latin1") });
    seen.push({ where: "server output (logs)", text: output });
    const secretPart = KEY.slice("sk-proj-".length, "sk-proj-".length + 16);
    for (const { where, text } of seen) {
      expect(text.includes(KEY), where).toBe(false);
      expect(text.includes(secretPart), where).toBe(false);
    }
  }, 90_000);
});
