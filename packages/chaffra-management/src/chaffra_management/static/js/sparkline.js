/* Small inline trend lines for tables and the file page. */

import { fmtScore, isNum, svg } from './dom.js';

/** A score sparkline (0..100) of `values` oldest → newest; an em dash for fewer than two. */
export function sparkline(values, label, size) {
  const scores = values.map((v) => (v && typeof v === 'object' ? v.score : v)).filter(isNum);
  const width = (size && size.width) || 80;
  const height = (size && size.height) || 22;
  if (scores.length < 2) {
    return svg('svg', { class: 'sparkline', viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': label + ': one run' },
      svg('text', { x: 2, y: height / 2, dy: '0.35em', class: 'spark-none' }, scores.length ? fmtScore(scores[0]) : '—'));
  }
  const x = (i) => 2 + ((width - 4) * i) / (scores.length - 1);
  const y = (v) => 2 + (height - 4) * (1 - Math.max(0, Math.min(100, v)) / 100);
  const d = scores.map((v, i) => (i ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1)).join('');
  const last = scores[scores.length - 1];
  const delta = last - scores[0];
  return svg('svg', {
    class: 'sparkline ' + (delta < 0 ? 'spark-down' : delta > 0 ? 'spark-up' : 'spark-flat'),
    viewBox: '0 0 ' + width + ' ' + height, role: 'img',
    'aria-label': label + ': ' + scores.map(fmtScore).join(', '),
  }, svg('path', { d }), svg('circle', { cx: x(scores.length - 1).toFixed(1), cy: y(last).toFixed(1), r: 2.2 }));
}
