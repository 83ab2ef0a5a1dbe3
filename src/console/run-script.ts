/**
 * The console's view of one run, as the browser runs it (plain JavaScript in a string, like FORMAT_SCRIPT, which
 * it uses with the page's `esc`, `api`, `nav`, `badge` and `applyStyles`): the waterfall of spans in tree order,
 * failing spans marked (hatched red bar, and a ✕ with the reason beside the name, readable without colour), and
 * one span's details. A run that did not succeed opens on where it failed; otherwise on its first generation.
 */
export const RUN_SCRIPT = String.raw`
function stageOf(span) {
  if (span.attributes["gen_ai.operation.name"] === "invoke_workflow") return "workflow";
  return span.attributes["workflow.stage"] || "other";
}
/** Tree order: each span right after its parent, siblings by start time; depth by span id. */
function treeOrder(all) {
  const byId = new Map(all.map((x) => [x.spanId, x]));
  const children = new Map();
  for (const x of all) { const p = byId.has(x.parentSpanId) ? x.parentSpanId : ""; if (!children.has(p)) children.set(p, []); children.get(p).push(x); }
  const spans = [], depth = new Map();
  const walk = (id, d) => { for (const x of (children.get(id) || []).sort((a, b) => a.startTime - b.startTime)) { depth.set(x.spanId, d); spans.push(x); walk(x.spanId, d + 1); } };
  walk("", 0);
  return { spans, depth };
}
/**
 * Why a span failed, in a few words, or "": an error status, a failed validation, a failing outcome it reported.
 * The run's own span repeats its last validation: its outcome says it better.
 */
function failureOf(span) {
  const a = span.attributes;
  if (span.status && span.status.code === 2) return "error";
  if (a["workflow.validation.valid"] === false && stageOf(span) !== "workflow") return "invalid" + (a["workflow.validation.error_category"] ? ": " + a["workflow.validation.error_category"] : "");
  if (a["workflow.outcome"] === "failed" || a["workflow.outcome"] === "error") return String(a["workflow.outcome"]);
  return "";
}
/**
 * The first failing span, in tree order, with no failing span under it: where the failure happened rather
 * than the parents an error propagated to (or the run's own span, whose outcome says "failed"). -1 if none.
 */
function firstFailing(spans, failures, byId) {
  const above = new Set();
  for (const x of spans) {
    if (!failures.get(x.spanId)) continue;
    for (let p = byId.get(x.parentSpanId); p && !above.has(p.spanId); p = byId.get(p.parentSpanId)) above.add(p.spanId);
  }
  return spans.findIndex((x) => failures.get(x.spanId) && !above.has(x.spanId));
}
/** An attribute value as text, or a pre-formatted block (pretty-printed JSON, long text). */
function valueHtml(key, v) {
  const shown = fmt.attribute(key, v);
  const exact = typeof v === "number" && fmt.plain(v) !== shown.text ? ' title="' + esc(fmt.plain(v)) + '"' : "";
  return shown.block ? "<pre>" + esc(shown.text) + "</pre>" : "<span" + exact + ">" + esc(shown.text) + "</span>";
}
function details(span) {
  const a = span.attributes;
  const inSections = new Set();
  let extra = "";
  if (a["gen_ai.operation.name"] === "chat" || a["gen_ai.operation.name"] === "text_completion") {
    const cost = a["workflow.cost_usd"];
    extra += '<p class="generation"><b>' + esc(a["gen_ai.request.model"] || "") + "</b> — input " + esc(fmt.count(a["gen_ai.usage.input_tokens"])) + " tokens, output " + esc(fmt.count(a["gen_ai.usage.output_tokens"])) + " tokens" + (cost !== undefined ? ", " + esc(fmt.usd(cost)) : "") + "</p>";
    for (const [key, title] of [["gen_ai.input.messages", "Prompt"], ["gen_ai.output.messages", "Completion"]]) {
      if (a[key] === undefined) continue;
      extra += "<h4>" + title + "</h4><pre>" + esc(fmt.attribute(key, a[key]).text) + "</pre>";
      inSections.add(key);
    }
  }
  if (a["workflow.sql"]) (extra += "<h4>SQL</h4><pre>" + esc(a["workflow.sql"]) + "</pre>"), inSections.add("workflow.sql");
  if (a["workflow.validation.valid"] === false) extra += '<p class="badge failed">invalid: ' + esc(a["workflow.validation.error_category"] || "") + "</p>";
  if (span.status && span.status.code === 2) extra += '<p class="badge error">' + esc(span.status.message || "error") + "</p>";
  const rows = Object.keys(a).filter((k) => !inSections.has(k)).sort().map((k) => "<div>" + esc(k) + "</div><div>" + valueHtml(k, a[k]) + "</div>").join("");
  return '<div class="details" id="span-details"><h3>' + esc(span.name) + ' <span class="muted">' + esc(fmt.ms(span.durationMs)) + "</span></h3>" + extra + '<div class="kv">' + rows + "</div></div>";
}

async function showRun(traceId) {
  nav("nav-runs");
  let trace;
  try { trace = await api("/runs/" + encodeURIComponent(traceId)); } catch (e) { $main.innerHTML = '<div class="empty">' + esc(e.message) + ' — <a href="#/">back to runs</a></div>'; return; }
  const s = trace.summary;
  const start = Math.min(...trace.spans.map((x) => x.startTime));
  const end = Math.max(...trace.spans.map((x) => x.startTime + x.durationMs));
  const total = Math.max(1e-6, end - start);
  const byId = new Map(trace.spans.map((x) => [x.spanId, x]));
  const { spans, depth } = treeOrder(trace.spans);
  const failures = new Map(spans.map((x) => [x.spanId, failureOf(x)]));
  const rows = spans.map((x, i) => {
    const left = ((x.startTime - start) / total) * 100, width = Math.max(0.3, (x.durationMs / total) * 100);
    const failure = failures.get(x.spanId);
    const mark = failure ? '<span class="fail-mark">✕ ' + esc(failure) + "</span>" : "";
    return '<div class="wf-row' + (failure ? " failing" : "") + '" data-i="' + i + '"><div class="wf-name" data-pad="' + num((depth.get(x.spanId) || 0) * 14) + '">' + esc(x.name) + ' <span class="muted">' + esc(stageOf(x)) + "</span>" + mark +
      '</div><div class="wf-track"><div class="wf-bar stage-' + esc(stageOf(x)) + (failure ? " fail-bar" : "") + '" data-left="' + num(left) + '" data-width="' + num(width) + '"' + (failure ? ' title="' + esc(failure) + '"' : "") +
      '></div></div><div class="muted wf-dur">' + esc(fmt.ms(x.durationMs)) + "</div></div>";
  }).join("");
  const lf = CONFIG.langfuseUrl ? (CONFIG.langfuseUrl.includes("{traceId}") ? CONFIG.langfuseUrl.replace("{traceId}", s.traceId) : CONFIG.langfuseUrl.replace(/\/$/, "") + "/trace/" + s.traceId) : "";
  const langfuse = lf ? ' <a id="langfuse-link" target="_blank" rel="noopener" href="' + esc(lf) + '">open in Langfuse</a>' : "";
  const corrections = num(s.corrections) ? " · " + esc(fmt.count(s.corrections)) + (s.corrections === 1 ? " correction" : " corrections") : "";
  $main.innerHTML = '<p><a href="#/">← runs</a>' + langfuse + "</p><h2>" + esc(s.name) + " " + badge(s.complete ? s.outcome : "running") + "</h2>" +
    '<p class="muted">' + esc(s.traceId) + " · " + esc(fmt.ms(s.durationMs)) + " · " + esc(fmt.count(num(s.inputTokens) + num(s.outputTokens))) + " tokens · " + esc(fmt.usd(num(s.costUsd))) + (s.intent ? " · intent " + esc(s.intent) : "") + corrections + "</p>" +
    '<div class="wf" id="waterfall">' + rows + '</div><div id="detail-slot"></div>';
  applyStyles($main);
  const slot = document.getElementById("detail-slot");
  const open = (i) => {
    slot.innerHTML = details(spans[i]);
    for (const row of $main.querySelectorAll(".wf-row")) row.classList.toggle("selected", Number(row.dataset.i) === i);
  };
  for (const row of $main.querySelectorAll(".wf-row")) row.onclick = () => open(Number(row.dataset.i));
  const failing = s.outcome === "success" ? -1 : firstFailing(spans, failures, byId);
  const first = failing >= 0 ? failing : spans.findIndex((x) => x.attributes["gen_ai.operation.name"] === "chat");
  if (first >= 0) open(first);
}
`;
