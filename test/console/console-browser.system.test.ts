import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import pino from "pino";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../examples/text2query/database.js";
import { DemoChatModel } from "../../examples/text2query/demo-model.js";
import { questionAt } from "../../examples/text2query/questions.js";
import { createText2QueryServer } from "../../examples/text2query/server.js";
import { RecentTraces } from "../../src/index.js";
import { setupOtel } from "../support/otel.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const artifacts = `${root}/test-artifacts`;
const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "console-browser-token";

describe("telemetry console in a real browser (Debian Chromium through playwright-core)", () => {
  let db: Database;
  let server: Server;
  let url: string;
  let browser: Browser;
  let otel: ReturnType<typeof setupOtel>;
  let provider: BasicTracerProvider;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`);
    mkdirSync(artifacts, { recursive: true });
    otel = setupOtel();
    db = await openDatabase({});
    const recent = new RecentTraces();
    provider = new BasicTracerProvider({ spanProcessors: [recent] });
    const app = createText2QueryServer({ db, model: new DemoChatModel(), tracerProvider: provider, log: pino({ level: "silent" }), metricsToken: TOKEN, console: { recent, sampleIntervalMs: 250, langfuseUrl: "https://cloud.langfuse.com/project/p-123/traces/{traceId}" } });
    ({ server, url } = await app.listen(0));
    // Real example traffic: the traffic generator's question mix.
    for (let i = 0; i < 30; i++) {
      await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: questionAt(i) }) });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await db?.close();
    await otel?.shutdown();
  });

  it("shows the runs, opens one with its stage waterfall and a generation's tokens, and filters to failed runs", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(url)) external.push(r.url());
    });
    await page.goto(`${url}/telemetry?token=${TOKEN}`);
    await page.waitForSelector("#runs tbody tr.run");
    expect(await page.locator("#runs tbody tr.run").count()).toBe(30);
    // Newest first, by question (captured content).
    expect(await page.locator("#runs tbody tr.run td.q").first().textContent()).toBe(questionAt(29));
    await page.screenshot({ path: `${artifacts}/console-runs.png` });

    await page.locator("tr.run", { hasText: "failed" }).first().click();
    await page.waitForSelector("#waterfall .wf-row");
    const traceId = decodeURIComponent(new URL(page.url()).hash.slice("#/run/".length));
    expect(await page.locator("#langfuse-link").getAttribute("href")).toBe(`https://cloud.langfuse.com/project/p-123/traces/${traceId}`);
    const stages = await page.locator("#waterfall .wf-bar").evaluateAll((bars) => [...new Set(bars.map((b) => [...b.classList].find((c) => c.startsWith("stage-"))))]);
    expect(stages).toEqual(expect.arrayContaining(["stage-intent", "stage-reasoning", "stage-generation", "stage-validation", "stage-correction"]));
    await expect.poll(() => page.locator("#span-details .generation").textContent()).toMatch(/gpt-4o-mini — input \d+ tokens, output \d+ tokens, \$0\.\d+/);
    await page.locator(".wf-row", { hasText: "validate_sql" }).first().click();
    expect(await page.locator("#span-details").textContent()).toMatch(/invalid: unknown_table/);
    await page.screenshot({ path: `${artifacts}/console-run.png`, fullPage: true });

    await page.goto(`${url}/telemetry#/`);
    await page.locator("button[data-filter=failed]").click();
    // Read through locators (Playwright's own isolated world): the console's CSP forbids string evaluation in the page.
    await expect
      .poll(async () => {
        const badges = await page.locator("#runs tbody tr.run .badge").allTextContents();
        return badges.length > 0 && badges.every((text) => text === "failed");
      }, { timeout: 10_000 })
      .toBe(true);
    const failed = await page.locator("#runs tbody tr.run").count();
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(30);

    expect(external).toEqual([]); // every asset is served by the app
    await page.close();
  }, 60_000);

  it("renders hostile span attributes from third-party instrumentation as text: no script runs, no CSP violation of its own", async () => {
    // A third-party library's spans on the same provider: every value a string of HTML, where the page expects numbers too.
    const hostile = (tag: string) => `<img src=x onerror="document.title='pwned-${tag}'">`;
    const other = provider.getTracer("third-party");
    const root = other.startSpan("invoke_workflow " + hostile("name"), {
      attributes: { "gen_ai.operation.name": "invoke_workflow", "workflow.name": hostile("wfname"), "workflow.intent": hostile("intent"), "workflow.outcome": '"><svg onload="document.title=1">', "workflow.cost_usd": hostile("cost") as never },
    });
    const chat = other.startSpan(hostile("chat"), {
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": hostile("model"),
        "gen_ai.usage.input_tokens": hostile("input_tokens"),
        "gen_ai.usage.output_tokens": hostile("output_tokens"),
        "workflow.stage": `x" data-x="${hostile("stage")}`,
      },
    }, trace.setSpan(context.active(), root));
    chat.setStatus({ code: SpanStatusCode.ERROR, message: hostile("status") });
    chat.end();
    root.end();
    const traceId = root.spanContext().traceId;

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const dialogs: string[] = [];
    const cspErrors: string[] = [];
    page.on("dialog", (d) => void (dialogs.push(d.message()), d.dismiss()));
    page.on("console", (m) => void (m.type() === "error" && /Content Security Policy/i.test(m.text()) && !/img-src|pwned|onerror|inline event handler/i.test(m.text()) ? cspErrors.push(m.text()) : undefined));
    await page.goto(`${url}/telemetry?token=${TOKEN}`);
    await page.waitForSelector("#runs tbody tr.run");
    await page.goto(`${url}/telemetry#/run/${traceId}`);
    await page.waitForSelector("#span-details .generation");
    await new Promise((r) => setTimeout(r, 300)); // let any injected handler fire
    expect(await page.title()).toBe("Telemetry console");
    expect(await page.locator("#span-details .generation").textContent()).toContain(`input ${hostile("input_tokens")} tokens, output ${hostile("output_tokens")} tokens`);
    expect(await page.locator("#span-details .badge.error").textContent()).toBe(hostile("status"));
    await page.goto(`${url}/telemetry#/`);
    await page.waitForSelector("#runs tbody tr.run");
    await new Promise((r) => setTimeout(r, 300)); // let any injected handler fire
    expect(await page.title()).toBe("Telemetry console");
    expect(dialogs).toEqual([]);
    expect(await page.locator("img, svg[onload]").count()).toBe(0);
    // Positions come through the CSSOM (no inline style attribute is allowed by the CSP) and are applied.
    await page.goto(`${url}/telemetry#/run/${traceId}`);
    await page.waitForSelector("#waterfall .wf-bar");
    const widths = await page.locator("#waterfall .wf-bar").evaluateAll((bars) => bars.map((b) => (b as unknown as { style: { width: string } }).style.width));
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => /%$/.test(w))).toBe(true);
    expect(cspErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it("draws the live charts from the app's metrics", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${url}/telemetry?token=${TOKEN}`);
    await page.goto(`${url}/telemetry#/metrics`);
    await page.waitForSelector("#charts .card");
    expect(await page.locator("#charts .card").count()).toBe(6);
    await expect.poll(async () => page.locator("#charts polyline").count(), { timeout: 10_000 }).toBeGreaterThan(3);
    await page.screenshot({ path: `${artifacts}/console-metrics.png` });
    await page.close();
  }, 30_000);
});
