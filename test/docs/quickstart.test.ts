/**
 * The README's quick start is a file that runs: the README block is examples/quickstart.ts byte for byte, the
 * install line installs every package it imports, and it runs as a program, offline and against an
 * OpenAI-compatible server (a loopback one speaking the chat-completions wire format).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scrape } from "../support/exposition.js";
import { codeBlocks, proseLines, root } from "./markdown.js";

const QUICKSTART = "examples/quickstart.ts";

/** Runs the quick start as `npx tsx quickstart.ts` would, with `env` instead of the test's OPENAI_* variables. */
async function runQuickstart(env: Record<string, string>): Promise<string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OPENAI_")));
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", QUICKSTART], { cwd: root, env: { ...base, ...env }, timeout: 60_000 });
  return stdout;
}

/** The package a module specifier comes from: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

describe("README quick start", () => {
  const file = readFileSync(`${root}/${QUICKSTART}`, "utf8");

  it("is examples/quickstart.ts, byte for byte", () => {
    const heading = proseLines("README.md").find((l) => l.text === "## Quick start")!.line;
    const block = codeBlocks("README.md").find((b) => b.line > heading && b.lang === "ts");
    expect(block?.code).toBe(file);
  });

  it("has an install line that installs every package the quick start imports", () => {
    const install = codeBlocks("README.md").find((b) => b.lang === "sh" && /^npm install \S/m.test(b.code));
    const installed = new Set(install!.code.trim().split(/\s+/).slice(2));
    const imported = new Set([...file.matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => packageOf(m[1]!)).filter((p) => !p.startsWith("node:")));
    expect(imported.size).toBeGreaterThanOrEqual(5);
    expect([...imported].filter((p) => !installed.has(p))).toEqual([]);
    // The install section comes first, before the quick start.
    const lines = proseLines("README.md").map((l) => l.text);
    expect(lines.indexOf("## Install")).toBeLessThan(lines.indexOf("## Quick start"));
  });

  it("runs offline: prints the workflow's spans, its result and its metrics", async () => {
    const stdout = await runQuickstart({});
    expect(stdout).toContain("name: 'invoke_workflow text2query'");
    expect(stdout).toContain("name: 'classify_intent'");
    expect(stdout).toContain("'workflow.stage': 'intent'");
    expect(stdout).toContain("'workflow.intent': 'sql_query'");
    expect(stdout).toContain("'user.id': 'u-42'");
    expect(stdout).toMatch(/result: \{[^}]*sql: 'SELECT count\(\*\) FROM orders'/s);
    const m = new Scrape(stdout.slice(stdout.indexOf("# HELP")));
    expect(m.value("langgraph_queries_total", { intent: "sql_query", status: "success" })).toBe(1);
    expect(m.value("langgraph_query_latency_seconds_count", { stage: "total" })).toBe(1);
  });

  describe("with OPENAI_API_KEY, against an OpenAI-compatible server", () => {
    let server: Server;
    let url = "";
    const requests: Array<{ path: string; auth: string | undefined; body: { model: string; messages: Array<{ role: string; content: string }> } }> = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        let raw = "";
        req.on("data", (c: Buffer) => (raw += c.toString()));
        req.on("end", () => {
          const body = JSON.parse(raw) as (typeof requests)[number]["body"];
          requests.push({ path: req.url ?? "", auth: req.headers.authorization, body });
          const prompt = body.messages.at(-1)?.content ?? "";
          const [content, prompt_tokens, completion_tokens] = prompt.includes("sql_query or other") ? ["sql_query", 40, 2] : ["SELECT count(*) FROM orders;", 30, 9];
          res.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({
              id: `chatcmpl-${requests.length}`,
              object: "chat.completion",
              created: Math.floor(Date.now() / 1000),
              model: "gpt-4o-mini-2024-07-18",
              choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
              usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
            }),
          );
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });

    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("calls gpt-4o-mini twice and prints its usage on the spans and its tokens and cost in the metrics", async () => {
      const stdout = await runQuickstart({ OPENAI_API_KEY: "sk-test-quickstart", OPENAI_BASE_URL: url });
      expect(requests.map((r) => [r.path, r.auth, r.body.model])).toEqual([
        ["/v1/chat/completions", "Bearer sk-test-quickstart", "gpt-4o-mini"],
        ["/v1/chat/completions", "Bearer sk-test-quickstart", "gpt-4o-mini"],
      ]);
      expect(requests[0]!.body.messages.at(-1)!.content).toContain("How many orders are there?");
      expect(stdout).toContain("'gen_ai.request.model': 'gpt-4o-mini'");
      expect(stdout).toContain("'gen_ai.usage.input_tokens': 40");
      expect(stdout).toMatch(/result: \{[^}]*intent: 'sql_query'[^}]*sql: 'SELECT count\(\*\) FROM orders;'/s);
      const m = new Scrape(stdout.slice(stdout.indexOf("# HELP")));
      // Labelled by the model that answered, as the server named it.
      const answered = { provider: "openai", model: "gpt-4o-mini-2024-07-18" };
      expect(m.value("langgraph_llm_tokens_total", { type: "input", ...answered })).toBe(70);
      expect(m.value("langgraph_llm_tokens_total", { type: "output", ...answered })).toBe(11);
      // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
      expect(m.value("langgraph_llm_cost_dollars_total", answered)).toBeCloseTo((70 * 0.15 + 11 * 0.6) / 1e6, 15);
    });
  });
});
