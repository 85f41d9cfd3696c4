/// The live dashboard served at `GET /dashboard`: one self-contained HTML page (inline CSS,
/// plain JavaScript and SVG charts, no external assets) that polls `dashboard/data` every second.
///
/// Every chart's `<svg>` carries `data-chart` (its name) and `data-points` (the data points it
/// draws), so a headless browser's DOM shows whether the charts have data. When the gateway has
/// an auth token, the page asks for it (or takes it from `#token=...` in the URL, which never
/// reaches a server) and sends it as `Authorization: Bearer` with each poll.
enum DashboardPage {
    static let bytes: [UInt8] = Array(html.utf8)

    static let html = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>StreamScore dashboard</title>
<style>
  :root {
    --bg: #f3f5f9; --card: #ffffff; --ink: #111827; --muted: #6b7280; --faint: #9ca3af;
    --line: #e5e7eb; --grid: #eef0f4; --accent: #2563eb; --ok: #15803d; --warn: #b45309; --bad: #b91c1c;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink);
         font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  header.top { display: flex; align-items: center; gap: 16px; padding: 14px 24px; background: #0f172a; color: #e2e8f0; }
  header.top h1 { font-size: 18px; margin: 0; font-weight: 650; letter-spacing: .2px; color: #fff; }
  header.top .meta { color: #94a3b8; font-size: 13px; }
  header.top .spacer { flex: 1; }
  .pill { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
  .pill.live { background: #dcfce7; color: #166534; }
  .pill.wait { background: #fef3c7; color: #92400e; }
  .pill.bad { background: #fee2e2; color: #991b1b; }
  .pill.stale { background: #e5e7eb; color: #374151; }
  .pill.info { background: #dbeafe; color: #1e40af; }
  main { padding: 18px 24px 32px; max-width: 1680px; margin: 0 auto; }
  .banner { display: none; margin-bottom: 14px; padding: 10px 14px; border-radius: 8px; background: #fee2e2; color: #7f1d1d; }
  .banner.show { display: block; }
  form.token { display: none; margin-bottom: 14px; padding: 14px; border-radius: 8px; background: #fff; border: 1px solid var(--line); }
  form.token.show { display: flex; gap: 10px; align-items: center; }
  form.token input { flex: 0 1 320px; padding: 6px 8px; border: 1px solid #cbd5e1; border-radius: 6px; font: inherit; }
  form.token button { padding: 6px 14px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
  .tile { background: var(--card); border-radius: 10px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(15,23,42,.06); border: 1px solid var(--line); }
  .tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
  .tile .value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
  .tile .value small { font-size: 13px; color: var(--muted); font-weight: 500; margin-left: 3px; }
  .tile .hint { color: var(--faint); font-size: 12px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; margin-bottom: 16px; }
  .grid.wide { grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); }
  .card { background: var(--card); border-radius: 10px; padding: 14px 16px 10px; box-shadow: 0 1px 2px rgba(15,23,42,.06);
          border: 1px solid var(--line); position: relative; min-width: 0; }
  .card h2 { font-size: 15px; margin: 0; font-weight: 650; }
  .card .sub { color: var(--muted); font-size: 12.5px; margin: 1px 0 6px; }
  .card .note { color: var(--faint); font-size: 12px; margin: 4px 0 2px; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12.5px; color: #374151; min-height: 20px; }
  .legend .key { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
  .legend .swatch { width: 14px; height: 3px; border-radius: 2px; display: inline-block; }
  .legend .swatch.dash { background: repeating-linear-gradient(90deg, currentColor 0 4px, transparent 4px 7px) !important; height: 2px; }
  .legend b { font-variant-numeric: tabular-nums; font-weight: 600; }
  .chart { position: relative; height: 232px; }
  .chart svg { display: block; overflow: visible; }
  svg .gridline { stroke: var(--grid); stroke-width: 1; }
  svg .axis { stroke: #cbd5e1; stroke-width: 1; }
  svg .tick { fill: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
  svg .unit { fill: var(--muted); font-size: 11px; font-weight: 600; }
  svg .empty { fill: var(--faint); font-size: 13px; }
  svg .threshold { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 4; }
  svg .threshold-label { fill: var(--bad); font-size: 11px; font-weight: 600; }
  svg .series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
  svg .cursor { stroke: #94a3b8; stroke-width: 1; }
  .tooltip { position: absolute; pointer-events: none; background: rgba(15,23,42,.92); color: #f8fafc; font-size: 12px;
             padding: 6px 9px; border-radius: 6px; white-space: nowrap; display: none; z-index: 5; }
  .tooltip i { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 6px; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
  th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px; border-bottom: 1px solid var(--line); padding: 6px 8px; white-space: nowrap; }
  td { border-bottom: 1px solid #f1f5f9; padding: 6px 8px; vertical-align: top; }
  td.num, th.num { text-align: right; }
  tr.stale td { color: var(--faint); }
  .muted { color: var(--muted); }
  .empty-row td { color: var(--faint); text-align: center; padding: 14px; }
  .badge { display: inline-block; padding: 0 7px; border-radius: 4px; font-size: 11.5px; font-weight: 600; margin: 1px 2px 1px 0; }
  .badge.canary { background: #fef3c7; color: #92400e; }
  .badge.shadow { background: #ede9fe; color: #5b21b6; }
  .badge.pinned { background: #dbeafe; color: #1e40af; }
  .badge.rollback { background: #fee2e2; color: #991b1b; }
  .badge.latest { background: #f1f5f9; color: #475569; }
  .bar { display: inline-block; height: 8px; border-radius: 2px; vertical-align: middle; margin-right: 6px; }
  .event-loaded { color: var(--ok); font-weight: 600; }
  .event-refused, .event-rejected { color: var(--bad); font-weight: 600; }
  .event-removed { color: var(--warn); font-weight: 600; }
  .event-control { color: var(--accent); font-weight: 600; }
  footer { color: var(--faint); font-size: 12px; margin-top: 8px; }
</style>
</head>
<body>
<header class="top">
  <h1>StreamScore</h1>
  <span class="meta" id="meta">live dashboard</span>
  <span class="spacer"></span>
  <span class="pill wait" id="status">connecting</span>
</header>
<main>
  <div class="banner" id="banner"></div>
  <form class="token" id="token-form">
    <span>This gateway needs its bearer token to show metrics.</span>
    <input type="password" id="token-input" placeholder="token" autocomplete="off">
    <button type="submit">Show</button>
  </form>

  <section class="tiles" id="tiles"></section>

  <section class="grid">
    <div class="card">
      <h2>Throughput</h2>
      <div class="sub">records per second, all workers</div>
      <div class="legend" id="legend-throughput"></div>
      <div class="chart" id="chart-throughput"></div>
      <div class="note">In: records consumed (scored or dead-lettered). Out: prediction records published. Rows: feature rows scored (a <code>data</code> record holds several).</div>
    </div>
    <div class="card">
      <h2>End-to-end latency</h2>
      <div class="sub">milliseconds from the record's timestamp to its prediction; the worst worker's percentile</div>
      <div class="legend" id="legend-latency"></div>
      <div class="chart" id="chart-latency"></div>
    </div>
    <div class="card">
      <h2>Batch size</h2>
      <div class="sub">mean rows per scored batch, all workers</div>
      <div class="legend" id="legend-batch"></div>
      <div class="chart" id="chart-batch"></div>
    </div>
    <div class="card">
      <h2>Dead letters</h2>
      <div class="sub">records per second sent to the DLQ, by error code</div>
      <div class="legend" id="legend-dlq"></div>
      <div class="chart" id="chart-dlq"></div>
    </div>
    <div class="card">
      <h2>Consumer lag</h2>
      <div class="sub">records behind the end of the input topic, summed over partitions and workers</div>
      <div class="legend" id="legend-lag"></div>
      <div class="chart" id="chart-lag"></div>
    </div>
    <div class="card">
      <h2>In-flight rows</h2>
      <div class="sub">rows consumed and not yet acknowledged, all workers</div>
      <div class="legend" id="legend-inflight"></div>
      <div class="chart" id="chart-inflight"></div>
    </div>
  </section>

  <section class="grid wide" id="drift-charts"></section>

  <section class="grid">
    <div class="card">
      <h2>Workers</h2>
      <div class="sub">latest metrics window of each worker; stale workers (no record for a few intervals) are greyed, then dropped</div>
      <table>
        <thead><tr><th>Worker</th><th>State</th><th class="num">Records/s</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">p99.9 ms</th><th class="num">Batch rows</th><th class="num">In-flight</th><th class="num">DLQ/s</th><th class="num">Lag</th><th>Models</th></tr></thead>
        <tbody id="workers-body"></tbody>
      </table>
    </div>
  </section>

  <section class="grid wide">
    <div class="card">
      <h2>Model versions</h2>
      <div class="sub">what the workers serve, with canary and shadow state</div>
      <table>
        <thead><tr><th>Model</th><th>Serving</th><th>Latest</th><th>Loaded</th><th>Canary</th><th>Shadow</th><th>State</th><th>Workers</th></tr></thead>
        <tbody id="models-body"></tbody>
      </table>
    </div>
    <div class="card">
      <h2>Model events</h2>
      <div class="sub">loads, refusals, removals and control commands, newest first</div>
      <table>
        <thead><tr><th>Time</th><th>Model</th><th>Event</th><th>Reason</th><th>Worker</th></tr></thead>
        <tbody id="events-body"></tbody>
      </table>
    </div>
  </section>
  <footer id="footer"></footer>
</main>

<script>
(function () {
  'use strict';
  var POLL_MS = 1000;
  var COLORS = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
  var dataURL = location.pathname.replace(/\/+$/, '') + '/data';
  var token = null;
  var last = null;
  var charts = {};

  try { token = sessionStorage.getItem('streamscore-token'); } catch (e) {}
  var fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (fromHash) {
    token = decodeURIComponent(fromHash[1]);
    try { sessionStorage.setItem('streamscore-token', token); } catch (e) {}
    history.replaceState(null, '', location.pathname + location.search);
  }

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  function compact(v) {
    if (!finite(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    if (a >= 1e3) return Math.round(v).toLocaleString('en-US');
    if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }
  function whole(v) { return finite(v) ? Math.round(v).toLocaleString('en-US') : '–'; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(seconds, withSeconds) {
    var d = new Date(seconds * 1000);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + (withSeconds ? ':' + pad(d.getSeconds()) : '');
  }
  // Tick labels share one number of decimals, enough for the step (k/M/G from 10,000 up).
  function tickLabel(v, step, top) {
    if (top >= 1e4) return compact(v);
    var digits = 0;
    while (digits < 4 && Math.abs(step * Math.pow(10, digits) - Math.round(step * Math.pow(10, digits))) > 1e-9) digits++;
    return v.toFixed(digits);
  }
  function niceStep(range, count) {
    var raw = range / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var n = raw / mag;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
  }
  var TIME_STEPS = [5, 10, 15, 30, 60, 120, 180, 300, 600, 900];

  // Draws a line chart into `el`: spec = {id, title, unit, t, t0, t1, series: [{name, color, values, dash}],
  // threshold, markers, empty}. Returns the number of data points drawn.
  function lineChart(el, spec) {
    var W = Math.max(300, Math.floor(el.clientWidth || 560)), H = el.clientHeight || 232;
    var m = { l: 62, r: 16, t: 12, b: 30 };
    var pw = W - m.l - m.r, ph = H - m.t - m.b;
    var span = Math.max(1, spec.t1 - spec.t0);
    var ymax = 0, points = 0, i, s;
    for (s = 0; s < spec.series.length; s++) {
      var vals = spec.series[s].values;
      for (i = 0; i < vals.length; i++) {
        if (finite(vals[i]) && spec.t[i] >= spec.t0 && spec.t[i] <= spec.t1) {
          points++;
          if (vals[i] > ymax) ymax = vals[i];
        }
      }
    }
    if (finite(spec.threshold)) ymax = Math.max(ymax, spec.threshold * 1.2);
    if (ymax <= 0) ymax = spec.minTop || 1;
    var step = niceStep(ymax * 1.08, 4), top = Math.ceil(ymax * 1.08 / step) * step;
    function x(t) { return m.l + (t - spec.t0) / span * pw; }
    function y(v) { return m.t + ph - Math.max(0, Math.min(v, top)) / top * ph; }
    var out = [];
    out.push('<svg width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' +
             esc(spec.title) + '" data-chart="' + esc(spec.id) + '" data-points="' + points + '">');
    for (var v = 0; v <= top + step / 2; v += step) {
      var yy = y(v).toFixed(1);
      out.push('<line class="gridline" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + yy + '" y2="' + yy + '"/>');
      out.push('<text class="tick" x="' + (m.l - 7) + '" y="' + yy + '" dy="0.32em" text-anchor="end">' + tickLabel(v, step, top) + '</text>');
    }
    var ts = TIME_STEPS[TIME_STEPS.length - 1];
    var maxTicks = Math.max(2, Math.min(7, Math.floor(pw / 78)));
    for (i = 0; i < TIME_STEPS.length; i++) { if (span / TIME_STEPS[i] <= maxTicks) { ts = TIME_STEPS[i]; break; } }
    for (var t = Math.ceil(spec.t0 / ts) * ts; t <= spec.t1; t += ts) {
      var xx = x(t).toFixed(1);
      out.push('<line class="gridline" x1="' + xx + '" x2="' + xx + '" y1="' + m.t + '" y2="' + (m.t + ph) + '"/>');
      out.push('<text class="tick" x="' + xx + '" y="' + (H - m.b + 17) + '" text-anchor="middle">' + clock(t, ts < 60) + '</text>');
    }
    out.push('<line class="axis" x1="' + m.l + '" x2="' + m.l + '" y1="' + m.t + '" y2="' + (m.t + ph) + '"/>');
    out.push('<line class="axis" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + (m.t + ph) + '" y2="' + (m.t + ph) + '"/>');
    out.push('<text class="unit" transform="rotate(-90)" x="' + (-(m.t + ph / 2)) + '" y="13" text-anchor="middle">' + esc(spec.unit) + '</text>');
    if (finite(spec.threshold)) {
      var ty = y(spec.threshold).toFixed(1);
      out.push('<line class="threshold" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + ty + '" y2="' + ty + '"/>');
      out.push('<text class="threshold-label" x="' + (W - m.r - 4) + '" y="' + (ty - 5) + '" text-anchor="end">threshold ' + spec.threshold + '</text>');
    }
    for (s = 0; s < spec.series.length; s++) {
      var ser = spec.series[s], d = '', pen = false, n = 0, lastX = null, lastY = null, dots = '';
      for (i = 0; i < ser.values.length; i++) {
        var val = ser.values[i], ti = spec.t[i];
        if (!finite(val) || ti < spec.t0 || ti > spec.t1) { if (!spec.markers) pen = false; continue; }
        lastX = x(ti).toFixed(1); lastY = y(val).toFixed(1);
        d += (pen ? 'L' : 'M') + lastX + ' ' + lastY;
        pen = true; n++;
        if (spec.markers) dots += '<circle cx="' + lastX + '" cy="' + lastY + '" r="3" fill="' + ser.color + '"/>';
      }
      out.push('<g data-series="' + esc(ser.name) + '" data-points="' + n + '">');
      if (d) out.push('<path class="series" d="' + d + '" stroke="' + ser.color + '"' + (ser.dash ? ' stroke-dasharray="5 4"' : '') + '/>');
      if (dots) out.push(dots);
      else if (lastX !== null) out.push('<circle cx="' + lastX + '" cy="' + lastY + '" r="3" fill="' + ser.color + '"/>');
      out.push('</g>');
    }
    if (!points) {
      out.push('<text class="empty" x="' + (m.l + pw / 2) + '" y="' + (m.t + ph / 2) + '" text-anchor="middle">' + esc(spec.empty || 'No data yet') + '</text>');
    }
    out.push('<line class="cursor" x1="0" x2="0" y1="' + m.t + '" y2="' + (m.t + ph) + '" visibility="hidden"/>');
    out.push('</svg><div class="tooltip"></div>');
    el.innerHTML = out.join('');
    el._chart = { spec: spec, x: x, m: m, pw: pw, span: span };
    return points;
  }

  function legend(el, spec, format) {
    el.innerHTML = spec.series.map(function (ser) {
      var latest = null;
      for (var i = ser.values.length - 1; i >= 0; i--) { if (finite(ser.values[i])) { latest = ser.values[i]; break; } }
      return '<span class="key"><span class="swatch' + (ser.dash ? ' dash' : '') + '" style="background:' + ser.color +
             ';color:' + ser.color + '"></span>' + esc(ser.name) + ' <b>' + format(latest) + '</b></span>';
    }).join('') + (finite(spec.threshold) ? '<span class="key"><span class="swatch dash" style="color:#b91c1c"></span>threshold <b>' + spec.threshold + '</b></span>' : '');
  }

  function onHover(ev) {
    var el = ev.currentTarget, c = el._chart;
    if (!c) return;
    var svg = el.querySelector('svg'), tip = el.querySelector('.tooltip'), cursor = el.querySelector('.cursor');
    var rect = svg.getBoundingClientRect();
    var px = ev.clientX - rect.left;
    var t = c.spec.t0 + (px - c.m.l) / c.pw * c.span;
    var best = -1, bestDist = Infinity;
    for (var i = 0; i < c.spec.t.length; i++) {
      var dist = Math.abs(c.spec.t[i] - t);
      if (dist < bestDist) { bestDist = dist; best = i; }
    }
    if (best < 0 || px < c.m.l || px > c.m.l + c.pw) { tip.style.display = 'none'; cursor.setAttribute('visibility', 'hidden'); return; }
    var cx = c.x(c.spec.t[best]);
    cursor.setAttribute('x1', cx); cursor.setAttribute('x2', cx); cursor.setAttribute('visibility', 'visible');
    var rows = c.spec.series.map(function (ser) {
      return '<div><i style="background:' + ser.color + '"></i>' + esc(ser.name) + ': ' + c.spec.format(ser.values[best]) + '</div>';
    });
    tip.innerHTML = '<div><b>' + clock(c.spec.t[best], true) + '</b></div>' + rows.join('');
    tip.style.display = 'block';
    var left = cx + 12;
    if (left + tip.offsetWidth > el.clientWidth) left = cx - 12 - tip.offsetWidth;
    tip.style.left = left + 'px';
    tip.style.top = '8px';
  }
  function onLeave(ev) {
    var el = ev.currentTarget;
    var tip = el.querySelector('.tooltip'), cursor = el.querySelector('.cursor');
    if (tip) tip.style.display = 'none';
    if (cursor) cursor.setAttribute('visibility', 'hidden');
  }
  function chartInto(name, spec, format) {
    var el = $('chart-' + name);
    if (!el) return;
    spec.id = name;
    spec.format = format;
    if (!charts[name]) {
      el.addEventListener('mousemove', onHover);
      el.addEventListener('mouseleave', onLeave);
      charts[name] = true;
    }
    lineChart(el, spec);
    legend($('legend-' + name), spec, format);
  }

  // One time axis for every chart: from the oldest point of any series (at least a minute,
  // at most the window) up to now.
  function timeDomain(data) {
    var now = Math.floor(data.now_ms / 1000), first = now, newest = now;
    var axes = [data.series.t].concat(data.drift.map(function (d) { return d.series.t; }));
    axes.forEach(function (ts) {
      if (ts.length) { first = Math.min(first, ts[0]); newest = Math.max(newest, ts[ts.length - 1]); }
    });
    var span = Math.min(data.window_s, Math.max(60, newest - first));
    return { t0: newest - span, t1: newest };
  }
  function unitFormat(unit, digits) {
    return function (v) { return finite(v) ? (digits === undefined ? compact(v) : v.toFixed(digits)) + ' ' + unit : '–'; };
  }

  function renderCharts(data) {
    var s = data.series, dom = timeDomain(data);
    var waiting = 'Waiting for metrics records on ' + data.topic + '…';
    function spec(series, unit, extra) {
      var out = { t: s.t, t0: dom.t0, t1: dom.t1, series: series, unit: unit, empty: waiting, title: unit };
      for (var k in extra) out[k] = extra[k];
      return out;
    }
    chartInto('throughput', spec([
      { name: 'in (records consumed)', color: COLORS[0], values: s.records_per_s },
      { name: 'out (predictions published)', color: COLORS[2], values: s.predictions_per_s },
      { name: 'rows scored', color: COLORS[1], values: s.rows_per_s, dash: true }
    ], 'records/s'), unitFormat('/s'));
    chartInto('latency', spec([
      { name: 'p50', color: COLORS[0], values: s.end_to_end_p50_ms },
      { name: 'p99', color: COLORS[1], values: s.end_to_end_p99_ms },
      { name: 'p99.9', color: COLORS[4], values: s.end_to_end_p999_ms }
    ], 'ms'), unitFormat('ms'));
    chartInto('batch', spec([
      { name: 'mean batch', color: COLORS[3], values: s.mean_batch_rows }
    ], 'rows per batch'), unitFormat('rows'));
    var codes = Object.keys(s.dlq_per_s_by_code).sort();
    var dlqSeries = codes.length
      ? codes.map(function (code, i) { return { name: code, color: COLORS[(i + 4) % COLORS.length], values: s.dlq_per_s_by_code[code] }; })
      : [{ name: 'all codes', color: COLORS[4], values: s.dlq_per_s }];
    chartInto('dlq', spec(dlqSeries, 'records/s'), unitFormat('/s'));
    chartInto('lag', spec([
      { name: 'lag', color: COLORS[5], values: s.consumer_lag }
    ], 'records'), unitFormat('records'));
    chartInto('inflight', spec([
      { name: 'in-flight', color: COLORS[6], values: s.inflight_rows }
    ], 'rows'), unitFormat('rows'));
    renderDrift(data, dom);
  }

  function driftCard(key) {
    var id = 'psi-' + key.replace(/[^A-Za-z0-9_-]/g, '_');
    var el = $('chart-' + id);
    if (el) return id;
    var card = document.createElement('div');
    card.className = 'card';
    card.id = 'card-' + id;
    card.innerHTML = '<h2></h2><div class="sub"></div><div class="legend" id="legend-' + id + '"></div>' +
                     '<div class="chart" id="chart-' + id + '"></div><div class="note"></div>';
    $('drift-charts').appendChild(card);
    return id;
  }

  function renderDrift(data, dom) {
    var holder = $('drift-charts'), keep = {};
    var drifts = data.drift.length ? data.drift : [null];
    drifts.forEach(function (d) {
      var key = d ? d.model + '-v' + d.version : 'none';
      var id = driftCard(key);
      keep['card-' + id] = true;
      var card = $('card-' + id);
      var series = [], ds = d ? d.series : { t: [], psi: {}, threshold: NaN };
      if (d) {
        var ranked = d.features.map(function (f) { return f.feature; });
        Object.keys(ds.psi).forEach(function (f) { if (ranked.indexOf(f) < 0) ranked.push(f); });
        ranked.slice(0, 10).forEach(function (f, i) {
          if (ds.psi[f]) series.push({ name: f, color: COLORS[i % COLORS.length], values: ds.psi[f] });
        });
      }
      var title = d ? 'Feature drift · ' + d.model + ' v' + d.version : 'Feature drift';
      card.querySelector('h2').innerHTML = esc(title) + (d ? ' <span class="pill ' + (d.drifting ? 'bad' : 'live') + '">' +
        (d.drifting ? 'drifting' : 'no drift') + '</span>' : '');
      card.querySelector('.sub').textContent = d
        ? 'PSI of each feature per drift window against the training baseline (dashed: threshold)'
        : 'PSI of each feature against the training baseline, per model version';
      var note = '';
      if (d) {
        var worst = d.features.filter(function (f) { return f.drifted; }).slice(0, 3)
          .map(function (f) { return f.feature + ' ' + f.psi.toFixed(3); });
        note = 'Latest window ' + clock(d.latest.window_start_ms / 1000, true) + '–' + clock(d.latest.window_end_ms / 1000, true) +
               ', ' + whole(d.latest.rows) + ' rows from ' + d.latest.worker +
               (worst.length ? '. Drifted: ' + worst.join(', ') : '. No feature over the threshold') +
               (finite(d.latest.prediction_psi) ? '. Prediction PSI ' + d.latest.prediction_psi.toFixed(3) : '') + '.';
      }
      card.querySelector('.note').textContent = note;
      var spec = { id: id, title: title, unit: 'PSI', t: ds.t, t0: dom.t0, t1: dom.t1, series: series,
                   threshold: d ? ds.threshold : undefined, markers: true,
                   empty: 'No drift records in the last ' + Math.round(data.window_s / 60) + ' minutes', minTop: 0.25 };
      chartInto(id, spec, function (v) { return finite(v) ? v.toFixed(3) : '–'; });
    });
    Array.prototype.slice.call(holder.children).forEach(function (card) {
      if (!keep[card.id]) { holder.removeChild(card); delete charts[card.id.replace(/^card-/, '')]; }
    });
  }

  function routingBadges(name, version, routing) {
    var html = esc(name) + ' <b>v' + esc(version) + '</b>';
    if (!routing) return html;
    if (routing.latest && routing.latest !== routing.serving) html += ' <span class="badge latest">latest v' + esc(routing.latest) + '</span>';
    if (routing.canary) html += ' <span class="badge canary">canary v' + esc(routing.canary.version) + ' · ' + routing.canary.percent + '%</span>';
    if (routing.shadow) html += ' <span class="badge shadow">shadow v' + esc(routing.shadow) + '</span>';
    if (routing.pinned) html += ' <span class="badge pinned">pinned v' + esc(routing.pinned) + '</span>';
    if (routing.rolled_back) html += ' <span class="badge rollback">rolled back</span>';
    return html;
  }

  function renderTiles(data) {
    var live = data.workers.filter(function (w) { return w.state === 'live'; });
    var stale = data.workers.length - live.length;
    function sum(f) { return live.reduce(function (a, w) { return a + f(w); }, 0); }
    function worst(f) { return live.reduce(function (a, w) { return Math.max(a, f(w)); }, 0); }
    var drifting = data.drift.filter(function (d) { return d.drifting; }).length;
    var tiles = [
      ['Workers live', live.length, '', stale ? stale + ' stale' : 'reporting every ' + (live[0] ? live[0].interval_s.toFixed(0) + ' s' : '–')],
      ['Records in', compact(sum(function (w) { return w.records_per_s; })), '/s', 'consumed, latest window'],
      ['Predictions out', compact(sum(function (w) { return w.predictions_per_s; })), '/s', 'published, latest window'],
      ['p99 end to end', live.length ? worst(function (w) { return w.end_to_end_ms.p99; }).toFixed(2) : '–', 'ms', 'worst worker'],
      ['Dead letters', compact(sum(function (w) { return w.dlq_per_s; })), '/s', 'all error codes'],
      ['Consumer lag', whole(sum(function (w) { return w.consumer_lag; })), 'records', 'all partitions'],
      ['Drift', drifting ? drifting + ' drifting' : (data.drift.length ? 'none' : '–'), '',
       data.drift.length ? 'of ' + data.drift.length + ' model version(s) with drift records' : 'no drift records yet']
    ];
    $('tiles').innerHTML = tiles.map(function (t) {
      return '<div class="tile"><div class="label">' + esc(t[0]) + '</div><div class="value">' + esc(t[1]) +
             (t[2] ? '<small>' + esc(t[2]) + '</small>' : '') + '</div><div class="hint">' + esc(t[3]) + '</div></div>';
    }).join('');
  }

  function renderWorkers(data) {
    if (!data.workers.length) {
      $('workers-body').innerHTML = '<tr class="empty-row"><td colspan="11">No worker has reported on ' + esc(data.topic) + ' recently.</td></tr>';
      return;
    }
    $('workers-body').innerHTML = data.workers.map(function (w) {
      var models = Object.keys(w.models).sort().map(function (name) {
        return routingBadges(name, w.models[name], w.routing ? w.routing[name] : null);
      }).join('<br>');
      var state = w.state === 'live' ? '<span class="pill live">live</span>'
        : '<span class="pill stale">stale ' + Math.round(w.age_s) + ' s</span>';
      return '<tr class="' + w.state + '"><td>' + esc(w.id) + '</td><td>' + state + '</td>' +
        '<td class="num">' + compact(w.records_per_s) + '</td><td class="num">' + w.end_to_end_ms.p50.toFixed(2) + '</td>' +
        '<td class="num">' + w.end_to_end_ms.p99.toFixed(2) + '</td><td class="num">' + w.end_to_end_ms.p999.toFixed(2) + '</td>' +
        '<td class="num">' + w.mean_batch_rows.toFixed(1) + '</td><td class="num">' + whole(w.inflight_rows) + '</td>' +
        '<td class="num">' + compact(w.dlq_per_s) + '</td><td class="num">' + whole(w.consumer_lag) + '</td><td>' + models + '</td></tr>';
    }).join('');
  }

  function renderModels(data) {
    var groups = {}, order = [];
    data.workers.forEach(function (w) {
      Object.keys(w.models).forEach(function (name) {
        var r = (w.routing && w.routing[name]) || { serving: w.models[name], latest: w.models[name], versions: [w.models[name]] };
        var key = name + '|' + JSON.stringify(r);
        if (!groups[key]) { groups[key] = { name: name, r: r, workers: [] }; order.push(key); }
        groups[key].workers.push(w.id + (w.state === 'stale' ? ' (stale)' : ''));
      });
    });
    order.sort();
    if (!order.length) {
      $('models-body').innerHTML = '<tr class="empty-row"><td colspan="8">No model reported yet.</td></tr>';
      return;
    }
    $('models-body').innerHTML = order.map(function (key) {
      var g = groups[key], r = g.r;
      var state = [];
      if (r.pinned) state.push('<span class="badge pinned">pinned v' + esc(r.pinned) + '</span>');
      if (r.rolled_back) state.push('<span class="badge rollback">rolled back</span>');
      if (!state.length && r.serving !== r.latest) state.push('<span class="badge latest">older than latest</span>');
      return '<tr><td><b>' + esc(g.name) + '</b></td><td>v' + esc(r.serving) + '</td><td>v' + esc(r.latest) + '</td>' +
        '<td>' + (r.versions || []).map(function (v) { return 'v' + esc(v); }).join(', ') + '</td>' +
        '<td>' + (r.canary ? '<span class="badge canary">v' + esc(r.canary.version) + ' · ' + r.canary.percent + '%</span>' : '<span class="muted">–</span>') + '</td>' +
        '<td>' + (r.shadow ? '<span class="badge shadow">v' + esc(r.shadow) + '</span>' : '<span class="muted">–</span>') + '</td>' +
        '<td>' + (state.join(' ') || '<span class="muted">latest</span>') + '</td>' +
        '<td>' + esc(g.workers.join(', ')) + '</td></tr>';
    }).join('');
  }

  function renderEvents(data) {
    if (!data.events.length) {
      $('events-body').innerHTML = '<tr class="empty-row"><td colspan="5">No model events yet.</td></tr>';
      return;
    }
    $('events-body').innerHTML = data.events.slice(0, 12).map(function (e) {
      return '<tr><td>' + clock(e.time_ms / 1000, true) + '</td><td>' + esc(e.model) + (e.version ? ' v' + esc(e.version) : '') + '</td>' +
        '<td class="event-' + esc(e.event) + '">' + esc(e.event) + '</td><td>' + esc(e.reason) +
        (e.serving ? ' <span class="muted">→ serving v' + esc(e.serving) + '</span>' : '') + '</td><td>' + esc(e.worker) + '</td></tr>';
    }).join('');
  }

  function renderStatus(data) {
    var st = $('status'), f = data.feed;
    var live = data.workers.filter(function (w) { return w.state === 'live'; }).length;
    var labels = { connecting: ['connecting to Kafka', 'wait'], 'catching-up': ['reading history', 'wait'],
                   live: [live ? 'live' : 'no live workers', live ? 'live' : 'stale'], failed: ['feed failed', 'bad'], stopped: ['stopped', 'bad'] };
    var l = labels[f.state] || [f.state, 'info'];
    st.textContent = l[0];
    st.className = 'pill ' + l[1];
    $('meta').textContent = 'topic ' + data.topic + ' · updated ' + clock(data.now_ms / 1000, true) + ' · last ' +
      Math.round(data.window_s / 60) + ' minutes';
    $('footer').textContent = f.records_read.toLocaleString('en-US') + ' metrics-topic records read' +
      (f.records_skipped ? ', ' + f.records_skipped + ' skipped (unknown kind or bad JSON)' : '') +
      '. Times are this browser\'s local time; series use the workers\' clocks (window ends). Data: ' + dataURL;
    showBanner(f.error ? 'The metrics feed failed: ' + f.error : null);
  }

  function showBanner(text) {
    var b = $('banner');
    b.textContent = text || '';
    b.className = text ? 'banner show' : 'banner';
  }

  function render(data) {
    last = data;
    renderStatus(data);
    renderTiles(data);
    renderCharts(data);
    renderWorkers(data);
    renderModels(data);
    renderEvents(data);
  }

  function poll() {
    var headers = { 'Accept': 'application/json' };
    if (token) headers['Authorization'] = 'Bearer ' + token;
    fetch(dataURL, { headers: headers, cache: 'no-store' }).then(function (response) {
      if (response.status === 401) {
        $('token-form').className = 'token show';
        throw new Error(token ? 'the token was not accepted' : 'a bearer token is required');
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      $('token-form').className = 'token';
      return response.json();
    }).then(function (data) {
      render(data);
    }).catch(function (error) {
      showBanner('Cannot load ' + dataURL + ': ' + error.message);
      $('status').textContent = 'no data';
      $('status').className = 'pill bad';
    }).then(function () {
      setTimeout(poll, POLL_MS);
    });
  }

  $('token-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    token = $('token-input').value;
    try { sessionStorage.setItem('streamscore-token', token); } catch (e) {}
    showBanner(null);
  });
  window.addEventListener('resize', function () { if (last) renderCharts(last); });
  poll();
})();
</script>
</body>
</html>
"""##
}
