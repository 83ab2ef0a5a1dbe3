import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { Scrape } from "../support/exposition.js";
import { npmStart } from "../support/npm-start.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const program = npmStart();

/** Starts `npm start`'s program (or `command`) on an ephemeral port and resolves with its URL once it prints it. */
async function start(env: Record<string, string>, command: string[] = [process.execPath, ...program.args]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(command[0]!, command.slice(1), { cwd: root, env: { ...process.env, PORT: "0", LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const check = () => {
      const m = /metrics:\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { child, url, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

describe("npm start (examples/text2query/main.ts) and npm run traffic", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("starts on the embedded defaults, seeds PGlite on first start, takes traffic, and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "text2query-"));
    dirs.push(dataDir);
    const { child, url, output } = await start({ DATA_DIR: dataDir });
    expect(output()).toMatch(/Text2Query is running \(pglite, demo model\)/);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/text2query/traffic.ts", "--count", "24", "--concurrency", "3", "--url", url], { cwd: root, timeout: 120_000 });
    const summary = JSON.parse(stdout.trim()) as { sent: number; outcomes: Record<string, number> };
    expect(summary.sent).toBe(24);
    expect(Object.keys(summary.outcomes).sort()).toEqual(expect.arrayContaining(["success"]));
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(24);
    expect(stderr).toContain("24/24");
    // Not a terminal: plain progress lines (at most one per tenth), no carriage-return redraws flooding the log.
    expect(stderr).not.toContain("\r");
    expect(stderr.trim().split("\n").length).toBeLessThanOrEqual(11);
    const m = new Scrape(await (await fetch(`${url}/metrics`)).text());
    expect(m.sum("text2query_queries_total")).toBe(24);
    expect(await stop(child)).toBe(0);

    // Second start on the same data: the database is kept, the runs are still there.
    const again = await start({ DATA_DIR: dataDir });
    const runs = (await (await fetch(`${again.url}/api/runs?limit=100`)).json()) as { runs: unknown[] };
    expect(runs.runs).toHaveLength(24);
    expect(await stop(again.child)).toBe(0);
  }, 180_000);

  it("stops gracefully on SIGTERM when started as the Dockerfile starts it (docker stop): exit 0, port closed", async () => {
    const dockerfile = readFileSync(join(root, "deploy/text2query/Dockerfile"), "utf8");
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const dataDir = mkdtempSync(join(tmpdir(), "text2query-"));
    dirs.push(dataDir);
    const { child, url } = await start({ DATA_DIR: dataDir }, cmd[0] === "node" ? [process.execPath, ...cmd.slice(1)] : cmd);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await stop(child)).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 120_000);

  it("uses ChatOpenAI against an OpenAI-compatible server when OPENAI_API_KEY and OPENAI_BASE_URL are set", async () => {
    // A loopback OpenAI-compatible server (as a local vLLM or llama.cpp server would be).
    const requests: Array<{ auth: string | undefined; body: { model: string; messages: Array<{ role: string; content: string }> } }> = [];
    const api: Server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as (typeof requests)[number]["body"];
        requests.push({ auth: req.headers.authorization, body });
        const system = body.messages[0]?.content ?? "";
        const content = system.startsWith("[intent]") ? '{"intent":"sql_query","confidence":0.88}' : system.startsWith("[reasoning]") ? "Count orders." : "```sql\nSELECT count(*) AS orders FROM orders\n```";
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: `chatcmpl-${requests.length}`,
            object: "chat.completion",
            created: 1,
            model: body.model,
            choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
            usage: { prompt_tokens: 300, completion_tokens: 12, total_tokens: 312 },
          }),
        );
      });
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    const dataDir = mkdtempSync(join(tmpdir(), "text2query-"));
    dirs.push(dataDir);
    const { child, url, output } = await start({ DATA_DIR: dataDir, OPENAI_API_KEY: "sk-local-test", OPENAI_MODEL: "qwen2.5-coder:7b", OPENAI_BASE_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1` });
    try {
      expect(output()).toMatch(/OpenAI model/);
      const answer = (await (await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "How many orders?" }) })).json()) as Record<string, any>;
      expect(answer).toMatchObject({ intent: "sql_query", outcome: "success", rows: [{ orders: 6000 }] });
      expect(requests).toHaveLength(3);
      expect(requests.every((r) => r.auth === "Bearer sk-local-test" && r.body.model === "qwen2.5-coder:7b")).toBe(true);
      const m = new Scrape(await (await fetch(`${url}/metrics`)).text());
      expect(m.value("text2query_llm_tokens_total", { type: "input", model: "qwen2.5-coder:7b" })).toBe(900);
    } finally {
      await stop(child);
      await new Promise((r) => api.close(r));
    }
  }, 120_000);
});
