/* The findings page: filters (module, rule, severity, new), sortable columns, pages of 50. */

import { getReportList } from './api.js';
import {
  byId, fileRoute, fmtCount, h, link, noReportText, pathText, scrollRegion, symbolText, severityBadge, sortSeverities,
} from './dom.js';

const PAGE = 50;
const FILTERS = ['module', 'rule', 'severity', 'new', 'file'];
const SORTS = { severity: 'Severity', rule: 'Rule', file: 'Location' };

/** The page's query (filters, sort, order, offset) as the API wants it. */
function apiParams(params) {
  const out = { limit: PAGE };
  for (const key of FILTERS.concat(['sort', 'order', 'offset'])) if (params.get(key)) out[key] = params.get(key);
  return out;
}

function route(params, changes) {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') next.delete(key);
    else next.set(key, value);
  }
  if (!('offset' in changes)) next.delete('offset');
  const text = next.toString();
  return '#/findings' + (text ? '?' + text : '');
}

function go(hash) {
  if (location.hash !== hash) location.hash = hash;
}

function select(name, label, options, current, params) {
  const id = 'filter-' + name;
  const control = h('select', { id, 'data-testid': id, name },
    options.map(([value, text]) => {
      const option = h('option', { value }, text);
      option.selected = value === (current || '');
      return option;
    }));
  control.addEventListener('change', () => go(route(params, { [name]: control.value })));
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
      link(route(params, { file: null }).slice(1), 'clear', { 'aria-label': 'Clear the file filter' })));
  }
  return bar;
}

// Each sort's natural order, as the API applies it when no `order` is given.
const NATURAL_DESC = { severity: true, rule: false, file: false };

function sortHeader(key, params) {
  const active = (params.get('sort') || 'severity') === key;
  const desc = params.get('order') ? params.get('order') === 'desc' : NATURAL_DESC[key];
  const button = h('button', { type: 'button', class: 'sort-button', id: 'sort-' + key, 'data-sort': key },
    SORTS[key], active ? (desc ? ' ▼' : ' ▲') : '');
  button.addEventListener('click', () => go(route(params, active
    ? { sort: key, order: desc ? 'asc' : 'desc' } : { sort: key, order: null })));
  return h('th', { scope: 'col', 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' }, button);
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

export function findingsTable(items, head, empty) {
  return scrollRegion('Findings', h('table', { class: 'data-table findings-table stack-on-phone', 'data-testid': 'findings-table' },
    h('thead', null, h('tr', null, head)),
    h('tbody', { 'data-keynav': '' }, items.length ? items.map(findingRow)
      : h('tr', null, h('td', { class: 'empty-row', colspan: 6 }, empty)))));
}

function pager(body, params) {
  const from = body.total ? body.offset + 1 : 0;
  const to = body.offset + body.items.length;
  const prev = h('a', { class: 'btn-page', href: route(params, { offset: String(Math.max(0, body.offset - PAGE)) }), 'data-testid': 'page-prev', id: 'page-prev' }, '← Previous');
  const next = h('a', { class: 'btn-page', href: route(params, { offset: String(body.offset + PAGE) }), 'data-testid': 'page-next', id: 'page-next' }, 'Next →');
  if (body.offset <= 0) prev.setAttribute('aria-disabled', 'true');
  if (to >= body.total) next.setAttribute('aria-disabled', 'true');
  return h('div', { class: 'pager' }, h('span', { 'data-testid': 'findings-range' },
    fmtCount(from) + '–' + fmtCount(to) + ' of ' + fmtCount(body.total)), prev, next);
}

export async function renderFindings(params, ctx) {
  const view = byId('view-findings');
  const body = await getReportList('findings', apiParams(params));
  if (!body) {
    view.replaceChildren(h('section', { class: 'panel' }, h('h2', null, 'Findings'),
      h('p', { class: 'muted' }, 'This server serves no run reports.')));
    return;
  }
  const head = [sortHeader('severity', params), sortHeader('rule', params), sortHeader('file', params),
    h('th', { scope: 'col' }, 'Symbol'), h('th', { scope: 'col' }, 'Message'), h('th', { scope: 'col' }, 'New')];
  const filtered = FILTERS.some((k) => params.get(k));
  const empty = !body.run ? noReportText(ctx) : filtered ? 'No finding matches these filters.' : 'No findings. Nothing to fix.';
  view.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'findings-title' },
    h('div', { class: 'panel-head' }, h('h1', { id: 'findings-title', class: 'view-title' }, 'Findings'),
      h('span', { class: 'panel-note' }, fmtCount(body.total) + (filtered ? ' matching' : ' in the latest run'))),
    filters(body.facets, params),
    findingsTable(body.items, head, empty),
    pager(body, params)));
  view.dataset.state = 'ready';
}
