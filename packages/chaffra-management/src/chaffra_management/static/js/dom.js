/*
 * DOM building and formatting shared by every view.
 *
 * Security rule (spec §9): every string that came from the API becomes a text
 * node or an attribute value, never markup. Nothing here parses HTML.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

const SEVERITY_ORDER = ['error', 'warning', 'info'];
export const WITHHELD_OPERATOR = 'Withheld (operator audience only)';
export const WITHHELD_USER = 'Withheld (user audience only)';
export const OPERATOR_AUDIENCES = new Set(['on', 'operator-only']);

export function byId(id) {
  return document.getElementById(id);
}

export function appendAll(node, children) {
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
export function h(tag, props, ...children) {
  return appendAll(setProps(document.createElement(tag), props), children);
}

/** An SVG element. */
export function svg(tag, props, ...children) {
  return appendAll(setProps(document.createElementNS(SVG_NS, tag), props), children);
}

export function code(text) {
  return h('code', null, text);
}

export function dot(kind) {
  return h('span', { class: 'dot dot-' + kind, 'aria-hidden': 'true' });
}

export function bar(fraction, kind) {
  const fill = h('span', { class: 'bar-fill bar-' + kind });
  // CSSOM writes are allowed under the CSP; style attributes in markup are not.
  fill.style.width = (Math.max(0, Math.min(1, fraction)) * 100).toFixed(1) + '%';
  return h('span', { class: 'bar', 'aria-hidden': 'true' }, fill);
}

/**
 * A table in a focusable scroll region. `rows` are arrays of cells, or
 * `{cells, props}` objects to give a row attributes (e.g. a test id).
 */
export function table(headers, rows, options) {
  const opts = options || {};
  const numeric = opts.numeric || [];
  const head = h('tr', null, headers.map((label, i) =>
    h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, label)));
  const body = rows.length
    ? rows.map((row) => {
      const cells = Array.isArray(row) ? row : row.cells;
      return h('tr', Array.isArray(row) ? null : row.props, cells.map((cell, i) =>
        h('td', { class: numeric.includes(i) ? 'num' : null, 'data-label': i ? headers[i] : null }, cell)));
    })
    : [h('tr', null, h('td', { class: 'empty-row', colspan: headers.length }, opts.empty || 'Nothing to show'))];
  return scrollRegion(opts.label || null,
    h('table', { class: 'data-table' + (opts.cls ? ' ' + opts.cls : ''), 'data-testid': opts.testid || null },
      h('thead', null, head), h('tbody', { 'data-keynav': '' }, body)));
}

/** A horizontally scrollable wrapper a keyboard user can focus and scroll. */
export function scrollRegion(label, child) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label || 'Table' }, child);
}

/** A link to a hash route; the text is always a text node. */
export function link(route, text, props) {
  return h('a', Object.assign({ href: '#' + route }, props || {}), text);
}

/** A path as text with a line-break opportunity after each "/" (text nodes only). */
export function pathText(path) {
  const parts = String(path).split('/');
  return h('span', { class: 'path-text' }, parts.map((part, i) => (i < parts.length - 1 ? [part + '/', h('wbr')] : part)));
}

/** A dotted name (Class.method) with a line-break opportunity after each "." (text nodes only). */
export function symbolText(name) {
  const parts = String(name).split('.');
  return h('span', { class: 'mono' }, parts.map((part, i) => (i < parts.length - 1 ? [part + '.', h('wbr')] : part)));
}

export function fileRoute(path, line) {
  return '/file/' + encodeURIComponent(path) + (isNum(line) ? '?line=' + line : '');
}

// ------------------------------------------------------------------ formatting

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
export const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const stampFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function isNum(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

export function fmtCount(value) {
  return isNum(value) ? countFormat.format(Math.trunc(value)) : '—';
}

export function fmtMs(value) {
  return isNum(value) ? Math.round(value) + 'ms' : '—';
}

export function fmtPct(fraction, digits) {
  return isNum(fraction) ? (fraction * 100).toFixed(digits === undefined ? 1 : digits) + '%' : '—';
}

export function fmtScore(score) {
  return isNum(score) ? score.toFixed(1) : '—';
}

export function fmtValue(value) {
  if (!isNum(value)) return '—';
  return Number.isInteger(value) ? countFormat.format(value) : String(Math.round(value * 1000) / 1000);
}

export function fmtWhen(ms) {
  return isNum(ms) ? stampFormat.format(new Date(ms)) : '—';
}

export function tone(score) {
  if (!isNum(score)) return 'neutral';
  return score >= 80 ? 'good' : score >= 60 ? 'warn' : 'bad';
}

export function plural(n, word) {
  return fmtCount(n) + ' ' + word + (n === 1 ? '' : 's');
}

export function sortSeverities(keys) {
  const rank = (k) => (SEVERITY_ORDER.includes(k) ? SEVERITY_ORDER.indexOf(k) : SEVERITY_ORDER.length);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function severityKind(severity) {
  return SEVERITY_ORDER.includes(severity) ? severity : 'other';
}

export function gradeBadge(grade, props) {
  const text = typeof grade === 'string' && grade ? grade : '—';
  return h('span', Object.assign({ class: 'grade', 'data-grade': text }, props || {}), text);
}

export function severityBadge(severity) {
  return h('span', { class: 'sev-badge sev-badge-' + severityKind(severity) }, String(severity));
}

export function insight(text) {
  return h('p', { class: 'insight' }, text);
}

/** Why a page has no run report to show, for the server's audience and data source. */
export function noReportText(ctx) {
  if (ctx.audience === 'off') return 'Telemetry is off: there is no run report.';
  if (ctx.audience === 'operator-only') return WITHHELD_USER + ': files, functions and findings are user data.';
  if (ctx.source === 'seeded') return 'The demo data has no run report: run chaffra management <project> to see yours.';
  return 'No run report yet: run chaffra health in the project.';
}

export function audienceOf(data) {
  return (data.config && data.config.audience) || (data.status && data.status.audience) || 'user-only';
}
