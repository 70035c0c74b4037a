/* What the list pages share: routes that carry filters, sortable headers and a pager. */

import { fmtCount, h } from './dom.js';

const PAGE = 50;

/** The page's query (filters, sort, order, offset) as the API wants it. */
export function apiParams(params, filters) {
  const out = { limit: PAGE };
  for (const key of filters.concat(['sort', 'order', 'offset'])) if (params.get(key)) out[key] = params.get(key);
  return out;
}

/** `#<base>?...` with `changes` applied; any change but paging goes back to the first page. */
export function route(base, params, changes) {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') next.delete(key);
    else next.set(key, value);
  }
  if (!('offset' in changes)) next.delete('offset');
  const text = next.toString();
  return '#' + base + (text ? '?' + text : '');
}

export function go(hash) {
  if (location.hash !== hash) location.hash = hash;
}

/**
 * A column header that sorts by `key`. `sorts` maps each key to [label, natural order is
 * descending]; the API applies the natural order when no `order` is given.
 */
export function sortHeader(base, key, params, sorts, defaultSort, numeric) {
  const [label, naturalDesc] = sorts[key];
  const active = (params.get('sort') || defaultSort) === key;
  const desc = params.get('order') ? params.get('order') === 'desc' : naturalDesc;
  const button = h('button', { type: 'button', class: 'sort-button', id: 'sort-' + key, 'data-sort': key },
    label, active ? (desc ? ' ▼' : ' ▲') : '');
  button.addEventListener('click', () => go(route(base, params, active
    ? { sort: key, order: desc ? 'asc' : 'desc' } : { sort: key, order: null })));
  return h('th', { scope: 'col', class: numeric ? 'num' : null, 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' }, button);
}

export function pager(base, body, params, testid) {
  const from = body.total ? body.offset + 1 : 0;
  const to = body.offset + body.items.length;
  const prev = h('a', { class: 'btn-page', href: route(base, params, { offset: String(Math.max(0, body.offset - PAGE)) }), 'data-testid': 'page-prev', id: 'page-prev' }, '← Previous');
  const next = h('a', { class: 'btn-page', href: route(base, params, { offset: String(body.offset + PAGE) }), 'data-testid': 'page-next', id: 'page-next' }, 'Next →');
  if (body.offset <= 0) prev.setAttribute('aria-disabled', 'true');
  if (to >= body.total) next.setAttribute('aria-disabled', 'true');
  return h('div', { class: 'pager' }, h('span', { 'data-testid': testid },
    fmtCount(from) + '–' + fmtCount(to) + ' of ' + fmtCount(body.total)), prev, next);
}

/** The page's frame: a titled panel, an optional filter bar, the table and the pager. */
export function listPanel(id, title, note, ...children) {
  return h('section', { class: 'panel', 'aria-labelledby': id },
    h('div', { class: 'panel-head' }, h('h1', { id, class: 'view-title' }, title), h('span', { class: 'panel-note' }, note)),
    children);
}

export function unavailable(title) {
  return h('section', { class: 'panel' }, h('h1', { class: 'view-title' }, title),
    h('p', { class: 'muted' }, 'This server serves no run reports.'));
}
