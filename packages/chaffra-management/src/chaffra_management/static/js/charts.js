/* The Trends charts: inline SVG drawn from the history window, one column per run. */

import {
  OPERATOR_AUDIENCES, WITHHELD_OPERATOR, WITHHELD_USER, byId, dayFormat, fmtCount, fmtMs, fmtWhen, h, isNum,
  plural, severityKind, sortSeverities, svg, timeFormat,
} from './dom.js';

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

/** Per-module scores where runs carry them, and the project's score (or their average). */
function drawHealthChart(fig, runs, colors) {
  const ids = [...new Set(runs.flatMap((r) => [...r.health.keys()]))].sort();
  const project = runs.some((r) => isNum(r.project));
  if (!ids.length && !project) return chartPlaceholder(fig, 'empty', 'No health scores in this window yet.');
  const latest = runs[runs.length - 1];
  const lowest = [...latest.health.entries()].sort((a, b) => a[1] - b[1])[0];
  const overall = project
    ? { key: 'project', label: 'Project', cls: 'series-avg', dashed: true, value: (r) => r.project }
    : { key: 'average', label: 'Average', cls: 'series-avg', dashed: true, value: (r) => r.average };
  const series = ids.map((id) => ({ key: id, label: id, cls: colors.get(id), value: (r) => r.health.get(id) }));
  series.push(overall);
  const latestOverall = overall.value(latest);
  drawChart(fig, runs, {
    axis: { max: 100, ticks: [0, 25, 50, 75, 100] },
    label: 'Line chart of health score over ' + plural(runs.length, 'run')
      + (ids.length ? ' for ' + plural(ids.length, 'module') : '') + '. Latest ' + overall.label.toLowerCase() + ' score '
      + (isNum(latestOverall) ? latestOverall.toFixed(1) : 'unknown')
      + (lowest ? '; lowest module ' + lowest[0] + ' at ' + lowest[1].toFixed(1) : '') + '.',
    tooltip: (run) => [...ids.filter((id) => run.health.has(id)).map((id) => id + ': ' + run.health.get(id).toFixed(1)),
      overall.key + ': ' + (isNum(overall.value(run)) ? overall.value(run).toFixed(1) : '—')].join('\n'),
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

function compared(run) {
  return run.churnNew !== null || run.churnResolved !== null;
}

function churnText(run) {
  return compared(run) ? fmtCount(run.churnNew || 0) + ' new, ' + fmtCount(run.churnResolved || 0) + ' resolved'
    : 'no comparison (this run did not compare findings)';
}

/** New and resolved per run; a run that compared nothing gets a grey "—" mark, never a 0 bar. */
function drawChurnChart(fig, runs) {
  if (!runs.some(compared)) {
    return chartPlaceholder(fig, 'empty', 'No churn yet: chaffra complexity, dead-code and security compare each run with the previous one.');
  }
  const max = Math.max(0, ...runs.map((r) => Math.max(r.churnNew || 0, r.churnResolved || 0)));
  const latest = runs[runs.length - 1];
  drawChart(fig, runs, {
    axis: niceAxis(max, true),
    label: 'Grouped bar chart of new and resolved findings per run over ' + plural(runs.length, 'run')
      + '. Latest run: ' + churnText(latest) + '.',
    tooltip: (run) => compared(run) ? 'new: ' + fmtCount(run.churnNew) + '\nresolved: ' + fmtCount(run.churnResolved)
      : 'no comparison in this run',
    draw: (root, geo, y) => {
      const width = Math.max(1, Math.min(14, geo.band * 0.32));
      runs.forEach((run, i) => {
        const group = svg('g', compared(run)
          ? { class: 'bar-group', 'data-new': fmtCount(run.churnNew), 'data-resolved': fmtCount(run.churnResolved) }
          : { class: 'bar-group', 'data-new': '—', 'data-resolved': '—' });
        if (!compared(run)) {
          group.appendChild(svg('text', { class: 'churn-none', x: geo.x(i).toFixed(1), y: (y(0) - 4).toFixed(1), 'text-anchor': 'middle' }, '—'));
        }
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
    legend: [{ label: 'New', cls: 'churn-new' }, { label: 'Resolved', cls: 'churn-resolved' }, { label: '— no comparison', cls: 'churn-none-key' }],
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

export function renderCharts(runs, audience) {
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
