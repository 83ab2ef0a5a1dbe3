// Takes the console screenshots in docs/ from a running example server with traffic, in Debian's Chromium:
//   npm start   (another terminal; PORT, DATA_DIR as you like)   then   npm run traffic -- --count 200 --url <url>
//   node --import tsx scripts/console-screenshots.ts --url <url> [--out docs] [--chromium /usr/bin/chromium]
// METRICS_TOKEN: the server's token, when it has one. Writes console-runs.png (the runs list),
// console-failed-run.png (the first failed run, opened where it failed) and console-charts.png.
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values } = parseArgs({
  options: { url: { type: "string", default: "http://127.0.0.1:3000" }, out: { type: "string", default: "docs" }, chromium: { type: "string", default: "/usr/bin/chromium" } },
});
const url = values.url!.replace(/\/+$/, "");
const browser = await chromium.launch({ executablePath: values.chromium, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  const token = process.env.METRICS_TOKEN;
  await page.goto(`${url}/telemetry${token ? `?token=${encodeURIComponent(token)}` : ""}`);
  await page.waitForSelector("#runs tbody tr.run");
  // A failed run among the first rows, so the list shows one next to its successes.
  const failedRow = page.locator("#runs tbody tr.run", { has: page.locator(".badge.failed") }).first();
  await page.screenshot({ path: `${values.out}/console-runs.png` });

  await failedRow.click();
  await page.waitForSelector("#span-details");
  await page.evaluate("window.scrollTo(0, 0)"); // runs in the page (no DOM types here)
  await page.mouse.move(1, 1); // no hover highlight where the runs list was clicked
  await page.setViewportSize({ width: 1280, height: 1080 });
  await page.screenshot({ path: `${values.out}/console-failed-run.png` });

  await page.goto(`${url}/telemetry#/metrics`);
  await page.waitForSelector("#charts polyline");
  await page.setViewportSize({ width: 1280, height: 700 });
  await page.screenshot({ path: `${values.out}/console-charts.png` });
} finally {
  await browser.close();
}
