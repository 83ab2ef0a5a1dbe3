import { WORKFLOW_OUTCOMES } from "../shared/workflow.js";
import { CHART_SCRIPT } from "./chart-script.js";
import { FORMAT_SCRIPT } from "./format-script.js";
import { RUN_SCRIPT } from "./run-script.js";

/**
 * The telemetry console: one self-contained page (no CDN, no build step) over the console's JSON API.
 * Hash routes: `#/` runs, `#/run/<traceId>` one run's waterfall, `#/metrics` charts. Returns the page for a
 * CSP nonce (fresh per response). Every value from the API goes through `esc` (span attributes come from any
 * instrumentation, so a "number" may be a string of HTML); inline styles are set through the CSSOM.
 */
export function consolePage(base: string, langfuseUrl: string | undefined): (nonce: string) => string {
  const config = JSON.stringify({ base, langfuseUrl: langfuseUrl ?? null, outcomes: WORKFLOW_OUTCOMES }).replace(/</g, "\\u003c");
  const [head, middle, tail] = template(config).split("__NONCE__") as [string, string, string];
  return (nonce) => head + nonce + middle + nonce + tail;
}

/** The tab's icon as a data URI (the CSP's img-src allows data:), so the browser asks the app for no /favicon.ico. */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23171d24'/%3E%3Cpath d='M2 12h3V7H2zm4.5 0h3V3h-3zm4.5 0h3V9h-3z' fill='%2358a6ff'/%3E%3C/svg%3E";

function template(config: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telemetry console</title>
<link rel="icon" href="${ICON}">
<style nonce="__NONCE__">
  :root { --bg:#0f1419; --panel:#171d24; --line:#2a333d; --text:#d8dee6; --muted:#8b96a3; --ok:#3fb950; --warn:#d29922; --err:#f85149; --accent:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; gap:20px; align-items:center; padding:10px 20px; border-bottom:1px solid var(--line); background:var(--panel); }
  header h1 { font-size:16px; margin:0; }
  header nav a { color:var(--muted); text-decoration:none; margin-right:14px; }
  header nav a.active { color:var(--text); border-bottom:2px solid var(--accent); }
  main { padding:16px 20px; }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--muted); font-weight:500; }
  th.num, td.num { text-align:right; font-variant-numeric: tabular-nums; }
  td.q { white-space:normal; overflow-wrap:anywhere; max-width:420px; }
  tr.run { cursor:pointer; } tr.run:hover { background:#1d2630; }
  .badge { padding:1px 8px; border-radius:10px; font-size:12px; } p.badge { display:inline-block; margin:4px 0; }
  .success { background:#12361d; color:var(--ok); } .failed { background:#3b2e0c; color:var(--warn); } .error { background:#3d1618; color:var(--err); }
  .interrupted, .running { background:#1c2b3e; color:var(--accent); } .needs_clarification, .cannot_answer { background:#2b2438; color:#c9a8f0; } .abandoned, .other { background:#262c33; color:var(--text); border:1px solid var(--line); }
  .filters button { background:var(--panel); color:var(--text); border:1px solid var(--line); padding:4px 10px; border-radius:6px; cursor:pointer; margin-right:6px; }
  .filters button.on { border-color:var(--accent); color:var(--accent); }
  .muted { color:var(--muted); }
  .wf { margin-top:12px; }
  .wf-row { display:grid; grid-template-columns: 340px 1fr 80px; align-items:center; gap:10px; padding:3px 0; border-bottom:1px solid #1b222a; cursor:pointer; }
  .wf-row:hover { background:#1b232c; } .wf-row.selected { background:#1f2a36; box-shadow: inset 3px 0 0 var(--accent); }
  .wf-name { overflow-wrap:anywhere; min-width:0; }
  .wf-track { position:relative; height:14px; background:#121820; border-radius:3px; }
  .wf-bar { position:absolute; top:0; height:14px; border-radius:3px; min-width:2px; }
  .stage-intent { background:#8957e5; } .stage-reasoning { background:#1f6feb; } .stage-generation { background:#3fb950; } .stage-validation { background:#d29922; }
  .stage-correction { background:#db6d28; } .stage-execution { background:#2ea0a0; } .stage-other { background:#6e7681; } .stage-workflow { background:#58a6ff55; }
  /* A failing bar: red outline and diagonal hatching, and a ✕ with the reason beside the name, readable without colour. */
  .wf-bar.fail-bar { outline:2px solid var(--err); outline-offset:1px; background-image: repeating-linear-gradient(135deg, #0000 0 3px, #000a 3px 6px); }
  .fail-mark { color:var(--err); font-weight:600; font-size:12px; margin-left:6px; white-space:nowrap; }
  .wf-dur { text-align:right; font-variant-numeric: tabular-nums; }
  .details { margin-top:14px; padding:12px; background:var(--panel); border:1px solid var(--line); border-radius:8px; }
  .details h3 { overflow-wrap:anywhere; }
  .details pre { white-space:pre-wrap; overflow-wrap:anywhere; background:#0b0f14; padding:8px; border-radius:6px; max-height:320px; overflow:auto; margin:2px 0; }
  .kv { display:grid; grid-template-columns: minmax(140px, 300px) minmax(0, 1fr); gap:2px 12px; }
  .kv > div { min-width:0; overflow-wrap:anywhere; } .kv > div:nth-child(odd) { color:var(--muted); }
  .cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap:14px; }
  .card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px; }
  .card h3 { margin:0 0 8px; font-size:13px; color:var(--text); font-weight:500; }
  svg.chart { width:100%; height:auto; display:block; }
  svg.chart text { fill:var(--muted); font-size:10px; font-variant-numeric: tabular-nums; }
  svg.chart line.axis { stroke:#56606b; stroke-width:1; } svg.chart line.grid { stroke:#232b34; stroke-width:1; }
  .legend span { display:inline-block; white-space:nowrap; margin-right:12px; font-size:12px; } .legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:middle; }
  .legend b { font-weight:500; color:var(--muted); }
  .empty { color:var(--muted); padding:30px 0; text-align:center; }
  a { color:var(--accent); }
</style>
</head>
<body>
<header><h1>Telemetry console</h1><nav><a href="#/" id="nav-runs">Runs</a><a href="#/metrics" id="nav-metrics">Metrics</a></nav><span class="muted" id="status"></span></header>
<main id="main"><div class="empty">Loading…</div></main>
<script nonce="__NONCE__">
const CONFIG = ${config};
const COLORS = ["#58a6ff", "#3fb950", "#d29922", "#db6d28", "#8957e5", "#2ea0a0", "#f85149", "#6e7681"];
const $main = document.getElementById("main");
let filter = "";
let timer;

${FORMAT_SCRIPT}
/** Positions and colours set through the CSSOM (the CSP allows no inline style attributes). */
function applyStyles(root) {
  for (const el of root.querySelectorAll("[data-pad]")) el.style.paddingLeft = num(Number(el.dataset.pad)) + "px";
  for (const el of root.querySelectorAll("[data-left]")) { el.style.left = num(Number(el.dataset.left)) + "%"; el.style.width = num(Number(el.dataset.width)) + "%"; }
  for (const el of root.querySelectorAll("[data-color]")) el.style.background = COLORS[num(Number(el.dataset.color)) % COLORS.length];
}
async function api(path) {
  const res = await fetch(CONFIG.base + "/api" + path, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || res.statusText);
  return res.json();
}
function nav(active) {
  for (const id of ["nav-runs", "nav-metrics"]) document.getElementById(id).classList.toggle("active", id === active);
}
const KNOWN_OUTCOMES = ["success", "failed", "error", "interrupted", "abandoned", "running", "needs_clarification", "cannot_answer"];
/** Runs that asked back or said their data cannot tell ended without an answer: said so, not as success. */
const OUTCOME_LABELS = { needs_clarification: "asked back", cannot_answer: "cannot answer" };
const outcomeLabel = (o) => OUTCOME_LABELS[o] || o;
/** An outcome badge: the known ones styled; any other (a newer outcome, another instrumentation's) as its own neutral label. */
function badge(outcome) {
  const label = typeof outcome === "string" && outcome !== "" ? outcome : "ended";
  return '<span class="badge ' + (KNOWN_OUTCOMES.includes(label) ? label : "other") + '">' + esc(outcomeLabel(label)) + "</span>";
}

async function showRuns() {
  nav("nav-runs");
  const data = await api("/runs?limit=200" + (filter ? "&outcome=" + encodeURIComponent(filter) : ""));
  const buttons = ["", ...CONFIG.outcomes].map((o) => '<button data-filter="' + esc(o) + '" class="' + (o === filter ? "on" : "") + '">' + esc(outcomeLabel(o) || "all") + "</button>").join("");
  const rows = data.runs.map((r) => '<tr class="run" data-trace="' + esc(r.traceId) + '"><td>' + esc(fmt.clock(num(r.startTime))) + '</td><td class="q">' + esc(r.question || r.name) + "</td><td>" + esc(r.intent || "") +
    "</td><td>" + badge(r.complete ? r.outcome : "running") + '</td><td class="num corrections' + (num(r.corrections) ? "" : " muted") + '">' + esc(fmt.count(num(r.corrections))) + '</td><td class="num">' + esc(fmt.ms(r.durationMs)) +
    '</td><td class="num">' + esc(fmt.count(num(r.inputTokens) + num(r.outputTokens))) + '</td><td class="num">' + esc(fmt.usd(num(r.costUsd))) + "</td></tr>").join("");
  $main.innerHTML = '<div class="filters">' + buttons + ' <span class="muted" id="run-count">' + (num(data.total) > data.runs.length ? fmt.count(data.runs.length) + " of " + fmt.count(num(data.total)) : fmt.count(data.runs.length)) + " runs</span></div>" +
    (data.runs.length ? '<table id="runs"><thead><tr><th>time</th><th>question / trace</th><th>intent</th><th>outcome</th><th class="num" title="correction attempts">corrections</th><th class="num">duration</th><th class="num">tokens</th><th class="num">cost</th></tr></thead><tbody>' + rows + "</tbody></table>" : '<div class="empty">No runs yet.</div>');
  for (const b of $main.querySelectorAll("button[data-filter]")) b.onclick = () => { filter = b.dataset.filter; showRuns(); };
  for (const tr of $main.querySelectorAll("tr.run")) tr.onclick = () => { location.hash = "#/run/" + tr.dataset.trace; };
}
${RUN_SCRIPT}
${CHART_SCRIPT}
async function showMetrics() {
  nav("nav-metrics");
  const m = await api("/metrics");
  const perMinute = (f) => (v) => f(v) + "/min";
  $main.innerHTML = '<p class="muted">Sampled every ' + num(m.intervalMs) / 1000 + " s from the app's own registry; last " + esc(fmt.count(num(m.t.length))) + ' intervals, times in your time zone.</p><div class="cards" id="charts">' +
    chart("Runs per minute", "runs/min", m.t, { runs: m.runsPerMinute }, perMinute(fmt.amount), perMinute(fmt.compact)) +
    chart("Error rate (failed + error)", "% of runs", m.t, { "error rate": m.errorRate }, fmt.percent) +
    chart("p50 latency by stage", "seconds", m.t, m.p50, fmt.seconds) + chart("p95 latency by stage", "seconds", m.t, m.p95, fmt.seconds) +
    chart("Tokens per minute by model", "tokens/min", m.t, m.tokensPerMinute, perMinute(fmt.count), perMinute(fmt.compact)) +
    chart("Cost per minute by model", "USD/min", m.t, m.costPerMinute, perMinute(fmt.usd)) + "</div>";
  applyStyles($main);
}

async function route() {
  clearTimeout(timer);
  const hash = location.hash || "#/";
  try {
    if (hash.startsWith("#/run/")) return await showRun(decodeURIComponent(hash.slice(6)));
    if (hash === "#/metrics") await showMetrics();
    else await showRuns();
    document.getElementById("status").textContent = "updated " + fmt.clock(Date.now());
  } catch (e) {
    $main.innerHTML = '<div class="empty">' + esc(e.message) + "</div>";
  }
  timer = setTimeout(route, hash === "#/metrics" ? 5000 : 2000);
}
window.addEventListener("hashchange", route);
route();
</script>
</body>
</html>`;
}
