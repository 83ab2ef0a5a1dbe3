import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
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

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`);
    mkdirSync(artifacts, { recursive: true });
    otel = setupOtel();
    db = await openDatabase({});
    const recent = new RecentTraces();
    const provider = new BasicTracerProvider({ spanProcessors: [recent] });
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
