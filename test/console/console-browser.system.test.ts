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

/** Runs of the traffic mix sent before the browser opens (questionAt(48) is the first refunds question). */
const RUNS = 50;

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
    // Real example traffic: the traffic generator's question mix, far enough to include its refunds questions
    // (the deliberate failure family: the correction loop gives up on them).
    for (let i = 0; i < RUNS; i++) {
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

  it("shows the runs with corrections and rounded numbers, opens a failed run where it failed with its failing bars marked, and filters to failed runs", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const external: string[] = [];
    const refused: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(url)) external.push(r.url());
    });
    page.on("response", (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${url}/telemetry?token=${TOKEN}`);
    await page.waitForSelector("#runs tbody tr.run");
    expect(await page.locator("#runs tbody tr.run").count()).toBe(RUNS);
    // Newest first, by question (captured content).
    expect(await page.locator("#runs tbody tr.run td.q").first().textContent()).toBe(questionAt(RUNS - 1));
    expect(await page.locator("#runs thead th").allTextContents()).toEqual(["time", "question / trace", "intent", "outcome", "corrections", "duration", "tokens", "cost"]);
    // Numbers for people: dollars without float noise, durations in ms or s, tokens grouped by thousands.
    const column = (n: number) => page.locator(`#runs tbody tr.run td:nth-child(${n})`).allTextContents();
    expect((await column(6)).every((d) => /^\d+(\.\d+)? (ms|s)$/.test(d))).toBe(true);
    expect((await column(7)).some((n) => n.includes(","))).toBe(true); // a run takes over a thousand tokens
    expect((await column(7)).every((n) => /^\d{1,3}(,\d{3})*$/.test(n))).toBe(true);
    expect((await column(8)).every((c) => /^\$0\.\d{2,5}$/.test(c))).toBe(true);
    const failedRow = page.locator("#runs tbody tr.run", { has: page.locator(".badge.failed") }).first();
    expect(await failedRow.locator("td.corrections").textContent()).toBe("3"); // the example corrects three times before giving up
    expect(await page.locator("#runs tbody tr.run", { has: page.locator(".badge.success") }).first().locator("td.corrections").textContent()).toMatch(/^[01]$/);
    await page.screenshot({ path: `${artifacts}/console-runs.png` });

    await failedRow.click();
    await page.waitForSelector("#waterfall .wf-row");
    const traceId = decodeURIComponent(new URL(page.url()).hash.slice("#/run/".length));
    expect(await page.locator("#langfuse-link").getAttribute("href")).toBe(`https://cloud.langfuse.com/project/p-123/traces/${traceId}`);
    const stages = await page.locator("#waterfall .wf-bar").evaluateAll((bars) => [...new Set(bars.map((b) => [...b.classList].find((c) => c.startsWith("stage-"))))]);
    expect(stages).toEqual(expect.arrayContaining(["stage-intent", "stage-reasoning", "stage-generation", "stage-validation", "stage-correction"]));
    // It opens on where it failed: the first validation that failed, selected in the waterfall.
    await page.waitForSelector("#span-details");
    expect(await page.locator("#span-details h3").textContent()).toMatch(/^validate_sql /);
    expect(await page.locator("#span-details").textContent()).toMatch(/invalid: unknown_table/);
    const validations = page.locator(".wf-row", { hasText: "validate_sql" });
    expect(await validations.count()).toBe(4);
    expect(await page.locator(".wf-row.selected").count()).toBe(1);
    expect(await validations.first().getAttribute("class")).toMatch(/\bselected\b/);
    // Every failing bar is marked: hatched with a red outline, and a ✕ with the reason beside its name (readable without colour).
    for (let i = 0; i < 4; i++) {
      const row = validations.nth(i);
      expect(await row.locator(".fail-mark").textContent()).toBe("✕ invalid: unknown_table");
      // (No DOM types in this project: the browser's getComputedStyle, typed by hand.)
      const look = await row.locator(".wf-bar").evaluate((bar) => {
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundImage: string; outlineStyle: string } }).getComputedStyle(bar);
        return { hatched: style.backgroundImage, outline: style.outlineStyle };
      });
      expect(look).toEqual({ hatched: expect.stringContaining("repeating-linear-gradient"), outline: "solid" });
      expect(await row.locator(".wf-bar").getAttribute("title")).toBe("invalid: unknown_table");
    }
    for (const name of ["classify_intent", "generate_sql", "correct_sql"]) {
      expect(await page.locator(".wf-row", { hasText: name }).first().locator(".fail-mark, .fail-bar").count(), name).toBe(0);
    }
    // JSON attribute values once escaped, pretty-printed.
    expect(await page.locator("#span-details .kv pre").first().textContent()).toMatch(/^\{\n {2}"/);
    await page.screenshot({ path: `${artifacts}/console-failed-run.png`, fullPage: true });
    // A generation is one click away, with its tokens grouped and its cost rounded.
    await page.locator(".wf-row", { hasText: "chat gpt-4o-mini" }).first().click();
    expect(await page.locator("#span-details .generation").textContent()).toMatch(/^gpt-4o-mini — input [\d,]+ tokens, output [\d,]+ tokens, \$0\.\d{2,5}$/);

    // A successful run opens on its first generation.
    await page.goto(`${url}/telemetry#/`);
    await page.locator("#runs tbody tr.run", { has: page.locator(".badge.success") }).first().click();
    await page.waitForSelector("#span-details .generation");
    expect(await page.locator(".wf-row.selected").textContent()).toMatch(/^chat gpt-4o-mini/);

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
    expect(failed).toBeLessThan(RUNS);

    expect(external).toEqual([]); // every asset is served by the app
    expect(refused).toEqual([]); // no 4xx for anything the page asks for
    // The tab's icon is a data URI (headless Chromium asks for no icon, a desktop browser asks for /favicon.ico
    // unless the page names one): it must be an image the browser can draw.
    const icon = (await page.locator('link[rel="icon"]').getAttribute("href"))!;
    expect(icon).toMatch(/^data:image\/svg\+xml,/);
    await page.goto(icon);
    expect(await page.locator("svg rect").count()).toBe(1);
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
    // An outcome the page does not know is its own label, as text.
    const hostileRun = page.locator("#runs tbody tr.run", { hasText: hostile("wfname") });
    expect(await hostileRun.locator(".badge").getAttribute("class")).toBe("badge other");
    expect(await hostileRun.locator(".badge").textContent()).toBe('"><svg onload="document.title=1">');
    // Positions come through the CSSOM (no inline style attribute is allowed by the CSP) and are applied.
    await page.goto(`${url}/telemetry#/run/${traceId}`);
    await page.waitForSelector("#waterfall .wf-bar");
    const widths = await page.locator("#waterfall .wf-bar").evaluateAll((bars) => bars.map((b) => (b as unknown as { style: { width: string } }).style.width));
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => /%$/.test(w))).toBe(true);
    expect(cspErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows runs that asked back or could not answer as such, and an outcome it does not know as its own label, never as success", async () => {
    const other = provider.getTracer("newer-workflow");
    const cases = [
      { outcome: "needs_clarification", text: "asked back", cls: "badge needs_clarification" },
      { outcome: "cannot_answer", text: "cannot answer", cls: "badge cannot_answer" },
      { outcome: "escalated_to_human", text: "escalated_to_human", cls: "badge other" },
    ];
    for (const { outcome } of cases) {
      other.startSpan(`invoke_workflow newer-${outcome}`, { attributes: { "gen_ai.operation.name": "invoke_workflow", "workflow.name": `newer-${outcome}`, "workflow.outcome": outcome } }).end();
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${url}/telemetry?token=${TOKEN}`);
    await page.waitForSelector("#runs tbody tr.run");
    for (const { outcome, text, cls } of cases) {
      const badge = page.locator("#runs tbody tr.run", { hasText: `newer-${outcome}` }).locator(".badge");
      expect(await badge.textContent()).toBe(text);
      expect(await badge.getAttribute("class")).toBe(cls);
    }
    await page.close();
  }, 30_000);

  it("draws the live charts from the app's metrics, with axes in their units", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${url}/telemetry?token=${TOKEN}`);
    await page.goto(`${url}/telemetry#/metrics`);
    await page.waitForSelector("#charts .card");
    expect(await page.locator("#charts .card").count()).toBe(6);
    await expect.poll(async () => page.locator("#charts polyline").count(), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await page.locator("#charts .card h3").allTextContents()).toEqual([
      "Runs per minute (runs/min)",
      "Error rate (failed + error) (% of runs)",
      "p50 latency by stage (seconds)",
      "p95 latency by stage (seconds)",
      "Tokens per minute by model (tokens/min)",
      "Cost per minute by model (USD/min)",
    ]);
    const ticks = (card: number, axis: "ytick" | "xtick") => page.locator(`#charts .card:nth-child(${card}) text.${axis}`).allTextContents();
    expect(await ticks(1, "ytick")).toEqual([expect.stringMatching(/^0\/min$/), expect.stringMatching(/^[\d.,k]+\/min$/), expect.stringMatching(/^[\d.,k]+\/min$/)]);
    expect(await ticks(2, "ytick")).toEqual(["0%", expect.stringMatching(/^[\d.]+%$/), expect.stringMatching(/^[\d.]+%$/)]);
    expect((await ticks(4, "ytick")).every((v) => /^[\d.]+ (ms|s)$/.test(v))).toBe(true);
    expect((await ticks(6, "ytick")).every((v) => /^\$[\d.]+\/min$/.test(v))).toBe(true);
    expect((await ticks(1, "xtick")).every((v) => /^\d\d:\d\d:\d\d$/.test(v))).toBe(true);
    await page.screenshot({ path: `${artifacts}/console-metrics.png` });
    await page.close();
  }, 30_000);
});
