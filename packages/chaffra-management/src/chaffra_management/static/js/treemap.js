/*
 * A squarified treemap of files (area = lines, colour = grade), grouped by the
 * directory below the files' common prefix. Tiles are links to the file page;
 * the ranked list beside it carries the same links for keyboard users.
 */

import { fileRoute, fmtCount, fmtScore, h, isNum } from './dom.js';

const GROUP_HEADER = 18;
const MIN_LABEL_W = 64;
const MIN_LABEL_H = 30;

/** Squarified layout (Bruls et al.) of `items` ({value}) into the rectangle; adds x, y, w, h. */
function squarify(items, x, y, w, hgt) {
  const total = items.reduce((a, it) => a + it.value, 0);
  if (total <= 0 || w <= 0 || hgt <= 0) return [];
  const scale = (w * hgt) / total;
  const queue = items.map((it) => ({ item: it, area: it.value * scale })).filter((e) => e.area > 0);
  const placed = [];
  let rect = { x, y, w, h: hgt };
  while (queue.length) {
    const side = Math.min(rect.w, rect.h);
    const row = [queue.shift()];
    while (queue.length && worst(row.concat(queue[0]), side) <= worst(row, side)) row.push(queue.shift());
    rect = layRow(row, rect, placed);
  }
  return placed;
}

function worst(row, side) {
  const sum = row.reduce((a, e) => a + e.area, 0);
  const max = Math.max(...row.map((e) => e.area));
  const min = Math.min(...row.map((e) => e.area));
  return Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
}

function layRow(row, rect, placed) {
  const sum = row.reduce((a, e) => a + e.area, 0);
  if (rect.w >= rect.h) {
    const width = sum / rect.h;
    let top = rect.y;
    for (const e of row) {
      const height = e.area / width;
      placed.push(Object.assign({}, e.item, { x: rect.x, y: top, w: width, h: height }));
      top += height;
    }
    return { x: rect.x + width, y: rect.y, w: rect.w - width, h: rect.h };
  }
  const height = sum / rect.w;
  let left = rect.x;
  for (const e of row) {
    const width = e.area / height;
    placed.push(Object.assign({}, e.item, { x: left, y: rect.y, w: width, h: height }));
    left += width;
  }
  return { x: rect.x, y: rect.y + height, w: rect.w, h: rect.h - height };
}

function commonDir(paths) {
  if (!paths.length) return [];
  let prefix = paths[0].split('/').slice(0, -1);
  for (const p of paths) {
    const parts = p.split('/').slice(0, -1);
    let i = 0;
    while (i < prefix.length && i < parts.length && prefix[i] === parts[i]) i += 1;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

/** Files grouped by the first directory below their common prefix (files at that level form "."). */
function groups(files) {
  const prefix = commonDir(files.map((f) => f.file));
  const byKey = new Map();
  for (const f of files) {
    const rest = f.file.split('/').slice(prefix.length);
    const key = rest.length > 1 ? rest[0] + '/' : '.';
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key).push(f);
  }
  const base = prefix.length ? prefix.join('/') + '/' : '';
  return [...byKey.entries()].map(([key, members]) => ({
    name: key === '.' ? (base || './') : base + key,
    value: members.reduce((a, f) => a + f.lines, 0),
    members: members.sort((a, b) => b.lines - a.lines),
  })).sort((a, b) => b.value - a.value);
}

function place(node, r) {
  // CSSOM writes are allowed under the CSP; style attributes in markup are not.
  node.style.left = r.x.toFixed(1) + 'px';
  node.style.top = r.y.toFixed(1) + 'px';
  node.style.width = Math.max(0, r.w).toFixed(1) + 'px';
  node.style.height = Math.max(0, r.h).toFixed(1) + 'px';
}

function tileTitle(f) {
  const counts = f.findings || {};
  return f.file + '\n' + (isNum(f.score) ? 'score ' + fmtScore(f.score) + ' (' + f.grade + ')' : 'not graded')
    + (f.unsized ? '' : ' · ' + fmtCount(f.lines) + ' lines') + ' · ' + fmtCount(f.functions) + ' functions\n'
    + fmtCount(counts.error || 0) + ' errors, ' + fmtCount(counts.warning || 0) + ' warnings, '
    + fmtCount(counts.info || 0) + ' info';
}

/** Draw `files` (files-items) into `container`, sized to its current width. */
export function drawTreemap(container, files) {
  const named = files.filter((f) => typeof f.file === 'string');
  // A report without line counts (an older health model) still maps its files, as equal tiles.
  const sized = named.some((f) => isNum(f.lines) && f.lines > 0);
  const usable = sized ? named.filter((f) => isNum(f.lines) && f.lines > 0)
    : named.map((f) => Object.assign({}, f, { lines: 1, unsized: true }));
  container.dataset.sized = String(sized);
  const width = Math.max(200, Math.floor(container.clientWidth || 600));
  const height = width < 500 ? 320 : Math.min(560, Math.round(width * 0.72));
  const root = h('div', { class: 'treemap-canvas', 'data-testid': 'treemap-canvas' });
  root.style.height = height + 'px';
  for (const g of squarify(groups(usable), 0, 0, width, height)) {
    const box = h('div', { class: 'treemap-group', 'data-group': g.name });
    place(box, g);
    const header = g.h > GROUP_HEADER * 2 && g.w > 40;
    if (header) box.appendChild(h('span', { class: 'treemap-group-name' }, g.name));
    root.appendChild(box);
    const top = header ? GROUP_HEADER : 0;
    for (const f of squarify(g.members.map((m) => Object.assign({ value: m.lines }, m)), g.x + 1, g.y + top, g.w - 2, g.h - top - 1)) {
      const grade = typeof f.grade === 'string' && f.grade ? f.grade : '—';
      const tile = h('a', {
        class: 'treemap-tile', href: '#' + fileRoute(f.file), 'data-grade': grade, 'data-testid': 'treemap-tile',
        'data-file': f.file, title: tileTitle(f), tabindex: '-1',
      });
      place(tile, f);
      if (f.w >= MIN_LABEL_W && f.h >= MIN_LABEL_H) {
        tile.appendChild(h('span', { class: 'treemap-label' }, f.file.split('/').pop()));
        tile.appendChild(h('span', { class: 'treemap-sub' }, f.unsized ? grade : grade + ' · ' + fmtCount(f.lines) + ' lines'));
      }
      root.appendChild(tile);
    }
  }
  container.replaceChildren(root);
}
