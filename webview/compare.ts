// The comparison side view: checkpoints grouped by run and ordered by epoch, measures side by side
// with deltas, a trend chart of a chosen measure over a run, the distance between consecutive
// checkpoints, and Kendall τ of every measure against a user-supplied metrics file.
import type { CompareEntry, FromWebview, ToWebview } from '../src/protocol/webview';
import { Chart, fmt, h, num, palette, vscodeApi } from './common/dom';

const app = document.getElementById('app')!;
const post = (m: FromWebview) => vscodeApi.postMessage(m);
let chart: Chart | null = null;
let state = (vscodeApi.getState() as { group?: string; measure?: string } | undefined) ?? {};

function kendall(x: number[], y: number[]): number | null {
  let c = 0, d = 0, tx = 0, ty = 0;
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) {
    const a = Math.sign(x[i] - x[j]);
    const b = Math.sign(y[i] - y[j]);
    if (!a && !b) continue;
    if (!a) tx++;
    else if (!b) ty++;
    else if (a === b) c++;
    else d++;
  }
  const den = Math.sqrt((c + d + tx) * (c + d + ty));
  return den ? (c - d) / den : null;
}

function order(xs: CompareEntry[]): CompareEntry[] {
  return xs.slice().sort((a, b) => (a.epoch !== null && b.epoch !== null && a.epoch !== b.epoch ? a.epoch - b.epoch : a.mtime - b.mtime || a.label.localeCompare(b.label, undefined, { numeric: true })));
}

function render(entries: CompareEntry[], metrics: { file: string; values: Record<string, number>; column: string } | null): void {
  const groups = new Map<string, CompareEntry[]>();
  for (const e of entries) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  const names = [...groups.keys()].sort((a, b) => (groups.get(b)!.length - groups.get(a)!.length) || a.localeCompare(b));
  if (!state.group || !groups.has(state.group)) state.group = names[0];
  const run = order(groups.get(state.group ?? '') ?? []);
  const done = run.filter((e) => e.report);
  const measureIds = done.length ? Object.keys(done[0].report!.measures).filter((k) => done.some((e) => e.report!.measures[k]?.value !== null)) : [];
  if (!state.measure || !measureIds.includes(state.measure)) state.measure = measureIds.includes('wwMeanAlphaWeighted') ? 'wwMeanAlphaWeighted' : measureIds[0];
  vscodeApi.setState(state);

  const groupSel = h('select', { id: 'run', 'aria-label': 'Run (folder)', onchange: (e: Event) => { state.group = (e.target as HTMLSelectElement).value; render(entries, metrics); } },
    ...names.map((g) => h('option', { value: g }, `${g} (${groups.get(g)!.length})`)));
  (groupSel as HTMLSelectElement).value = state.group ?? '';
  const measureSel = h('select', { id: 'trend-measure', 'aria-label': 'Measure to plot', onchange: (e: Event) => { state.measure = (e.target as HTMLSelectElement).value; render(entries, metrics); } },
    ...measureIds.map((k) => h('option', { value: k }, done[0].report!.measures[k].name)));
  (measureSel as HTMLSelectElement).value = state.measure ?? '';

  const list = h('ol', { id: 'checkpoint-list', class: 'checkpoints' }, ...run.map((e) => h('li', { 'data-path': e.path, class: e.state },
    h('button', { class: 'link', title: e.path, onclick: () => post({ type: 'openReport', path: e.path }) }, e.label),
    h('span', { class: 'small muted' }, e.state === 'done' ? '' : e.state === 'error' ? ` — ${e.error}` : ` — ${e.state}…`))));

  const canvas = h('canvas', { id: 'trend-chart', role: 'img', 'aria-label': 'trend of the chosen measure over the run', height: 200 });
  const table = h('table', { class: 'data', id: 'compare-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'measure'), ...done.map((e) => h('th', {}, e.label)), h('th', {}, 'Δ last'))),
    h('tbody', {},
      h('tr', {}, h('td', {}, '‖Wₖ − Wₖ₋₁‖_F (from previous)'), ...done.map((e, i) => num(i > 0 && e.report!.measures.froDist?.value != null ? Math.sqrt(e.report!.measures.froDist.value!) : null)), h('td', {})),
      ...measureIds.map((k) => {
        const vals = done.map((e) => e.report!.measures[k]?.value ?? null);
        const last = vals.length > 1 && vals[vals.length - 1] !== null && vals[vals.length - 2] !== null ? vals[vals.length - 1]! - vals[vals.length - 2]! : null;
        return h('tr', {}, h('td', { title: done[0].report!.measures[k].formula }, done[0].report!.measures[k].name), ...vals.map((v) => num(v)), num(last));
      })));

  let tau: Node = h('p', { class: 'small muted' }, 'Add a metrics file (CSV or JSON of per-checkpoint test accuracy or loss) to rank measures by Kendall τ against it.');
  if (metrics) {
    const rows = measureIds.map((k) => {
      const pairs = done.filter((e) => metrics.values[e.label] !== undefined && e.report!.measures[k]?.value !== null);
      return { k, tau: pairs.length >= 3 ? kendall(pairs.map((e) => e.report!.measures[k].value!), pairs.map((e) => metrics.values[e.label])) : null, n: pairs.length };
    }).filter((r) => r.tau !== null).sort((a, b) => Math.abs(b.tau!) - Math.abs(a.tau!));
    tau = h('div', {}, h('p', { class: 'small' }, `Kendall τ-b against ${metrics.column} from ${metrics.file}:`),
      h('table', { class: 'data', id: 'tau-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'measure'), h('th', {}, 'τ'), h('th', {}, 'n'))),
        h('tbody', {}, ...rows.map((r) => h('tr', {}, h('td', {}, done[0].report!.measures[r.k].name), num(r.tau), h('td', { class: 'num' }, String(r.n)))))));
  }

  app.replaceChildren(
    h('div', { class: 'toolbar' }, h('label', {}, 'Run ', groupSel), h('button', { onclick: () => post({ type: 'refresh' }) }, 'Refresh'), h('button', { onclick: () => post({ type: 'chooseMetrics' }) }, 'Metrics file…')),
    list,
    done.length ? h('div', { class: 'chart' }, h('label', {}, 'Trend of ', measureSel), canvas) : h('p', { class: 'muted' }, 'Analysing checkpoints…'),
    done.length ? h('div', { class: 'scroll' }, table) : '',
    tau,
  );
  if (done.length && state.measure) {
    const p = palette();
    chart?.destroy();
    chart = new Chart(canvas, {
      type: 'line',
      data: { labels: done.map((e) => e.label), datasets: [{ label: done[0].report!.measures[state.measure].name, data: done.map((e) => e.report!.measures[state.measure!]?.value ?? null), borderColor: p.a, backgroundColor: p.a }] },
      options: { animation: false, plugins: { legend: { labels: { color: p.fg } } }, scales: { x: { ticks: { color: p.muted }, grid: { color: p.grid } }, y: { ticks: { color: p.muted }, grid: { color: p.grid } } } },
    });
  }
  app.setAttribute('data-count', String(run.length));
  app.setAttribute('data-done', String(done.length));
  void fmt;
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  if (e.data.type === 'checkpoints') render(e.data.entries, e.data.metrics);
});
post({ type: 'ready' });
