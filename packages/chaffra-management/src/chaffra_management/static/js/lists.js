/* The Files and Functions pages: every row of the newest run report, searchable and sortable. */

import { getReportList } from './api.js';
import {
  byId, fileRoute, fmtCount, fmtScore, gradeBadge, h, link, noReportText, pathText, scrollRegion, symbolText,
} from './dom.js';
import { apiParams, go, listPanel, pager, route, sortHeader, unavailable } from './listing.js';
import { sparkline } from './sparkline.js';

function counts(c) {
  const f = c || {};
  return h('span', { class: 'counts' },
    h('span', { class: 'count count-error', title: 'errors' }, fmtCount(f.error || 0)),
    h('span', { class: 'count count-warning', title: 'warnings' }, fmtCount(f.warning || 0)),
    h('span', { class: 'count count-info', title: 'info' }, fmtCount(f.info || 0)));
}

const LISTS = {
  files: {
    title: 'Files',
    sorts: { score: ['Grade', false], lines: ['Lines', true], findings: ['Findings (E/W/I)', true], file: ['File', false] },
    defaultSort: 'score',
    filters: ['q'],
    columns: [['file', false], ['score', false], ['lines', true], ['Functions', true], ['findings', false], ['Trend', false]],
    row: (f) => [link(fileRoute(f.file), pathText(f.file), { class: 'mono' }),
      h('span', { class: 'grade-cell' }, gradeBadge(f.grade), fmtScore(f.score)), fmtCount(f.lines), fmtCount(f.functions),
      counts(f.findings), sparkline(Array.isArray(f.trend) ? f.trend : [], 'Score trend of ' + f.file)],
    rowProps: (f) => ({ 'data-testid': 'file-row', 'data-file': f.file }),
  },
  functions: {
    title: 'Functions',
    sorts: { cognitive: ['Cognitive', true], cyclomatic: ['Cyclomatic', true], lines: ['Lines', true], file: ['Location', false] },
    defaultSort: 'cognitive',
    filters: ['file'],
    columns: [['Function', false], ['file', false], ['cognitive', true], ['cyclomatic', true], ['lines', true], ['Nesting', true]],
    row: (fn) => [symbolText(fn.name), link(fileRoute(fn.file, fn.line), pathText(fn.file + ':' + fn.line), { class: 'mono' }),
      fmtCount(fn.cognitive), fmtCount(fn.cyclomatic), fmtCount(fn.lines), fmtCount(fn.max_nesting)],
    rowProps: () => ({ 'data-testid': 'function-row' }),
  },
};

function search(base, params) {
  const input = h('input', { type: 'search', id: 'filter-q', 'data-testid': 'filter-q', name: 'q', placeholder: 'Part of a path' });
  input.value = params.get('q') || '';
  input.addEventListener('change', () => go(route(base, params, { q: input.value.trim() })));
  return h('div', { class: 'filters' }, h('label', { class: 'filter', for: 'filter-q' },
    h('span', { class: 'filter-label' }, 'Path contains'), input));
}

function fileChip(base, params) {
  return h('div', { class: 'filters' }, h('span', { class: 'filter-chip' }, 'File: ', h('span', { class: 'mono' }, params.get('file')),
    ' ', link(route(base, params, { file: null }).slice(1), 'clear', { 'aria-label': 'Clear the file filter' })));
}

/** Render the `files` or `functions` list page for the route's query. */
export async function renderList(name, params, ctx) {
  const spec = LISTS[name];
  const base = '/' + name;
  const view = byId('view-' + name);
  const body = await getReportList(name, apiParams(params, spec.filters));
  if (!body) {
    view.replaceChildren(unavailable(spec.title));
    return;
  }
  const head = spec.columns.map(([key, numeric]) => (spec.sorts[key]
    ? sortHeader(base, key, params, spec.sorts, spec.defaultSort, numeric)
    : h('th', { scope: 'col', class: numeric ? 'num' : null }, key)));
  const filtered = spec.filters.some((k) => params.get(k));
  const empty = !body.run ? noReportText(ctx) : filtered ? 'Nothing matches this filter.' : 'The latest run report has none.';
  const numeric = spec.columns.map(([, n], i) => (n ? i : -1)).filter((i) => i >= 0);
  const labels = spec.columns.map(([key]) => (spec.sorts[key] ? spec.sorts[key][0] : key));
  const rows = body.items.map((item) => h('tr', spec.rowProps(item), spec.row(item).map((cell, i) =>
    h('td', { class: numeric.includes(i) ? 'num' : i === 0 ? 'location' : null, 'data-label': i ? labels[i] : null }, cell))));
  const table = scrollRegion(spec.title, h('table', { class: 'data-table stack-on-phone', 'data-testid': name + '-table' },
    h('thead', null, h('tr', null, head)),
    h('tbody', { 'data-keynav': '' }, rows.length ? rows : h('tr', null, h('td', { class: 'empty-row', colspan: head.length }, empty)))));
  view.replaceChildren(listPanel(name + '-title', spec.title, fmtCount(body.total) + (filtered ? ' matching' : ' in the latest run'),
    name === 'files' ? search(base, params) : params.get('file') ? fileChip(base, params) : null,
    table, pager(base, body, params, name + '-range')));
  view.dataset.state = 'ready';
}
