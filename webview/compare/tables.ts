// The tables of the comparison page: every measure side by side with the last change, grouped, a click
// on a name plotting its trend; and Kendall τ-b of each measure against the metrics file, ranked.
import type { Comparison, MetricsSource } from '../../src/protocol/compare';
import { groupName } from '../../src/report/groupNames';
import { fmt, h, num } from '../common/dom';
import { fmtTau } from '../common/format';
import { post, setTrends, trendIds, xLabels } from './context';

export function tableSection(c: Comparison): HTMLElement {
  const head = h('tr', {}, h('th', { scope: 'col' }, 'measure'),
    ...c.columns.map((col) => h('th', { scope: 'col', class: `num ${col.state === 'error' ? 'bad' : ''}`, title: col.error ? `${col.path}\n${col.error}` : col.path },
      h('button', { class: 'link', onclick: () => post({ type: 'openReport', path: col.path }) }, col.label), col.state === 'error' ? ' ⚠' : col.state === 'running' || col.state === 'queued' ? ' …' : '')),
    h('th', { scope: 'col', class: 'num', title: 'last value minus the one before it (relative change in parentheses)' }, 'Δ last'));
  const body: HTMLElement[] = [];
  const colLabels = xLabels(c).map((x, i) => (x === c.columns[i].label ? x : `epoch ${x}`));
  let group = '';
  for (const r of c.rows) {
    if (r.group !== group) {
      group = r.group;
      body.push(h('tr', { class: 'group' }, h('th', { colspan: c.columns.length + 2 }, groupName(group))));
    }
    const plotted = trendIds(c).includes(r.id);
    body.push(h('tr', { 'data-row': r.id },
      h('th', { scope: 'row', title: `${r.formula}\n${r.reference}` },
        h('button', { class: 'link name', title: plotted ? 'plotted above' : 'plot its trend', 'aria-pressed': String(plotted), onclick: () => setTrends(plotted ? trendIds(c).filter((x) => x !== r.id) : [...trendIds(c), r.id]) }, r.name)),
      ...r.values.map((v, i) => num(v, { 'data-col': colLabels[i], ...(r.reasons[i] ? { title: r.reasons[i]! } : {}) })),
      num(r.delta, { 'data-col': 'Δ last', ...(r.relDelta !== null ? { title: `${r.relDelta >= 0 ? '+' : '−'}${fmt(100 * Math.abs(r.relDelta), 3)} %` } : {}) })));
  }
  return h('section', { id: 'table' }, h('h2', {}, 'Side by side'),
    h('div', { class: 'scroll compare' }, h('table', { class: 'data', id: 'compare-table' }, h('thead', {}, head), h('tbody', {}, ...body))));
}

export function tauSection(c: Comparison, m: MetricsSource | null): HTMLElement {
  const s = h('section', { id: 'tau' }, h('h2', {}, 'Kendall τ against your metrics'));
  if (!m) {
    s.append(h('p', { class: 'muted small' },
      'Add a CSV or JSON of per-checkpoint test accuracy or loss (columns: checkpoint or epoch, and numbers; or a metrics.csv beside the checkpoints) to rank every measure by Kendall τ-b against it, as Jiang et al. 2020 do.'),
      h('button', { onclick: () => post({ type: 'chooseMetrics' }) }, 'Choose metrics file…'));
    return s;
  }
  const origin = m.origin === 'beside' ? 'found beside the checkpoints' : m.origin === 'setting' ? 'theoryLens.compare.metricsFile' : 'chosen';
  s.append(h('p', { class: 'small' }, 'From ', h('code', {}, m.file), ` (${origin}) `,
    h('button', { class: 'link', onclick: () => post({ type: 'chooseMetrics' }) }, 'change'),
    m.origin === 'picked' ? h('button', { class: 'link', onclick: () => post({ type: 'clearMetrics' }) }, 'remove') : null));
  if (m.error) {
    s.append(h('p', { class: 'error', role: 'alert' }, m.error));
    return s;
  }
  if (m.columns.length > 1) {
    const sel = h('select', { id: 'metric-column', 'aria-label': 'metric column', onchange: (e: Event) => post({ type: 'metricColumn', column: (e.target as HTMLSelectElement).value }) },
      ...m.columns.map((col) => h('option', { value: col }, col)));
    sel.value = m.column;
    s.append(h('label', { class: 'small' }, 'Column ', sel));
  }
  const t = c.tau;
  if (!t || !t.rows.length) {
    s.append(h('p', { class: 'muted small' }, `τ needs at least 3 selected checkpoints with a value in the metrics file (${t?.matched ?? 0} matched).`));
    return s;
  }
  const orient = t.orientation === 1 ? 'higher is better' : t.orientation === -1 ? 'lower is better' : 'direction unknown';
  s.append(h('p', { class: 'small' }, `τ-b of each measure against ${t.column} (${orient}) over ${t.matched} checkpoints. ✓: the sign theory expects (a measure that predicts worse generalization should fall as accuracy rises). Few checkpoints make τ noisy${t.matched < 10 ? `: with n = ${t.matched}, τ moves in steps of ${fmt(4 / (t.matched * (t.matched - 1)), 2)}, so read its sign, not its digits` : ''}.`));
  s.append(h('div', { class: 'scroll' }, h('table', { class: 'data', id: 'tau-table' },
    h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'measure'), h('th', { class: 'num' }, 'τ'), h('th', { class: 'num' }, 'n'), h('th', { title: 'sign agrees with theory' }, 'expected'))),
    h('tbody', {}, ...t.rows.map((r, i) => h('tr', { 'data-row': r.id },
      h('td', { class: 'num' }, String(i + 1)), h('td', {}, r.name), num(r.tau, {}, (v) => fmtTau(v, r.n)), h('td', { class: 'num' }, String(r.n)),
      h('td', { class: r.agrees === null ? 'muted' : r.agrees ? 'good' : 'bad', title: r.expected === 0 ? 'no expected sign' : `expected ${r.expected > 0 ? 'positive' : 'negative'}` },
        r.agrees === null ? '—' : r.agrees ? '✓' : '✗')))))));
  if (t.excluded?.length) {
    s.append(h('p', { class: 'small muted', id: 'tau-excluded' }, `Not ranked: ${t.excluded.map((x) => x.name).join(', ')} — ${t.excluded[0].reason}.`));
  }
  return s;
}

