/* "What should I fix first?": why this grade, the treemap and the worst files and functions. */

import { getReportList, withQuery } from './api.js';
import {
  bar, byId, fileRoute, fmtCount, fmtScore, gradeBadge, h, isNum, link, noReportText, pathText, plural, table, tone,
} from './dom.js';
import { sparkline } from './sparkline.js';
import { drawTreemap } from './treemap.js';

const TREEMAP_LIMIT = 500;
const RANKED = 10;
const KIND_LABELS = { function: 'Function', file: 'File', rule: 'Rule' };

function contributorTarget(c) {
  if (c.kind === 'rule' && typeof c.rule_id === 'string') {
    return link(withQuery('/findings', { rule: c.rule_id }), c.rule_id, { class: 'mono' });
  }
  if (typeof c.file === 'string') {
    const text = typeof c.symbol === 'string' && c.symbol ? c.symbol : c.file;
    return h('span', { class: 'target' }, link(fileRoute(c.file), text === c.file ? pathText(text) : text, { class: 'mono' }),
      text !== c.file ? h('span', { class: 'target-file' }, pathText(c.file)) : null);
  }
  return h('span', { class: 'mono' }, String(c.symbol || c.rule_id || '—'));
}

/** The health contributors: what costs the project most, worst first. */
export function renderWhy(health, hasRun) {
  const list = byId('why-list');
  const contributors = Array.isArray(health.contributors) ? health.contributors : [];
  const score = isNum(health.score) ? health.score : null;
  const scoreText = h('span', { class: 'why-score tone-' + tone(score) }, score === null ? 'not graded' : fmtScore(score));
  byId('why-grade').replaceChildren(...(score === null ? [scoreText] : [scoreText, gradeBadge(health.grade)]));
  if (!contributors.length) {
    const text = !hasRun ? 'No analysis run yet.'
      : score === null ? 'Not graded: the run scored no files.'
        : !Array.isArray(health.contributors) ? 'This server reports no contributors.'
          : score >= 100 ? 'Nothing costs this project points.'
            : 'This run names no contributors (health model ' + String(health.model) + ').';
    list.replaceChildren(h('li', { class: 'muted why-empty' }, text));
    return;
  }
  const maxCost = Math.max(...contributors.map((c) => (isNum(c.cost) ? c.cost : 0)), 0.0001);
  list.replaceChildren(...contributors.map((c) => h('li', { class: 'why-item', 'data-testid': 'contributor' },
    h('span', { class: 'why-cost' }, '−' + (isNum(c.cost) ? c.cost.toFixed(1) : '—')),
    bar(isNum(c.cost) ? c.cost / maxCost : 0, 'bad'),
    h('span', { class: 'why-kind kind-' + String(c.kind) }, KIND_LABELS[c.kind] || String(c.kind)),
    contributorTarget(c),
    h('span', { class: 'why-detail' }, String(c.detail || '')))));
}

function findingCounts(counts) {
  const c = counts || {};
  return h('span', { class: 'counts' },
    h('span', { class: 'count count-error', title: 'errors' }, fmtCount(c.error || 0)),
    h('span', { class: 'count count-warning', title: 'warnings' }, fmtCount(c.warning || 0)),
    h('span', { class: 'count count-info', title: 'info' }, fmtCount(c.info || 0)));
}

/** A file as its name (the link) over its directory. */
function fileCell(path) {
  const cut = path.lastIndexOf('/');
  return h('span', { class: 'target' }, link(fileRoute(path), path.slice(cut + 1), { class: 'mono', 'aria-label': path }),
    cut > 0 ? h('span', { class: 'target-file' }, pathText(path.slice(0, cut + 1))) : null);
}

function filesTable(items) {
  return table(['File', 'Grade', 'Lines', 'Findings (E/W/I)', 'Trend'], items.map((f) => ({
    props: { 'data-testid': 'worst-file', 'data-file': f.file },
    cells: [fileCell(f.file),
      h('span', { class: 'grade-cell' }, gradeBadge(f.grade), fmtScore(f.score)),
      fmtCount(f.lines), findingCounts(f.findings),
      sparkline(Array.isArray(f.trend) ? f.trend : [], 'Score trend of ' + f.file)],
  })), { numeric: [2], empty: 'No files in the latest run report.', label: 'Worst files', testid: 'worst-files', cls: 'stack-on-phone' });
}

function functionsTable(items) {
  return table(['Function', 'Cognitive', 'Cyclomatic', 'Lines'], items.map((fn) => ({
    props: { 'data-testid': 'worst-function' },
    cells: [h('span', { class: 'target' }, link(fileRoute(fn.file, fn.line), String(fn.name), { class: 'mono' }),
      h('span', { class: 'target-file' }, pathText(fn.file + ':' + fn.line))),
    fmtCount(fn.cognitive), fmtCount(fn.cyclomatic), fmtCount(fn.lines)],
  })), { numeric: [1, 2, 3], empty: 'No functions in the latest run report.', label: 'Worst functions', testid: 'worst-functions', cls: 'stack-on-phone' });
}

let lastFiles = null;

/** Fetch and draw the hotspots; returns false when this server serves no run reports. */
export async function renderHotspots(ctx) {
  const [treemap, worstFiles, worstFunctions] = await Promise.all([
    getReportList('files', { sort: 'lines', order: 'desc', limit: TREEMAP_LIMIT }),
    getReportList('files', { sort: 'score', limit: RANKED }),
    getReportList('functions', { sort: 'cognitive', order: 'desc', limit: RANKED }),
  ]);
  const panel = byId('hotspots');
  if (!treemap || !worstFiles || !worstFunctions) {
    panel.dataset.state = 'unavailable';
    byId('hotspots-note').textContent = 'This server serves no run reports.';
    byId('treemap').replaceChildren(h('div', { class: 'chart-empty' }, 'Run reports are not available here.'));
    byId('worst').hidden = true;
    return false;
  }
  byId('worst').hidden = !treemap.run;
  panel.dataset.state = treemap.run ? 'ready' : 'empty';
  const shown = treemap.items.length;
  byId('hotspots-note').textContent = !treemap.run ? 'No run report'
    : shown < treemap.total ? 'Largest ' + fmtCount(shown) + ' of ' + plural(treemap.total, 'file') : plural(treemap.total, 'file');
  lastFiles = treemap.items;
  if (!treemap.run) byId('treemap').replaceChildren(h('div', { class: 'chart-empty' }, noReportText(ctx)));
  else if (!shown) byId('treemap').replaceChildren(h('div', { class: 'chart-empty' }, 'No files in the latest run report.'));
  else drawTreemap(byId('treemap'), lastFiles);
  byId('treemap-size-note').textContent = byId('treemap').dataset.sized === 'false'
    ? 'Equal tiles: this report has no line counts' : 'Area: lines of code';
  byId('worst-files').replaceChildren(filesTable(worstFiles.items));
  byId('worst-functions').replaceChildren(functionsTable(worstFunctions.items));
  return true;
}

/** Redraw the treemap for a new width (no refetch). */
export function resizeTreemap() {
  if (lastFiles && lastFiles.length) drawTreemap(byId('treemap'), lastFiles);
}
