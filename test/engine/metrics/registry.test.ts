// The per-layer metric registry: complete metadata and unique ids, report.metricInfo derived from it,
// the ℓ₁ entry-wise norm (added as one file + one registry line) against numpy, and per-metric
// isolation: a metric that throws becomes null with the error in the layer's notes and one warning,
// while the layer, every other metric and every aggregate still appear.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/engine/analyze';
import { METRIC_INFO } from '../../../src/engine/layers/metricInfo';
import { measureLayer, type LayerTaskOptions } from '../../../src/engine/layers/measureLayer';
import { LAYER_METRICS } from '../../../src/engine/metrics/registry';
import type { LayerMetric } from '../../../src/engine/metrics/types';
import { mlp, saveModel } from '../../helpers/onnx-writer';
import { noNumpy, numpy, randomMatrix } from '../../kernels/helpers';

const options: LayerTaskOptions = { precision: 'float32', convExact: true, convWeightWatcher: false, randomize: true, randomizeExact: false, seed: 0, esdMaxPoints: 2000, maxFullSpectrum: 4096 };

test('every registered metric has an id, complete metadata, and a unique id; metricInfo follows the registry order', () => {
  const ids = LAYER_METRICS.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'unique ids');
  for (const m of LAYER_METRICS) {
    for (const k of ['name', 'symbol', 'formula', 'reference', 'group'] as const) assert.ok(m.info[k], `${m.id}.${k}`);
  }
  assert.deepEqual(Object.keys(METRIC_INFO), ids);
  assert.ok(ids.includes('l1Norm'));
});

test('ℓ₁ entry-wise norm Σ|wᵢⱼ| equals numpy (rel. 1e-12; float32 weights summed in float64)', { skip: noNumpy }, async () => {
  for (const [rows, cols, seed] of [[7, 5, 1], [64, 33, 2], [3, 300, 3]]) {
    const w = Float32Array.from(randomMatrix(rows, cols, seed, 0.3));
    const r = await measureLayer({ index: 0, name: 'w', matrix: w, rows, cols, options });
    const ref = numpy('out = float(np.abs(w.astype(np.float32).astype(np.float64)).sum())', { w }) as number;
    assert.ok(Math.abs(r.metrics.l1Norm! - ref) <= 1e-12 * ref, `${rows}×${cols}: ${r.metrics.l1Norm} vs numpy ${ref}`);
  }
});

const throwing: LayerMetric = {
  id: 'boom',
  info: { name: 'Always throws', symbol: 'boom', formula: '—', reference: 'test', group: 'norm' },
  compute: () => {
    throw new Error('W must be a positive integer, got 0');
  },
};

test('a metric that throws is null with the error in the layer notes; every other metric is unchanged', async () => {
  const w = Float32Array.from(randomMatrix(12, 20, 4));
  const plain = await measureLayer({ index: 0, name: 'w', matrix: w.slice(), rows: 12, cols: 20, options });
  const registry = [...LAYER_METRICS.slice(0, 3), throwing, ...LAYER_METRICS.slice(3)];
  const r = await measureLayer({ index: 0, name: 'w', matrix: w.slice(), rows: 12, cols: 20, options }, registry);
  assert.equal(r.metrics.boom, null);
  assert.match(r.notes.boom, /could not be computed: W must be a positive integer, got 0/);
  assert.deepEqual(r.errors, { boom: 'W must be a positive integer, got 0' });
  const { boom: _, ...rest } = r.metrics;
  assert.deepEqual(rest, plain.metrics);
});

test('analyze: a throwing metric leaves the layers, the other metrics and every aggregate, with one warning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-metrics-'));
  const registry = LAYER_METRICS as LayerMetric[];
  try {
    const model = saveModel(mlp([20, 16, 12, 4]), dir);
    const before = await analyze({ model, threads: 1 });
    registry.splice(2, 0, throwing);
    let after;
    try {
      after = await analyze({ model, threads: 1 });
    } finally {
      registry.splice(registry.indexOf(throwing), 1);
    }
    assert.equal(after.layers.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(after.layers[i].metrics.boom, null);
      assert.match(after.layers[i].notes!.boom, /could not be computed/);
      const { boom: _, ...rest } = after.layers[i].metrics;
      assert.deepEqual(rest, before.layers[i].metrics);
    }
    const w = after.warnings.filter((x) => /could not be computed/.test(x));
    assert.equal(w.length, 1, after.warnings.join('\n'));
    assert.match(w[0], /boom on .* \(W must be a positive integer, got 0\)/);
    assert.deepEqual(Object.keys(after.measures), Object.keys(before.measures));
    for (const [id, m] of Object.entries(before.measures)) assert.equal(after.measures[id].value, m.value, id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
