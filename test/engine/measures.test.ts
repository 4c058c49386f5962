// Weight-only aggregate measures against hand-derived values on a two-layer toy
// (layer 1: ‖W‖_F = 3, ‖W‖₂ = 2, ‖Wᵀ‖₂,₁ = 4; layer 2: 5, 4, 6; distances to init 1 and 2 (F), ½ and 1 (2)).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateMeasures, MEASURES } from '../../src/engine/measures/registry';
import type { LayerQuantities, MeasureContext } from '../../src/engine/measures/types';

const TOL = 1e-12; // relative; the formulas are closed-form in float64
const close = (a: number | null, b: number, what: string) => {
  assert.ok(a !== null, `${what} is null`);
  assert.ok(Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b)), `${what}: ${a} ≠ ${b}`);
};

const layer = (name: string, fro: number, spec: number, l21: number, extra: Partial<LayerQuantities> = {}): LayerQuantities => ({
  name, params: 6, biasParams: 2, rows: 2, cols: 3, fro, spec, l21, ...extra,
});
const withInit: MeasureContext = {
  layers: [layer('a', 3, 2, 4, { froDist: 1, specDist: 0.5, l21Dist: 1.5, metrics: { alpha: 3, alphaWeighted: 1.2 } }), layer('b', 5, 4, 6, { froDist: 2, specDist: 1, l21Dist: 2.5, metrics: { alpha: 5, alphaWeighted: null } })],
  params: 16, depth: 2, hasInit: true,
};

test('weight-only measures equal their hand-derived values', () => {
  const m = evaluateMeasures(withInit, { have: new Set(['weights', 'init']) });
  const v = (id: string) => m[id].value;
  close(v('params'), 16, 'params');
  close(v('logProdSpec'), Math.log(64), 'logProdSpec'); // ln 2² + ln 4²
  close(v('logSumSpec'), Math.log(16), 'logSumSpec'); // ln 2 + ½ ln 64 = ln 16
  close(v('froOverSpec'), 9 / 4 + 25 / 16, 'froOverSpec');
  close(v('logProdFro'), Math.log(225), 'logProdFro');
  close(v('logSumFro'), Math.log(30), 'logSumFro'); // ln 2 + ½ ln 225
  close(v('paramNorm'), 34, 'paramNorm');
  close(v('logSpecOrigMain'), Math.log(64 * 3.8125), 'logSpecOrigMain');
  close(v('logSpecInitMain'), Math.log(32), 'logSpecInitMain'); // 64 · (1/4 + 4/16)
  close(v('froDist'), 5, 'froDist');
  close(v('distSpecInit'), 1.25, 'distSpecInit');
  close(v('bartlettSpectralComplexity'), 8 * Math.pow(Math.pow(2, 2 / 3) + Math.pow(1.5, 2 / 3), 1.5), 'R_A');
  close(v('bartlettSpectralComplexityInit'), 8 * Math.pow(Math.pow(0.75, 2 / 3) + Math.pow(0.625, 2 / 3), 1.5), 'R_A init');
  close(v('logGolowichFroProduct'), Math.log(15), 'Golowich');
  close(v('wwMeanAlpha'), 4, 'mean alpha');
  close(v('wwMeanAlphaWeighted'), 1.2, 'mean alpha-hat over defined layers only');
});

test('measures whose needs are missing are listed with the step that enables them', () => {
  const m = evaluateMeasures({ ...withInit, hasInit: false }, { have: new Set(['weights']) });
  assert.equal(m.froDist.value, null);
  assert.deepEqual(m.froDist.needs, ['init']);
  assert.match(m.froDist.reason!, /--init/);
  const data = MEASURES.find((x) => x.needs.includes('data'));
  assert.ok(data, 'the registry lists data-dependent measures');
  assert.equal(m[data.id].value, null);
  assert.match(m[data.id].reason!, /--data|probeData/);
});

test('a zero spectral norm makes log-products undefined, not -Infinity', () => {
  const ctx: MeasureContext = { layers: [layer('z', 0, 0, 0), layer('b', 5, 4, 6)], params: 16, depth: 2, hasInit: false };
  const m = evaluateMeasures(ctx, { have: new Set(['weights']) });
  assert.equal(m.logProdSpec.value, null);
  assert.equal(m.froOverSpec.value, null);
  assert.equal(m.bartlettSpectralComplexity.value, null);
  close(m.paramNorm.value, 25, 'paramNorm still defined');
});

test('every registered measure has complete metadata and a unique id', () => {
  const ids = new Set<string>();
  for (const x of MEASURES) {
    assert.ok(!ids.has(x.id), `duplicate id ${x.id}`);
    ids.add(x.id);
    for (const k of ['name', 'formula', 'reference'] as const) assert.ok(x[k].length > 3, `${x.id}.${k}`);
    assert.ok(x.needs.length > 0, `${x.id}.needs`);
  }
});
