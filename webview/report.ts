// The report webview (report panel and read-only .onnx editor): header, plain-language verdict, what
// could not be computed and the step that enables it, bounds, aggregate measures, the sortable per-layer
// table, and charts (per-layer bars of a chosen metric, the ESD of a chosen layer on log-log axes with
// its power-law fit and x_min, the margin histogram, the loss landscape as a curve and, when 2-D, a
// heatmap). Renders whatever the report lists: names, formulas and citations come from the report.
// Every model-provided string goes in through textContent (h() in common/dom.ts).
import type { LayerReport, MeasureValue, Report } from '../src/protocol/report';
import type { FromWebview, ToWebview } from '../src/protocol/webview';
import type { Progress } from '../src/protocol/worker';
import { groupName } from '../src/report/groupNames';
import { colorAt, normalizeLoss, parseColor, readableColor, type Rgb } from './common/colorScale';
import { type Chart, type ChartClass, chartLib } from './common/chartLib';
import { fmt, fmtBound, h, num, palette, vscodeApi } from './common/dom';
import { logBinnedDensity, powerLawLine } from './common/esd';
import { byReason, missingSteps, needLabel } from './common/notComputed';
import { showProviderNote } from './common/runtimeNote';
import { citation, NO_ROBUST_MEASURE, verdictItems } from '../src/report/verdict';

const app = document.getElementById('app')!;
/**
 * Where the time went, for the e2e and for debugging (wall-clock ms): the host's steps (ToWebview
 * 'timeline') with this page's own — `document` (the webview's document was created), `script` (this
 * bundle started), `init` — in data-timeline, and the time of every render in data-render-times.
 */
const now = () => Math.round(performance.timeOrigin + performance.now());
const timeline: Record<string, number> = { document: Math.round(performance.timeOrigin), script: now() };
const showTimeline = () => app.setAttribute('data-timeline', JSON.stringify(timeline));
showTimeline();
const post = (m: FromWebview) => vscodeApi.postMessage(m);
let charts: Chart[] = [];
/** Counts draws, so that a chart.js load finishing late draws only the latest one. */
let drawGeneration = 0;
let fileName = '';
let shown: { report: Report; cli: string } | null = null;

interface ViewState {
  sortKey?: string | null;
  sortDir?: number;
  barMetric?: string;
  esdLayer?: string;
  /** The checkpoint shown: VS Code keeps this state across a window reload, and the host's panel serializer reads it to restore the panel. */
  file?: string;
}
const state: ViewState = (vscodeApi.getState() as ViewState | undefined) ?? {};
const saveState = () => vscodeApi.setState(state);

/**
 * The per-row copy button, for the mouse: out of the tab order, so the keyboard reaches the table's
 * headers first; keyboard users copy through the one copyPicker() after the table.
 */
function copyButton(text: string, what: string): HTMLButtonElement {
  return h('button', { class: 'link copy', tabindex: -1, title: 'Copy the number with its formula and citation', 'aria-label': `Copy ${what} with its citation`, onclick: () => post({ type: 'copy', text }) }, 'copy');
}

/** One keyboard stop after a table: choose a row, copy its number with its formula and citation. */
function copyPicker(id: string, what: string, rows: { label: string; text: string }[]): HTMLElement | null {
  if (!rows.length) return null;
  const sel = h('select', { id: `${id}-copy-choice`, 'aria-label': `${what} to copy` }, ...rows.map((r, i) => h('option', { value: String(i) }, r.label)));
  return h('div', { class: 'copy-picker small' },
    h('label', {}, `Copy ${what} with its citation: `, sel), ' ',
    h('button', { class: 'secondary', id: `${id}-copy`, onclick: () => post({ type: 'copy', text: rows[Number(sel.value)].text }) }, 'Copy'));
}

/** Skip links: each jumps to a section heading (focus moves there, so Tab continues from it). */
function skipLinks(targets: [string, string][]): HTMLElement {
  return h('nav', { class: 'skip small', 'aria-label': 'Jump to a section' }, 'Jump to: ',
    ...targets.flatMap(([id, label], i) => [i ? ' · ' : '', h('a', {
      href: `#${id}`, class: 'skip-link',
      onclick: (e: Event) => {
        e.preventDefault();
        const el = document.getElementById(id);
        el?.setAttribute('tabindex', '-1');
        el?.focus();
        el?.scrollIntoView({ block: 'start' });
      },
    }, label)]));
}

function section(title: string, id: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...body);
}

function header(r: Report): HTMLElement {
  const m = r.model;
  const rt = r.runtime;
  const provider = rt?.provider ? rt.provider.toUpperCase() : rt?.error ? 'failed' : 'not run (weights only)';
  return h('header', {},
    h('h1', { id: 'file-name' }, m.fileName),
    h('p', { class: 'meta' },
      h('span', { title: 'producer of the ONNX file' }, `${m.producer ?? 'unknown producer'}${m.producerVersion ? ` ${m.producerVersion}` : ''}`),
      ` · opset ${m.opset ?? '?'} · `,
      h('span', { id: 'param-count', 'data-value': String(m.parameters), title: `${fmt(m.storedParameters)} parameters stored in the file` }, `${fmt(m.parameters)} parameters`),
      ` in ${m.layerCount} layers · forward passes: `,
      h('span', { id: 'provider' }, provider),
      ` · analysed in `, h('span', { id: 'elapsed', 'data-value': String(r.elapsedMs) }, `${fmt(r.elapsedMs / 1000, 3)} s`)),
    r.init ? h('p', { class: 'meta' }, `init: ${r.init.path} (${r.init.matchedLayers}/${m.layerCount} layers matched)`) : null,
    r.data ? h('p', { class: 'meta', id: 'probe-line' }, `probe: ${r.data.path} (${fmt(r.data.examples)} examples, ${r.data.classes} classes)${r.testData ? ` · test probe: ${r.testData.path} (${fmt(r.testData.examples)})` : ''}${r.trainSize ? ` · m = ${fmt(r.trainSize)}` : ''}`) : null,
    showProviderNote(r) ? h('p', { class: 'note', id: 'provider-note' }, rt!.providerNote!) : null,
    rt?.error ? h('p', { class: 'error', role: 'alert', id: 'runtime-error' }, `Forward passes failed: ${rt.error}. The weight-only measures below are unaffected.`) : null,
    h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Report actions' },
      h('button', { onclick: () => post({ type: 'export', format: 'json' }), title: 'Save the report as JSON (the CLI’s --json schema)' }, 'Export JSON'),
      h('button', { onclick: () => post({ type: 'export', format: 'csv' }), title: 'Save the per-layer table and the measures as CSV' }, 'Export CSV'),
      h('button', { onclick: () => post({ type: 'export', format: 'markdown' }), title: 'Save the report as Markdown' }, 'Export Markdown'),
      h('button', { class: 'secondary', onclick: () => post({ type: 'reanalyze' }) }, 'Re-analyze'),
      h('button', { class: 'secondary', onclick: () => post({ type: 'chooseInit' }) }, 'Choose init…'),
      h('button', { class: 'secondary', onclick: () => post({ type: 'chooseProbe' }) }, 'Choose probe…')),
  );
}

function verdict(r: Report): HTMLElement {
  const items = verdictItems(r).map((v) => h('li', { 'data-verdict': v.id, class: `verdict-${v.tone}` }, h('strong', {}, v.headline), ' — ', ...withCode(v.text)));
  items.push(h('li', { class: 'muted' }, NO_ROBUST_MEASURE));
  return section('What the theory says', 'verdict', h('ul', {}, ...items));
}

function notComputed(r: Report): HTMLElement | null {
  const steps = missingSteps(r);
  if (!steps.length) return null;
  const names = (items: { name: string }[]) => items.map((i) => i.name).join(', ');
  return section('Not computed, and how to enable it', 'unavailable', h('ul', {}, ...steps.map((s) => s.need === 'pending'
    ? h('li', { 'data-need': s.need }, h('strong', {}, `${s.title} (${s.items.length})`), ': ', s.step, ' ', h('span', { class: 'small muted' }, names(s.items)))
    : s.need === 'undefined'
    // nothing can enable these: one line per distinct reason, the measures named, nothing "waiting"
    ? h('li', { 'data-need': s.need },
      h('strong', {}, `${s.title} (${s.items.length})`), ': ', s.step, ' ',
      h('ul', { class: 'small' }, ...byReason(s.items).map((g) => h('li', {}, g.reason ? `${g.reason}: ` : '', h('span', { class: 'muted' }, names(g.items))))))
    : h('li', { 'data-need': s.need },
      h('strong', {}, `${s.title} (${s.items.length})`), ': ', ...withCode(s.step), ' ',
      s.action ? h('button', { class: 'link', onclick: () => post({ type: s.action! }) }, s.action === 'chooseInit' ? 'Choose init…' : 'Choose probe…') : null,
      s.setting ? h('button', { class: 'link', onclick: () => post({ type: 'openSettings', query: s.setting! }) }, `Open ${s.setting}`) : null,
      h('details', {}, h('summary', {}, `${s.items.length === 1 ? 'the measure' : `the ${s.items.length} measures`} this enables`),
        h('ul', { class: 'small' }, ...s.items.map((i) => h('li', {}, i.name, i.also.length ? h('span', { class: 'muted' }, ` (also needs ${i.also.map(needLabel).join(', ')})`) : null))))))));
}

function boundsTable(r: Report): HTMLElement | null {
  if (!r.bounds.length) return null;
  return section('Bounds on the test error', 'bounds', h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ...['bound', 'value', 'vacuous?', 'assumptions', 'reference', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...r.bounds.map((b) => h('tr', { 'data-bound': b.id },
      h('th', { scope: 'row' }, b.name),
      num(b.value, {}, fmtBound),
      h('td', { class: b.vacuous ? 'bad' : b.vacuous === false ? 'good' : '' }, b.vacuous === null ? '—' : b.vacuous ? 'vacuous' : 'non-vacuous'),
      h('td', { class: 'small' }, b.value === null ? b.reason ?? '' : h('ul', {}, ...b.assumptions.map((a) => h('li', {}, a)), ...(b.details?.search ? [h('li', {}, `best posterior: ${b.details.search}`)] : []))),
      h('td', { class: 'small' }, b.reference),
      h('td', {}, b.value !== null ? copyButton(boundCopyText(b), b.name) : null))))),
    copyPicker('bounds', 'a bound', r.bounds.filter((b) => b.value !== null).map((b) => ({ label: `${b.name} = ${fmtBound(b.value)}`, text: boundCopyText(b) }))));
}

const measureCopyText = (m: MeasureValue) => `${m.name} = ${m.value}${m.stderr !== undefined ? ` ± ${m.stderr}` : ''} (${m.formula}; ${citation(m)})`;
const boundCopyText = (b: Report['bounds'][number]) => `${b.name} = ${b.value} (${b.vacuous ? 'vacuous' : 'non-vacuous'}) — ${b.reference}`;

function measuresTable(r: Report): HTMLElement {
  const groups = new Map<string, [string, MeasureValue][]>();
  for (const e of Object.entries(r.measures)) {
    const g = e[1].group ?? 'other';
    groups.set(g, [...(groups.get(g) ?? []), e]);
  }
  const bodies: Node[] = [];
  for (const [g, list] of groups) {
    bodies.push(h('tbody', {},
      h('tr', { class: 'group' }, h('th', { colspan: 4, scope: 'rowgroup' }, groupName(g))),
      ...list.map(([id, m]) => h('tr', { 'data-measure': id },
        h('th', { scope: 'row', title: `${m.formula}\n${citation(m)}` }, m.name, h('span', { class: 'formula' }, m.formula)),
        num(m.value, { id: `measure-${id}` }),
        h('td', { class: 'small' },
          m.value === null ? h('span', { class: 'muted' }, m.reason ?? 'not computed') : m.stderr !== undefined ? `± ${fmt(m.stderr, 2)} (Monte-Carlo standard error) · ` : '',
          m.value === null ? h('br', {}) : null, citation(m)),
        h('td', {}, m.value !== null ? copyButton(measureCopyText(m), m.name) : null)))));
  }
  return section('Measures', 'measures', h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'measure (hover for formula)'), h('th', { scope: 'col' }, 'value'), h('th', { scope: 'col' }, 'notes and reference'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'copy')))),
    ...bodies),
    copyPicker('measures', 'a measure', Object.values(r.measures).filter((m) => m.value !== null).map((m) => ({ label: `${m.name} = ${fmt(m.value)}`, text: measureCopyText(m) }))));
}

/** Metric ids present in some layer, in the registry's order. */
function layerIds(r: Report): string[] {
  const order = Object.keys(r.metricInfo);
  const present = new Set(r.layers.flatMap((l) => Object.keys(l.metrics)));
  return [...order.filter((k) => present.has(k)), ...[...present].filter((k) => !order.includes(k))];
}

const layerLabel = (l: LayerReport) => l.name + (l.part ? ` [${l.part}]` : '');

function layersTable(r: Report): HTMLElement {
  const ids = layerIds(r);
  const tbody = h('tbody', {});
  const headers = new Map<string, HTMLTableCellElement>();
  const fill = () => {
    const key = state.sortKey ?? null;
    const dir = state.sortDir ?? 1;
    const rows = r.layers.slice();
    if (key === 'name') rows.sort((a, b) => dir * layerLabel(a).localeCompare(layerLabel(b)));
    else if (key) rows.sort((a, b) => {
      const x = a.metrics[key];
      const y = b.metrics[key];
      if (x == null || y == null) return (x == null ? 1 : 0) - (y == null ? 1 : 0); // missing values last
      return dir * (x - y);
    });
    for (const [k, th] of headers) th.setAttribute('aria-sort', k === key ? (dir > 0 ? 'ascending' : 'descending') : 'none');
    tbody.replaceChildren(...rows.map((l) => h('tr', { 'data-layer': l.name },
      h('th', { scope: 'row', class: 'layer-name', title: `${l.node} (${l.op}, ${l.role})` }, layerLabel(l),
        h('span', { class: 'small muted' }, ` ${l.op} ${l.matrixShape.join('×')}${l.foldedBatchNorm ? ' (BN folded)' : ''}`)),
      ...ids.map((k) => num(l.metrics[k], l.notes?.[k] ? { title: l.notes[k] } : {})),
      h('td', { class: 'small flags' }, ...(l.flags ?? []).map((f) => h('div', { class: f.severity, 'data-flag': f.id }, f.message)), l.notes?.['*'] ?? ''))));
  };
  const headerCell = (key: string, label: string, title: string, cls?: string) => {
    const th = h('th', { scope: 'col', title, 'aria-sort': 'none', class: cls }, h('button', {
      class: 'sort', 'aria-label': `${label}: sort`,
      onclick: () => {
        state.sortDir = state.sortKey === key ? -(state.sortDir ?? 1) : 1;
        state.sortKey = key;
        saveState();
        fill();
      },
    }, label));
    headers.set(key, th);
    return th;
  };
  const head = h('tr', {}, headerCell('name', 'layer', 'initializer name; click to sort', 'layer-name'),
    ...ids.map((k) => {
      const mi = r.metricInfo[k];
      return headerCell(k, mi?.symbol ?? k, mi ? `${mi.name}: ${mi.formula} (${mi.reference}); click to sort` : k);
    }),
    h('th', { scope: 'col' }, 'flags'));
  fill();
  return section('Layers', 'layers',
    h('a', { href: '#charts-h', class: 'skip-link small', onclick: (e: Event) => {
      e.preventDefault();
      const el = document.getElementById('charts-h');
      el?.setAttribute('tabindex', '-1');
      el?.focus();
    } }, `Skip the table (${r.layers.length} rows × ${ids.length} columns) to the charts`),
    h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'per-layer metrics (scrolls sideways)' }, h('table', { class: 'data', id: 'layer-table' }, h('thead', {}, head), tbody)),
    h('p', { class: 'small muted' },
      'Flags — α < 2: a very heavy-tailed spectrum, which Martin & Mahoney read as over-trained (over-fit to correlations in the data); ',
      'α > 6: close to a random matrix, read as under-trained; both are heuristics from pretrained models, weigh them with the fit quality (α σ, KS distance). ',
      'Hover a column header for its formula and citation; the headers are buttons that sort.'));
}

function chartCanvas(id: string, label: string): HTMLCanvasElement {
  return h('canvas', { id, role: 'img', 'aria-label': label });
}

type Palette = ReturnType<typeof palette>;

/** Log-axis tick labels only at 1, 2 and 5 × 10^k (the others crowd each other). */
function logTick(v: number | string): string {
  const x = Number(v);
  if (!(x > 0)) return '';
  const m = x / 10 ** Math.floor(Math.log10(x) + 1e-12);
  return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? fmt(x, 3) : '';
}

function axis(p: Palette, title: string, type: 'linear' | 'logarithmic' | 'category' = 'linear') {
  return {
    type, title: { display: true, text: title, color: p.muted },
    ticks: { color: p.muted, ...(type === 'logarithmic' ? { callback: logTick, autoSkip: false } : {}) },
    grid: { color: p.grid }, border: { color: p.grid },
  };
}

/** Text with `setting ids` and `file names` in backquotes, as text nodes and <code> elements. */
function withCode(text: string): Node[] {
  return text.split('`').map((part, i) => (i % 2 ? h('code', {}, part) : document.createTextNode(part)));
}

const legend = (p: Palette) => ({ labels: { color: p.fg } });

function barChart(Chart: ChartClass, canvas: HTMLCanvasElement, r: Report, k: string, p: Palette): Chart {
  const mi = r.metricInfo[k];
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: r.layers.map((l) => l.module ?? layerLabel(l)), datasets: [{ label: mi?.name ?? k, data: r.layers.map((l) => l.metrics[k] ?? null), backgroundColor: p.a }] },
    options: { animation: false, aspectRatio: 2.4, plugins: { legend: legend(p) }, scales: { x: axis(p, 'layer', 'category'), y: axis(p, mi?.symbol ?? k) } },
  });
}

/** Log-binned density of λ on log-log axes, the fitted power law above x_min, and x_min itself. */
function esdChart(Chart: ChartClass, canvas: HTMLCanvasElement, l: LayerReport, p: Palette): Chart {
  const ev = l.esd ?? [];
  const density = logBinnedDensity(ev);
  const datasets: object[] = [{ label: 'ESD (log-binned density)', data: density, backgroundColor: p.a, borderColor: p.a, pointRadius: 3, showLine: false }];
  const alpha = l.metrics.alpha;
  const xmin = l.metrics.xmin;
  if (alpha != null && xmin != null) {
    const line = powerLawLine(ev, alpha, xmin);
    // WCAG 1.4.11: the fit line needs ≥ 3:1 against the background in every theme (orange on dark grey did not)
    const fit = readableColor(p.bg, [p.b, p.f, p.e, p.fg]);
    if (line.length) datasets.push({ label: `power law, α = ${fmt(alpha, 3)}`, data: line, borderColor: fit, backgroundColor: fit, showLine: true, pointRadius: 0, borderWidth: 2.5 });
    const ys = [...density.map((d) => d.y), ...line.map((d) => d.y)].filter((y) => y > 0);
    if (ys.length) datasets.push({ label: `x_min = ${fmt(xmin, 3)}`, data: [{ x: xmin, y: Math.min(...ys) }, { x: xmin, y: Math.max(...ys) }], borderColor: p.c, backgroundColor: p.c, showLine: true, pointRadius: 0, borderDash: [5, 4] });
  }
  return new Chart(canvas, {
    type: 'scatter', data: { datasets } as never,
    options: { animation: false, aspectRatio: 2, plugins: { legend: legend(p) }, scales: { x: axis(p, 'eigenvalue λ = σ² (log)', 'logarithmic'), y: axis(p, 'density (log)', 'logarithmic') } },
  });
}

function marginChart(Chart: ChartClass, canvas: HTMLCanvasElement, r: Report, p: Palette): Chart {
  const mm = r.margins!;
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: mm.counts.map((_, i) => fmt((mm.edges[i] + mm.edges[i + 1]) / 2, 3)),
      datasets: [{ label: 'examples', data: mm.counts, backgroundColor: mm.counts.map((_, i) => (mm.edges[i + 1] <= 0 ? p.c : p.d)), categoryPercentage: 1, barPercentage: 0.95 }],
    },
    options: { animation: false, aspectRatio: 2.4, plugins: { legend: { display: false } }, scales: { x: axis(p, 'margin f(x)[y] − max over j ≠ y of f(x)[j] (red: misclassified)', 'category'), y: axis(p, 'examples') } },
  });
}

function landscapeChart(Chart: ChartClass, canvas: HTMLCanvasElement, r: Report, p: Palette): Chart {
  const ls = r.landscape!;
  const datasets: object[] = [{ label: 'loss along direction d₁', data: ls.alphas.map((x, i) => ({ x, y: ls.loss1d[i] })), borderColor: p.a, backgroundColor: p.a, showLine: true, pointRadius: 2 }];
  return new Chart(canvas, {
    type: 'scatter', data: { datasets } as never,
    options: { animation: false, aspectRatio: 2.4, plugins: { legend: legend(p) }, scales: { x: axis(p, 'step α along d₁ (filter-normalised)'), y: axis(p, 'cross-entropy on the training probe') } },
  });
}

/** The 2-D loss landscape as a heatmap (log scale of loss − min) with the trained weights at the centre. */
function drawHeatmap(canvas: HTMLCanvasElement, r: Report, p: Palette): void {
  const ls = r.landscape!;
  const a = ls.alphas;
  const b = ls.betas!;
  const grid = ls.loss2d!;
  const stops = [p.a, p.f, p.c].map((c) => parseColor(c) ?? ([128, 128, 128] as Rgb));
  const t = normalizeLoss(grid);
  const dpr = window.devicePixelRatio || 1;
  const size = 360;
  const pad = { l: 56, b: 44, t: 8, r: 90 };
  canvas.width = (size + pad.l + pad.r) * dpr;
  canvas.height = (size + pad.t + pad.b) * dpr;
  canvas.style.width = `${size + pad.l + pad.r}px`;
  canvas.style.height = `${size + pad.t + pad.b}px`;
  const g = canvas.getContext('2d')!;
  g.scale(dpr, dpr);
  const cw = size / a.length;
  const ch = size / b.length;
  for (let j = 0; j < b.length; j++) {
    for (let i = 0; i < a.length; i++) {
      const v = t[j * a.length + i];
      g.fillStyle = Number.isFinite(v) ? colorAt(stops, v) : p.bg;
      // β grows upwards
      g.fillRect(pad.l + i * cw, pad.t + (b.length - 1 - j) * ch, Math.ceil(cw), Math.ceil(ch));
    }
  }
  g.strokeStyle = p.fg;
  g.fillStyle = p.fg;
  g.font = '11px sans-serif';
  const cx = pad.l + size * ((0 - a[0]) / (a[a.length - 1] - a[0]) || 0.5);
  const cy = pad.t + size * (1 - ((0 - b[0]) / (b[b.length - 1] - b[0]) || 0.5));
  g.beginPath();
  g.arc(cx, cy, 4, 0, 2 * Math.PI);
  g.stroke();
  g.textAlign = 'center';
  for (const k of [0, Math.floor(a.length / 2), a.length - 1]) g.fillText(fmt(a[k], 2), pad.l + (k + 0.5) * cw, pad.t + size + 14);
  g.fillText('α along d₁', pad.l + size / 2, pad.t + size + 32);
  g.textAlign = 'right';
  for (const k of [0, Math.floor(b.length / 2), b.length - 1]) g.fillText(fmt(b[k], 2), pad.l - 6, pad.t + (b.length - 1 - k + 0.5) * ch + 4);
  g.save();
  g.translate(14, pad.t + size / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText('β along d₂', 0, 0);
  g.restore();
  // colour bar
  const finite = grid.filter(Number.isFinite);
  const x0 = pad.l + size + 24;
  for (let y = 0; y < size; y++) {
    g.fillStyle = colorAt(stops, 1 - y / (size - 1));
    g.fillRect(x0, pad.t + y, 14, 1);
  }
  g.fillStyle = p.fg;
  g.textAlign = 'left';
  if (finite.length) {
    g.fillText(fmt(Math.max(...finite), 3), x0 + 18, pad.t + 10);
    g.fillText(fmt(Math.min(...finite), 3), x0 + 18, pad.t + size);
  }
}

/** The charts section, and the function that (re)draws its charts once it is in the document. */
function chartsSection(r: Report): [HTMLElement, () => void] {
  const ids = layerIds(r).filter((k) => r.layers.some((l) => typeof l.metrics[k] === 'number'));
  const metricSel = h('select', { id: 'bar-metric', 'aria-label': 'Metric for the per-layer bars' }, ...ids.map((k) => h('option', { value: k }, r.metricInfo[k]?.name ?? k)));
  metricSel.value = state.barMetric && ids.includes(state.barMetric) ? state.barMetric : ids.includes('alpha') ? 'alpha' : ids[0] ?? '';
  const withEsd = r.layers.filter((l) => l.esd?.length);
  const layerSel = h('select', { id: 'esd-layer', 'aria-label': 'Layer for the ESD plot' }, ...withEsd.map((l) => h('option', { value: l.name + (l.part ?? '') }, layerLabel(l))));
  // default: the layer with the most eigenvalues (the best-determined fit), not the first in the file
  const richest = withEsd.reduce<LayerReport | undefined>((b, l) => (!b || l.esd!.length > b.esd!.length ? l : b), undefined);
  if (state.esdLayer && withEsd.some((l) => l.name + (l.part ?? '') === state.esdLayer)) layerSel.value = state.esdLayer;
  else if (richest) layerSel.value = richest.name + (richest.part ?? '');
  const bar = chartCanvas('bar-chart', 'per-layer bars of the chosen metric');
  const esd = chartCanvas('esd-chart', 'empirical spectral density of the chosen layer on log-log axes, with the fitted power law and x_min');
  const esdNote = h('p', { class: 'small muted', id: 'esd-note' });
  const body: Node[] = [
    ids.length ? h('div', { class: 'chart' }, h('label', {}, 'Per-layer ', metricSel), bar) : h('p', {}, 'No per-layer metric to plot.'),
    withEsd.length ? h('div', { class: 'chart' }, h('label', {}, 'ESD of ', layerSel), esd, esdNote) : h('p', {}, 'No layer has a spectrum to plot.'),
  ];
  const margin = r.margins ? chartCanvas('margin-chart', 'histogram of the training-probe margins') : null;
  if (margin) body.push(h('div', { class: 'chart' }, h('h3', {}, 'Margins on the training probe'), margin,
    h('p', { class: 'small muted' }, `10th percentile γ = ${fmt(r.margins!.p10)}, median ${fmt(r.margins!.median)}, range [${fmt(r.margins!.min)}, ${fmt(r.margins!.max)}]; negative margins are misclassified examples.`)));
  const land = r.landscape ? chartCanvas('landscape-chart', 'loss along a random filter-normalised direction') : null;
  const heat = r.landscape?.loss2d && r.landscape.betas ? chartCanvas('landscape-heatmap', 'loss over a 2-D plane of random filter-normalised directions; the circle marks the trained weights') : null;
  if (land) body.push(h('div', { class: 'chart' }, h('h3', {}, 'Loss landscape'), land, heat ? h('div', { class: 'heatmap' }, heat) : null, h('p', { class: 'small muted' }, r.landscape!.note)));

  const sectionEl = section('Charts', 'charts', ...body);
  const draw = () => {
    for (const c of charts) c.destroy();
    charts = [];
    const p = palette();
    const l = withEsd.find((x) => x.name + (x.part ?? '') === layerSel.value) ?? richest;
    if (l) esdNote.textContent = `${l.esd!.length} eigenvalues${l.esdNote ? ` (${l.esdNote})` : ''}; α = ${fmt(l.metrics.alpha)}, x_min = ${fmt(l.metrics.xmin)}, KS distance ${fmt(l.metrics.ksDistance)}. ${l.notes?.alpha ?? ''}`;
    if (heat) drawHeatmap(heat, r, p);
    // chart.js loads on the first draw (the numbers above do not wait for it); a newer draw replaces this one
    const generation = ++drawGeneration;
    sectionEl.setAttribute('data-drawn', 'false');
    chartLib().then((Chart) => {
      if (generation !== drawGeneration) return;
      if (ids.length) charts.push(barChart(Chart, bar, r, metricSel.value, p));
      if (l) charts.push(esdChart(Chart, esd, l, p));
      if (margin) charts.push(marginChart(Chart, margin, r, p));
      if (land) charts.push(landscapeChart(Chart, land, r, p));
      sectionEl.setAttribute('data-drawn', 'true');
    }, (e: Error) => {
      sectionEl.prepend(h('p', { class: 'error', role: 'alert' }, `The charts could not be drawn: ${e.message}`));
    });
  };
  metricSel.addEventListener('change', () => {
    state.barMetric = metricSel.value;
    saveState();
    draw();
  });
  layerSel.addEventListener('change', () => {
    state.esdLayer = layerSel.value;
    saveState();
    draw();
  });
  return [sectionEl, draw];
}

/** Redraws the charts on screen (after a theme change). */
let redraw: (() => void) | null = null;

// ── Progressive report ────────────────────────────────────────────────────────────────────────────
// The host posts the report after the weight-only phase and after each forward phase, each with
// `partial.pending` (the phases still to come), then the final one. The page shows every number that
// exists, and a phase strip: done phases ticked, the running one with its own progress, the rest
// pending; a cancelled or failed run keeps what was computed and marks the phases that did not run.

type PartialInfo = { pending: string[] };
/** The phases still running, when this report is one of a streamed analysis (report.partial.pending). */
const partialOf = (r: Report): PartialInfo | undefined => {
  const p = (r as { partial?: { pending?: unknown } }).partial;
  return p && Array.isArray(p.pending) ? (p as PartialInfo) : undefined;
};

const PHASE_LABEL: Record<string, string> = {
  weights: 'weight-only measures', accuracy: 'accuracy, loss and margins on the probes', pathNorm: 'path-norm',
  flatness: 'flatness (σ′ searches)', sharpness: 'sharpness', bounds: 'bounds on the test error', landscape: 'loss landscape',
};
const phaseLabel = (id: string) => PHASE_LABEL[id] ?? id;

/** Phases of the current run in order (every id seen pending so far) and the latest progress message. */
let runPhases: string[] = [];
const renders: string[] = [];
const renderTimes: number[] = [];
let runProgress: Progress | null = null;

function phaseStrip(pending: string[], stopped?: 'cancelled' | 'failed'): HTMLElement {
  for (const id of pending) if (!runPhases.includes(id)) runPhases.push(id);
  const items = ['weights', ...runPhases].map((id) => {
    const state = id === 'weights' || !pending.includes(id) ? 'done' : stopped ? 'stopped' : id === pending[0] ? 'running' : 'pending';
    const frac = state === 'running' && runProgress && runProgress.total > 0 ? Math.min(1, runProgress.done / runProgress.total) : undefined;
    return h('li', { 'data-phase': id, 'data-state': state, class: `phase ${state}` },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, state === 'done' ? '✓' : state === 'running' ? '…' : state === 'stopped' ? '✗' : '·'), ' ',
      phaseLabel(id),
      state === 'running' ? h('span', { class: 'small muted phase-message' }, runProgress ? ` — ${runProgress.message}` : '') : null,
      state === 'running' ? h('progress', { max: 1, ...(frac !== undefined ? { value: frac } : {}), 'aria-label': `${phaseLabel(id)} progress` }) : null,
      state === 'pending' ? h('span', { class: 'small muted' }, ' — waiting') : null,
      state === 'stopped' ? h('span', { class: 'small muted' }, ` — not run (${stopped})`) : null);
  });
  return h('div', { id: 'phases', class: 'banner', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'small' }, stopped ? `Analysis ${stopped}: the numbers below are those computed before it stopped.` : 'Numbers appear as each phase finishes.'),
    h('ul', { class: 'phases' }, ...items),
    stopped ? null : h('button', { class: 'secondary', id: 'cancel', onclick: () => post({ type: 'cancel' }) }, 'Cancel'));
}

/** Updates the running phase's line from a progress message without re-rendering the report. */
function updateStrip(p: Progress): void {
  runProgress = p;
  const li = document.querySelector('#phases li[data-state="running"]');
  if (!li) return;
  const msg = li.querySelector('.phase-message');
  if (msg) msg.textContent = ` — ${p.message}`;
  const bar = li.querySelector('progress');
  if (bar && p.total > 0) bar.value = Math.min(1, p.done / p.total);
}

function render(r: Report, cli: string, error?: HTMLElement, stopped?: 'cancelled' | 'failed'): void {
  const y = window.scrollY;
  const partial = partialOf(r);
  if (!partial) {
    runPhases = [];
    runProgress = null;
  }
  for (const c of charts) c.destroy();
  charts = [];
  const [chartsEl, draw] = chartsSection(r);
  const warnings = r.warnings.length ? section('Warnings', 'warnings', h('ul', {}, ...r.warnings.map((w) => h('li', {}, w)))) : null;
  app.replaceChildren(...[
    error ?? null,
    partial ? phaseStrip(partial.pending, stopped) : null,
    skipLinks([...(r.bounds.length ? [['bounds-h', 'bounds']] : []), ['measures-h', 'measures'], ['layers-h', 'per-layer table'], ['charts-h', 'charts'], ...(warnings ? [['warnings-h', 'warnings']] : [])] as [string, string][]),
    header(r), verdict(r), notComputed(r), boundsTable(r), measuresTable(r), layersTable(r), chartsEl, warnings,
    h('footer', { class: 'small muted' }, 'The same numbers from the CLI: ', h('code', { id: 'cli' }, cli), ` · report schema ${r.schemaVersion} · theory-lens ${r.tool.version}`),
  ].filter((x): x is HTMLElement => x !== null));
  // charts need the canvases in the document to size themselves
  redraw = draw;
  draw();
  // 'partial': numbers shown, phases still running (or stopped); 'true': the final report
  app.setAttribute('data-ready', partial && !stopped ? 'partial' : 'true');
  // every report rendered, in order ("partial:<phases pending>", "final"): the e2e reads how they streamed in
  renders.push(partial ? `partial:${partial.pending.length}` : 'final');
  renderTimes.push(now());
  app.setAttribute('data-renders', renders.slice(-40).join(' '));
  app.setAttribute('data-render-times', renderTimes.slice(-40).join(' '));
  if (partial) window.scrollTo(0, y);
}

function progressView(m: Extract<ToWebview, { type: 'progress' }>): void {
  const line = `${m.progress.phase}: ${m.progress.message}`;
  if (m.progress.phase === 'read') {
    // a new run: its phases are not those of the last one
    runPhases = [];
    runProgress = null;
  }
  if (shown && partialOf(shown.report) && document.querySelector('#phases #cancel')) {
    // a partial report is on screen: the strip shows the running phase's progress
    updateStrip(m.progress);
    return;
  }
  if (shown) {
    // a report is on screen: keep it, and show the re-analysis in a banner above it
    let banner = document.getElementById('progress-banner');
    if (!banner) {
      banner = h('div', { id: 'progress-banner', class: 'banner', role: 'status' },
        h('span', { class: 'text' }), ' ', h('progress', { max: 1, 'aria-label': 'analysis progress' }), ' ',
        h('button', { class: 'secondary', id: 'cancel', onclick: () => post({ type: 'cancel' }) }, 'Cancel'));
      app.prepend(banner);
    }
    banner.querySelector('.text')!.textContent = `Re-analysing — ${line}`;
    (banner.querySelector('progress') as HTMLProgressElement).value = m.fraction;
    return;
  }
  app.replaceChildren(
    h('h1', { id: 'file-name' }, fileName),
    h('p', { class: 'progress', role: 'status' }, line),
    h('progress', { max: 1, value: m.fraction, 'aria-label': 'analysis progress' }),
    h('div', {}, h('button', { class: 'secondary', id: 'cancel', onclick: () => post({ type: 'cancel' }) }, 'Cancel')),
  );
  app.setAttribute('data-ready', 'progress');
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'timeline':
      Object.assign(timeline, m.marks);
      showTimeline();
      return;
    case 'init':
      timeline.init ??= now();
      showTimeline();
      fileName = m.fileName;
      if (state.file !== m.file) {
        // another checkpoint than the state was saved for: its sort/ESD choices do not apply
        if (state.file) for (const k of Object.keys(state) as (keyof ViewState)[]) delete state[k];
        state.file = m.file;
        saveState();
      }
      if (!shown) app.replaceChildren(h('h1', { id: 'file-name' }, m.fileName), h('p', { class: 'muted', role: 'status' }, 'Waiting for the analysis…'));
      return;
    case 'progress':
      progressView(m);
      return;
    case 'report':
      shown = { report: m.report, cli: m.cli };
      render(m.report, m.cli);
      return;
    case 'error': {
      const box = h('div', { class: 'error', role: 'alert', id: 'error' },
        h('h2', {}, m.cancelled ? 'Analysis cancelled' : `Could not analyse ${fileName || m.file}`),
        h('p', {}, m.message),
        m.report ? h('p', {}, 'The last report is shown below.') : null,
        h('button', { onclick: () => post({ type: 'reanalyze' }) }, m.cancelled ? 'Analyse again' : 'Try again'));
      if (m.report) {
        shown = { report: m.report, cli: shown?.cli ?? '' };
        render(m.report, shown.cli, box, m.cancelled ? 'cancelled' : 'failed');
      } else {
        app.replaceChildren(h('h1', { id: 'file-name' }, fileName || m.file), box);
        app.setAttribute('data-ready', 'error');
      }
      return;
    }
  }
});

// Theme changes (light, dark, high contrast) restyle the page through CSS; charts read colours when
// drawn, so redraw them.
new MutationObserver(() => redraw?.()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
post({ type: 'ready' });
