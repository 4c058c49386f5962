// The comparison side view: checkpoints grouped by run (pick several), the chosen measures' trends over
// the selected checkpoints (chart.js, one small chart per measure), every measure side by side with
// the last change, the distance between consecutive checkpoints, and Kendall τ-b of each measure
// against a metrics file, ranked. The host computes every number (src/report/comparison.ts);
// this script renders them. Every string is inserted as text (h() → textContent).
import type { CheckpointGroup, CheckpointItem, Comparison, ComparisonRow, FromCompareView, MetricsSource, ToCompareView } from '../src/protocol/compare';
import { groupName } from '../src/report/groupNames';
import { Chart, fmt, h, num, palette, vscodeApi } from './common/dom';
import { fmtTau } from './common/format';

type State = Extract<ToCompareView, { type: 'state' }>;

interface UiState {
  /** Row ids whose trend is plotted. */
  trends?: string[];
  /** Groups the user collapsed or expanded (others: expanded when something in them is selected). */
  collapsed?: string[];
  expanded?: string[];
}

const app = document.getElementById('app')!;
const post = (m: FromCompareView) => vscodeApi.postMessage(m);
const ui: UiState = (vscodeApi.getState() as UiState | undefined) ?? {};
const saveUi = () => vscodeApi.setState(ui);
let charts: Chart[] = [];
let last: State | null = null;

const STATE_TEXT: Record<CheckpointItem['state'], string> = { idle: '', queued: 'queued', running: 'analysing', done: '', error: 'failed' };

function itemRow(it: CheckpointItem): HTMLLIElement {
  const box = h('input', {
    type: 'checkbox', id: `sel-${it.path}`, 'aria-label': `compare ${it.rel}`,
    onchange: (e: Event) => post({ type: 'toggle', path: it.path, selected: (e.target as HTMLInputElement).checked }),
  });
  box.checked = it.selected;
  const status = it.state === 'error' ? `failed: ${it.error ?? ''}` : it.state === 'running' ? `analysing${it.progress ? ` (${it.progress})` : '…'}` : it.progress === 'stopped' ? 'stopped' : STATE_TEXT[it.state];
  return h('li', { class: `cp ${it.state}`, 'data-path': it.path, 'data-label': it.label, 'data-state': it.state },
    box,
    h('button', { class: 'link', title: `${it.rel} — open its report`, onclick: () => post({ type: 'openReport', path: it.path }) }, it.label),
    status ? h('span', { class: `status small ${it.state === 'error' ? 'bad' : 'muted'}`, title: it.error ?? '' }, ` ${status}`) : null);
}

function groupBlock(g: CheckpointGroup, open: boolean): HTMLElement {
  const all = g.items.every((i) => i.selected);
  const some = g.items.some((i) => i.selected);
  const box = h('input', {
    type: 'checkbox', 'aria-label': `compare every checkpoint in ${g.label}`,
    onchange: (e: Event) => post({ type: 'selectGroup', group: g.id, selected: (e.target as HTMLInputElement).checked }),
  });
  box.checked = all;
  box.indeterminate = some && !all;
  const details = h('details', { class: 'group', 'data-group': g.id },
    h('summary', {}, box, h('span', { class: 'group-name' }, ` ${g.label}`), h('span', { class: 'muted small' }, ` (${g.items.length}${some && !all ? `, ${g.items.filter((i) => i.selected).length} selected` : ''})`)),
    h('ol', { class: 'checkpoints', 'data-group': g.id }, ...g.items.map(itemRow)));
  details.open = open;
  details.addEventListener('toggle', () => {
    const c = new Set(ui.collapsed ?? []);
    const x = new Set(ui.expanded ?? []);
    if (details.open) {
      c.delete(g.id);
      x.add(g.id);
    } else {
      x.delete(g.id);
      c.add(g.id);
    }
    ui.collapsed = [...c];
    ui.expanded = [...x];
    saveUi();
  });
  return details;
}

/** Rows to plot by default: α̂, the product of spectral norms, the step distance, the user's metric, test accuracy, a bound. */
function defaultTrends(c: Comparison): string[] {
  const have = new Set(c.rows.filter((r) => r.values.some((v) => v !== null)).map((r) => r.id));
  const wanted = ['wwMeanAlphaWeighted', 'logProdSpec', 'stepDistance', ...c.rows.filter((r) => r.kind === 'metric').map((r) => r.id), 'testAccuracy'];
  return wanted.filter((id) => have.has(id)).slice(0, 4);
}

function xLabels(c: Comparison): string[] {
  const epochs = c.columns.every((col) => col.epoch !== null) && new Set(c.columns.map((col) => col.epoch)).size === c.columns.length;
  return c.columns.map((col) => (epochs && c.columns.length > 1 ? String(col.epoch) : col.label));
}

function trendChart(c: Comparison, r: ComparisonRow, color: string): HTMLElement {
  const canvas = h('canvas', { id: `trend-${r.id}`, class: 'trend', 'data-row': r.id, role: 'img', 'aria-label': `${r.name} over the selected checkpoints`, height: 150 });
  const p = palette();
  const wrap = h('figure', { class: 'trend-box', 'data-row': r.id },
    h('figcaption', {},
      h('span', { title: `${r.formula}\n${r.reference}` }, r.name),
      h('button', { class: 'icon', title: `stop plotting ${r.name}`, 'aria-label': `remove the trend of ${r.name}`, onclick: () => setTrends(trendIds(c).filter((x) => x !== r.id)) }, '×')),
    canvas);
  queueMicrotask(() => {
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

/** The plotted rows: the user's choice once they made one, else the defaults for what is there now. */
function trendIds(c: Comparison): string[] {
  return ui.trends ?? defaultTrends(c);
}

function setTrends(ids: string[]): void {
  ui.trends = [...new Set(ids)];
  saveUi();
  if (last) render(last);
}

function trendsSection(c: Comparison): HTMLElement {
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

function tableSection(c: Comparison): HTMLElement {
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

function tauSection(c: Comparison, m: MetricsSource | null): HTMLElement {
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

/** Expanded groups: those the user opened, else those with a selected checkpoint. */
function isOpen(g: CheckpointGroup): boolean {
  if ((ui.collapsed ?? []).includes(g.id)) return false;
  if ((ui.expanded ?? []).includes(g.id)) return true;
  return g.items.some((i) => i.selected);
}

let lastComparison = '';

function render(st: State): void {
  last = st;
  const y = window.scrollY;
  const c = st.comparison;
  const running = st.groups.flatMap((g) => g.items).filter((i) => i.state === 'running' || i.state === 'queued').length;
  const done = c.columns.filter((col) => col.state === 'done').length;
  const toolbar = h('div', { class: 'toolbar', id: 'toolbar' },
    h('button', { title: 'rescan the workspace and retry failed analyses', onclick: () => post({ type: 'refresh' }) }, 'Refresh'),
    st.busy || running ? h('button', { title: 'stop the background analyses', onclick: () => post({ type: 'stop' }) }, 'Stop') : null,
    h('button', { onclick: () => post({ type: 'chooseMetrics' }) }, 'Metrics file…'),
    h('span', { class: 'small muted', id: 'busy', 'aria-live': 'polite' },
      st.busy || running ? (done < c.columns.length ? ` analysing ${done}/${c.columns.length}…` : ' distances between checkpoints…') : ''));
  const list = st.groups.length
    ? h('section', { id: 'checkpoints' }, ...st.groups.map((g) => groupBlock(g, isOpen(g))))
    : h('p', { id: 'checkpoints', class: 'muted' }, 'No .onnx checkpoints in the workspace yet. New ones appear here as training writes them.');
  // the comparison (charts) is rebuilt only when its numbers changed, not on every progress message
  const key = JSON.stringify([c, st.metrics, trendIds(c)]);
  let comparison = document.getElementById('comparison');
  if (!comparison || key !== lastComparison) {
    lastComparison = key;
    for (const ch of charts) ch.destroy();
    charts = [];
    const parts: (HTMLElement | null)[] = [];
    if (!c.columns.length) parts.push(h('p', { class: 'muted' }, 'Tick checkpoints (or a whole run) to compare them.'));
    else if (!c.rows.length) parts.push(h('p', { class: 'muted' }, done ? 'The selected checkpoints have no measures in common.' : 'Analysing the selected checkpoints…'));
    else parts.push(trendsSection(c), tableSection(c), tauSection(c, st.metrics));
    if (c.notes.length) {
      parts.push(h('details', { id: 'notes', class: 'small' }, h('summary', {}, `Not computed or failed (${c.notes.length})`),
        h('ul', {}, ...c.notes.map((n) => h('li', { class: /failed|error|cannot|not valid/i.test(n) ? 'bad' : 'muted' }, n)))));
    }
    comparison = h('div', { id: 'comparison' }, ...parts.filter((p): p is HTMLElement => !!p));
  }
  app.replaceChildren(toolbar, list, comparison);
  app.setAttribute('data-columns', String(c.columns.length));
  app.setAttribute('data-done', String(done));
  app.setAttribute('data-busy', String(st.busy || running > 0));
  app.setAttribute('data-ready', 'true');
  window.scrollTo(0, y);
}

let pending: State | null = null;
window.addEventListener('message', (e: MessageEvent<ToCompareView>) => {
  if (e.data?.type !== 'state') return;
  // one render per frame however fast states arrive
  if (!pending) requestAnimationFrame(() => {
    const s = pending!;
    pending = null;
    try {
      render(s);
    } catch (err) {
      app.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The comparison view failed to render: ${(err as Error).message}`));
    }
  });
  pending = e.data;
});
post({ type: 'ready' });
