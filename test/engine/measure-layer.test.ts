// Degenerate layers: NaN/Inf weights are reported, not propagated; fewer than 10 eigenvalues leave α
// not applicable with the reason; an all-zero layer; BatchNorm folding scales each output row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureLayer, type LayerTaskOptions } from '../../src/engine/layers/measureLayer';
import { foldBatchNorm } from '../../src/engine/layers/foldBatchNorm';
import type { Layer, Tensor } from '../../src/onnx/types';

const options: LayerTaskOptions = { precision: 'float32', convExact: true, convWeightWatcher: false, randomize: true, randomizeExact: false, seed: 0, esdMaxPoints: 2000, maxFullSpectrum: 4096 };

test('NaN/Inf weights: a flag and no metrics, never NaN in the output', async () => {
  const w = Float32Array.from({ length: 12 }, (_, i) => i);
  w[3] = NaN;
  w[7] = Infinity;
  const r = await measureLayer({ index: 0, name: 'bad', matrix: w, rows: 3, cols: 4, options });
  assert.deepEqual(r.metrics, {});
  assert.equal(r.flags[0].id, 'nonFinite');
  assert.match(r.notes['*'], /1 NaN, 1 ±Inf/);
});

test('a 3×4 layer: α not applicable (3 eigenvalues), other metrics exact', async () => {
  // W = [[1,0,0,0],[0,2,0,0],[0,0,3,0]]: σ = 3, 2, 1
  const w = Float32Array.from([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0]);
  const r = await measureLayer({ index: 0, name: 'small', matrix: w, rows: 3, cols: 4, options });
  assert.equal(r.metrics.alpha, null);
  assert.match(r.notes.alpha, /3 eigenvalues above .*at least 10/);
  assert.ok(Math.abs(r.metrics.spectralNorm! - 3) < 1e-12);
  assert.ok(Math.abs(r.metrics.nuclearNorm! - 6) < 1e-12);
  assert.ok(Math.abs(r.metrics.frobeniusNorm! - Math.sqrt(14)) < 1e-12);
  assert.ok(Math.abs(r.metrics.conditionNumber! - 3) < 1e-12);
  assert.ok(Math.abs(r.metrics.l21Norm! - 6) < 1e-12);
  assert.ok(Math.abs(r.metrics.stableRank! - 14 / 9) < 1e-12);
  const p = [3 / 6, 2 / 6, 1 / 6];
  assert.ok(Math.abs(r.metrics.effectiveRank! - Math.exp(-p.reduce((a, x) => a + x * Math.log(x), 0))) < 1e-12);
});

test('an all-zero layer: zero norms, undefined ratios with reasons', async () => {
  const r = await measureLayer({ index: 0, name: 'zero', matrix: new Float32Array(20), rows: 4, cols: 5, options });
  assert.equal(r.metrics.spectralNorm, 0);
  assert.equal(r.metrics.stableRank, null);
  assert.equal(r.metrics.conditionNumber, null);
  assert.match(r.notes.conditionNumber, /all-zero/);
});

test('BatchNorm folding multiplies each output row by γ/√(σ² + ε)', () => {
  const t = (v: number[]): Tensor => ({ toFloat64: () => Float64Array.from(v) }) as unknown as Tensor;
  const layer = { op: 'Gemm', matrixShape: [2, 3], batchNorm: { node: 'bn', scale: t([2, 3]), bias: t([0, 0]), mean: t([0, 0]), variance: t([3, 8]), epsilon: 1 } } as unknown as Layer;
  const f = foldBatchNorm(layer, Float32Array.from([1, 2, 3, 4, 5, 6]));
  assert.ok(f.ok);
  // row 0 × 2/√4 = 1, row 1 × 3/√9 = 1
  assert.deepEqual(Array.from(f.ok ? f.matrix : []), [1, 2, 3, 4, 5, 6]);
  const bad = foldBatchNorm({ ...layer, matrixShape: [3, 2] } as unknown as Layer, new Float32Array(6));
  assert.equal(bad.ok, false);
});
