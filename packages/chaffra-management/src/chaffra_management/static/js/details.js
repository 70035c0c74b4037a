/* The detail slide-over: each card opens an analysis of the numbers behind it. */

import { ENDPOINTS, fetchAll } from './api.js';
import {
  OPERATOR_AUDIENCES, WITHHELD_OPERATOR, audienceOf, bar, byId, dot, fmtCount, fmtMs, fmtPct, fmtValue, h, insight,
  isNum, plural, severityKind, sortSeverities, table, tone,
} from './dom.js';
import { latestHasChurn, statusDot } from './overview.js';
import { healthPoints, labelOf, moduleMetric, points } from './runs.js';

const PAGE_ENDPOINTS = Object.keys(ENDPOINTS);

// ---------------------------------------------------------------- detail panel

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
  if (!latestHasChurn(data)) {
    return [insight('The latest run did not compare its findings with a previous run, so it has no churn. '
      + 'Only chaffra complexity, dead-code and security runs compare; the Trends chart shows the earlier ones.'), rawJson(c)];
  }
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

export async function openDetail(kind, opener) {
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

export function closeDetail() {
  if (byId('detail-panel').hidden) return;
  detail.seq += 1;
  byId('detail-panel').hidden = true;
  byId('detail-backdrop').hidden = true;
  document.querySelector('main').inert = false;
  document.body.classList.remove('detail-open');
  if (detail.opener) detail.opener.focus();
}

