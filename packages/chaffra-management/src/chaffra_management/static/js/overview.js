/* The overview's telemetry parts: source banner, summary cards, modules, backends, churn, config. */

import {
  OPERATOR_AUDIENCES, WITHHELD_OPERATOR, WITHHELD_USER, appendAll, byId, code, dot, fmtCount, fmtMs, fmtPct,
  fmtWhen, h, isNum, plural, severityKind, sortSeverities, timeFormat, tone,
} from './dom.js';
import { healthPoints } from './runs.js';

const SOURCES = {
  live: { badge: 'Live', title: null },
  seeded: {
    badge: 'Demo data',
    title: 'Demo data — none of these numbers come from your code.',
    // What really happens: a --seeded server holds the sample in memory and reads no
    // project store, so runs of `chaffra health` never reach it.
    text: () => ['This server was started with ', code('--seeded'), ' and keeps showing a built-in sample: '
      + 'analysis runs do not reach it. To see your project, stop it and run ', code('chaffra management <project>'), '.'],
  },
  empty: {
    badge: 'No data',
    title: 'No analysis runs yet.',
    text: () => ['Run ', code('chaffra health .'), ' in the project this server follows; the run appears here '
      + 'without a reload.'],
  },
  off: {
    badge: 'Telemetry off',
    title: 'Telemetry is off.',
    text: () => ['This server runs with the ', code('off'), ' audience: it collects and serves no telemetry.'],
  },
};

/** The current snapshot exists (every card is "—" until one does). */
export function hasRun(data) {
  return isNum(data.status && data.status.newest_timestamp_ms);
}

function renderSource(status, audience) {
  const key = audience === 'off' ? 'off' : (SOURCES[status.source] ? status.source : 'empty');
  const source = SOURCES[key];
  const badge = byId('source-badge');
  badge.textContent = source.badge;
  badge.dataset.source = key;
  document.body.dataset.source = key;
  byId('audience-value').textContent = audience;

  const banner = byId('source-banner');
  banner.dataset.source = key;
  banner.hidden = !source.title;
  if (source.title) {
    byId('source-banner-title').textContent = source.title;
    byId('source-banner-text').replaceChildren(appendAll(document.createDocumentFragment(), source.text()));
  }
}

function setCard(id, text, cardTone) {
  const node = byId(id);
  node.textContent = text;
  if (cardTone) node.className = 'card-value tone-' + cardTone;
}

function healthNote(data, withheldUser) {
  if (withheldUser) return WITHHELD_USER;
  const health = data.health;
  if (isNum(health.total_files) && health.total_files > 0) {
    const scored = health.total_files - (isNum(health.unscored_files) ? health.unscored_files : 0);
    return fmtCount(scored) + ' of ' + plural(health.total_files, 'file') + ' scored';
  }
  const scores = healthPoints(data.metrics);
  if (scores.size) return 'Average of ' + plural(scores.size, 'module score');
  return isNum(health.score) ? 'Project health score' : 'Not graded: no file was scored';
}

function renderCards(data, audience) {
  const withheldUser = audience === 'operator-only';
  const blank = withheldUser || !hasRun(data);
  const score = isNum(data.health.score) ? data.health.score : null;
  const grade = typeof data.health.grade === 'string' ? data.health.grade : '—';
  setCard('health-score', score === null ? '—' : score.toFixed(1), tone(score));
  const gradeNode = byId('health-grade');
  gradeNode.textContent = grade;
  gradeNode.dataset.grade = grade;
  gradeNode.hidden = score === null; // "—" beside "—" says nothing twice
  byId('health-note').textContent = hasRun(data) ? healthNote(data, withheldUser) : 'No analysis run yet';

  const summary = data.summary;
  const modules = Array.isArray(data.modules.modules) ? data.modules.modules : [];
  setCard('total-findings', blank ? '—' : fmtCount(summary.total));
  const note = byId('findings-note');
  const severities = sortSeverities(Object.keys(summary.by_severity || {}));
  if (withheldUser) note.replaceChildren(WITHHELD_USER);
  else if (!hasRun(data)) note.replaceChildren('No analysis run yet');
  else if (!severities.length) note.replaceChildren(summary.total ? 'No severity breakdown' : 'No findings reported');
  else {
    note.replaceChildren(...severities.map((sev) => h('span', { class: 'sev-chip' },
      dot(severityKind(sev)), fmtCount(summary.by_severity[sev]) + ' ' + sev)));
  }

  setCard('files-analyzed', blank ? '—' : fmtCount(data.metrics.files_total));
  byId('files-note').textContent = withheldUser ? WITHHELD_USER
    : modules.length ? 'Checked by ' + plural(modules.length, 'module') : 'In the latest analysis run';

  setCard('analysis-duration', blank ? '—' : fmtMs(data.metrics.analysis_duration_ms));
  const timed = modules.filter((m) => isNum(m.duration_ms) && m.duration_ms > 0);
  const slowest = timed.sort((a, b) => b.duration_ms - a.duration_ms)[0];
  byId('duration-note').textContent = withheldUser ? WITHHELD_USER
    : slowest ? 'Slowest module: ' + slowest.id + ' (' + fmtMs(slowest.duration_ms) + ')' : 'Wall time of the latest run';
}

export function statusDot(status) {
  return status === 'healthy' ? 'good' : status === 'error' ? 'bad' : 'muted';
}

function renderModules(modules, operator) {
  const body = byId('modules-body');
  if (!modules.length) {
    body.replaceChildren(h('tr', null, h('td', { class: 'empty-row', colspan: 4 }, 'No modules loaded')));
    return;
  }
  body.replaceChildren(...modules.map((m) => {
    const withheld = !operator || !isNum(m.duration_ms);
    return h('tr', { 'data-testid': 'module-row', 'data-module': String(m.id) },
      h('td', { class: 'mono' }, String(m.id)),
      h('td', null, h('span', { class: 'status' }, dot(statusDot(m.status)), String(m.status))),
      h('td', { class: 'num' }, fmtCount(m.finding_count)),
      h('td', { class: 'num', title: withheld ? WITHHELD_OPERATOR : null }, withheld ? '—' : fmtMs(m.duration_ms)));
  }));
}

function renderBackends(backends, operator) {
  const body = byId('backends-body');
  const note = (text) => h('tr', null, h('td', { class: 'empty-row', colspan: 4 }, text));
  if (!operator) body.replaceChildren(note(WITHHELD_OPERATOR));
  else if (!backends.length) body.replaceChildren(note('No backends configured'));
  else {
    body.replaceChildren(...backends.map((b) => h('tr', { 'data-testid': 'backend-row' },
      h('td', { class: 'mono' }, String(b.name)),
      h('td', null, String(b.kind)),
      h('td', null, h('span', { class: 'status' }, dot(b.connected ? 'good' : 'bad'), b.connected ? 'Connected' : 'Disconnected')),
      h('td', { class: 'wrap' }, String(b.message || '')))));
  }
}

/** Did the current snapshot compare its findings with a previous run? The API says so. */
export function latestHasChurn(data) {
  return Boolean(data.churn && data.churn.compared === true);
}

/**
 * The churn cards show the latest run, like the chart's last column and the API:
 * a run that compared nothing (e.g. `chaffra health`) shows "—", never a made-up 0.
 */
function renderChurn(data, audience, runs) {
  const churn = data.churn;
  const shown = audience !== 'operator-only' && hasRun(data) && latestHasChurn(data);
  byId('churn-new').textContent = shown ? fmtCount(churn.new_count) : '—';
  byId('churn-resolved').textContent = shown ? fmtCount(churn.resolved_count) : '—';
  byId('churn-unchanged').textContent = shown ? fmtCount(churn.unchanged_count) : '—';
  byId('churn-rate').textContent = audience === 'operator-only' ? WITHHELD_USER
    : shown ? 'Churn rate ' + fmtPct(churn.churn_rate) : 'Churn rate —';
  const note = byId('churn-note');
  if (audience === 'operator-only' || !hasRun(data)) {
    note.replaceChildren(audience === 'operator-only' ? WITHHELD_USER : 'No analysis run yet.');
    return;
  }
  if (shown) {
    note.replaceChildren('Latest run (' + fmtWhen(data.status.newest_timestamp_ms) + ') against the previous run of the same command.');
    return;
  }
  const earlier = runs.filter((r) => r.churnNew !== null || r.churnResolved !== null).pop();
  note.replaceChildren('The latest run did not compare findings (only ', code('chaffra complexity'), ', ',
    code('dead-code'), ' and ', code('security'), ' runs do).',
    earlier ? ' Last comparison ' + fmtWhen(earlier.ts) + ': ' + fmtCount(earlier.churnNew || 0) + ' new, '
      + fmtCount(earlier.churnResolved || 0) + ' resolved.' : '');
}

function samplingText(config) {
  if (!isNum(config.sampling_rate)) return 'withheld (operator audience only)';
  const rate = Number.isInteger(config.sampling_rate) ? config.sampling_rate.toFixed(1) : String(config.sampling_rate);
  return rate + ' (' + String(config.sampling_strategy || '—') + ')';
}

function renderConfig(config) {
  byId('config-audience').textContent = String(config.audience || '—');
  const sampling = byId('config-sampling');
  sampling.textContent = samplingText(config);
  sampling.classList.toggle('withheld', !isNum(config.sampling_rate));
  const kinds = Array.isArray(config.backends) ? config.backends.map(String) : [];
  byId('config-backends').textContent = kinds.length ? kinds.join(', ') : '—';
}

function renderFooter(status) {
  const parts = ['Refreshed ' + timeFormat.format(new Date())];
  if (isNum(status.newest_timestamp_ms)) parts.push('newest run ' + fmtWhen(status.newest_timestamp_ms));
  if (isNum(status.snapshot_count)) parts.push(plural(status.snapshot_count, 'snapshot') + ' stored');
  byId('footer-updated').textContent = parts.join(' · ');
}

export function renderOverview(data, audience, runs) {
  const operator = OPERATOR_AUDIENCES.has(audience);
  renderSource(data.status, audience);
  renderCards(data, audience);
  renderModules(Array.isArray(data.modules.modules) ? data.modules.modules : [], operator);
  renderBackends(Array.isArray(data.metrics.backends) ? data.metrics.backends : [], operator);
  renderChurn(data, audience, runs);
  renderConfig(data.config);
  renderFooter(data.status);
}
