// The trends of the comparison page: one small line chart per chosen measure over the selected
// checkpoints (chart.js, loaded with the first chart), and the picker that adds one.
import type { Comparison, ComparisonRow } from '../../src/protocol/compare';
import { chartLib } from '../common/chartLib';
import { fmt, h, palette } from '../common/dom';
import { charts, setTrends, trendIds, xLabels } from './context';

function trendChart(c: Comparison, r: ComparisonRow, color: string): HTMLElement {
  const canvas = h('canvas', { id: `trend-${r.id}`, class: 'trend', 'data-row': r.id, role: 'img', 'aria-label': `${r.name} over the selected checkpoints`, height: 150 });
  const p = palette();
  const wrap = h('figure', { class: 'trend-box', 'data-row': r.id },
    h('figcaption', {},
      h('span', { title: `${r.formula}\n${r.reference}` }, r.name),
      h('button', { class: 'icon', title: `stop plotting ${r.name}`, 'aria-label': `remove the trend of ${r.name}`, onclick: () => setTrends(trendIds(c).filter((x) => x !== r.id)) }, '×')),
    canvas);
  // chart.js loads with the first trend drawn; a chart whose canvas left the page (re-rendered) is not drawn
  void chartLib().then((Chart) => {
    if (!canvas.isConnected) return;
    charts.push(new Chart(canvas, {
      type: 'line',
      data: {
        labels: xLabels(c),
        datasets: [{ label: r.name, data: r.values, borderColor: color, backgroundColor: color, pointRadius: 3, spanGaps: true, tension: 0 }],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => `${r.name}: ${fmt(ctx.parsed.y, 6)}` } } },
        scales: {
          x: { title: { display: c.columns.every((col) => col.epoch !== null), text: 'epoch', color: p.muted }, ticks: { color: p.muted }, grid: { color: p.grid } },
          y: { ticks: { color: p.muted, callback: (v) => fmt(Number(v), 3) }, grid: { color: p.grid } },
        },
      },
    }));
  });
  return wrap;
}

export function trendsSection(c: Comparison): HTMLElement {
  const plottable = c.rows.filter((r) => r.values.filter((v) => v !== null).length >= 1);
  const chosen = trendIds(c).map((id) => plottable.find((r) => r.id === id)).filter((r): r is ComparisonRow => !!r);
  const p = palette();
  const colors = [p.a, p.b, p.d, p.e, p.c];
  const add = h('select', {
    id: 'trend-add', 'aria-label': 'add the trend of a measure',
    onchange: (e: Event) => {
      const v = (e.target as HTMLSelectElement).value;
      if (v) setTrends([...trendIds(c), v]);
    },
  }, h('option', { value: '' }, 'Add a trend…'), ...plottable.filter((r) => !chosen.includes(r)).map((r) => h('option', { value: r.id }, r.name)));
  return h('section', { id: 'trends' },
    h('h2', {}, 'Trends'),
    h('div', { class: 'trend-grid' }, ...chosen.map((r, i) => trendChart(c, r, colors[i % colors.length]))),
    chosen.length ? null : h('p', { class: 'muted small' }, 'No trend chosen.'),
    add);
}

