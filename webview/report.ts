// The report webview: header, plain-language verdict, what could not be computed and how to enable it,
// bounds, aggregate measures, the per-layer table (sortable) and charts (per-layer bars, ESD with its
// power-law fit, margin histogram, loss landscape). Renders whatever the report lists; names, formulas
// and citations come from the report itself.
import type { FromWebview, ToWebview } from '../src/protocol/webview';
import type { LayerReport, MeasureValue, Report } from '../src/protocol/report';
import { Chart, fmt, h, num, palette, vscodeApi } from './common/dom';

const app = document.getElementById('app')!;
const post = (m: FromWebview) => vscodeApi.postMessage(m);
let charts: Chart[] = [];

function copyButton(text: string, label = 'Copy'): HTMLButtonElement {
  return h('button', { class: 'icon', title: 'Copy the number with its formula and citation', 'aria-label': `${label}: copy with citation`, onclick: () => post({ type: 'copy', text }) }, '⧉');
}

function section(title: string, id: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...body);
}

function header(r: Report): HTMLElement {
  const m = r.model;
  const rt = r.runtime;
  return h('header', {},
    h('h1', { id: 'file-name' }, m.fileName),
    h('p', { class: 'meta' },
      `${m.producer ?? 'unknown producer'} ${m.producerVersion ?? ''} · opset ${m.opset ?? '?'} · `,
      h('span', { id: 'param-count', 'data-value': String(m.parameters) }, `${m.parameters.toLocaleString('en-US')} parameters`),
      ` in ${m.layerCount} layers · `,
      rt ? `forward passes: ${rt.provider ? rt.provider.toUpperCase() : 'not run'}` : 'weights only',
      ` · ${fmt(r.elapsedMs / 1000, 3)} s`),
    r.init ? h('p', { class: 'meta' }, `init: ${r.init.path} (${r.init.matchedLayers}/${m.layerCount} layers matched)`) : null,
    r.data ? h('p', { class: 'meta' }, `probe: ${r.data.path} (${r.data.examples} examples, ${r.data.classes} classes)${r.testData ? ` · test probe: ${r.testData.path}` : ''}${r.trainSize ? ` · m = ${r.trainSize}` : ''}`) : null,
    rt?.providerNote ? h('p', { class: 'note' }, rt.providerNote) : null,
    rt?.error ? h('p', { class: 'error', role: 'alert' }, `Forward passes failed: ${rt.error}. The weight-only measures below are unaffected.`) : null,
    h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Report actions' },
      h('button', { onclick: () => post({ type: 'export', format: 'json' }) }, 'Export JSON'),
      h('button', { onclick: () => post({ type: 'export', format: 'csv' }) }, 'Export CSV'),
      h('button', { onclick: () => post({ type: 'export', format: 'markdown' }) }, 'Export Markdown'),
      h('button', { onclick: () => post({ type: 'reanalyze' }) }, 'Re-analyze'),
      h('button', { onclick: () => post({ type: 'chooseInit' }) }, 'Choose init…'),
      h('button', { onclick: () => post({ type: 'chooseProbe' }) }, 'Choose probe…')),
  );
}

const val = (r: Report, id: string) => r.measures[id]?.value ?? null;

/** The few numbers that matter most for this model, one sentence each, with how far to trust them. */
function verdict(r: Report): HTMLElement {
  const items: Node[] = [];
  const li = (...c: (Node | string)[]) => items.push(h('li', {}, ...c));
  const bounds = r.bounds.filter((b) => b.value !== null);
  if (bounds.length) {
    const best = bounds.slice().sort((a, b) => a.value! - b.value!)[0];
    const k = r.data?.classes ?? 10;
    li(h('strong', {}, `Best certified bound on the test error: ${fmt(best.value, 3)}`), best.vacuous
      ? ` — vacuous: no better than guessing among ${k} classes (≥ ${fmt(1 - 1 / k, 3)}). ${best.name} (${best.reference}) cannot certify this model at m = ${r.trainSize}; that says more about the bound than the model.`
      : ` — non-vacuous: with the stated confidence the test error is below this (${best.name}, ${best.reference}; assumptions listed under Bounds).`);
  } else if (r.bounds.length) li(h('strong', {}, 'No certified bound yet'), ` — ${r.bounds[0].reason ?? 'see Bounds'}.`);
  const tr = val(r, 'trainAccuracy');
  const te = val(r, 'testAccuracy');
  if (tr !== null && te !== null) li(h('strong', {}, `Probe accuracy ${fmt(tr, 3)} (train) vs ${fmt(te, 3)} (test)`), ` — an observed gap of ${fmt(tr - te, 3)} on ${r.data?.examples} + ${r.testData?.examples} examples: the most direct evidence here, but small probes are noisy.`);
  const ah = val(r, 'wwMeanAlphaWeighted');
  const a = val(r, 'wwMeanAlpha');
  if (a !== null) {
    const low = r.layers.filter((l) => (l.metrics.alpha ?? 99) < 2).length;
    const high = r.layers.filter((l) => (l.metrics.alpha ?? 0) > 6).length;
    li(h('strong', {}, `Mean α ${fmt(a, 3)}${ah !== null ? `, α̂ ${fmt(ah, 3)}` : ''}`), ` — heavy-tailed self-regularization (Martin & Mahoney 2021): well-trained layers typically have 2 ≤ α ≤ 6; ${low} layer(s) below 2 (very heavy tails, possibly over-fit), ${high} above 6 (random-like, under-trained). α̂ tracked test accuracy across pretrained model families, but is a comparative, not an absolute, indicator.`);
  }
  const flat = val(r, 'magFlatness') ?? val(r, 'pacbayesFlatness');
  if (flat !== null) li(h('strong', {}, `Flatness 1/σ′² = ${fmt(flat, 3)}`), ` — how much random weight noise the training accuracy survives (Jiang et al. 2020, eq. ${r.measures.magFlatness?.value != null ? '61' : '53'}); flatness measures correlated best with generalization in their study, compare it across checkpoints of one run rather than reading it alone.`);
  const lps = val(r, 'logProdSpec');
  if (lps !== null) li(h('strong', {}, `Σ ln‖Wᵢ‖₂² = ${fmt(lps, 3)}`), ' — the spectral-norm product behind Bartlett et al. 2017 and Neyshabur et al. 2018; Jiang et al. 2020 found it correlates negatively with generalization across architectures (it grows with depth), so use it within one architecture.');
  items.push(h('li', { class: 'muted' }, 'No measure is robust everywhere: Jiang et al. 2020 (ICLR) and Dziugaite et al. 2020 (NeurIPS, "In search of robust measures of generalization") found every one fails in some environment. Treat these as evidence to weigh, not verdicts.'));
  return section('What the theory says', 'verdict', h('ul', {}, ...items));
}

const SETTING_FOR: Record<string, string> = { data: 'theoryLens.probeData', init: 'theoryLens.initPattern', trainSize: 'theoryLens.trainSize', testData: 'theoryLens.testData' };

function unavailable(r: Report): HTMLElement | null {
  const missing = Object.entries(r.measures).filter(([, m]) => m.value === null && m.needs?.length);
  const bounds = r.bounds.filter((b) => b.value === null);
  if (!missing.length && !bounds.length) return null;
  const byReason = new Map<string, { names: string[]; need?: string }>();
  for (const [, m] of missing) {
    const key = m.reason ?? 'not computed';
    const e = byReason.get(key) ?? { names: [], need: m.needs?.[0] };
    e.names.push(m.name);
    byReason.set(key, e);
  }
  for (const b of bounds) {
    const key = b.reason ?? 'not computed';
    const e = byReason.get(key) ?? { names: [], need: b.needs?.[0] };
    e.names.push(b.name);
    byReason.set(key, e);
  }
  return section('Not computed (and how to enable)', 'unavailable', h('ul', {}, ...[...byReason].map(([reason, e]) => h('li', {},
    h('span', {}, `${e.names.length} measure(s): ${e.names.slice(0, 6).join(', ')}${e.names.length > 6 ? ', …' : ''} — ${reason}`),
    e.need && SETTING_FOR[e.need] ? h('button', { class: 'link', onclick: () => post({ type: 'openSettings', query: SETTING_FOR[e.need!] }) }, 'Open setting') : null,
    e.need === 'data' ? h('button', { class: 'link', onclick: () => post({ type: 'chooseProbe' }) }, 'Choose probe…') : null,
    e.need === 'init' ? h('button', { class: 'link', onclick: () => post({ type: 'chooseInit' }) }, 'Choose init…') : null))));
}

function boundsTable(r: Report): HTMLElement | null {
  if (!r.bounds.length) return null;
  return section('Bounds on the test error', 'bounds', h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', {}, 'bound'), h('th', {}, 'value'), h('th', {}, 'vacuous?'), h('th', {}, 'assumptions'), h('th', {}, 'reference'), h('th', {}, ''))),
    h('tbody', {}, ...r.bounds.map((b) => h('tr', { 'data-bound': b.id },
      h('td', {}, b.name),
      num(b.value),
      h('td', { class: b.vacuous ? 'bad' : b.vacuous === false ? 'good' : '' }, b.vacuous === null ? '—' : b.vacuous ? 'vacuous' : 'non-vacuous'),
      h('td', { class: 'small' }, b.value === null ? b.reason ?? '' : h('ul', {}, ...b.assumptions.map((a) => h('li', {}, a)), ...(b.details?.search ? [h('li', {}, `best posterior: ${b.details.search}`)] : []))),
      h('td', { class: 'small' }, b.reference),
      h('td', {}, b.value !== null ? copyButton(`${b.name} = ${b.value} (vacuous: ${b.vacuous}) — ${b.reference}`) : null))))));
}

function measuresTable(r: Report): HTMLElement {
  const groups = new Map<string, [string, MeasureValue][]>();
  for (const e of Object.entries(r.measures)) {
    const g = e[1].group ?? 'other';
    groups.set(g, [...(groups.get(g) ?? []), e]);
  }
  const rows: Node[] = [];
  for (const [g, list] of groups) {
    rows.push(h('tr', { class: 'group' }, h('th', { colspan: 4, scope: 'rowgroup' }, g)));
    for (const [id, m] of list) {
      rows.push(h('tr', { 'data-measure': id },
        h('td', { title: m.formula }, m.name, h('span', { class: 'formula' }, m.formula)),
        num(m.value, { id: `measure-${id}` }),
        h('td', { class: 'small' }, m.value === null ? m.reason ?? '' : m.stderr !== undefined ? `± ${fmt(m.stderr, 2)} (Monte-Carlo s.e.)` : '', m.equation ? ` ${m.reference}, eq. ${m.equation}` : ` ${m.reference}`),
        h('td', {}, m.value !== null ? copyButton(`${m.name} = ${m.value} (${m.formula}; ${m.reference}${m.equation ? `, eq. ${m.equation}` : ''})`) : null)));
    }
  }
  return section('Measures', 'measures', h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', {}, 'measure'), h('th', {}, 'value'), h('th', {}, 'notes / reference'), h('th', {}, ''))), h('tbody', {}, ...rows)));
}

function layersTable(r: Report): HTMLElement {
  const ids = [...new Set(r.layers.flatMap((l) => Object.keys(l.metrics)))].sort((a, b) => Object.keys(r.metricInfo).indexOf(a) - Object.keys(r.metricInfo).indexOf(b));
  let sortKey: string | null = null;
  let dir = 1;
  const tbody = h('tbody', {});
  const fill = () => {
    const rows = r.layers.map((l, i) => ({ l, i }));
    if (sortKey) rows.sort((a, b) => dir * (sortKey === 'name' ? a.l.name.localeCompare(b.l.name) : (a.l.metrics[sortKey!] ?? -Infinity) - (b.l.metrics[sortKey!] ?? -Infinity)));
    tbody.replaceChildren(...rows.map(({ l }) => h('tr', { 'data-layer': l.name },
      h('th', { scope: 'row', class: 'layer-name' }, l.name + (l.part ? ` [${l.part}]` : ''), h('span', { class: 'small' }, ` ${l.op} ${l.matrixShape.join('×')}${l.foldedBatchNorm ? ' (BN folded)' : ''}`)),
      ...ids.map((k) => num(l.metrics[k], l.notes?.[k] ? { title: l.notes[k] } : {})),
      h('td', { class: 'small' }, ...(l.flags ?? []).map((f) => h('div', { class: f.severity }, f.message)), l.notes?.['*'] ?? ''))));
  };
  const headerCell = (key: string, label: string, title: string) => h('th', { scope: 'col' }, h('button', {
    class: 'sort', title, 'aria-label': `Sort by ${label}`,
    onclick: () => { dir = sortKey === key ? -dir : 1; sortKey = key; fill(); },
  }, label));
  fill();
  return section('Layers', 'layers', h('div', { class: 'scroll' }, h('table', { class: 'data', id: 'layer-table' },
    h('thead', {}, h('tr', {}, headerCell('name', 'layer', 'initializer name'), ...ids.map((k) => headerCell(k, r.metricInfo[k]?.symbol ?? k, `${r.metricInfo[k]?.name ?? k}: ${r.metricInfo[k]?.formula ?? ''} (${r.metricInfo[k]?.reference ?? ''})`)), h('th', {}, 'flags'))),
    tbody)),
  h('p', { class: 'small muted' }, 'Flags: α < 2 — a very heavy-tailed spectrum (Martin & Mahoney: over-trained, over-fit to correlations); α > 6 — random-like (under-trained). Hover a column for its formula and citation.'));
}

function chartCanvas(id: string, label: string): HTMLCanvasElement {
  return h('canvas', { id, role: 'img', 'aria-label': label, height: 260 });
}

function axisOpts(p: ReturnType<typeof palette>, title: string, type: 'linear' | 'logarithmic' = 'linear') {
  return { type, title: { display: true, text: title, color: p.muted }, ticks: { color: p.muted }, grid: { color: p.grid } };
}

function categoryAxis(p: ReturnType<typeof palette>, title: string) {
  return { type: 'category' as const, title: { display: true, text: title, color: p.muted }, ticks: { color: p.muted }, grid: { color: p.grid } };
}

function chartsSection(r: Report): HTMLElement {
  const p = palette();
  const ids = Object.keys(r.metricInfo).filter((k) => r.layers.some((l) => typeof l.metrics[k] === 'number'));
  const metricSel = h('select', { id: 'bar-metric', 'aria-label': 'Metric for the per-layer bars' }, ...ids.map((k) => h('option', { value: k }, r.metricInfo[k]?.name ?? k)));
  (metricSel as HTMLSelectElement).value = ids.includes('alpha') ? 'alpha' : ids[0];
  const withEsd = r.layers.filter((l) => l.esd?.length);
  const layerSel = h('select', { id: 'esd-layer', 'aria-label': 'Layer for the ESD plot' }, ...withEsd.map((l, i) => h('option', { value: String(i) }, l.name + (l.part ? ` [${l.part}]` : ''))));
  const bar = chartCanvas('bar-chart', 'per-layer metric bars');
  const esd = chartCanvas('esd-chart', 'empirical spectral density on log-log axes with the fitted power law');
  const body: Node[] = [
    h('div', { class: 'chart' }, h('label', {}, 'Per-layer ', metricSel), bar),
    withEsd.length ? h('div', { class: 'chart' }, h('label', {}, 'ESD of ', layerSel), esd, h('p', { class: 'small muted', id: 'esd-note' })) : h('p', {}, 'No layer has a full spectrum.'),
  ];
  let margin: HTMLCanvasElement | null = null;
  if (r.margins) {
    margin = chartCanvas('margin-chart', 'histogram of training margins');
    body.push(h('div', { class: 'chart' }, h('h3', {}, 'Margins on the training probe'), margin, h('p', { class: 'small muted' }, `γ (10th percentile) = ${fmt(r.margins.p10)}, median ${fmt(r.margins.median)}; negative margins are misclassified examples.`)));
  }
  let land: HTMLCanvasElement | null = null;
  if (r.landscape) {
    land = chartCanvas('landscape-chart', 'loss landscape along a random filter-normalised direction');
    body.push(h('div', { class: 'chart' }, h('h3', {}, 'Loss landscape'), land, h('p', { class: 'small muted' }, r.landscape.note)));
  }
  const sec = section('Charts', 'charts', ...body);
  queueMicrotask(() => {
    const drawBar = () => {
      const k = (metricSel as HTMLSelectElement).value;
      charts.find((c) => c.canvas === bar)?.destroy();
      charts = charts.filter((c) => c.canvas !== bar);
      charts.push(new Chart(bar, {
        type: 'bar',
        data: { labels: r.layers.map((l) => l.module ?? l.name), datasets: [{ label: r.metricInfo[k]?.name ?? k, data: r.layers.map((l) => l.metrics[k] ?? null), backgroundColor: p.a }] },
        options: { animation: false, plugins: { legend: { labels: { color: p.fg } } }, scales: { x: categoryAxis(p, 'layer'), y: axisOpts(p, r.metricInfo[k]?.symbol ?? k) } },
      }));
    };
    const drawEsd = () => {
      const l = withEsd[Number((layerSel as HTMLSelectElement).value) || 0];
      if (!l) return;
      charts.find((c) => c.canvas === esd)?.destroy();
      charts = charts.filter((c) => c.canvas !== esd);
      charts.push(esdChart(esd, l, p));
      const note = document.getElementById('esd-note');
      if (note) note.textContent = `${l.esd!.length} eigenvalues${l.esdNote ? ` (${l.esdNote})` : ''}; α = ${fmt(l.metrics.alpha)}, x_min = ${fmt(l.metrics.xmin)}, KS D = ${fmt(l.metrics.ksDistance)}. ${l.notes?.alpha ?? ''}`;
    };
    metricSel.addEventListener('change', drawBar);
    layerSel.addEventListener('change', drawEsd);
    drawBar();
    if (withEsd.length) drawEsd();
    if (margin && r.margins) {
      const mm = r.margins;
      charts.push(new Chart(margin, {
        type: 'bar',
        data: { labels: mm.counts.map((_, i) => fmt((mm.edges[i] + mm.edges[i + 1]) / 2, 3)), datasets: [{ label: 'examples', data: mm.counts, backgroundColor: mm.counts.map((_, i) => (mm.edges[i + 1] <= 0 ? p.c : p.d)) }] },
        options: { animation: false, plugins: { legend: { display: false } }, scales: { x: categoryAxis(p, 'margin f(x)_y − max_{j≠y} f(x)_j'), y: axisOpts(p, 'count') } },
      }));
    }
    if (land && r.landscape) {
      const ls = r.landscape;
      const datasets = [{ label: 'loss along d₁', data: ls.alphas.map((x, i) => ({ x, y: ls.loss1d[i] })), borderColor: p.a, backgroundColor: p.a, showLine: true, pointRadius: 2 }];
      if (ls.loss2d && ls.betas) {
        const n = ls.alphas.length;
        const mid = Math.floor(n / 2);
        for (const j of [0, n - 1]) datasets.push({ label: `β = ${fmt(ls.betas[j], 2)} (2-D slice)`, data: ls.alphas.map((x, i) => ({ x, y: ls.loss2d![j * n + i] })), borderColor: j ? p.b : p.e, backgroundColor: j ? p.b : p.e, showLine: true, pointRadius: 1 });
        void mid;
      }
      charts.push(new Chart(land, { type: 'scatter', data: { datasets }, options: { animation: false, plugins: { legend: { labels: { color: p.fg } } }, scales: { x: axisOpts(p, 'step α along the direction'), y: axisOpts(p, 'cross-entropy') } } }));
    }
  });
  return sec;
}

/** Log-binned density of λ on log-log axes, the fitted power law p(λ) ∝ λ^{−α} above x_min, and x_min. */
function esdChart(canvas: HTMLCanvasElement, l: LayerReport, p: ReturnType<typeof palette>): Chart {
  const ev = l.esd!.filter((x) => x > 0);
  const lo = Math.log10(Math.min(...ev));
  const hi = Math.log10(Math.max(...ev));
  const bins = Math.max(10, Math.min(60, Math.round(Math.sqrt(ev.length) * 2)));
  const w = (hi - lo) / bins || 1;
  const counts = new Array(bins).fill(0);
  for (const x of ev) counts[Math.min(bins - 1, Math.floor((Math.log10(x) - lo) / w))]++;
  const density = counts.map((c, i) => {
    const a = 10 ** (lo + i * w);
    const b = 10 ** (lo + (i + 1) * w);
    return { x: Math.sqrt(a * b), y: c > 0 ? c / (ev.length * (b - a)) : null };
  }).filter((d) => d.y !== null) as { x: number; y: number }[];
  const datasets: object[] = [{ label: 'ESD (log-binned density)', data: density, backgroundColor: p.a, borderColor: p.a, pointRadius: 3, showLine: false }];
  const alpha = l.metrics.alpha;
  const xmin = l.metrics.xmin;
  if (alpha && xmin) {
    const tail = ev.filter((x) => x >= xmin).length / ev.length;
    const xs = Array.from({ length: 30 }, (_, i) => xmin * (Math.max(...ev) / xmin) ** (i / 29));
    datasets.push({ label: `power law α = ${fmt(alpha, 3)}`, data: xs.map((x) => ({ x, y: (tail * (alpha - 1)) / xmin * (x / xmin) ** -alpha })), borderColor: p.b, backgroundColor: p.b, showLine: true, pointRadius: 0 });
    const ys = density.map((d) => d.y);
    datasets.push({ label: `x_min = ${fmt(xmin, 3)}`, data: [{ x: xmin, y: Math.min(...ys) }, { x: xmin, y: Math.max(...ys) }], borderColor: p.c, backgroundColor: p.c, showLine: true, pointRadius: 0, borderDash: [4, 4] });
  }
  return new Chart(canvas, {
    type: 'scatter', data: { datasets } as never,
    options: { animation: false, plugins: { legend: { labels: { color: p.fg } } }, scales: { x: axisOpts(p, 'λ = σ²', 'logarithmic'), y: axisOpts(p, 'density', 'logarithmic') } },
  });
}

function render(r: Report, cli: string): void {
  for (const c of charts) c.destroy();
  charts = [];
  const warnings = r.warnings.length ? section('Warnings', 'warnings', h('ul', {}, ...r.warnings.map((w) => h('li', {}, w)))) : null;
  app.replaceChildren(
    header(r), verdict(r), unavailable(r) ?? '', boundsTable(r) ?? '', measuresTable(r), layersTable(r), chartsSection(r), warnings ?? '',
    h('footer', { class: 'small muted' }, `Same numbers from the CLI: `, h('code', {}, cli), ` · report schema ${r.schemaVersion}, theory-lens ${r.tool.version}`),
  );
  app.setAttribute('data-ready', 'true');
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  if (m.type === 'report') render(m.report, m.cli);
  else if (m.type === 'progress') {
    if (app.getAttribute('data-ready') === 'true') return;
    app.replaceChildren(h('p', { class: 'progress', role: 'status' }, `${m.progress.phase}: ${m.progress.message}`), h('progress', { max: m.progress.total || 1, value: m.progress.done }));
  } else if (m.type === 'error') {
    const box = h('div', { class: 'error', role: 'alert', id: 'error' }, h('h2', {}, 'Analysis failed'), h('p', {}, m.message),
      h('button', { onclick: () => post({ type: 'reanalyze' }) }, 'Try again'));
    if (m.report) {
      render(m.report, '');
      app.prepend(box);
    } else app.replaceChildren(box);
  }
});
post({ type: 'ready' });
