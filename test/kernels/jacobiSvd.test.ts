// The thin SVD with vectors (one-sided Jacobi, rotations accumulated) against numpy.linalg.svd: singular
// values, the reconstruction u·diag(σ)·vᵀ, orthonormality, the sign convention, rank-deficient input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jacobiSingularValues, jacobiSvd } from '../../src/engine/kernels';
import { maxAbsDiff, noNumpy, numpy, randomMatrix, withSpectrum } from './helpers';

const reconstruct = (u: Float64Array, s: Float64Array, v: Float64Array, rows: number, cols: number, k = s.length) => {
  const kk = s.length;
  const w = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    let x = 0;
    for (let t = 0; t < k; t++) x += u[i * kk + t] * s[t] * v[j * kk + t];
    w[i * cols + j] = x;
  }
  return w;
};

test('jacobiSvd: σ, u·diag(σ)·vᵀ, orthonormal vectors and the truncations equal numpy.linalg.svd (wide, tall, square)', { skip: noNumpy }, () => {
  for (const [rows, cols] of [[7, 13], [40, 9], [16, 16], [30, 200]] as const) {
    const w = randomMatrix(rows, cols, rows * 100 + cols);
    const { sigma, u, v } = jacobiSvd(w, rows, cols);
    const k = Math.min(rows, cols);
    const ref = numpy(`
W = w.reshape(${rows}, ${cols}); U, S, Vt = np.linalg.svd(W, full_matrices=False)
# numpy's signs follow the same convention as jacobiSvd: the largest-magnitude entry of each u_j positive
for j in range(S.size):
    i = np.argmax(np.abs(U[:, j]))
    if U[i, j] < 0: U[:, j] *= -1; Vt[j] *= -1
out = [S, U.ravel(), Vt.T.ravel(), [float(np.linalg.norm(W - (U[:, :r] * S[:r]) @ Vt[:r])) for r in (1, 2, 3)]]`, { w }) as number[][];
    const scale = ref[0][0];
    // tolerances: 1e-12·σ_max for σ and the reconstruction (float64 rotations), 1e-8 for vectors of
    // well-separated random singular values, orthonormality to 1e-12
    assert.ok(maxAbsDiff(sigma, ref[0]) <= 1e-12 * scale, `${rows}×${cols} σ`);
    assert.ok(maxAbsDiff(reconstruct(u, sigma, v, rows, cols), w) <= 1e-12 * scale, `${rows}×${cols} reconstruction`);
    assert.ok(maxAbsDiff(u, ref[1]) <= 1e-8, `${rows}×${cols} u`);
    assert.ok(maxAbsDiff(v, ref[2]) <= 1e-8, `${rows}×${cols} v`);
    for (const [x, n] of [[u, rows], [v, cols]] as const) {
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += x[i * k + a] * x[i * k + b];
        assert.ok(Math.abs(d - (a === b ? 1 : 0)) <= 1e-12, `${rows}×${cols} orthonormality (${a}, ${b})`);
      }
    }
    // Eckart–Young: the rank-r truncations have numpy's residual norms
    for (const r of [1, 2, 3]) {
      const t = reconstruct(u, sigma, v, rows, cols, r);
      let res = 0;
      for (let i = 0; i < t.length; i++) res += (w[i] - t[i]) ** 2;
      assert.ok(Math.abs(Math.sqrt(res) - ref[3][r - 1]) <= 1e-10 * scale, `${rows}×${cols} rank-${r} residual`);
    }
    assert.ok(maxAbsDiff(sigma, jacobiSingularValues(w, rows, cols)) <= 1e-13 * scale, 'same σ as the values-only routine');
  }
});

test('jacobiSvd: a rank-2 matrix has two nonzero σ, is rebuilt from rank 2, and the sign convention holds', () => {
  const rows = 6, cols = 20;
  const w = withSpectrum(rows, cols, [3, 0.5, 0, 0, 0, 0], 11);
  const { sigma, u, v } = jacobiSvd(w, rows, cols);
  assert.ok(Math.abs(sigma[0] - 3) <= 1e-13 && Math.abs(sigma[1] - 0.5) <= 1e-13, `σ ${sigma}`);
  for (let j = 2; j < rows; j++) assert.ok(sigma[j] <= 1e-14, `σ_${j} = ${sigma[j]}`);
  assert.ok(maxAbsDiff(reconstruct(u, sigma, v, rows, cols, 2), w) <= 1e-13);
  // every left vector's largest-magnitude entry is positive (the convention)
  for (let j = 0; j < rows; j++) {
    let big = 0;
    for (let i = 0; i < rows; i++) if (Math.abs(u[i * rows + j]) > Math.abs(big)) big = u[i * rows + j];
    assert.ok(big > 0, `u_${j}`);
  }
});
