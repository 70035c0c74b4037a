/* Reading snapshots: per-module metric names, data points and one entry per history run. */

import { isNum } from './dom.js';

const MODULE_PREFIX = 'chaffra.module.';
// Operator-classified names that share the per-module result prefix.
const OPERATOR_MODULE_NAMES = new Set([
  'chaffra.module.call_duration_ms',
  'chaffra.module.error_total',
  'chaffra.module.startup_duration_ms',
  'chaffra.module.load_error_total',
]);

/** `chaffra.module.<id>.<key>` → {id, key}; null for other names and operator names. */
export function moduleMetric(name) {
  if (typeof name !== 'string' || !name.startsWith(MODULE_PREFIX) || OPERATOR_MODULE_NAMES.has(name)) return null;
  const rest = name.slice(MODULE_PREFIX.length);
  const cut = rest.lastIndexOf('.');
  if (cut <= 0 || cut === rest.length - 1) return null;
  return { id: rest.slice(0, cut), key: rest.slice(cut + 1) };
}

export function points(metrics) {
  return Array.isArray(metrics && metrics.data_points) ? metrics.data_points : [];
}

export function healthPoints(metrics) {
  const scores = new Map();
  for (const p of points(metrics)) {
    const m = moduleMetric(p.name);
    if (m && m.key === 'health_score' && isNum(p.value) && !scores.has(m.id)) scores.set(m.id, p.value);
  }
  return scores;
}

export function labelOf(point, key) {
  return point.labels && typeof point.labels[key] === 'string' ? point.labels[key] : '';
}

/** One entry per history snapshot (oldest first) with what the charts plot. */
export function historyRuns(history) {
  const snapshots = Array.isArray(history && history.snapshots) ? history.snapshots : [];
  return snapshots.map((snap) => {
    const run = { ts: snap.timestamp_ms, health: new Map(), durations: new Map(), severity: {}, churnNew: null, churnResolved: null, project: null };
    for (const p of Array.isArray(snap.data_points) ? snap.data_points : []) {
      if (!isNum(p.value)) continue;
      const m = moduleMetric(p.name);
      if (m && m.key === 'health_score') {
        if (!run.health.has(m.id)) run.health.set(m.id, p.value);
      } else if (p.name === 'chaffra.module.call_duration_ms' && labelOf(p, 'module')) {
        if (!run.durations.has(labelOf(p, 'module'))) run.durations.set(labelOf(p, 'module'), p.value);
      } else if (p.name === 'chaffra.health.score' && run.project === null) run.project = p.value;
      else if (p.name === 'chaffra.findings.new' && run.churnNew === null) run.churnNew = p.value;
      else if (p.name === 'chaffra.findings.resolved' && run.churnResolved === null) run.churnResolved = p.value;
    }
    const user = snap.user_summary || {};
    for (const [id, summary] of Object.entries(user.module_summaries || {})) {
      const score = summary && summary.metrics && summary.metrics.health_score;
      if (isNum(score) && !run.health.has(id)) run.health.set(id, score);
    }
    const operator = snap.operator_summary || {};
    for (const [id, ms] of Object.entries(operator.module_call_durations || {})) {
      if (isNum(ms) && !run.durations.has(id)) run.durations.set(id, ms);
    }
    for (const [sev, n] of Object.entries(user.findings_by_severity || {})) if (isNum(n)) run.severity[sev] = n;
    const scores = [...run.health.values()];
    run.average = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    return run;
  }).filter((r) => isNum(r.ts));
}
