import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amtool, composeAlertmanager, composeSecrets, deploy, run } from "./support.js";

// Alertmanager's configuration, checked by amtool as compose would run it. Routing and inhibition at run time
// (alerts from the real rules, through a real Alertmanager, to loopback Slack and PagerDuty) are proven in
// e2e.system.test.ts.
describe("Alertmanager configuration (amtool)", () => {
  let bin: string;
  let dir: string;
  let config: string;
  const env = { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXXX", PAGERDUTY_ROUTING_KEY: "0123456789abcdef0123456789abcdef" };

  beforeAll(() => {
    bin = amtool();
    dir = mkdtempSync(join(tmpdir(), "ops-amtool-"));
    config = composeAlertmanager(dir, env);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("receivers read their secrets from the files compose creates from SLACK_WEBHOOK_URL and PAGERDUTY_ROUTING_KEY", () => {
    expect(composeSecrets()).toEqual({ slack_webhook_url: "SLACK_WEBHOOK_URL", pagerduty_routing_key: "PAGERDUTY_ROUTING_KEY" });
    const source = readFileSync(join(deploy, "alertmanager", "alertmanager.yml"), "utf8");
    expect(source).toContain("api_url_file: /run/secrets/slack_webhook_url");
    expect(source).toContain("routing_key_file: /run/secrets/pagerduty_routing_key");
    // No secret in the file itself, and no ${VAR} that Alertmanager would take literally.
    expect(source).not.toMatch(/\$\{?[A-Z_]{3,}/);
    expect(source).not.toMatch(/hooks\.slack\.com|api_url:|routing_key:|service_key:/);
    expect(readFileSync(join(dir, "secrets", "slack_webhook_url"), "utf8")).toBe(env.SLACK_WEBHOOK_URL);
  });

  it("amtool check-config accepts the configuration, as committed and as compose runs it, with its template", async () => {
    for (const file of [join(deploy, "alertmanager", "alertmanager.yml"), config]) {
      const r = await run(bin, ["check-config", file]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/SUCCESS[\s\S]*2 inhibit rules[\s\S]*2 receivers[\s\S]*1 templates/);
    }
  });

  it("amtool check-config fails on a broken configuration (the check can fail)", async () => {
    const broken = join(dir, "broken.yml");
    const text = readFileSync(config, "utf8").replace("receiver: pagerduty", "receiver: pager-duty");
    writeFileSync(broken, text);
    const r = await run(bin, ["check-config", broken]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('undefined receiver "pager-duty"');
  });

  it.each([
    ["severity=critical pages and posts to Slack", ["alertname=Text2QueryCriticalErrorRate", "service=text2query", "severity=critical"], "pagerduty,slack"],
    ["severity=warning posts to Slack", ["alertname=Text2QueryHighErrorRate", "service=text2query", "severity=warning"], "slack"],
    ["an alert without severity falls back to Slack", ["alertname=Watchdog"], "slack"],
  ])("routing: %s", async (_what, labels, receivers) => {
    const r = await run(bin, ["config", "routes", "test", `--config.file=${config}`, ...labels]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(receivers);
  });
});
