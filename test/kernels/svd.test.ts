// Gram matrices (onnxruntime and WebAssembly) and singular values against known spectra and numpy.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { allFinite, gram, gramBackend, gramWasm, jacobiSingularValues, NonFiniteError, singularValues } from '../../src/engine/kernels';
import { ensureWasm, maxAbsDiff, noNumpy, numpy, randomMatrix, withSpectrum } from './helpers';

before(ensureWasm);

test('onnxruntime is the Gram backend here', () => {
  assert.equal(gramBackend().backend, 'onnxruntime', gramBackend().reason);
});

test('Gram of the short side (onnxruntime and WebAssembly, f32 and f64) equals numpy W·Wᵀ / Wᵀ·W', { skip: noNumpy }, async () => {
  // odd sizes: k not a multiple of 4, the long side not a multiple of the panel chunk; k ≥ 192 takes
  // the blocked onnxruntime model (4 and 8 blocks)
  const shapes: [number, number][] = [[37, 530], [530, 37], [130, 131], [3, 1000], [200, 333], [700, 520], [2100, 200]];
  const ws = shapes.map(([rows, cols]) => Float32Array.from(randomMatrix(rows, cols, rows * 1000 + cols)));
  const inputs = Object.fromEntries(ws.map((w, i) => [`w${i}`, w]));
  const refs = numpy(`out = [(W @ W.T if W.shape[0] <= W.shape[1] else W.T @ W).ravel() for W in [${shapes.map(([r, c], i) => `w${i}.reshape(${r}, ${c})`).join(', ')}]]`, inputs) as number[][];
  for (const [si, [rows, cols]] of shapes.entries()) {
    const w = ws[si];
    const ref = refs[si];
    const scale = ref.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const variants: [string, Promise<Float32Array | Float64Array> | Float64Array, number][] = [
      ['onnxruntime f32', gram(w, rows, cols), 1e-6],
      ['onnxruntime f64', gram(w, rows, cols, { precision: 'float64' }), 1e-14],
      // a tall W in row chunks (2100×200 by 500 rows: 5 calls, the last one short) summed in float64
      ['onnxruntime f32 in row chunks', gram(w, rows, cols, { chunk: 100_000 }), 1e-6],
      ['onnxruntime f64 in row chunks', gram(w, rows, cols, { precision: 'float64', chunk: 100_000 }), 1e-14],
      ['wasm f32', gramWasm(w, rows, cols, 'float32'), 1e-6],
      ['wasm f64', gramWasm(w, rows, cols, 'float64'), 1e-14],
      ['wasm f64 from f64', gramWasm(Float64Array.from(w), rows, cols, 'float64'), 1e-14],
      ['gram() forced wasm', gram(w, rows, cols, { backend: 'wasm', precision: 'float64' }), 1e-14],
    ];
    for (const [name, g, tol] of variants) {
      const G = await g;
      assert.equal(G.length, ref.length, name);
      assert.ok(maxAbsDiff(G, ref) <= tol * scale, `${rows}×${cols} ${name}: ${maxAbsDiff(G, ref) / scale}`);
    }
  }
});

test('singular values of W = U·diag(s)·Vᵀ: f64 |Δλ| ≤ 1e-10·λ_max (tall, wide, square, 1×1, 1×N, N×1, rank-1, repeated, zero)', async () => {
  const cases: [string, number, number, number[]][] = [
    ['tall', 300, 120, Array.from({ length: 120 }, (_, i) => 10 / (1 + i))],
    ['wide', 80, 700, Array.from({ length: 80 }, (_, i) => (i < 5 ? 3 : 1))],
    ['square', 400, 400, Array.from({ length: 400 }, (_, i) => Math.pow(i + 1, -0.7))],
    ['rank-1', 200, 90, [5, ...new Array(89).fill(0)]],
    ['repeated', 64, 256, Array.from({ length: 64 }, (_, i) => [2, 2, 2, 0.5][i % 4])],
    ['small square', 30, 30, Array.from({ length: 30 }, (_, i) => 1 + (i % 3))],
    ['small wide', 12, 300, Array.from({ length: 12 }, (_, i) => Math.pow(2, -i))],
    ['1×N', 1, 50, [3.5]],
    ['N×1', 50, 1, [0.25]],
    ['1×1', 1, 1, [7]],
  ];
  for (const [name, rows, cols, s] of cases) {
    const w = withSpectrum(rows, cols, s, rows + 3 * cols);
    const want = s.slice().sort((a, b) => b - a);
    const lmax = want[0] ** 2;
    // the Gram path, and (for small ones) the default exact Jacobi path
    for (const exactBelow of [0, undefined]) {
      const { sigma, eig } = await singularValues(w, rows, cols, { precision: 'float64', exactBelow });
      assert.equal(sigma.length, Math.min(rows, cols));
      assert.equal(eig.length, Math.min(rows, cols));
      want.forEach((x, i) => assert.ok(Math.abs(sigma[i] ** 2 - x * x) <= 1e-10 * lmax, `${name} σ${i}: ${sigma[i]} vs ${x}`));
      for (let i = 0; i < eig.length; i++) {
        assert.ok(eig[i] >= 0, 'λ ≥ 0 (round-off negatives clamped)');
        assert.ok(Math.abs(eig[i] - sigma[eig.length - 1 - i] ** 2) <= 1e-15 * lmax, 'eig ascending = σ² descending');
      }
    }
  }
  const zero = await singularValues(new Float32Array(12 * 900), 12, 900);
  assert.deepEqual(Array.from(zero.sigma), new Array(12).fill(0));
});

test('float32 singular values: |Δλ| ≤ 2e-6·λ_max against numpy svdvals of the same float32 matrix', { skip: noNumpy }, async () => {
  const shapes = [[400, 150], [120, 700], [300, 300]] as const;
  const ws = shapes.map(([rows, cols]) => Float32Array.from(withSpectrum(rows, cols, Array.from({ length: Math.min(rows, cols) }, (_, i) => 1 / Math.sqrt(1 + i)), rows)));
  const refs = numpy(`out = [np.linalg.svd(W, compute_uv=False) for W in [${shapes.map(([r, c], i) => `w${i}.reshape(${r}, ${c})`).join(', ')}]]`, Object.fromEntries(ws.map((w, i) => [`w${i}`, w]))) as number[][];
  for (const [si, [rows, cols]] of shapes.entries()) {
    const w = ws[si];
    const ref = refs[si];
    const { sigma } = await singularValues(w, rows, cols);
    const lmax = ref[0] ** 2;
    const err = Math.max(...ref.map((x, i) => Math.abs(sigma[i] ** 2 - x * x)));
    assert.ok(err <= 2e-6 * lmax, `${rows}×${cols}: ${err / lmax}`);
  }
});

test('one-sided Jacobi keeps small singular values to high relative accuracy (numpy svdvals)', { skip: noNumpy }, () => {
  // a graded 12×40 matrix: σ from 1 to 1e-9; the Gram route would lose everything below ~1e-8·σ_max
  const s = Array.from({ length: 12 }, (_, i) => Math.pow(10, -(9 * i) / 11));
  const w = withSpectrum(12, 40, s, 5);
  const ref = numpy('out = np.linalg.svd(w.reshape(12, 40), compute_uv=False)', { w }) as number[];
  const sigma = jacobiSingularValues(w, 12, 40);
  ref.forEach((x, i) => assert.ok(Math.abs(sigma[i] - x) <= 1e-7 * x, `σ${i}: ${sigma[i]} vs ${x}`));
  const t = jacobiSingularValues(Float64Array.from({ length: 40 * 12 }, (_, i) => w[(i % 12) * 40 + Math.floor(i / 12)]), 40, 12);
  ref.forEach((x, i) => assert.ok(Math.abs(t[i] - x) <= 1e-7 * x, `transposed σ${i}`));
});

test('non-finite and mis-shaped weights are rejected with a clear error; allFinite tells in advance', async () => {
  const w = new Float32Array(20).fill(1);
  assert.equal(allFinite(w), true);
  // every position (in a group of four and in the tail of 1–3), every kind, both element types
  for (const n of [1, 2, 3, 4, 5, 7, 8, 11]) {
    for (const T of [Float32Array, Float64Array]) {
      const v = new T(n).fill(-2.5);
      assert.equal(allFinite(v), true, `${T.name} ${n}`);
      for (let at = 0; at < n; at++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          v[at] = bad;
          assert.equal(allFinite(v), false, `${T.name} ${n}: ${bad} at ${at}`);
          v[at] = -2.5;
        }
      }
    }
  }
  assert.equal(allFinite([1, 2, 3, 4, 5]), true);
  assert.equal(allFinite([1, 2, 3, 4, Number.MAX_VALUE]), true);
  w[3] = NaN;
  assert.equal(allFinite(w), false);
  await assert.rejects(singularValues(w, 4, 5), (e: unknown) => e instanceof NonFiniteError && /singularValues: non-finite entries \(1 NaN, 0 ±Inf\)/.test(e.message));
  w[3] = -Infinity;
  await assert.rejects(gram(w, 4, 5), /gram: non-finite entries \(0 NaN, 1 ±Inf\)/);
  await assert.rejects(singularValues(new Float32Array(20), 4, 6), /20 entries for a 4×6 matrix/);
  await assert.rejects(singularValues(new Float32Array(0), -1, 0), /invalid shape/);
  assert.deepEqual(Array.from((await singularValues(new Float32Array(0), 0, 7)).sigma), []);
});
