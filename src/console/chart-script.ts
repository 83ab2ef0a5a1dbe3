/**
 * The console's line charts, as the browser runs them (plain JavaScript in a string, like FORMAT_SCRIPT, which
 * it uses): an SVG with a y axis at round values in the series' unit, an x axis of clock times, one line per
 * series, and a legend with each series' latest value. Colours come through data-color (CSSOM, see the page).
 */
export const CHART_SCRIPT = String.raw`
/** unit: how to write a value of the series, e.g. fmt.seconds; tick: the same, short, for the y axis. */
function chart(title, unitName, t, series, unit, tick = unit) {
  const names = Object.keys(series).filter((k) => series[k].some((v) => v !== null && v !== 0));
  const W = 360, H = 150, L = 66, R = 10, T = 8, B = 22;
  const pw = W - L - R, ph = H - T - B;
  const values = names.flatMap((n) => series[n].filter((v) => typeof v === "number" && Number.isFinite(v)));
  const top = fmt.niceMax(Math.max(0, ...values));
  const n = t.length;
  const x = (j) => L + (n > 1 ? (j / (n - 1)) * pw : pw);
  const y = (v) => T + ph - (v / top) * ph;
  let svg = "";
  for (const f of [0, 0.5, 1]) {
    const yy = y(top * f).toFixed(1);
    svg += '<line class="grid" x1="' + L + '" x2="' + (W - R) + '" y1="' + yy + '" y2="' + yy + '"/>';
    svg += '<text class="ytick" x="' + (L - 6) + '" y="' + (Number(yy) + 3.5).toFixed(1) + '" text-anchor="end">' + esc(tick(top * f)) + "</text>";
  }
  svg += '<line class="axis" x1="' + L + '" x2="' + L + '" y1="' + T + '" y2="' + (T + ph) + '"/><line class="axis" x1="' + L + '" x2="' + (W - R) + '" y1="' + (T + ph) + '" y2="' + (T + ph) + '"/>';
  if (n > 0) {
    const ticks = n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : [...new Set([0, n - 1])];
    for (const j of ticks) {
      const anchor = j === 0 && n > 1 ? "start" : j === n - 1 ? "end" : "middle";
      svg += '<text class="xtick" x="' + x(j).toFixed(1) + '" y="' + (H - 6) + '" text-anchor="' + anchor + '">' + esc(fmt.clock(t[j])) + "</text>";
    }
  }
  names.forEach((name, i) => {
    // One line per stretch of values: an interval without data (no run of that stage) is a gap, not a slope.
    const stretches = [[]];
    series[name].forEach((v, j) => {
      if (typeof v === "number" && Number.isFinite(v)) stretches[stretches.length - 1].push([x(j).toFixed(1), y(v).toFixed(1)]);
      else if (stretches[stretches.length - 1].length) stretches.push([]);
    });
    for (const pts of stretches) {
      if (pts.length > 1) svg += '<polyline fill="none" stroke="' + COLORS[i % COLORS.length] + '" stroke-width="2" points="' + pts.map((p) => p.join(",")).join(" ") + '"/>';
      else if (pts.length === 1) svg += '<circle r="2.5" fill="' + COLORS[i % COLORS.length] + '" cx="' + pts[0][0] + '" cy="' + pts[0][1] + '"/>';
    }
  });
  const latest = (arr) => { for (let j = arr.length - 1; j >= 0; j--) if (arr[j] !== null) return arr[j]; return null; };
  const legend = names.map((name, i) => '<span><i data-color="' + i + '"></i>' + esc(name) + ' <b class="latest">' + esc(unit(latest(series[name]))) + "</b></span>").join("");
  return '<div class="card"><h3>' + esc(title) + ' <span class="muted">(' + esc(unitName) + ')</span></h3><svg class="chart" viewBox="0 0 ' + W + " " + H + '" role="img" aria-label="' + esc(title) + '">' + svg + '</svg><div class="legend">' + (legend || '<span class="muted">no data yet</span>') + "</div></div>";
}
`;
