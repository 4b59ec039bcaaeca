// Horizontal SVG bar charts.
import { s } from './dom.js';

// barChart draws rows [{label, value, cls, note}] scaled to the largest
// value (or to max when given).
export function barChart(rows, { max, format = (v) => String(v), label = 'chart' } = {}) {
  const LW = 200, BW = 360, RH = 22;
  const top = Math.max(max || 0, ...rows.map((r) => r.value), 1e-12);
  const svg = s('svg', { viewBox: `0 0 ${LW + BW + 120} ${rows.length * RH + 4}`, role: 'img', 'aria-label': label });
  rows.forEach((r, i) => {
    const y = i * RH + 2;
    const w = Math.max(0, (r.value / top) * BW);
    svg.append(
      s('text', { x: LW - 6, y: y + 14, 'text-anchor': 'end' }, r.label.length > 32 ? r.label.slice(0, 31) + '…' : r.label),
      s('rect', { class: 'bar ' + (r.cls || ''), x: LW, y: y + 3, width: w, height: RH - 8, rx: 2 }, s('title', {}, `${r.label}: ${format(r.value)}`)),
      s('text', { x: LW + w + 6, y: y + 14 }, format(r.value) + (r.note ? ' ' + r.note : '')));
  });
  return svg;
}
