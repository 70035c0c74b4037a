/* The findings page: filters (module, rule, severity, new), sortable columns, pages of 50. */

import { getReportList } from './api.js';
import { apiParams, go, listPanel, pager, route, sortHeader, unavailable } from './listing.js';
import {
  byId, fileRoute, fmtCount, h, link, noReportText, pathText, scrollRegion, symbolText, severityBadge, sortSeverities,
} from './dom.js';

const BASE = '/findings';
const FILTERS = ['module', 'rule', 'severity', 'new', 'file'];
const SORTS = { severity: ['Severity', true], rule: ['Rule', false], file: ['Location', false] };

function select(name, label, options, current, params) {
  const id = 'filter-' + name;
  const control = h('select', { id, 'data-testid': id, name },
    options.map(([value, text]) => {
      const option = h('option', { value }, text);
      option.selected = value === (current || '');
      return option;
    }));
  control.addEventListener('change', () => go(route(BASE, params, { [name]: control.value })));
  return h('label', { class: 'filter', for: id }, h('span', { class: 'filter-label' }, label), control);
}

function facetOptions(counts, all, order) {
  const keys = Object.keys(counts || {});
  const sorted = order ? order(keys) : keys.sort((a, b) => counts[b] - counts[a] || a.localeCompare(b));
  return [['', all]].concat(sorted.map((k) => [k, k + ' (' + fmtCount(counts[k]) + ')']));
}

function filters(facets, params) {
  const f = facets || {};
  const bar = h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter findings' },
    select('severity', 'Severity', facetOptions(f.severity, 'All severities', sortSeverities), params.get('severity'), params),
    select('module', 'Module', facetOptions(f.module, 'All modules'), params.get('module'), params),
    select('rule', 'Rule', facetOptions(f.rule, 'All rules'), params.get('rule'), params),
    select('new', 'New', [['', 'New and old'], ['true', 'New only'], ['false', 'Not new']], params.get('new'), params));
  if (params.get('file')) {
    bar.appendChild(h('span', { class: 'filter-chip' }, 'File: ', h('span', { class: 'mono' }, params.get('file')), ' ',
      link(route(BASE, params, { file: null }).slice(1), 'clear', { 'aria-label': 'Clear the file filter' })));
  }
  return bar;
}

function findingRow(f) {
  return h('tr', { 'data-testid': 'finding-row', 'data-severity': String(f.severity) },
    h('td', null, severityBadge(f.severity)),
    h('td', null, h('span', { class: 'mono' }, String(f.rule_id))),
    h('td', { class: 'location' }, link(fileRoute(f.file, f.line), pathText(f.file + ':' + f.line), { class: 'mono', 'data-testid': 'finding-location' })),
    h('td', { class: 'symbol' }, f.symbol ? symbolText(f.symbol) : '—'),
    h('td', { class: 'message' }, String(f.message)),
    h('td', null, f.new ? h('span', { class: 'new-badge' }, 'new') : ''));
}

function findingsTable(items, head, empty) {
  return scrollRegion('Findings', h('table', { class: 'data-table findings-table stack-on-phone', 'data-testid': 'findings-table' },
    h('thead', null, h('tr', null, head)),
    h('tbody', { 'data-keynav': '' }, items.length ? items.map(findingRow)
      : h('tr', null, h('td', { class: 'empty-row', colspan: 6 }, empty)))));
}

export async function renderFindings(params, ctx) {
  const view = byId('view-findings');
  const body = await getReportList('findings', apiParams(params, FILTERS));
  if (!body) {
    view.replaceChildren(unavailable('Findings'));
    return;
  }
  const sort = (key) => sortHeader(BASE, key, params, SORTS, 'severity', false);
  const head = [sort('severity'), sort('rule'), sort('file'),
    h('th', { scope: 'col' }, 'Symbol'), h('th', { scope: 'col' }, 'Message'), h('th', { scope: 'col' }, 'New')];
  const filtered = FILTERS.some((k) => params.get(k));
  const empty = !body.run ? noReportText(ctx) : filtered ? 'No finding matches these filters.' : 'No findings. Nothing to fix.';
  view.replaceChildren(listPanel('findings-title', 'Findings', fmtCount(body.total) + (filtered ? ' matching' : ' in the latest run'),
    filters(body.facets, params), findingsTable(body.items, head, empty), pager(BASE, body, params, 'findings-range')));
  view.dataset.state = 'ready';
}
