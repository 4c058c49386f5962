// The comparison side view: checkpoints grouped by run (pick several), the chosen measures' trends over
// the selected checkpoints (chart.js, one small chart per measure), every measure side by side with
// the last change, the distance between consecutive checkpoints, and Kendall τ-b of each measure
// against a metrics file, ranked. The host computes every number (src/report/comparison.ts); this
// script renders them: the list (compare/list.ts), the trends (compare/trends.ts), the tables
// (compare/tables.ts). Every string is inserted as text (h() → textContent).
import type { ToCompareView } from '../src/protocol/compare';
import { h } from './common/dom';
import { charts, onTrendsChanged, post, trendIds } from './compare/context';
import { groupBlock, isOpen } from './compare/list';
import { tableSection, tauSection } from './compare/tables';
import { trendsSection } from './compare/trends';

type State = Extract<ToCompareView, { type: 'state' }>;

const app = document.getElementById('app')!;
let last: State | null = null;
onTrendsChanged(() => last && render(last));

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
    for (const ch of charts.splice(0)) ch.destroy();
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
