/*
 * Chaffra management dashboard: plain JS, no build step, no dependencies.
 *
 * Security rules this file keeps (spec §9): every string that came from the API is
 * inserted with textContent / createTextNode, never as HTML; no inline handlers
 * (the page runs under `default-src 'self'`); every URL is relative to the page,
 * so the dashboard keeps working when the app is mounted under a prefix.
 */
(function () {
  'use strict';

  const POLL_MS = 10000;
  const DEBOUNCE_MS = 250;
  const FETCH_TIMEOUT_MS = 8000;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const ENDPOINTS = {
    status: 'api/v1/status',
    health: 'api/v1/health',
    modules: 'api/v1/modules',
    summary: 'api/v1/findings/summary',
    churn: 'api/v1/findings/churn',
    metrics: 'api/v1/metrics',
    config: 'api/v1/config',
    history: 'api/v1/metrics/history?window=7d&fields=summary',
  };
  const PAGE_ENDPOINTS = Object.keys(ENDPOINTS);
  const OPERATOR_AUDIENCES = new Set(['on', 'operator-only']);
  const MODULE_PREFIX = 'chaffra.module.';
  // Operator-classified names that share the per-module result prefix.
  const OPERATOR_MODULE_NAMES = new Set([
    'chaffra.module.call_duration_ms',
    'chaffra.module.error_total',
    'chaffra.module.startup_duration_ms',
    'chaffra.module.load_error_total',
  ]);
  const SEVERITY_ORDER = ['error', 'warning', 'info'];
  const WITHHELD_OPERATOR = 'Withheld (operator audience only)';
  const WITHHELD_USER = 'Withheld (user audience only)';

  // ---------------------------------------------------------------- DOM helpers

  function byId(id) {
    return document.getElementById(id);
  }

  function appendAll(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setProps(node, props) {
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.setAttribute('class', value);
      else if (key === 'text') node.textContent = String(value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    return node;
  }

  /** An HTML element; string children become text nodes. */
  function h(tag, props, ...children) {
    return appendAll(setProps(document.createElement(tag), props), children);
  }

  /** An SVG element. */
  function svg(tag, props, ...children) {
    return appendAll(setProps(document.createElementNS(SVG_NS, tag), props), children);
  }

  function code(text) {
    return h('code', null, text);
  }

  function dot(kind) {
    return h('span', { class: 'dot dot-' + kind, 'aria-hidden': 'true' });
  }

  function bar(fraction, kind) {
    const fill = h('span', { class: 'bar-fill bar-' + kind });
    // CSSOM writes are allowed under the CSP; style attributes in markup are not.
    fill.style.width = (Math.max(0, Math.min(1, fraction)) * 100).toFixed(1) + '%';
    return h('span', { class: 'bar', 'aria-hidden': 'true' }, fill);
  }

  function table(headers, rows, options) {
    const opts = options || {};
    const head = h('tr', null, headers.map((label, i) =>
      h('th', { scope: 'col', class: (opts.numeric || []).includes(i) ? 'num' : null }, label)));
    const body = rows.length
      ? rows.map((cells) => h('tr', null, cells.map((cell, i) =>
        h('td', { class: (opts.numeric || []).includes(i) ? 'num' : null }, cell))))
      : [h('tr', null, h('td', { class: 'empty-row', colspan: headers.length }, opts.empty || 'Nothing to show'))];
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data-table' }, h('thead', null, head), h('tbody', null, body)));
  }

  // ---------------------------------------------------------------- formatting

  const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const stampFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  function isNum(value) {
    return typeof value === 'number' && Number.isFinite(value);
  }

  function fmtCount(value) {
    return isNum(value) ? countFormat.format(Math.trunc(value)) : '—';
  }

  function fmtMs(value) {
    return isNum(value) ? Math.round(value) + 'ms' : '—';
  }

  function fmtPct(fraction, digits) {
    return isNum(fraction) ? (fraction * 100).toFixed(digits === undefined ? 1 : digits) + '%' : '—';
  }

  function fmtValue(value) {
    if (!isNum(value)) return '—';
    return Number.isInteger(value) ? countFormat.format(value) : String(Math.round(value * 1000) / 1000);
  }

  function fmtWhen(ms) {
    return isNum(ms) ? stampFormat.format(new Date(ms)) : '—';
  }

  function tone(score) {
    if (!isNum(score)) return 'neutral';
    return score >= 80 ? 'good' : score >= 60 ? 'warn' : 'bad';
  }

  function plural(n, word) {
    return fmtCount(n) + ' ' + word + (n === 1 ? '' : 's');
  }

  function sortSeverities(keys) {
    const rank = (k) => (SEVERITY_ORDER.includes(k) ? SEVERITY_ORDER.indexOf(k) : SEVERITY_ORDER.length);
    return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  function severityKind(severity) {
    return SEVERITY_ORDER.includes(severity) ? severity : 'other';
  }

  // ---------------------------------------------------------------- data helpers

  /** `chaffra.module.<id>.<key>` → {id, key}; null for other names and operator names. */
  function moduleMetric(name) {
    if (typeof name !== 'string' || !name.startsWith(MODULE_PREFIX) || OPERATOR_MODULE_NAMES.has(name)) return null;
    const rest = name.slice(MODULE_PREFIX.length);
    const cut = rest.lastIndexOf('.');
    if (cut <= 0 || cut === rest.length - 1) return null;
    return { id: rest.slice(0, cut), key: rest.slice(cut + 1) };
  }

  function points(metrics) {
    return Array.isArray(metrics && metrics.data_points) ? metrics.data_points : [];
  }

  function healthPoints(metrics) {
    const scores = new Map();
    for (const p of points(metrics)) {
      const m = moduleMetric(p.name);
      if (m && m.key === 'health_score' && isNum(p.value) && !scores.has(m.id)) scores.set(m.id, p.value);
    }
    return scores;
  }

  function labelOf(point, key) {
    return point.labels && typeof point.labels[key] === 'string' ? point.labels[key] : '';
  }

  async function getJSON(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', signal: controller.signal });
    } catch (err) {
      throw new Error(err && err.name === 'AbortError' ? url + ' timed out' : url + ' is unreachable');
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw new Error(url + ' answered HTTP ' + response.status);
    try {
      return await response.json();
    } catch (err) {
      throw new Error(url + ' returned invalid JSON');
    }
  }

  /** Fetch the named endpoints in parallel; any failure fails the whole set. */
  async function fetchAll(keys) {
    const values = await Promise.all(keys.map((key) => getJSON(ENDPOINTS[key])));
    return Object.fromEntries(keys.map((key, i) => [key, values[i]]));
  }

  function audienceOf(data) {
    return (data.config && data.config.audience) || (data.status && data.status.audience) || 'user-only';
  }

  // ---------------------------------------------------------------- page rendering

  const SOURCES = {
    live: {
      badge: 'Live',
      title: null,
    },
    seeded: {
      badge: 'Demo data',
      title: 'Demo data — run an analysis to see your project.',
      text: () => ['Every number below comes from a built-in sample, not from your code. Run ',
        code('chaffra health .'), ' in your project and this page switches to live data.'],
    },
    empty: {
      badge: 'No data',
      title: 'No telemetry yet.',
      text: () => ['Run ', code('chaffra health .'), ' in your project, or start with ', code('--seeded'),
        ' for demo data. New runs appear here automatically.'],
    },
    off: {
      badge: 'Telemetry off',
      title: 'Telemetry is off.',
      text: () => ['This server runs with the ', code('off'), ' audience: it collects and serves no telemetry.'],
    },
  };

  function renderSource(status, audience) {
    const key = audience === 'off' ? 'off' : (SOURCES[status.source] ? status.source : 'empty');
    const source = SOURCES[key];
    const badge = byId('source-badge');
    badge.textContent = source.badge;
    badge.dataset.source = key;
    document.body.dataset.source = key;
    byId('audience-value').textContent = audience;

    const banner = byId('source-banner');
    banner.dataset.source = key;
    banner.hidden = !source.title;
    if (source.title) {
      byId('source-banner-title').textContent = source.title;
      byId('source-banner-text').replaceChildren(appendAll(document.createDocumentFragment(), source.text()));
    }
  }

  function setCard(id, text, cardTone) {
    const node = byId(id);
    node.textContent = text;
    if (cardTone) node.className = 'card-value tone-' + cardTone;
  }

  function renderCards(data, audience) {
    const withheldUser = audience === 'operator-only';
    const scores = healthPoints(data.metrics);
    const score = isNum(data.health.score) ? data.health.score : null;
    const grade = typeof data.health.grade === 'string' ? data.health.grade : '—';
    setCard('health-score', score === null ? '—' : score.toFixed(1), tone(score));
    const gradeNode = byId('health-grade');
    gradeNode.textContent = grade;
    gradeNode.dataset.grade = grade;
    byId('health-note').textContent = withheldUser ? WITHHELD_USER
      : scores.size ? 'Average of ' + plural(scores.size, 'module score') : 'No health scores yet';

    const summary = data.summary;
    const modules = Array.isArray(data.modules.modules) ? data.modules.modules : [];
    setCard('total-findings', withheldUser ? '—' : fmtCount(summary.total));
    const note = byId('findings-note');
    const severities = sortSeverities(Object.keys(summary.by_severity || {}));
    if (withheldUser) note.replaceChildren(WITHHELD_USER);
    else if (!severities.length) note.replaceChildren(summary.total ? 'No severity breakdown' : 'No findings reported');
    else {
      note.replaceChildren(...severities.map((sev) => h('span', { class: 'sev-chip' },
        dot(severityKind(sev)), fmtCount(summary.by_severity[sev]) + ' ' + sev)));
    }

    setCard('files-analyzed', withheldUser ? '—' : fmtCount(data.metrics.files_total));
    byId('files-note').textContent = withheldUser ? WITHHELD_USER
      : modules.length ? 'Checked by ' + plural(modules.length, 'module') : 'In the latest analysis run';

    setCard('analysis-duration', withheldUser ? '—' : fmtMs(data.metrics.analysis_duration_ms));
    const timed = modules.filter((m) => isNum(m.duration_ms) && m.duration_ms > 0);
    const slowest = timed.sort((a, b) => b.duration_ms - a.duration_ms)[0];
    byId('duration-note').textContent = withheldUser ? WITHHELD_USER
      : slowest ? 'Slowest module: ' + slowest.id + ' (' + fmtMs(slowest.duration_ms) + ')' : 'Wall time of the latest run';
  }

  function statusDot(status) {
    return status === 'healthy' ? 'good' : status === 'error' ? 'bad' : 'muted';
  }

  function renderModules(modules, operator) {
    const body = byId('modules-body');
    if (!modules.length) {
      body.replaceChildren(h('tr', null, h('td', { class: 'empty-row', colspan: 4 }, 'No modules loaded')));
      return;
    }
    body.replaceChildren(...modules.map((m) => {
      const withheld = !operator || !isNum(m.duration_ms);
      return h('tr', { 'data-testid': 'module-row', 'data-module': String(m.id) },
        h('td', { class: 'mono' }, String(m.id)),
        h('td', null, h('span', { class: 'status' }, dot(statusDot(m.status)), String(m.status))),
        h('td', { class: 'num' }, fmtCount(m.finding_count)),
        h('td', { class: 'num', title: withheld ? WITHHELD_OPERATOR : null }, withheld ? '—' : fmtMs(m.duration_ms)));
    }));
  }

  function renderBackends(backends, operator) {
    const body = byId('backends-body');
    const note = (text) => h('tr', null, h('td', { class: 'empty-row', colspan: 4 }, text));
    if (!operator) body.replaceChildren(note(WITHHELD_OPERATOR));
    else if (!backends.length) body.replaceChildren(note('No backends configured'));
    else {
      body.replaceChildren(...backends.map((b) => h('tr', { 'data-testid': 'backend-row' },
        h('td', { class: 'mono' }, String(b.name)),
        h('td', null, String(b.kind)),
        h('td', null, h('span', { class: 'status' }, dot(b.connected ? 'good' : 'bad'), b.connected ? 'Connected' : 'Disconnected')),
        h('td', { class: 'wrap' }, String(b.message || '')))));
    }
  }

  function renderChurn(churn, audience) {
    const withheld = audience === 'operator-only';
    byId('churn-new').textContent = withheld ? '—' : fmtCount(churn.new_count);
    byId('churn-resolved').textContent = withheld ? '—' : fmtCount(churn.resolved_count);
    byId('churn-unchanged').textContent = withheld ? '—' : fmtCount(churn.unchanged_count);
    byId('churn-rate').textContent = withheld ? WITHHELD_USER : 'Churn rate ' + fmtPct(churn.churn_rate);
  }

  function samplingText(config) {
    if (!isNum(config.sampling_rate)) return 'withheld (operator audience only)';
    const rate = Number.isInteger(config.sampling_rate) ? config.sampling_rate.toFixed(1) : String(config.sampling_rate);
    return rate + ' (' + String(config.sampling_strategy || '—') + ')';
  }

  function renderConfig(config) {
    byId('config-audience').textContent = String(config.audience || '—');
    const sampling = byId('config-sampling');
    sampling.textContent = samplingText(config);
    sampling.classList.toggle('withheld', !isNum(config.sampling_rate));
    const kinds = Array.isArray(config.backends) ? config.backends.map(String) : [];
    byId('config-backends').textContent = kinds.length ? kinds.join(', ') : '—';
  }

  function renderFooter(status) {
    const parts = ['Refreshed ' + timeFormat.format(new Date())];
    if (isNum(status.newest_timestamp_ms)) parts.push('newest run ' + fmtWhen(status.newest_timestamp_ms));
    if (isNum(status.snapshot_count)) parts.push(plural(status.snapshot_count, 'snapshot') + ' stored');
    byId('footer-updated').textContent = parts.join(' · ');
  }

  function render(data) {
    const audience = audienceOf(data);
    const operator = OPERATOR_AUDIENCES.has(audience);
    renderSource(data.status, audience);
    renderCards(data, audience);
    renderModules(Array.isArray(data.modules.modules) ? data.modules.modules : [], operator);
    renderBackends(Array.isArray(data.metrics.backends) ? data.metrics.backends : [], operator);
    renderChurn(data.churn, audience);
    renderConfig(data.config);
    renderCharts(data);
    renderFooter(data.status);
  }

  // ---------------------------------------------------------------- charts

  /** One entry per history snapshot (oldest first) with what the charts plot. */
  function historyRuns(history) {
    const snapshots = Array.isArray(history && history.snapshots) ? history.snapshots : [];
    return snapshots.map((snap) => {
      const run = { ts: snap.timestamp_ms, health: new Map(), durations: new Map(), severity: {}, churnNew: null, churnResolved: null };
      for (const p of Array.isArray(snap.data_points) ? snap.data_points : []) {
        if (!isNum(p.value)) continue;
        const m = moduleMetric(p.name);
        if (m && m.key === 'health_score') {
          if (!run.health.has(m.id)) run.health.set(m.id, p.value);
        } else if (p.name === 'chaffra.module.call_duration_ms' && labelOf(p, 'module')) {
          if (!run.durations.has(labelOf(p, 'module'))) run.durations.set(labelOf(p, 'module'), p.value);
        } else if (p.name === 'chaffra.findings.new' && run.churnNew === null) run.churnNew = p.value;
        else if (p.name === 'chaffra.findings.resolved' && run.churnResolved === null) run.churnResolved = p.value;
      }
      const user = snap.user_summary || {};
      for (const [id, summary] of Object.entries(user.module_summaries || {})) {
        const score = summary && summary.metrics && summary.metrics.health_score;
        if (isNum(score) && !run.health.has(id)) run.health.set(id, score);
      }
      const operator = snap.operator_summary || {};
      for (const [id, ms] of Object.entries(operator.module_call_durations || {})) {
        if (isNum(ms) && !run.durations.has(id)) run.durations.set(id, ms);
      }
      for (const [sev, n] of Object.entries(user.findings_by_severity || {})) if (isNum(n)) run.severity[sev] = n;
      const scores = [...run.health.values()];
      run.average = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
      return run;
    });
  }

  /** A "nice" axis: ticks at 1/2/2.5/5 × 10^k covering max. */
  function niceAxis(max, integer) {
    const top = max > 0 ? max : 1;
    const raw = top / 4;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw);
    if (integer) step = Math.max(1, Math.ceil(step));
    const end = Math.ceil(top / step) * step;
    const ticks = [];
    for (let v = 0; v <= end + step / 2; v += step) ticks.push(v);
    return { max: end, ticks };
  }

  function tickText(value) {
    if (value >= 1000) return (value / 1000).toFixed(value % 1000 ? 1 : 0) + 'k';
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  function geometry(body, n) {
    const width = Math.round(Math.max(280, Math.min(900, body.clientWidth || 560)));
    const compact = width < 460;
    const height = compact ? 190 : 220;
    const m = { top: 12, right: 10, bottom: 36, left: 40 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const band = plotW / Math.max(1, n);
    return {
      width, height, compact, m, plotW, plotH, band,
      x: (i) => m.left + band * (i + 0.5),
    };
  }

  /** The frame every chart shares: grid, y ticks, date ticks, hover slots with tooltips. */
  function drawFrame(root, geo, axis, runs, tooltip) {
    const y = (v) => geo.m.top + geo.plotH * (1 - v / axis.max);
    const grid = svg('g', { class: 'grid' });
    for (const t of axis.ticks) {
      grid.appendChild(svg('line', { x1: geo.m.left, x2: geo.width - geo.m.right, y1: y(t), y2: y(t) }));
      grid.appendChild(svg('text', { x: geo.m.left - 6, y: y(t), dy: '0.32em', class: 'tick y-tick' }, tickText(t)));
    }
    root.appendChild(grid);

    const xTicks = svg('g', { class: 'x-axis' });
    // Evenly spaced date ticks, always ending at the newest run.
    const last = runs.length - 1;
    const step = Math.max(1, Math.ceil(last / ((geo.compact ? 3 : 5) - 1)));
    const picked = new Set();
    for (let i = 0; i <= last; i += step) if (i === 0 || last - i >= step * 0.6) picked.add(i);
    picked.add(last);
    for (const i of picked) {
      const date = new Date(runs[i].ts);
      const anchor = picked.size > 1 && i === 0 ? 'start' : picked.size > 1 && i === runs.length - 1 ? 'end' : 'middle';
      const x = anchor === 'start' ? Math.max(geo.m.left, geo.x(i) - geo.band / 2) : anchor === 'end'
        ? Math.min(geo.width - geo.m.right, geo.x(i) + geo.band / 2) : geo.x(i);
      xTicks.appendChild(svg('text', { x, y: geo.height - 20, 'text-anchor': anchor, class: 'tick x-tick' },
        svg('tspan', { x, dy: 0 }, dayFormat.format(date)),
        svg('tspan', { x, dy: '1.15em', class: 'tick-sub' }, timeFormat.format(date))));
    }
    root.appendChild(xTicks);
    root.appendChild(svg('line', {
      class: 'baseline', x1: geo.m.left, x2: geo.width - geo.m.right, y1: y(0), y2: y(0),
    }));
    return {
      y,
      slots: () => {
        const slots = svg('g', { class: 'slots' });
        runs.forEach((run, i) => {
          slots.appendChild(svg('rect', {
            class: 'hover-slot', x: geo.m.left + geo.band * i, y: geo.m.top, width: geo.band, height: geo.plotH,
          }, svg('title', null, fmtWhen(run.ts) + '\n' + tooltip(run))));
        });
        root.appendChild(slots);
      },
    };
  }

  function chartPlaceholder(fig, state, text) {
    fig.dataset.state = state;
    fig.dataset.runs = '0';
    fig.querySelector('.chart-body').replaceChildren(h('div', { class: 'chart-empty' }, text));
    fig.querySelector('.legend').replaceChildren();
  }

  function drawChart(fig, runs, options) {
    const body = fig.querySelector('.chart-body');
    const geo = geometry(body, runs.length);
    const root = svg('svg', {
      viewBox: '0 0 ' + geo.width + ' ' + geo.height, role: 'img', 'aria-label': options.label,
      preserveAspectRatio: 'xMidYMid meet', class: 'chart-svg',
    });
    const frame = drawFrame(root, geo, options.axis, runs, options.tooltip);
    options.draw(root, geo, frame.y);
    frame.slots();
    fig.dataset.state = 'ready';
    fig.dataset.runs = String(runs.length);
    body.replaceChildren(root);
    fig.querySelector('.legend').replaceChildren(...options.legend.map((item) =>
      h('span', { class: 'legend-item ' + item.cls }, h('span', { class: 'swatch' + (item.line ? ' swatch-line' : '') }), item.label)));
  }

  function drawLines(root, geo, y, series, runs) {
    for (const s of series) {
      const g = svg('g', { class: 'series ' + s.cls, 'data-series': s.key });
      let d = '';
      let pen = false;
      runs.forEach((run, i) => {
        const v = s.value(run);
        if (!isNum(v)) { pen = false; return; }
        d += (pen ? 'L' : 'M') + geo.x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      });
      if (d) g.appendChild(svg('path', { class: 'line' + (s.dashed ? ' line-dashed' : ''), d }));
      if (runs.length <= 60) {
        runs.forEach((run, i) => {
          const v = s.value(run);
          if (isNum(v)) g.appendChild(svg('circle', { class: 'point', cx: geo.x(i).toFixed(1), cy: y(v).toFixed(1), r: runs.length <= 3 ? 4.5 : geo.compact ? 2.5 : 3 }));
        });
      }
      root.appendChild(g);
    }
  }

  function moduleColors(runs) {
    const ids = new Set();
    for (const run of runs) {
      for (const id of run.health.keys()) ids.add(id);
      for (const id of run.durations.keys()) ids.add(id);
    }
    const sorted = [...ids].sort();
    return new Map(sorted.map((id, i) => [id, 'series-' + (i % 8)]));
  }

  function drawHealthChart(fig, runs, colors) {
    const ids = [...new Set(runs.flatMap((r) => [...r.health.keys()]))].sort();
    if (!ids.length) return chartPlaceholder(fig, 'empty', 'No health scores in this window yet.');
    const latest = runs[runs.length - 1];
    const lowest = [...latest.health.entries()].sort((a, b) => a[1] - b[1])[0];
    const series = ids.map((id) => ({ key: id, label: id, cls: colors.get(id), value: (r) => r.health.get(id) }));
    series.push({ key: 'average', label: 'Average', cls: 'series-avg', dashed: true, value: (r) => r.average });
    drawChart(fig, runs, {
      axis: { max: 100, ticks: [0, 25, 50, 75, 100] },
      label: 'Line chart of health score over ' + plural(runs.length, 'run') + ' for ' + plural(ids.length, 'module')
        + '. Latest average ' + (isNum(latest.average) ? latest.average.toFixed(1) : 'unknown')
        + (lowest ? '; lowest ' + lowest[0] + ' at ' + lowest[1].toFixed(1) : '') + '.',
      tooltip: (run) => [...ids.filter((id) => run.health.has(id)).map((id) => id + ': ' + run.health.get(id).toFixed(1)),
        'average: ' + (isNum(run.average) ? run.average.toFixed(1) : '—')].join('\n'),
      draw: (root, geo, y) => drawLines(root, geo, y, series, runs),
      legend: series.map((s) => ({ label: s.label, cls: s.cls, line: true })),
    });
  }

  function drawSeverityChart(fig, runs) {
    const severities = sortSeverities([...new Set(runs.flatMap((r) => Object.keys(r.severity)))]);
    const total = (r) => Object.values(r.severity).reduce((a, b) => a + b, 0);
    const max = Math.max(0, ...runs.map(total));
    if (!severities.length) return chartPlaceholder(fig, 'empty', 'No findings by severity in this window yet.');
    const latest = runs[runs.length - 1];
    drawChart(fig, runs, {
      axis: niceAxis(max, true),
      label: 'Stacked bar chart of findings by severity over ' + plural(runs.length, 'run') + '. Latest run: '
        + severities.map((s) => fmtCount(latest.severity[s] || 0) + ' ' + s).join(', ') + '.',
      tooltip: (run) => severities.map((s) => s + ': ' + fmtCount(run.severity[s] || 0)).join('\n') + '\ntotal: ' + fmtCount(total(run)),
      draw: (root, geo, y) => {
        const width = Math.max(1, Math.min(28, geo.band * 0.62));
        runs.forEach((run, i) => {
          const stack = svg('g', { class: 'bar-stack' });
          let base = 0;
          for (const sev of severities) {
            const n = run.severity[sev] || 0;
            if (n <= 0) continue;
            stack.appendChild(svg('rect', {
              class: 'sev sev-' + severityKind(sev), x: (geo.x(i) - width / 2).toFixed(1), width: width.toFixed(1),
              y: y(base + n).toFixed(1), height: Math.max(0, y(base) - y(base + n)).toFixed(1),
            }));
            base += n;
          }
          root.appendChild(stack);
        });
      },
      legend: severities.map((s) => ({ label: s, cls: 'sev-' + severityKind(s) })),
    });
  }

  function drawChurnChart(fig, runs) {
    const has = runs.some((r) => r.churnNew !== null || r.churnResolved !== null);
    if (!has) return chartPlaceholder(fig, 'empty', 'No churn yet: it needs two runs of the same project.');
    const max = Math.max(0, ...runs.map((r) => Math.max(r.churnNew || 0, r.churnResolved || 0)));
    const latest = runs[runs.length - 1];
    drawChart(fig, runs, {
      axis: niceAxis(max, true),
      label: 'Grouped bar chart of new and resolved findings per run over ' + plural(runs.length, 'run')
        + '. Latest run: ' + fmtCount(latest.churnNew || 0) + ' new, ' + fmtCount(latest.churnResolved || 0) + ' resolved.',
      tooltip: (run) => 'new: ' + fmtCount(run.churnNew) + '\nresolved: ' + fmtCount(run.churnResolved),
      draw: (root, geo, y) => {
        const width = Math.max(1, Math.min(14, geo.band * 0.32));
        runs.forEach((run, i) => {
          const group = svg('g', { class: 'bar-group' });
          [['new', run.churnNew, -1], ['resolved', run.churnResolved, 0]].forEach(([kind, v, offset]) => {
            if (!isNum(v) || v <= 0) return;
            group.appendChild(svg('rect', {
              class: 'churn-bar churn-' + kind, x: (geo.x(i) + offset * width).toFixed(1), width: width.toFixed(1),
              y: y(v).toFixed(1), height: Math.max(0, y(0) - y(v)).toFixed(1),
            }));
          });
          root.appendChild(group);
        });
      },
      legend: [{ label: 'New', cls: 'churn-new' }, { label: 'Resolved', cls: 'churn-resolved' }],
    });
  }

  function drawDurationChart(fig, runs, colors, operator) {
    if (!operator) return chartPlaceholder(fig, 'withheld', WITHHELD_OPERATOR + ': per-module call timing is operator data.');
    const ids = [...new Set(runs.flatMap((r) => [...r.durations.keys()]))].sort();
    if (!ids.length) return chartPlaceholder(fig, 'empty', 'No module timings in this window yet.');
    const max = Math.max(0, ...runs.flatMap((r) => [...r.durations.values()]));
    const latest = runs[runs.length - 1];
    const series = ids.map((id) => ({ key: id, label: id, cls: colors.get(id), value: (r) => r.durations.get(id) }));
    drawChart(fig, runs, {
      axis: niceAxis(max, true),
      label: 'Line chart of module call duration in milliseconds over ' + plural(runs.length, 'run') + '. Latest run: '
        + ids.filter((id) => latest.durations.has(id)).map((id) => id + ' ' + fmtMs(latest.durations.get(id))).join(', ') + '.',
      tooltip: (run) => ids.filter((id) => run.durations.has(id)).map((id) => id + ': ' + fmtMs(run.durations.get(id))).join('\n'),
      draw: (root, geo, y) => drawLines(root, geo, y, series, runs),
      legend: series.map((s) => ({ label: s.label, cls: s.cls, line: true })),
    });
  }

  function renderCharts(data) {
    const audience = audienceOf(data);
    const runs = historyRuns(data.history).filter((r) => isNum(r.ts));
    const figures = ['chart-health', 'chart-severity', 'chart-churn', 'chart-durations'].map(byId);
    byId('trends-note').textContent = runs.length
      ? plural(runs.length, 'run') + ' in the 7 days up to the newest run' : 'Last 7 days of analysis runs';
    if (!runs.length) {
      const text = audience === 'off' ? 'Telemetry is off.' : 'No history yet. Charts fill in as analysis runs arrive.';
      figures.forEach((fig) => chartPlaceholder(fig, 'empty', text));
      if (!OPERATOR_AUDIENCES.has(audience) && audience !== 'off') {
        chartPlaceholder(figures[3], 'withheld', WITHHELD_OPERATOR + ': per-module call timing is operator data.');
      }
      return;
    }
    const colors = moduleColors(runs);
    if (audience === 'operator-only') {
      figures.slice(0, 3).forEach((fig) => chartPlaceholder(fig, 'withheld', WITHHELD_USER + ': findings and health are user data.'));
    } else {
      drawHealthChart(figures[0], runs, colors);
      drawSeverityChart(figures[1], runs);
      drawChurnChart(figures[2], runs);
    }
    drawDurationChart(figures[3], runs, colors, OPERATOR_AUDIENCES.has(audience));
  }

  // ---------------------------------------------------------------- detail panel

  function insight(text) {
    return h('p', { class: 'insight' }, text);
  }

  function section(title, ...children) {
    return h('section', { class: 'detail-section' }, h('h3', null, title), children);
  }

  function stat(label, value, extra) {
    return h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value), extra || null);
  }

  function rawJson(data) {
    return h('details', { class: 'raw-json' }, h('summary', null, 'Raw JSON'),
      h('pre', null, JSON.stringify(data, null, 2)));
  }

  function moduleIndex(data) {
    const list = Array.isArray(data.modules && data.modules.modules) ? data.modules.modules : [];
    return new Map(list.map((m) => [String(m.id), m]));
  }

  function healthDetail(data) {
    const operator = OPERATOR_AUDIENCES.has(audienceOf(data));
    const score = isNum(data.health.score) ? data.health.score : null;
    const modules = moduleIndex(data);
    const scores = [...healthPoints(data.metrics).entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    const out = [h('div', { class: 'stats' },
      stat('Aggregate score', score === null ? '—' : score.toFixed(1)),
      stat('Grade', h('span', { class: 'grade', 'data-grade': String(data.health.grade) }, String(data.health.grade))))];
    if (!scores.length) {
      out.push(insight('The latest snapshot has no per-module health scores.'));
    } else {
      const avg = scores.reduce((a, [, v]) => a + v, 0) / scores.length;
      const [lowId, lowScore] = scores[0];
      out.push(insight(lowId + ' is the lowest contributor at ' + lowScore.toFixed(1) + ', '
        + (avg - lowScore).toFixed(1) + ' points below the average of ' + avg.toFixed(1) + '.'));
      out.push(section('Modules, worst first', table(['Module', 'Score', 'Findings', 'Duration', 'Status'],
        scores.map(([id, v]) => {
          const m = modules.get(id) || {};
          return [h('span', { class: 'mono' }, id),
            h('span', { class: 'score-cell' }, bar(v / 100, tone(v)), v.toFixed(1)),
            fmtCount(m.finding_count), operator ? fmtMs(m.duration_ms) : '—',
            h('span', { class: 'status' }, dot(statusDot(m.status)), String(m.status || 'unknown'))];
        }), { numeric: [2, 3] })));
    }
    const errors = points(data.metrics).filter((p) => p.name === 'chaffra.module.error_total' && isNum(p.value));
    if (errors.length) {
      out.push(section('Module errors', table(['Module', 'Errors'],
        errors.map((p) => [h('span', { class: 'mono' }, labelOf(p, 'module') || '—'), fmtCount(p.value)]), { numeric: [1] })));
    }
    return out;
  }

  function findingsDetail(data) {
    const summary = data.summary;
    const total = isNum(summary.total) ? summary.total : 0;
    const bySeverity = summary.by_severity || {};
    const severities = sortSeverities(Object.keys(bySeverity));
    const out = [h('div', { class: 'stats' }, stat('Total findings', fmtCount(total)),
      stat('Modules with findings', fmtCount(Object.values(summary.by_module || {}).filter((n) => n > 0).length)))];
    out.push(section('By severity', severities.length
      ? h('div', { class: 'breakdown' }, severities.map((sev) => h('div', { class: 'breakdown-row' },
        h('span', { class: 'breakdown-label' }, dot(severityKind(sev)), sev),
        bar(total ? bySeverity[sev] / total : 0, severityKind(sev)),
        h('span', { class: 'num' }, fmtCount(bySeverity[sev]) + ' · ' + fmtPct(total ? bySeverity[sev] / total : 0, 0)))))
      : h('p', { class: 'muted' }, 'No severity breakdown.')));

    const matrix = new Map();
    for (const p of points(data.metrics)) {
      if (p.name !== 'chaffra.analysis.findings_by_severity' || !isNum(p.value)) continue;
      const id = labelOf(p, 'module') || '—';
      if (!matrix.has(id)) matrix.set(id, {});
      const row = matrix.get(id);
      const sev = labelOf(p, 'severity') || 'unknown';
      row[sev] = (row[sev] || 0) + p.value;
    }
    const modules = moduleIndex(data);
    const operator = OPERATOR_AUDIENCES.has(audienceOf(data));
    if (matrix.size) {
      const cols = sortSeverities([...new Set([...matrix.values()].flatMap((r) => Object.keys(r)))]);
      const rows = [...matrix.entries()].map(([id, r]) => ({ id, r, total: cols.reduce((a, c) => a + (r[c] || 0), 0) }))
        .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id));
      const top = rows[0];
      const commonest = cols.slice().sort((a, b) => (top.r[b] || 0) - (top.r[a] || 0))[0];
      out.push(insight(top.id + ' has the most findings (' + fmtCount(top.total) + '), mostly ' + commonest + '.'));
      const body = rows.map(({ id, r, total: t }) => [h('span', { class: 'mono' }, id), ...cols.map((c) => fmtCount(r[c] || 0)),
        h('strong', null, fmtCount(t)), operator ? fmtMs((modules.get(id) || {}).duration_ms) : '—']);
      body.push([h('strong', null, 'Total'), ...cols.map((c) => h('strong', null, fmtCount(rows.reduce((a, x) => a + (x.r[c] || 0), 0)))),
        h('strong', null, fmtCount(rows.reduce((a, x) => a + x.total, 0))), '']);
      out.push(section('Module × severity', table(['Module', ...cols, 'Total', 'Duration'], body,
        { numeric: cols.map((_, i) => i + 1).concat([cols.length + 1, cols.length + 2]) })));
    } else {
      const byModule = Object.entries(summary.by_module || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      out.push(section('By module', table(['Module', 'Findings'],
        byModule.map(([id, n]) => [h('span', { class: 'mono' }, id), fmtCount(n)]), { numeric: [1], empty: 'No findings.' })));
    }
    return out;
  }

  function modulesDetail(data) {
    const operator = OPERATOR_AUDIENCES.has(audienceOf(data));
    const list = [...moduleIndex(data).values()];
    const totalMs = list.reduce((a, m) => a + (isNum(m.duration_ms) ? m.duration_ms : 0), 0);
    const sorted = list.slice().sort((a, b) => (b.duration_ms || 0) - (a.duration_ms || 0) || String(a.id).localeCompare(String(b.id)));
    const out = [];
    const failing = list.filter((m) => m.status === 'error').map((m) => String(m.id));
    out.push(insight(!operator ? 'Module errors and timing are visible to operator audiences only.'
      : failing.length ? 'In error: ' + failing.join(', ') + '.' : list.length ? 'No module reported errors.' : 'No modules loaded.'));
    out.push(section('Performance', table(['Module', 'Status', 'Duration', 'Share', 'Findings', 'Findings/s'],
      sorted.map((m) => {
        const timed = operator && isNum(m.duration_ms);
        const share = timed && totalMs > 0 ? m.duration_ms / totalMs : null;
        const perSecond = timed && m.duration_ms > 0 && isNum(m.finding_count) ? (m.finding_count / (m.duration_ms / 1000)).toFixed(1) : '—';
        return [h('span', { class: 'mono' }, String(m.id)), h('span', { class: 'status' }, dot(statusDot(m.status)), String(m.status)),
          timed ? fmtMs(m.duration_ms) : '—',
          share === null ? '—' : h('span', { class: 'score-cell' }, bar(share, 'accent'), fmtPct(share, 0)),
          fmtCount(m.finding_count), perSecond];
      }), { numeric: [2, 4, 5], empty: 'No modules loaded' })));

    const grouped = new Map();
    for (const p of points(data.metrics)) {
      const m = moduleMetric(p.name);
      if (!m) continue;
      if (!grouped.has(m.id)) grouped.set(m.id, []);
      grouped.get(m.id).push([m.key, p.value]);
    }
    if (grouped.size) {
      out.push(section('Result metrics', [...grouped.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, rows]) =>
        h('div', { class: 'metric-group' }, h('h4', { class: 'mono' }, id),
          table(['Metric', 'Value'], rows.map(([k, v]) => [h('span', { class: 'mono' }, k), fmtValue(v)]), { numeric: [1] })))));
    }
    out.push(rawJson(data.modules));
    return out;
  }

  function churnDetail(data) {
    const c = data.churn;
    const net = (c.new_count || 0) - (c.resolved_count || 0);
    const trend = net < 0 ? 'Improving' : net === 0 ? 'Stable' : 'Degrading';
    const total = isNum(data.summary.total) ? data.summary.total : 0;
    return [
      h('div', { class: 'stats stats-4' }, stat('New', fmtCount(c.new_count)), stat('Resolved', fmtCount(c.resolved_count)),
        stat('Unchanged', fmtCount(c.unchanged_count)), stat('Churn rate', fmtPct(c.churn_rate))),
      h('div', { class: 'stats' },
        stat('Trend', h('span', { class: 'trend trend-' + trend.toLowerCase(), 'data-testid': 'churn-trend' }, trend)),
        stat('Net change', (net > 0 ? '+' : '') + fmtCount(net)), stat('Current total', fmtCount(total)),
        stat('Churn of total', total ? fmtPct((c.new_count || 0) / total) : '—')),
      insight(fmtCount(c.new_count) + ' new and ' + fmtCount(c.resolved_count) + ' resolved since the previous run: '
        + (net === 0 ? 'the finding count held steady.' : 'the finding count ' + (net > 0 ? 'grew' : 'fell') + ' by '
          + fmtCount(Math.abs(net)) + ' (' + trend.toLowerCase() + ').')),
      rawJson(c),
    ];
  }

  function metricCoverage(data) {
    const coverage = new Map();
    for (const p of points(data.metrics)) {
      const entry = coverage.get(p.name) || { n: 0, keys: new Set() };
      entry.n += 1;
      Object.keys(p.labels || {}).forEach((k) => entry.keys.add(k));
      coverage.set(p.name, entry);
    }
    return coverage;
  }

  function backendsBlock(data) {
    const backends = Array.isArray(data.metrics.backends) ? data.metrics.backends : [];
    if (!OPERATOR_AUDIENCES.has(audienceOf(data))) return h('p', { class: 'muted' }, WITHHELD_OPERATOR);
    return table(['Backend', 'Type', 'Status', 'Message'], backends.map((b) => [h('span', { class: 'mono' }, String(b.name)),
      String(b.kind), h('span', { class: 'status' }, dot(b.connected ? 'good' : 'bad'), b.connected ? 'Connected' : 'Disconnected'),
      String(b.message || '')]), { empty: 'No backends configured' });
  }

  function metricsDetail(data) {
    const coverage = metricCoverage(data);
    const backends = Array.isArray(data.metrics.backends) ? data.metrics.backends : [];
    const operator = OPERATOR_AUDIENCES.has(audienceOf(data));
    const totalPoints = points(data.metrics).length;
    return [
      h('div', { class: 'stats' }, stat('Files analyzed', fmtCount(data.metrics.files_total)),
        stat('Analysis duration', fmtMs(data.metrics.analysis_duration_ms))),
      insight(plural(totalPoints, 'point') + ' across ' + plural(coverage.size, 'metric') + ', '
        + (operator ? backends.filter((b) => b.connected).length + ' of ' + backends.length + ' backends connected.'
          : 'backend status withheld (operator audience only).')),
      section('Backends', backendsBlock(data)),
      section('Metric coverage', table(['Metric', 'Points', 'Label keys'],
        [...coverage.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([name, e]) =>
          [h('span', { class: 'mono wrap' }, name), fmtCount(e.n), [...e.keys].sort().join(', ') || '—']),
        { numeric: [1], empty: 'No metric points in the latest snapshot.' })),
    ];
  }

  function configDetail(data) {
    const cfg = data.config;
    const backends = Array.isArray(data.metrics.backends) ? data.metrics.backends : [];
    const withheld = !isNum(cfg.sampling_rate);
    const out = [
      h('dl', { class: 'config-list' },
        h('div', null, h('dt', null, 'Audience'), h('dd', null, String(cfg.audience || '—'))),
        h('div', null, h('dt', null, 'Sampling rate'), h('dd', null, withheld ? 'withheld (operator audience only)' : String(cfg.sampling_rate))),
        h('div', null, h('dt', null, 'Sampling strategy'), h('dd', null, withheld ? 'withheld (operator audience only)' : String(cfg.sampling_strategy || '—'))),
        h('div', null, h('dt', null, 'Backends'), h('dd', null, (cfg.backends || []).length ? cfg.backends.map(String).join(', ') : '—'))),
      section('Collection summary', h('div', { class: 'stats' },
        stat('Distinct metrics', fmtCount(metricCoverage(data).size)), stat('Total points', fmtCount(points(data.metrics).length)),
        stat('Connected backends', OPERATOR_AUDIENCES.has(audienceOf(data))
          ? backends.filter((b) => b.connected).length + ' / ' + backends.length : '—'))),
    ];
    if (!withheld && cfg.sampling_rate < 1) {
      out.push(insight('Sampling keeps about ' + fmtPct(cfg.sampling_rate, 0) + ' of runs (' + String(cfg.sampling_strategy)
        + '), so some analysis runs never reach this dashboard.'));
    }
    out.push(rawJson(cfg));
    return out;
  }

  const DETAILS = {
    health: { title: 'Health score', needs: ['health', 'modules', 'metrics', 'config'], render: healthDetail },
    findings: { title: 'Findings', needs: ['summary', 'metrics', 'modules', 'config'], render: findingsDetail },
    modules: { title: 'Modules', needs: ['modules', 'metrics', 'config'], render: modulesDetail },
    churn: { title: 'Finding churn', needs: ['churn', 'summary'], render: churnDetail },
    metrics: { title: 'Metrics and backends', needs: ['metrics', 'config'], render: metricsDetail },
    config: { title: 'Configuration', needs: ['config', 'metrics'], render: configDetail },
  };

  const detail = { seq: 0, opener: null };

  async function openDetail(kind, opener) {
    const spec = DETAILS[kind];
    const token = ++detail.seq;
    detail.opener = opener || null;
    byId('detail-title').textContent = spec ? spec.title : 'Details';
    const body = byId('detail-body');
    body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    byId('detail-backdrop').hidden = false;
    byId('detail-panel').hidden = false;
    document.querySelector('main').inert = true;
    document.body.classList.add('detail-open');
    byId('detail-close').focus();
    try {
      const data = await fetchAll(spec ? spec.needs : PAGE_ENDPOINTS);
      if (token !== detail.seq) return;
      body.replaceChildren(...(spec ? spec.render(data) : [h('pre', null, JSON.stringify(data, null, 2))]));
    } catch (err) {
      if (token !== detail.seq) return;
      body.replaceChildren(h('p', { class: 'detail-error', role: 'alert' }, 'Error: ' + err.message));
    }
  }

  function closeDetail() {
    if (byId('detail-panel').hidden) return;
    detail.seq += 1;
    byId('detail-panel').hidden = true;
    byId('detail-backdrop').hidden = true;
    document.querySelector('main').inert = false;
    document.body.classList.remove('detail-open');
    if (detail.opener) detail.opener.focus();
  }

  // ---------------------------------------------------------------- refresh scheduling

  const sched = { running: false, queued: false, stale: false, pollTimer: 0, debounceTimer: 0, streaming: false, charts: 0 };
  let lastData = null;

  function setConnection(state) {
    const badge = byId('connection-badge');
    badge.dataset.state = state;
    badge.textContent = state === 'connected' ? 'Connected' : state === 'disconnected' ? 'Disconnected' : 'Loading...';
  }

  /** Ask for a refresh; never starts a second one while one runs (they chain instead). */
  function requestRefresh() {
    if (document.hidden) { sched.stale = true; return; }
    if (sched.running) { sched.queued = true; return; }
    runRefresh();
  }

  async function runRefresh() {
    sched.running = true;
    sched.stale = false;
    clearTimeout(sched.pollTimer);
    try {
      const data = await fetchAll(PAGE_ENDPOINTS);
      lastData = data;
      render(data);
      setConnection('connected');
      byId('error-banner').hidden = true;
    } catch (err) {
      setConnection('disconnected');
      const banner = byId('error-banner');
      banner.textContent = 'Connection error: ' + err.message;
      banner.hidden = false;
    } finally {
      sched.running = false;
      if (sched.queued) {
        sched.queued = false;
        requestRefresh();
      } else {
        schedulePoll();
      }
    }
  }

  /** Poll only while the event stream is down and the page is visible. */
  function schedulePoll() {
    clearTimeout(sched.pollTimer);
    if (document.hidden || sched.streaming || sched.running) return;
    sched.pollTimer = setTimeout(requestRefresh, POLL_MS);
  }

  function debouncedRefresh() {
    clearTimeout(sched.debounceTimer);
    sched.debounceTimer = setTimeout(requestRefresh, DEBOUNCE_MS);
  }

  function setUpdateMode(mode) {
    const note = byId('footer-note');
    note.dataset.updates = mode;
    note.textContent = mode === 'streaming'
      ? 'Live updates on: new analysis runs appear as they land (falls back to refreshing every 10 s).'
      : 'Live updates unavailable: refreshing every 10 s while this tab is visible.';
  }

  function connectEvents() {
    if (typeof window.EventSource !== 'function') { setUpdateMode('polling'); return; }
    const source = new EventSource('api/v1/events');
    source.addEventListener('open', () => {
      sched.streaming = true;
      setUpdateMode('streaming');
      clearTimeout(sched.pollTimer);
      debouncedRefresh(); // catch up on anything that landed while the stream was down
    });
    source.addEventListener('snapshot', debouncedRefresh);
    source.addEventListener('error', () => {
      // The browser retries on its own; poll until the stream is back.
      sched.streaming = false;
      setUpdateMode('polling');
      schedulePoll();
    });
  }

  function onVisibility() {
    if (document.hidden) {
      clearTimeout(sched.pollTimer);
    } else if (sched.stale || !sched.streaming) {
      requestRefresh();
    }
  }

  function onResize() {
    cancelAnimationFrame(sched.charts);
    sched.charts = requestAnimationFrame(() => { if (lastData) renderCharts(lastData); });
  }

  function init() {
    document.addEventListener('click', (event) => {
      const trigger = event.target instanceof Element ? event.target.closest('[data-detail]') : null;
      if (trigger) openDetail(trigger.getAttribute('data-detail'), trigger);
    });
    byId('detail-close').addEventListener('click', closeDetail);
    byId('detail-backdrop').addEventListener('click', closeDetail);
    document.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeDetail(); });
    document.addEventListener('visibilitychange', onVisibility);
    let lastWidth = 0;
    new ResizeObserver((entries) => {
      const width = Math.round(entries[0].contentRect.width);
      if (Math.abs(width - lastWidth) > 8) { lastWidth = width; onResize(); }
    }).observe(document.querySelector('.charts'));
    setConnection('loading');
    connectEvents();
    requestRefresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
