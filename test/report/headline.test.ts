// CodeLens headline and layer-hint texts on real reports, with every number recomputed independently
// from the report's layers (∏‖Wᵢ‖₂ from the per-layer spectral norms, relative 1e-12), and the
// escaping of model-provided strings in hovers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { formatNumber } from '../../src/report/format';
import { headlineItems, headlineText, headlineTooltip, trendArrow } from '../../src/report/headline';
import { escapeMarkdown, layerHintLabel, layerHintMarkdown } from '../../src/report/layerHint';
import { report, skipReason } from '../helpers/fixtureReports';

test('trend arrows: up, down, equal within 1e-9 relative, none without a previous value', () => {
  assert.equal(trendArrow(2, 1), '↑');
  assert.equal(trendArrow(1, 2), '↓');
  assert.equal(trendArrow(1 + 1e-12, 1), '=');
  assert.equal(trendArrow(1, null), '');
  assert.equal(trendArrow(1, undefined), '');
  assert.equal(trendArrow(1, NaN), '');
});

test('real reports: epoch_30 against epoch_25', { skip: skipReason }, () => {
  const r30 = report('run_mlp/epoch_30.onnx');
  const r25 = report('run_mlp/epoch_25.onnx');
  const items = headlineItems(r30, r25);
  assert.deepEqual(items.map((i) => i.label), ['α̂', '‖W‖₂ prod']); // weights only: no bound, no accuracy
  // ∏ᵢ ‖Wᵢ‖₂ recomputed from the layers' spectral norms
  const prod = r30.layers.reduce((p, l) => p * l.metrics.spectralNorm!, 1);
  assert.ok(Math.abs(items[1].value - prod) / prod < 1e-12, `${items[1].value} vs ${prod}`);
  assert.equal(items[0].value, r30.measures.wwMeanAlphaWeighted.value);
  assert.equal(items[0].name, r30.measures.wwMeanAlphaWeighted.name);
  const prod25 = r25.layers.reduce((p, l) => p * l.metrics.spectralNorm!, 1);
  const a = (x: number, y: number) => (x > y ? '↑' : '↓');
  assert.equal(headlineText(r30, r25), `α̂ ${formatNumber(items[0].value, 3)} ${a(items[0].value, r25.measures.wwMeanAlphaWeighted.value!)} · ‖W‖₂ prod ${formatNumber(prod, 3)} ${a(prod, prod25)}`);
  assert.equal(headlineText(r30), `α̂ ${formatNumber(items[0].value, 3)} · ‖W‖₂ prod ${formatNumber(prod, 3)}`);
  const tip = headlineTooltip(r30, r25, 'epoch_25');
  assert.match(tip, /epoch_25: /);
  assert.match(tip, /2 of 3 layers flagged/);
});

test('the headline bound: the smallest non-vacuous one, else the smallest; vacuous ones say so', { skip: skipReason }, () => {
  const base = report('run_mlp/epoch_30.onnx');
  const b = (id: string, value: number | null, vacuous: boolean | null) => ({ id, name: id, value, vacuous, assumptions: [], reference: 'r' });
  const r: Report = { ...base, bounds: [b('a', 0.9, true), b('b', 0.5, false), b('c', 0.3, true), b('d', null, null)] };
    assert.match(headlineText(r), /· bound 0\.5$/);
  const v: Report = { ...base, bounds: [b('a', 3e7, true), b('c', 1, true)] };
    assert.match(headlineText(v), /· bound 1 \(vacuous\)$/);
});

test('layer hint labels: one layer, several layers as ranges with their count; flags marked', { skip: skipReason }, () => {
  const r = report('run_mlp/epoch_30.onnx');
  const [l0, l1, head] = r.layers;
  const one = (l: typeof l0) => `‖W‖₂ ${formatNumber(l.metrics.spectralNorm, 3)} · α ${formatNumber(l.metrics.alpha, 3)} · srank ${formatNumber(l.metrics.stableRank, 3)}`;
  assert.equal(layerHintLabel(r, [head]), `θ ${one(head)}`);
  // layers.0 and layers.1 have α < 2 in this checkpoint: flagged
  assert.ok(l0.flags?.some((f) => f.id === 'alpha<2'));
  const range = (ls: (typeof l0)[], id: string) => {
    const vs = ls.map((l) => l.metrics[id]!);
    return `${formatNumber(Math.min(...vs), 3)}–${formatNumber(Math.max(...vs), 3)}`;
  };
  assert.equal(layerHintLabel(r, [l0, l1]), `θ ‖W‖₂ ${range([l0, l1], 'spectralNorm')} · α ${range([l0, l1], 'alpha')} ×2 ⚠`);
  // short enough for VS Code's default inlay-hint length (43)
  assert.ok(layerHintLabel(r, [l0, l1]).length <= 43 && layerHintLabel(r, [head]).length <= 43);
  const four = [l0, l1, head, { ...head, module: 'x.head' }];
  assert.equal(layerHintLabel(r, four), `θ ‖W‖₂ ${range(four, 'spectralNorm')} · α ${range(four, 'alpha')} ×4 ⚠`);
});

test('hover Markdown: every metric of the layer by its report name, and no Markdown/HTML from model strings', { skip: skipReason }, () => {
  const r = report('run_mlp/epoch_30.onnx');
  const evil = { ...r.layers[0], module: '<img src=x onerror=alert(1)>|*x*', flags: [{ id: 'alpha<2', severity: 'warning' as const, message: '[link](http://e) <b>' }] };
  const md = layerHintMarkdown({ ...r, model: { ...r.model, fileName: '`x`.onnx' } }, [evil]);
  // every < and other punctuation is backslash-escaped: no raw HTML or link survives
  assert.equal(/(^|[^\\])</.test(md), false, md);
  assert.equal(/(^|[^\\])\[link/.test(md), false, md);
  assert.ok(md.includes('\\<img src\\=x onerror\\=alert\\(1\\)\\>\\|\\*x\\*'));
  assert.ok(md.includes('\\[link\\]\\(http\\:\\/\\/e\\) \\<b\\>'));
  assert.ok(md.includes('\\`x\\`\\.onnx'));
  for (const id of Object.keys(r.layers[0].metrics)) assert.ok(md.includes(`| ${escapeMarkdown(r.metricInfo[id]?.name ?? id)} |`), `metric ${id} in the hover`);
  // a table row per metric: exactly as many rows as metrics (+ header and rule)
  assert.equal(md.split('\n').filter((l) => l.startsWith('| ')).length, Object.keys(r.layers[0].metrics).length + 1);
  assert.equal(escapeMarkdown('a\nb'), 'a b');
});
