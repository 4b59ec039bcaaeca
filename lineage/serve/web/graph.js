// A small layered renderer for the lineage graph: one column per node
// kind in the direction data flows (sources → objects → versions →
// certificates, and the models trained on the version), edges as curves.
import { s } from './dom.js';

const COLS = ['source', 'object', 'version', 'certificate', 'model'];
const TITLES = { source: 'sources', object: 'objects', version: 'dataset versions', certificate: 'certificates', model: 'models trained on it' };
const W = 230, H = 30, GAPX = 90, GAPY = 12, TOP = 34;

function shortLabel(n) {
  let t = n.label || n.id;
  if (n.kind === 'object') t = t.replace(/^.*\//, '');
  return t.length > 30 ? t.slice(0, 29) + '…' : t;
}

// renderGraph returns an SVG element; onNode is called with a clicked node.
export function renderGraph(g, onNode) {
  const cols = new Map(COLS.map((k) => [k, []]));
  for (const n of g.nodes) (cols.get(n.kind) || cols.get('version')).push(n);
  const used = COLS.filter((k) => cols.get(k).length > 0);
  const pos = new Map();
  let maxRows = 1;
  used.forEach((k, ci) => {
    const list = cols.get(k);
    list.sort((a, b) => (a.id === g.root ? -1 : b.id === g.root ? 1 : a.label.localeCompare(b.label)));
    maxRows = Math.max(maxRows, list.length);
    list.forEach((n, ri) => pos.set(n.id, { x: 10 + ci * (W + GAPX), y: TOP + ri * (H + GAPY), n }));
  });
  const width = 20 + used.length * W + (used.length - 1) * GAPX;
  const height = TOP + maxRows * (H + GAPY) + 10;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'lineage graph', 'data-testid': 'graph' });
  used.forEach((k, ci) => svg.append(s('text', { class: 'coltitle', x: 10 + ci * (W + GAPX), y: 18 }, TITLES[k])));
  for (const e of g.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    let x1 = a.x + W, x2 = b.x;
    if (b.x < a.x) { x1 = a.x; x2 = b.x + W; }
    if (b.x === a.x) { x1 = a.x + W; x2 = b.x + W; }
    const y1 = a.y + H / 2, y2 = b.y + H / 2;
    const dx = b.x === a.x ? 40 : (x2 - x1) / 2;
    svg.append(s('path', { class: 'edge ' + e.kind, d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` },
      s('title', {}, e.kind)));
  }
  for (const { x, y, n } of pos.values()) {
    const cls = ['node', n.kind, n.id === g.root ? 'root' : '', n.status === 'revoked' ? 'revoked' : ''].join(' ');
    const grp = s('g', { class: cls, transform: `translate(${x},${y})`, tabindex: 0, 'data-id': n.id, 'data-kind': n.kind,
      role: 'link', 'aria-label': `${n.kind} ${n.label}` },
      s('title', {}, `${n.kind}: ${n.label}${n.status ? ' (' + n.status + ')' : ''}`),
      s('rect', { width: W, height: H, rx: 6 }),
      s('text', { x: 8, y: 19 }, shortLabel(n) + (n.kind === 'certificate' || !n.status ? '' : n.kind === 'model' ? ' · ' + n.status.toLowerCase() : ' ⚠')));
    grp.addEventListener('click', () => onNode(n));
    grp.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onNode(n); });
    svg.append(grp);
  }
  return svg;
}
