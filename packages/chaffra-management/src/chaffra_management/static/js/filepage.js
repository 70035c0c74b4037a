/* The file page (#/file/<path>): its score and trend, findings and functions. */

import { NotFound, getJSON, serves, withQuery } from './api.js';
import {
  byId, fmtCount, fmtScore, fmtWhen, gradeBadge, h, isNum, link, noReportText, plural, scrollRegion, severityBadge, symbolText, table,
} from './dom.js';
import { sparkline } from './sparkline.js';

function stat(label, value) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
}

function atLine(line, item) {
  return isNum(line) && (item.line === line || (isNum(item.end_line) && item.line <= line && line <= item.end_line));
}

function findingsBlock(findings, line) {
  const rows = findings.slice().sort((a, b) => a.line - b.line || a.column - b.column);
  return scrollRegion('Findings in this file', h('table', { class: 'data-table stack-on-phone', 'data-testid': 'file-findings' },
    h('thead', null, h('tr', null, ['Line', 'Severity', 'Rule', 'Symbol', 'Message', ''].map((t, i) =>
      h('th', { scope: 'col', class: i === 0 ? 'num' : null }, t)))),
    h('tbody', { 'data-keynav': '' }, rows.length ? rows.map((f) => h('tr', {
      'data-testid': 'file-finding', 'data-line': String(f.line), class: atLine(line, f) ? 'row-target' : null, tabindex: '-1',
    }, h('td', { class: 'num mono' }, f.line + ':' + f.column), h('td', null, severityBadge(f.severity)),
    h('td', null, h('span', { class: 'mono' }, String(f.rule_id))),
    h('td', { class: 'symbol' }, f.symbol ? symbolText(f.symbol) : '—'),
    h('td', { class: 'message' }, String(f.message)), h('td', null, f.new ? h('span', { class: 'new-badge' }, 'new') : '')))
      : h('tr', null, h('td', { class: 'empty-row', colspan: 6 }, 'No findings in this file.')))));
}

function functionsBlock(functions, line) {
  const rows = functions.slice().sort((a, b) => b.cognitive - a.cognitive || a.line - b.line);
  return table(['Function', 'Lines', 'Cognitive', 'Cyclomatic', 'Length', 'Nesting'], rows.map((fn) => ({
    props: { 'data-testid': 'file-function', 'data-line': String(fn.line), class: atLine(line, fn) ? 'row-target' : null, tabindex: '-1' },
    cells: [h('span', { class: 'mono' }, String(fn.name)), fn.line + '–' + fn.end_line, fmtCount(fn.cognitive),
      fmtCount(fn.cyclomatic), fmtCount(fn.lines), fmtCount(fn.max_nesting)],
  })), { numeric: [2, 3, 4, 5], empty: 'No functions in this file.', label: 'Functions in this file', testid: 'file-functions' });
}

function trendBlock(trend, path) {
  const points = Array.isArray(trend) ? trend.filter((t) => t && isNum(t.score)) : [];
  const props = { class: 'file-trend', 'data-testid': 'file-trend', 'data-runs': String(points.length) };
  if (points.length < 2) {
    return h('div', props, h('span', { class: 'panel-note' }, points.length
      ? 'Score trend: one run so far (' + fmtWhen(points[0].timestamp_ms) + '); it grows with each run.'
      : 'No scored runs yet.'));
  }
  const first = points[0];
  const last = points[points.length - 1];
  const delta = last.score - first.score;
  return h('div', props, sparkline(points, 'Score trend of ' + path, { width: 320, height: 60 }),
    h('span', { class: 'panel-note' }, 'Score over ' + plural(points.length, 'run') + ', ' + fmtWhen(first.timestamp_ms)
      + ' → ' + fmtWhen(last.timestamp_ms) + ': ' + (delta === 0 ? 'unchanged' : (delta > 0 ? '+' : '') + delta.toFixed(1))));
}

export async function renderFile(path, params, ctx) {
  const view = byId('view-file');
  const line = Number.parseInt(params.get('line') || '', 10);
  const missing = (text) => view.replaceChildren(h('section', { class: 'panel' },
    h('h1', { class: 'view-title mono path', 'data-testid': 'file-title' }, path),
    h('p', { class: 'muted', 'data-testid': 'file-missing' }, text), link('/', '← Back to the overview')));
  if (!(await serves('file'))) {
    missing('This server serves no run reports.');
    return;
  }
  let body;
  try {
    body = await getJSON(withQuery('api/v1/file', { path }));
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
    const reported = ctx.source === 'live' && ctx.audience !== 'operator-only' && ctx.audience !== 'off';
    missing(reported ? 'This file is not in the latest run report.' : noReportText(ctx));
    return;
  }
  if (!body.run || !body.file) {
    missing(body.run ? 'This file is not in the latest run report.' : noReportText(ctx));
    return;
  }
  const file = body.file;
  const counts = file.findings || {};
  view.replaceChildren(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, link('/', 'Overview'), ' / ',
      link(withQuery('/findings', { file: path }), 'Findings in this file'), ' / ',
      link(withQuery('/functions', { file: path }), 'Functions in this file')),
    h('section', { class: 'panel', 'aria-labelledby': 'file-title' },
      h('div', { class: 'panel-head' }, h('h1', { id: 'file-title', class: 'view-title mono path', 'data-testid': 'file-title' }, path),
        gradeBadge(file.grade, { 'data-testid': 'file-grade' })),
      h('div', { class: 'stats' }, stat('Score', fmtScore(file.score)), stat('Lines', fmtCount(file.lines)),
        stat('Functions', fmtCount(file.functions)),
        stat('Findings', fmtCount((counts.error || 0) + (counts.warning || 0) + (counts.info || 0)))),
      trendBlock(body.trend, path)),
    h('section', { class: 'panel', 'aria-labelledby': 'file-findings-title' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'file-findings-title' }, 'Findings'),
        h('span', { class: 'panel-note' }, plural(counts.error || 0, 'error') + ' · ' + plural(counts.warning || 0, 'warning')
          + ' · ' + fmtCount(counts.info || 0) + ' info')),
      findingsBlock(Array.isArray(body.findings) ? body.findings : [], line)),
    h('section', { class: 'panel', 'aria-labelledby': 'file-functions-title' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'file-functions-title' }, 'Functions, most complex first')),
      functionsBlock(Array.isArray(body.functions) ? body.functions : [], line)));
  view.dataset.state = 'ready';
  const target = view.querySelector('.row-target');
  if (target) {
    target.scrollIntoView({ block: 'nearest' });
    target.focus({ preventScroll: true });
  }
}
