// Lanczos σ_max against numpy's full SVD and our full solve.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { NonFiniteError, singularValues, spectralNormLanczos } from '../../src/engine/kernels';
import { ensureWasm, noNumpy, numpy, randomMatrix, withSpectrum } from './helpers';

before(ensureWasm);

test('Lanczos σ_max equals numpy svdvals (rel. ≤ 1e-9) on tall, wide, random and gap-poor matrices', { skip: noNumpy }, () => {
  const cases: [string, number, number, Float32Array | Float64Array][] = [
    ['tall random f32', 500, 120, Float32Array.from(randomMatrix(500, 120, 1, 0.05))],
    ['wide random f32', 90, 700, Float32Array.from(randomMatrix(90, 700, 2))],
    // top two singular values 1 and 0.999: a relative gap of 2e-3 in λ
    ['small gap f64', 300, 200, withSpectrum(300, 200, Array.from({ length: 200 }, (_, i) => (i === 0 ? 1 : 0.999 / (1 + 0.01 * i))), 3)],
    ['rank-2 f64', 150, 160, withSpectrum(150, 160, [2, 1.5], 4)],
  ];
  const refs = numpy(`out = [np.linalg.svd(w.reshape(r, c), compute_uv=False)[0] for w, r, c in [${cases.map(([, r, c], i) => `(w${i}, ${r}, ${c})`).join(', ')}]]`,
    Object.fromEntries(cases.map(([, , , w], i) => [`w${i}`, w]))) as number[];
  cases.forEach(([name, rows, cols, w], i) => {
    const l = spectralNormLanczos(w, rows, cols);
    assert.ok(Math.abs(l.sigmaMax - refs[i]) <= 1e-9 * refs[i], `${name}: ${l.sigmaMax} vs ${refs[i]} (${l.iterations} steps)`);
    assert.ok(l.residual <= 1e-10, `${name}: residual ${l.residual}`);
    assert.ok(l.iterations < Math.min(rows, cols, 300), `${name}: ${l.iterations} steps`);
  });
});

test('Lanczos equals the full solve (rel. ≤ 1e-6 with the residual bound), is deterministic per seed', async () => {
  const w = Float32Array.from(withSpectrum(400, 250, Array.from({ length: 250 }, (_, i) => 1 / (1 + 0.05 * i)), 9));
  const full = (await singularValues(w, 400, 250, { precision: 'float64' })).sigma[0];
  const a = spectralNormLanczos(w, 400, 250, { seed: 1 });
  const b = spectralNormLanczos(w, 400, 250, { seed: 1 });
  const c = spectralNormLanczos(w, 400, 250, { seed: 2 });
  assert.deepEqual(a, b);
  for (const r of [a, c]) assert.ok(Math.abs(r.sigmaMax - full) <= 1e-6 * full, `${r.sigmaMax} vs ${full}`);
  // a loose tolerance stops earlier, and the residual it reports bounds the error: |θ − λ| ≤ residual·θ
  const loose = spectralNormLanczos(w, 400, 250, { tol: 1e-3 });
  assert.ok(loose.iterations < a.iterations && loose.residual <= 1e-3);
  assert.ok(Math.abs(loose.sigmaMax ** 2 - full ** 2) <= loose.residual * loose.sigmaMax ** 2);
  // an iteration cap is reported through the residual, not hidden
  const capped = spectralNormLanczos(w, 400, 250, { maxIter: 3 });
  assert.equal(capped.iterations, 3);
  assert.ok(capped.residual > 1e-10);
});

test('Lanczos on degenerate input: zero matrix, 1×1, a single column, NaN', () => {
  assert.deepEqual(spectralNormLanczos(new Float32Array(40 * 30), 40, 30), { sigmaMax: 0, iterations: 1, residual: 0 });
  assert.equal(spectralNormLanczos(Float32Array.of(-4), 1, 1).sigmaMax, 4);
  const col = Float64Array.from({ length: 25 }, (_, i) => i - 12);
  const norm = Math.sqrt(col.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(spectralNormLanczos(col, 25, 1).sigmaMax - norm) <= 1e-14 * norm);
  assert.ok(Math.abs(spectralNormLanczos(col, 1, 25).sigmaMax - norm) <= 1e-14 * norm);
  assert.deepEqual(spectralNormLanczos(new Float32Array(0), 0, 5), { sigmaMax: 0, iterations: 0, residual: 0 });
  const bad = new Float32Array(12);
  bad[5] = NaN;
  assert.throws(() => spectralNormLanczos(bad, 3, 4), NonFiniteError);
});
