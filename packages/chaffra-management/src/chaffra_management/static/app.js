/*
 * Chaffra management dashboard (entry module): routing, refresh scheduling and keyboard navigation.
 * Plain ES modules, no build step, no dependencies.
 *
 * Security rules every module keeps (spec §9): strings from the API are inserted as
 * text (textContent / text nodes / attribute values), never as HTML; no inline
 * handlers (the page runs under `default-src 'self'`); every URL is relative to the
 * page, so the dashboard keeps working under a mount prefix.
 */

import { ENDPOINTS, fetchAll } from './js/api.js';
import { renderCharts } from './js/charts.js';
import { closeDetail, openDetail } from './js/details.js';
import { audienceOf, byId, h } from './js/dom.js';
import { renderFile } from './js/filepage.js';
import { renderFindings } from './js/findings.js';
import { renderHotspots, renderWhy, resizeTreemap } from './js/hotspots.js';
import { renderList } from './js/lists.js';
import { hasRun, renderOverview } from './js/overview.js';
import { historyRuns } from './js/runs.js';

const POLL_MS = 10000;
const DEBOUNCE_MS = 250;
const PAGE_ENDPOINTS = Object.keys(ENDPOINTS);
const SNAPSHOT_KEYS = ['health', 'modules', 'summary', 'churn', 'metrics'];
const CONSISTENT_TRIES = 3;

// ---------------------------------------------------------------- routing

/** `#/findings?x=1` → {name, path, params}. Unknown routes show the overview. */
function parseRoute() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const cut = raw.indexOf('?');
  const path = cut < 0 ? raw : raw.slice(0, cut);
  const params = new URLSearchParams(cut < 0 ? '' : raw.slice(cut + 1));
  if (path === '/findings' || path === '/files' || path === '/functions') return { name: path.slice(1), params, key: raw };
  if (path.startsWith('/file/')) {
    let file = null;
    try { file = decodeURIComponent(path.slice('/file/'.length)); } catch (err) { file = null; }
    if (file) return { name: 'file', file, params, key: raw };
  }
  return { name: 'overview', params, key: '/' };
}

const VIEWS = {
  overview: { id: 'view-overview', nav: 'nav-overview', title: null, render: (r, ctx) => renderHotspots(ctx) },
  findings: { id: 'view-findings', nav: 'nav-findings', title: 'Findings', render: (r, ctx) => renderFindings(r.params, ctx) },
  files: { id: 'view-files', nav: 'nav-files', title: 'Files', render: (r, ctx) => renderList('files', r.params, ctx) },
  functions: { id: 'view-functions', nav: 'nav-functions', title: 'Functions', render: (r, ctx) => renderList('functions', r.params, ctx) },
  file: { id: 'view-file', nav: null, title: null, render: (r, ctx) => renderFile(r.file, r.params, ctx) },
};

const view = { key: null, run: null, seq: 0 };

function showView(route) {
  for (const [name, spec] of Object.entries(VIEWS)) {
    byId(spec.id).hidden = name !== route.name;
    if (spec.nav) {
      if (name === route.name) byId(spec.nav).setAttribute('aria-current', 'page');
      else byId(spec.nav).removeAttribute('aria-current');
    }
  }
  byId('cards').hidden = route.name !== 'overview';
  const title = route.name === 'file' ? route.file : VIEWS[route.name].title;
  document.title = (title ? title + ' · ' : '') + 'Chaffra Management Dashboard';
}

/** Render the routed view when the route or the newest run changed (keeps focus otherwise). */
async function renderView(force) {
  const route = parseRoute();
  const run = lastData ? lastData.status.newest_timestamp_ms : null;
  if (!force && route.key === view.key && run === view.run) return;
  const changedRoute = route.key !== view.key;
  view.key = route.key;
  view.run = run;
  const token = ++view.seq;
  // A filter, sort or page control keeps the focus across the re-render it caused.
  const focusedId = document.activeElement && document.activeElement.id;
  showView(route);
  const spec = VIEWS[route.name];
  const node = byId(spec.id);
  node.setAttribute('aria-busy', 'true');
  try {
    await spec.render(route, {
      audience: lastData ? audienceOf(lastData) : null,
      source: lastData ? lastData.status.source : null,
    });
  } catch (err) {
    if (token !== view.seq) return;
    if (route.name === 'overview') byId('hotspots-note').textContent = 'Error: ' + err.message;
    else node.replaceChildren(h('p', { class: 'detail-error', role: 'alert' }, 'Error: ' + err.message));
  } finally {
    if (token === view.seq) node.removeAttribute('aria-busy');
  }
  if (!changedRoute || route.name === 'overview' || token !== view.seq || node.querySelector('.row-target')) return;
  const kept = focusedId ? node.querySelector('#' + CSS.escape(focusedId)) : null;
  if (kept) {
    kept.focus();
    return;
  }
  const heading = node.querySelector('h1');
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

// ---------------------------------------------------------------- refresh scheduling

const sched = { running: false, queued: false, stale: false, pollTimer: 0, debounceTimer: 0, streaming: false, resize: 0 };
let lastData = null;
let lastRuns = [];

function setConnection(state) {
  const badge = byId('connection-badge');
  badge.dataset.state = state;
  badge.textContent = state === 'connected' ? 'Connected' : state === 'disconnected' ? 'Disconnected' : 'Loading...';
}

/** Every current-value answer and the history's newest run describe the same snapshot. */
function consistent(data) {
  const newest = data.status.newest_timestamp_ms;
  const snapshots = data.history && Array.isArray(data.history.snapshots) ? data.history.snapshots : [];
  const last = snapshots.length ? snapshots[snapshots.length - 1].timestamp_ms : undefined;
  if (snapshots.length && last !== newest) return false;
  return SNAPSHOT_KEYS.every((key) => data[key].snapshot_timestamp_ms === undefined
    || data[key].snapshot_timestamp_ms === null || data[key].snapshot_timestamp_ms === newest);
}

/** Fetch every card's source; refetch when a push landed between the requests. */
async function fetchConsistent() {
  let data = await fetchAll(PAGE_ENDPOINTS);
  for (let i = 1; i < CONSISTENT_TRIES && !consistent(data); i += 1) data = await fetchAll(PAGE_ENDPOINTS);
  return data;
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
    const data = await fetchConsistent();
    lastData = data;
    const audience = audienceOf(data);
    lastRuns = historyRuns(data.history);
    renderOverview(data, audience, lastRuns);
    renderWhy(data.health, hasRun(data));
    renderCharts(lastRuns, audience);
    setConnection('connected');
    byId('error-banner').hidden = true;
    await renderView(false);
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
  cancelAnimationFrame(sched.resize);
  sched.resize = requestAnimationFrame(() => {
    if (lastData) renderCharts(lastRuns, audienceOf(lastData));
    resizeTreemap();
  });
}

// ---------------------------------------------------------------- keyboard

/** Arrow keys move between the rows of a table (Home/End: first/last), Enter follows the row's link. */
function onTableKey(event) {
  const target = event.target instanceof Element ? event.target : null;
  const body = target && target.closest('tbody[data-keynav]');
  const region = target && target.matches('.table-wrap') ? target : null;
  if (!body && !(region && event.key === 'ArrowDown')) return;
  const rows = [...(body || region.querySelector('tbody[data-keynav]') || { rows: [] }).rows];
  if (!rows.length) return;
  const current = body ? target.closest('tr') : null;
  const index = current ? rows.indexOf(current) : -1;
  const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 };
  if (!(event.key in moves)) return;
  const next = rows[Math.max(0, Math.min(rows.length - 1, moves[event.key]))];
  const focusable = next.querySelector('a[href], button, select');
  event.preventDefault();
  if (focusable) focusable.focus();
  else { next.tabIndex = -1; next.focus(); }
}

function init() {
  document.addEventListener('click', (event) => {
    const trigger = event.target instanceof Element ? event.target.closest('[data-detail]') : null;
    if (trigger) openDetail(trigger.getAttribute('data-detail'), trigger);
  });
  byId('detail-close').addEventListener('click', closeDetail);
  byId('detail-backdrop').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeDetail();
    else onTableKey(event);
  });
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('hashchange', () => { closeDetail(); renderView(false); });
  let lastWidth = 0;
  new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (Math.abs(width - lastWidth) > 8) { lastWidth = width; onResize(); }
  }).observe(document.querySelector('.page'));
  showView(parseRoute());
  setConnection('loading');
  connectEvents();
  requestRefresh();
}

init();
