// The symmetric eigensolver (Householder in WebAssembly + QL) against numpy.linalg.eigvalsh, known
// spectra, the TypeScript reference reduction, and degenerate input.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { eigvalsSym, NonFiniteError, tridiagonalEigen, tridiagonalEigenvalues, tridiagonalize } from '../../src/engine/kernels';
import { tridiagonalizeWasm } from '../../src/engine/kernels/wasm';
import { ensureWasm, maxAbsDiff, noNumpy, numpy, orthonormal, randomSymmetric } from './helpers';

before(ensureWasm);

const maxAbs = (x: ArrayLike<number>) => Math.max(...Array.from(x, Math.abs));

test('eigvalsSym equals numpy eigvalsh: f64 |Δλ| ≤ 1e-12·‖A‖, f32 ≤ 1e-6·‖A‖ (n = 1 … 512)', { skip: noNumpy }, () => {
  const sizes = [1, 2, 3, 15, 16, 17, 64, 129, 512];
  const mats = sizes.map((n, i) => randomSymmetric(n, 100 + i));
  const inputs: Record<string, Float64Array> = {};
  mats.forEach((a, i) => { inputs[`a${i}`] = a; });
  // the f32 run is compared with eigvalsh of the float32-rounded matrix, so only our error is measured
  const code = `out = [[np.linalg.eigvalsh(m.reshape(n, n)), np.linalg.eigvalsh(m.astype(np.float32).astype(np.float64).reshape(n, n))] for m, n in zip([${sizes.map((_, i) => `a${i}`).join(',')}], ${JSON.stringify(sizes)})]`;
  const ref = numpy(code, inputs) as [number[], number[]][];
  sizes.forEach((n, i) => {
    const scale = maxAbs(ref[i][0]);
    const e64 = eigvalsSym(mats[i], n);
    assert.ok(maxAbsDiff(e64, ref[i][0]) <= 1e-12 * scale, `n=${n} f64: ${maxAbsDiff(e64, ref[i][0]) / scale}`);
    const e32 = eigvalsSym(Float32Array.from(mats[i]), n);
    assert.ok(maxAbsDiff(e32, ref[i][1]) <= 1e-6 * scale, `n=${n} f32: ${maxAbsDiff(e32, ref[i][1]) / scale}`);
  });
});

test('known spectra with repeated, zero and clustered eigenvalues: f64 ≤ 1e-12·λ_max, f32 ≤ 1e-6·λ_max', () => {
  const n = 150;
  const cases: [string, number[]][] = [
    ['repeated', Array.from({ length: n }, (_, i) => [3, 3, 3, -1, 0.5][i % 5])],
    ['rank 2 with zeros', Array.from({ length: n }, (_, i) => (i === 0 ? 5 : i === 1 ? -2 : 0))],
    ['clustered', Array.from({ length: n }, (_, i) => 1 + 1e-9 * i)],
    ['graded', Array.from({ length: n }, (_, i) => Math.pow(10, -i / 15))],
  ];
  for (const [name, lambda] of cases) {
    const Q = orthonormal(n, n, lambda.length + name.length);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += Q[i * n + t] * lambda[t] * Q[j * n + t];
      a[i * n + j] = s;
    }
    const want = lambda.slice().sort((x, y) => x - y);
    const scale = maxAbs(want);
    const e64 = eigvalsSym(a, n);
    assert.ok(maxAbsDiff(e64, want) <= 1e-12 * scale, `${name} f64: ${maxAbsDiff(e64, want) / scale}`);
    const e32 = eigvalsSym(a, n, { precision: 'float32' });
    assert.ok(maxAbsDiff(e32, want) <= 1e-6 * scale, `${name} f32: ${maxAbsDiff(e32, want) / scale}`);
  }
});

test('already-reduced columns (diagonal, block-diagonal, zero) take the no-reflection path exactly', () => {
  // diagonal: the eigenvalues are the entries, exactly
  const n = 40;
  const diag = new Float64Array(n * n);
  for (let i = 0; i < n; i++) diag[i * n + i] = (i * 7) % 11 - 5;
  assert.deepEqual(Array.from(eigvalsSym(diag, n)), Array.from({ length: n }, (_, i) => (i * 7) % 11 - 5).sort((x, y) => x - y));
  assert.deepEqual(Array.from(eigvalsSym(new Float32Array(n * n), n)), new Array(n).fill(0));
  // blocks [[2,1],[1,2]] (eigenvalues 1, 3) on the diagonal alternate reflections and skipped columns
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i += 2) {
    b[i * n + i] = b[(i + 1) * n + i + 1] = 2;
    b[(i + 1) * n + i] = b[i * n + i + 1] = 1;
  }
  // and one dense 5×5 block in the middle, coupled to its neighbours
  for (let i = 20; i < 25; i++) for (let j = 20; j < 25; j++) b[i * n + j] += i === j ? 0 : 0.5;
  const ref = (() => {
    const w = Float64Array.from(b);
    const { d, e } = tridiagonalize(w, n);
    return tridiagonalEigen(d, e).values;
  })();
  const e = eigvalsSym(b, n);
  assert.ok(maxAbsDiff(e, ref) <= 1e-13 * 4, `${maxAbsDiff(e, ref)}`);
  assert.ok(e.filter((x) => Math.abs(x - 3) < 1e-12).length >= 15);
});

test('the fused WebAssembly reduction gives the tridiagonal of the TypeScript reference (f64, ≤ 1e-12·‖A‖)', () => {
  for (const n of [16, 33, 100]) {
    const a = randomSymmetric(n, n);
    const ts = tridiagonalize(Float64Array.from(a), n);
    const wasm = tridiagonalizeWasm(a, n, false);
    const scale = maxAbs(a) * Math.sqrt(n);
    assert.ok(maxAbsDiff(ts.d, wasm.d) <= 1e-12 * scale, `d, n=${n}`);
    assert.ok(maxAbsDiff(ts.e, wasm.e) <= 1e-12 * scale, `e, n=${n}`);
  }
});

test('root-free QL/QR on tridiagonals: the [−1, 2, −1] matrix exactly, graded and reversed ones against numpy', { skip: noNumpy }, () => {
  // eigenvalues 2 − 2cos(kπ/(n+1)), k = 1…n
  const n = 300;
  const toeplitz = tridiagonalEigenvalues(new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1));
  const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((a, b) => a - b);
  assert.ok(maxAbsDiff(toeplitz, want) <= 4e-15 * 4, `${maxAbsDiff(toeplitz, want)}`);
  // graded both ways (QL when the top is small, QR when the bottom is), a split block, huge and tiny scales
  const m = 60;
  const graded = Float64Array.from({ length: m }, (_, i) => Math.pow(10, -i / 6));
  const ge = Float64Array.from({ length: m - 1 }, (_, i) => 0.5 * Math.pow(10, -(i + 0.5) / 6));
  const split = Float64Array.from(ge, (x, i) => (i === 30 ? 0 : x));
  const cases: [string, Float64Array, Float64Array][] = [
    ['graded down', graded, ge],
    ['graded up', graded.slice().reverse(), ge.slice().reverse()],
    ['split', Float64Array.from(graded, (x, i) => (i % 2 ? -x : x)), split],
    ['huge', graded.map((x) => x * 1e200), ge.map((x) => x * 1e200)],
    ['tiny', graded.map((x) => x * 1e-200), ge.map((x) => x * 1e-200)],
  ];
  const ref = numpy(`out = [np.linalg.eigvalsh(np.diag(d) + np.diag(e, 1) + np.diag(e, -1)) for d, e in [${cases.map((_, i) => `(d${i}, e${i})`).join(', ')}]]`,
    Object.fromEntries(cases.flatMap(([, d, e], i) => [[`d${i}`, d], [`e${i}`, e]]))) as number[][];
  cases.forEach(([name, d, e], i) => {
    const got = tridiagonalEigenvalues(d, e);
    const scale = maxAbs(ref[i]);
    assert.ok(maxAbsDiff(got, ref[i]) <= 1e-14 * scale, `${name}: ${maxAbsDiff(got, ref[i]) / scale}`);
  });
  assert.deepEqual(Array.from(tridiagonalEigenvalues([0, 0, 0], [0, 0])), [0, 0, 0]);
  assert.deepEqual(Array.from(tridiagonalEigenvalues([3], [])), [3]);
  assert.throws(() => tridiagonalEigenvalues([1, NaN], [0]), /non-finite/);
});

test('tridiagonalEigen tracks the last eigenvector components (numpy eigh)', { skip: noNumpy }, () => {
  const n = 30;
  const d = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const e = Float64Array.from({ length: n - 1 }, (_, i) => 0.3 + Math.cos(3 * i) / 2);
  const { values, lastComponents } = tridiagonalEigen(d, e, { lastRow: true });
  const ref = numpy('T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)\nw, V = np.linalg.eigh(T)\nout = [w, np.abs(V[-1, :])]', { d, e }) as [number[], number[]];
  assert.ok(maxAbsDiff(values, ref[0]) <= 1e-14 * 4);
  assert.ok(maxAbsDiff(lastComponents!.map(Math.abs), ref[1]) <= 1e-12);
});

test('bad input: wrong size, NaN/Inf, n = 0', () => {
  assert.throws(() => eigvalsSym(new Float64Array(5), 2), /5 entries for a 2×2 matrix/);
  assert.throws(() => eigvalsSym(new Float64Array(4), 2.5), /invalid order/);
  const a = randomSymmetric(20, 1);
  const clean = Array.from(eigvalsSym(a, 20));
  // only the lower triangle is read: junk above the diagonal (a reused buffer's) changes nothing
  const upper = a.slice();
  upper[7] = NaN; // row 0, column 7
  upper[44] = Infinity; // row 2, column 4
  assert.deepEqual(Array.from(eigvalsSym(upper, 20)), clean);
  a[7 * 20] = NaN; // row 7, column 0
  a[4 * 20 + 2] = Infinity; // row 4, column 2
  assert.throws(() => eigvalsSym(a, 20), (e: unknown) => e instanceof NonFiniteError && /1 NaN, 1 ±Inf/.test(e.message));
  assert.deepEqual(Array.from(eigvalsSym(new Float64Array(0), 0)), []);
  assert.deepEqual(Array.from(eigvalsSym(Float64Array.of(-2.5), 1)), [-2.5]);
});
