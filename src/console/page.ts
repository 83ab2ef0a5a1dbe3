/**
 * The telemetry console: one self-contained page (no CDN, no build step) over the console's JSON API.
 * Hash routes: `#/` runs, `#/run/<traceId>` one run's waterfall, `#/metrics` charts. Returns the page for a
 * CSP nonce (fresh per response). Every value from the API goes through `esc` (span attributes come from any
 * instrumentation, so a "number" may be a string of HTML); inline styles are set through the CSSOM.
 */
export function consolePage(base: string, langfuseUrl: string | undefined): (nonce: string) => string {
  const config = JSON.stringify({ base, langfuseUrl: langfuseUrl ?? null }).replace(/</g, "\\u003c");
  const [head, middle, tail] = template(config).split("__NONCE__") as [string, string, string];
  return (nonce) => head + nonce + middle + nonce + tail;
}

function template(config: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telemetry console</title>
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
  td.q { white-space:normal; max-width:420px; }
  tr.run { cursor:pointer; } tr.run:hover { background:#1d2630; }
  .badge { padding:1px 8px; border-radius:10px; font-size:12px; }
  .success { background:#12361d; color:var(--ok); } .failed { background:#3b2e0c; color:var(--warn); } .error { background:#3d1618; color:var(--err); } .interrupted, .running { background:#1c2b3e; color:var(--accent); } .needs_clarification, .cannot_answer { background:#2b2438; color:#c9a8f0; }
  .filters button { background:var(--panel); color:var(--text); border:1px solid var(--line); padding:4px 10px; border-radius:6px; cursor:pointer; margin-right:6px; }
  .filters button.on { border-color:var(--accent); color:var(--accent); }
  .muted { color:var(--muted); }
  .wf { margin-top:12px; }
  .wf-row { display:grid; grid-template-columns: 320px 1fr 90px; align-items:center; gap:10px; padding:3px 0; border-bottom:1px solid #1b222a; cursor:pointer; }
  .wf-row:hover { background:#1b232c; }
  .wf-name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  .wf-track { position:relative; height:14px; background:#121820; border-radius:3px; }
  .wf-bar { position:absolute; top:0; height:14px; border-radius:3px; min-width:2px; }
  .stage-intent { background:#8957e5; } .stage-reasoning { background:#1f6feb; } .stage-generation { background:#3fb950; } .stage-validation { background:#d29922; }
  .stage-correction { background:#db6d28; } .stage-execution { background:#2ea0a0; } .stage-other { background:#6e7681; } .stage-workflow { background:#58a6ff55; }
  .err-bar { outline:2px solid var(--err); }
  .details { margin-top:14px; padding:12px; background:var(--panel); border:1px solid var(--line); border-radius:8px; }
  .details pre { white-space:pre-wrap; word-break:break-word; background:#0b0f14; padding:8px; border-radius:6px; max-height:320px; overflow:auto; }
  .kv { display:grid; grid-template-columns: 260px 1fr; gap:2px 12px; } .kv div:nth-child(odd) { color:var(--muted); }
  .cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap:14px; }
  .card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px; }
  .card h3 { margin:0 0 8px; font-size:13px; color:var(--muted); font-weight:500; }
  .legend span { margin-right:10px; font-size:12px; } .legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:middle; }
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

const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const ms = (v) => (v = num(v), v >= 1000 ? (v / 1000).toFixed(2) + " s" : v.toFixed(1) + " ms");
const usd = (v) => (v = num(v), "$" + v.toFixed(v >= 1 ? 2 : 5));
const count = (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : esc(v ?? "?"));
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

/** Runs that asked back or said their data cannot tell ended without an answer: said so, not as success. */
const OUTCOME_LABELS = { needs_clarification: "asked back", cannot_answer: "cannot answer" };
const outcomeLabel = (o) => OUTCOME_LABELS[o] || o;

async function showRuns() {
  nav("nav-runs");
  const data = await api("/runs?limit=200" + (filter ? "&outcome=" + filter : ""));
  const buttons = ["", "success", "failed", "error", "needs_clarification", "cannot_answer"].map((o) => '<button data-filter="' + o + '" class="' + (o === filter ? "on" : "") + '">' + esc(outcomeLabel(o) || "all") + "</button>").join("");
  const rows = data.runs.map((r) => '<tr class="run" data-trace="' + esc(r.traceId) + '"><td>' + esc(new Date(num(r.startTime)).toLocaleTimeString()) + '</td><td class="q">' + esc(r.question || r.name) + "</td><td>" + esc(r.intent || "") +
    '</td><td><span class="badge ' + esc(r.complete ? r.outcome || "success" : "running") + '">' + esc(r.complete ? outcomeLabel(r.outcome || "success") : "running") + "</span></td><td>" + ms(r.durationMs) + "</td><td>" + (num(r.inputTokens) + num(r.outputTokens)) + "</td><td>" + usd(r.costUsd) + "</td></tr>").join("");
  $main.innerHTML = '<div class="filters">' + buttons + ' <span class="muted" id="run-count">' + (num(data.total) > data.runs.length ? num(data.runs.length) + " of " + num(data.total) : num(data.runs.length)) + " runs</span></div>" +
    (data.runs.length ? '<table id="runs"><thead><tr><th>time</th><th>question / trace</th><th>intent</th><th>outcome</th><th>duration</th><th>tokens</th><th>cost</th></tr></thead><tbody>' + rows + "</tbody></table>" : '<div class="empty">No runs yet.</div>');
  for (const b of $main.querySelectorAll("button[data-filter]")) b.onclick = () => { filter = b.dataset.filter; showRuns(); };
  for (const tr of $main.querySelectorAll("tr.run")) tr.onclick = () => { location.hash = "#/run/" + tr.dataset.trace; };
}

function stageOf(span) {
  if (span.attributes["gen_ai.operation.name"] === "invoke_workflow") return "workflow";
  return span.attributes["workflow.stage"] || "other";
}
function details(span) {
  const a = span.attributes;
  const rows = Object.keys(a).sort().map((k) => "<div>" + esc(k) + "</div><div>" + esc(typeof a[k] === "string" && a[k].length > 200 ? a[k].slice(0, 200) + "…" : JSON.stringify(a[k])) + "</div>").join("");
  let extra = "";
  if (a["gen_ai.operation.name"] === "chat" || a["gen_ai.operation.name"] === "text_completion") {
    const cost = a["workflow.cost_usd"];
    extra += '<p class="generation"><b>' + esc(a["gen_ai.request.model"] || "") + "</b> — input " + count(a["gen_ai.usage.input_tokens"]) + " tokens, output " + count(a["gen_ai.usage.output_tokens"]) + " tokens" + (cost !== undefined ? ", " + usd(cost) : "") + "</p>";
    if (a["gen_ai.input.messages"]) extra += "<h4>Prompt</h4><pre>" + esc(a["gen_ai.input.messages"]) + "</pre>";
    if (a["gen_ai.output.messages"]) extra += "<h4>Completion</h4><pre>" + esc(a["gen_ai.output.messages"]) + "</pre>";
  }
  if (a["workflow.sql"]) extra += "<h4>SQL</h4><pre>" + esc(a["workflow.sql"]) + "</pre>";
  if (a["workflow.validation.valid"] === false) extra += '<p class="badge failed">invalid: ' + esc(a["workflow.validation.error_category"] || "") + "</p>";
  if (span.status && span.status.code === 2) extra += '<p class="badge error">' + esc(span.status.message || "error") + "</p>";
  return '<div class="details" id="span-details"><h3>' + esc(span.name) + ' <span class="muted">' + ms(span.durationMs) + "</span></h3>" + extra + '<div class="kv">' + rows + "</div></div>";
}

async function showRun(traceId) {
  nav("nav-runs");
  let trace;
  try { trace = await api("/runs/" + encodeURIComponent(traceId)); } catch (e) { $main.innerHTML = '<div class="empty">' + esc(e.message) + ' — <a href="#/">back to runs</a></div>'; return; }
  const s = trace.summary;
  const start = Math.min(...trace.spans.map((x) => x.startTime));
  const end = Math.max(...trace.spans.map((x) => x.startTime + x.durationMs));
  const total = Math.max(1e-6, end - start);
  // Tree order: each span right after its parent, siblings by start time.
  const byId = new Map(trace.spans.map((x) => [x.spanId, x]));
  const children = new Map();
  for (const x of trace.spans) { const p = byId.has(x.parentSpanId) ? x.parentSpanId : ""; if (!children.has(p)) children.set(p, []); children.get(p).push(x); }
  const ordered = [], depth = new Map();
  const walk = (id, d) => { for (const x of (children.get(id) || []).sort((a, b) => a.startTime - b.startTime)) { depth.set(x.spanId, d); ordered.push(x); walk(x.spanId, d + 1); } };
  walk("", 0);
  trace.spans = ordered;
  const level = (x) => depth.get(x.spanId) || 0;
  const rows = trace.spans.map((x, i) => {
    const left = ((x.startTime - start) / total) * 100, width = Math.max(0.3, (x.durationMs / total) * 100);
    return '<div class="wf-row" data-i="' + i + '"><div class="wf-name" data-pad="' + num(level(x) * 14) + '">' + esc(x.name) + ' <span class="muted">' + esc(stageOf(x)) + '</span></div><div class="wf-track"><div class="wf-bar stage-' + esc(stageOf(x)) + (x.status && x.status.code === 2 ? " err-bar" : "") + '" data-left="' + num(left) + '" data-width="' + num(width) + '"></div></div><div class="muted">' + ms(x.durationMs) + "</div></div>";
  }).join("");
  const lf = CONFIG.langfuseUrl ? (CONFIG.langfuseUrl.includes("{traceId}") ? CONFIG.langfuseUrl.replace("{traceId}", s.traceId) : CONFIG.langfuseUrl.replace(/\\/$/, "") + "/trace/" + s.traceId) : "";
  const langfuse = lf ? ' <a id="langfuse-link" target="_blank" rel="noopener" href="' + esc(lf) + '">open in Langfuse</a>' : "";
  $main.innerHTML = '<p><a href="#/">← runs</a>' + langfuse + "</p><h2>" + esc(s.name) + ' <span class="badge ' + esc(s.outcome || "success") + '">' + esc(outcomeLabel(s.outcome || "")) + "</span></h2>" +
    '<p class="muted">' + esc(s.traceId) + " · " + ms(s.durationMs) + " · " + (num(s.inputTokens) + num(s.outputTokens)) + " tokens · " + usd(s.costUsd) + (s.intent ? " · intent " + esc(s.intent) : "") + "</p>" +
    '<div class="wf" id="waterfall">' + rows + '</div><div id="detail-slot"></div>';
  applyStyles($main);
  const slot = document.getElementById("detail-slot");
  for (const row of $main.querySelectorAll(".wf-row")) row.onclick = () => { slot.innerHTML = details(trace.spans[Number(row.dataset.i)]); };
  const first = trace.spans.findIndex((x) => x.attributes["gen_ai.operation.name"] === "chat");
  if (first >= 0) slot.innerHTML = details(trace.spans[first]);
}

function chart(title, series, unit) {
  const names = Object.keys(series).filter((k) => series[k].some((v) => v !== null && v !== 0));
  const w = 340, h = 110;
  const values = names.flatMap((n) => series[n].filter((v) => v !== null));
  const max = Math.max(1e-9, ...values);
  const lines = names.map((n, i) => {
    const pts = series[n].map((v, j, arr) => v === null ? null : ((j / Math.max(1, arr.length - 1)) * w).toFixed(1) + "," + (h - (v / max) * (h - 10)).toFixed(1)).filter(Boolean).join(" ");
    return '<polyline fill="none" stroke="' + COLORS[i % COLORS.length] + '" stroke-width="2" points="' + pts + '"/>';
  }).join("");
  const legend = names.map((n, i) => '<span><i data-color="' + i + '"></i>' + esc(n) + "</span>").join("");
  return '<div class="card"><h3>' + esc(title) + ' <span class="muted">max ' + (unit === "$" ? usd(max) : max.toFixed(unit === "s" ? 3 : 1) + " " + unit) + '</span></h3><svg viewBox="0 0 ' + w + " " + h + '" width="100%" height="' + h + '">' + lines + '</svg><div class="legend">' + (legend || '<span class="muted">no data yet</span>') + "</div></div>";
}

async function showMetrics() {
  nav("nav-metrics");
  const m = await api("/metrics");
  $main.innerHTML = '<p class="muted">Sampled every ' + num(m.intervalMs) / 1000 + " s from the app's own registry; last " + num(m.t.length) + ' intervals.</p><div class="cards" id="charts">' +
    chart("Runs per minute", { runs: m.runsPerMinute }, "/min") + chart("Error rate (failed + error)", { "error rate": m.errorRate }, "") +
    chart("p50 latency by stage", m.p50, "s") + chart("p95 latency by stage", m.p95, "s") +
    chart("Tokens per minute by model", m.tokensPerMinute, "/min") + chart("Cost per minute by model", m.costPerMinute, "$") + "</div>";
  applyStyles($main);
}

async function route() {
  clearTimeout(timer);
  const hash = location.hash || "#/";
  try {
    if (hash.startsWith("#/run/")) return await showRun(decodeURIComponent(hash.slice(6)));
    if (hash === "#/metrics") await showMetrics();
    else await showRuns();
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
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
