// Numeric kernels against independent computations: matrices with known singular values (random
// orthogonal factors × a chosen spectrum), numpy's eigvalsh, the dense operator of a small circular
// convolution, power-law fits on samples from a known Pareto law, Lanczos against the full solve.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  convSingularValues, convSliceEigenvalues, eigvalsSym, esdDistance, esdStats, fitPowerLaw, gaussian, mulberry32,
  shuffleElements, singularValues, spectralNormLanczos,
} from '../../src/engine/kernels';

const dir = mkdtempSync(join(tmpdir(), 'tl-kernels-'));
const havePython = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const noPython = !havePython && 'python3 with numpy is not available';

/** Q from the Gram–Schmidt QR of a seeded Gaussian n×k matrix (orthonormal columns), row-major n×k. */
function orthonormal(n: number, k: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n).map(() => g());
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += v[i] * q[i * k + p];
        for (let i = 0; i < n; i++) v[i] -= d * q[i * k + p];
      }
    }
    const nv = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
    for (let i = 0; i < n; i++) q[i * k + j] = v[i] / nv;
  }
  return q;
}

/** W = U diag(s) Vᵀ, rows×cols, with the given singular values (length min(rows, cols)). */
function withSpectrum(rows: number, cols: number, s: number[], seed: number): Float32Array {
  const k = s.length;
  const U = orthonormal(rows, k, seed);
  const V = orthonormal(cols, k, seed + 1);
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    let a = 0;
    for (let t = 0; t < k; t++) a += U[i * k + t] * s[t] * V[j * k + t];
    w[i * cols + j] = a;
  }
  return w;
}

test('singular values of matrices with known spectra (tall, wide, square, repeated, rank-1), f32 and f64', async () => {
  const cases: [number, number, number[]][] = [
    [40, 25, Array.from({ length: 25 }, (_, i) => 10 / (1 + i))],
    [20, 60, Array.from({ length: 20 }, (_, i) => (i < 5 ? 3 : 1))],
    [600, 600, Array.from({ length: 600 }, (_, i) => Math.pow(i + 1, -0.7))],
    [30, 30, [5, ...new Array(29).fill(0)]],
  ];
  for (const [rows, cols, s] of cases) {
    const w = withSpectrum(rows, cols, s, rows + cols);
    const lmax = s[0] ** 2;
    for (const precision of ['float32', 'float64'] as const) {
      const { sigma, eig } = await singularValues(w, rows, cols, { precision });
      const want = s.slice().sort((a, b) => b - a);
      // f32 weights carry ~6e-8 relative rounding of their own; tolerances on λ relative to λ_max
      const tol = precision === 'float32' && rows * cols > 100000 ? 2e-6 : 1e-6;
      want.forEach((x, i) => assert.ok(Math.abs(sigma[i] ** 2 - x * x) <= tol * lmax, `${rows}×${cols} ${precision} σ${i}: ${sigma[i]} vs ${x}`));
      assert.equal(eig.length, Math.min(rows, cols));
    }
  }
});

test('degenerate matrices: all-zero, 1×1, 1×N, N×1', async () => {
  assert.deepEqual(Array.from((await singularValues(new Float32Array(12), 3, 4)).sigma), [0, 0, 0]);
  assert.deepEqual(Array.from((await singularValues(Float32Array.of(-3), 1, 1)).sigma), [3]);
  const row = Float32Array.from({ length: 50 }, (_, i) => i % 7);
  const norm = Math.sqrt(row.reduce((a, b) => a + b * b, 0));
  assert.ok(Math.abs((await singularValues(row, 1, 50)).sigma[0] - norm) < 1e-9 * norm);
  assert.ok(Math.abs((await singularValues(row, 50, 1)).sigma[0] - norm) < 1e-9 * norm);
});

test('eigvalsSym equals numpy.linalg.eigvalsh (f64, |Δλ| ≤ 1e-10·λ_max)', { skip: noPython }, () => {
  for (const n of [2, 17, 200]) {
    const a = new Float64Array(n * n);
    const g = gaussian(n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = g();
    const f = join(dir, `a${n}.bin`);
    writeFileSync(f, Buffer.from(a.buffer));
    const ref: number[] = JSON.parse(execFileSync('python3', ['-c', `import numpy as np,json;a=np.fromfile('${f}').reshape(${n},${n});print(json.dumps(np.linalg.eigvalsh(a).tolist()))`], { encoding: 'utf8' }));
    const e = eigvalsSym(a, n);
    const scale = Math.max(...ref.map(Math.abs));
    ref.forEach((x, i) => assert.ok(Math.abs(e[i] - x) <= 1e-10 * scale, `n=${n} λ${i}: ${e[i]} vs ${x}`));
  }
});

test('exact conv spectrum equals the SVD of the dense circular-conv operator (groups, dilation, wrap)', { skip: noPython }, () => {
  const cases = [
    { cout: 3, cin: 2, kh: 3, kw: 3, H: 5, W: 4, group: 1, dil: [1, 1] },
    { cout: 4, cin: 1, kh: 2, kw: 3, H: 6, W: 6, group: 2, dil: [2, 1] },
    { cout: 2, cin: 2, kh: 5, kw: 5, H: 3, W: 3, group: 1, dil: [1, 1] },
  ];
  for (const c of cases) {
    const k = Float32Array.from(mulberryValues(c.cout * c.cin * c.kh * c.kw, c.H + c.W));
    const f = join(dir, 'k.bin');
    writeFileSync(f, Buffer.from(new Float64Array(k).buffer));
    // dense operator built by numpy from the definition y[o,i,j] = Σ K[o,c,a,b]·x[c,(i+a·dh)%H,(j+b·dw)%W] per group
    const py = `
import numpy as np, json
co,ci,kh,kw,H,W,g,dh,dw=${c.cout},${c.cin},${c.kh},${c.kw},${c.H},${c.W},${c.group},${c.dil[0]},${c.dil[1]}
K=np.fromfile('${f}').reshape(co,ci,kh,kw); cg=co//g
A=np.zeros((co*H*W, ci*g*H*W))
for o in range(co):
  gi=o//cg
  for i in range(H):
    for j in range(W):
      for c in range(ci):
        for a in range(kh):
          for b in range(kw):
            A[o*H*W+i*W+j, (gi*ci+c)*H*W+((i+a*dh)%H)*W+((j+b*dw)%W)] += K[o,c,a,b]
s=np.linalg.svd(A, compute_uv=False)
print(json.dumps(sorted(s.tolist(), reverse=True)))`;
    const ref: number[] = JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' }));
    const r = convSingularValues(k, c.cout, c.cin, c.kh, c.kw, c.H, c.W, { group: c.group, dilations: c.dil });
    const ours = Array.from(r.sigma);
    // numpy returns min(rows, cols) values; ours the per-frequency short side: compare the non-zero ones
    const nz = (xs: number[]) => xs.filter((x) => x > 1e-9 * xs[0]);
    assert.deepEqual(nz(ours).length, nz(ref).length, JSON.stringify(c));
    nz(ref).forEach((x, i) => assert.ok(Math.abs(ours[i] - x) <= 1e-9 * ref[0], `${JSON.stringify(c)} σ${i}: ${ours[i]} vs ${x}`));
  }
});

function mulberryValues(n: number, seed: number): number[] {
  const u = mulberry32(seed);
  return Array.from({ length: n }, () => u() * 2 - 1);
}

test('WeightWatcher pooled kernel slices: eigenvalues of each kh·kw slice', () => {
  // cout=2, cin=1, 1×2 kernel: slices are the columns (2×1): λ = k₀₀² + k₁₀² and k₀₁² + k₁₁²
  const k = Float32Array.of(1, 2, 3, 4); // K[o,0,0,b]: o=0 → (1, 2), o=1 → (3, 4)
  assert.deepEqual(Array.from(convSliceEigenvalues(k, 2, 1, 1, 2)), [10, 20]);
});

test('power-law fit recovers α of Pareto samples and equals a brute-force double loop', () => {
  for (const alpha of [2.5, 3.5]) {
    const u = mulberry32(Math.round(alpha * 10));
    const xmin = 1;
    const xs = Array.from({ length: 5000 }, () => xmin * Math.pow(1 - u(), -1 / (alpha - 1))).sort((a, b) => a - b);
    const fit = fitPowerLaw(xs);
    assert.equal(fit.status, 'ok');
    assert.ok(Math.abs(fit.alpha - alpha) < 0.1, `α = ${fit.alpha} for a Pareto law with α = ${alpha}`);
  }
  const u = mulberry32(7);
  const xs = Array.from({ length: 300 }, () => Math.exp(3 * u()) * (1 + u())).sort((a, b) => a - b);
  let best = { D: Infinity, alpha: 0, xmin: 0 };
  for (let i = 0; i < xs.length - 1; i++) {
    const n = xs.length - i;
    let s = 0;
    for (let j = i; j < xs.length; j++) s += Math.log(xs[j] / xs[i]);
    const a = 1 + n / s;
    let D = 0;
    if (a <= 1) D = 1;
    else for (let k = 0; k < n; k++) D = Math.max(D, Math.abs(1 - Math.pow(xs[i + k] / xs[i], 1 - a) - k / n));
    if (D < best.D) best = { D, alpha: a, xmin: xs[i] };
  }
  const fit = fitPowerLaw(xs);
  assert.ok(Math.abs(fit.alpha - best.alpha) < 1e-9 && fit.xmin === best.xmin && Math.abs(fit.D - best.D) < 1e-12);
  const few = fitPowerLaw([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(few.status, 'too-few');
  assert.match(few.reason!, /9 eigenvalues/);
});

test('Lanczos spectral norm equals the full solve (rel. ≤ 1e-6) with a residual-based stop', async () => {
  const w = withSpectrum(300, 200, Array.from({ length: 200 }, (_, i) => 1 / (1 + 0.05 * i)), 3);
  const full = (await singularValues(w, 300, 200, { precision: 'float64' })).sigma[0];
  const l = spectralNormLanczos(w, 300, 200, { seed: 1 });
  assert.ok(Math.abs(l.sigmaMax - full) <= 1e-6 * full, `${l.sigmaMax} vs ${full}`);
  assert.ok(l.residual <= 1e-10 && l.iterations < 200);
});

test('ESD statistics and the randomization distance', () => {
  const eig = [0, 1, 2, 3, 4];
  const st = esdStats(eig, 5, 10);
  assert.equal(st.logNorm, Math.log10(10));
  assert.equal(st.logSpectralNorm, Math.log10(4));
  assert.equal(st.stableRank, 2.5);
  const s2 = 10 / 50;
  assert.ok(Math.abs(st.mpBulkMax! - s2 * (Math.sqrt(5) + Math.sqrt(10)) ** 2) < 1e-12);
  assert.equal(esdDistance([1, 2, 3, 4], [1, 2, 3, 4]), 0);
  const rank1 = new Float32Array(400);
  for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) rank1[i * 20 + j] = (i + 1) * (j + 1);
  const sh = shuffleElements(rank1, 0);
  assert.notDeepEqual(Array.from(sh), Array.from(rank1));
  assert.deepEqual(Array.from(sh).sort((a, b) => a - b), Array.from(rank1).sort((a, b) => a - b));
  void readFileSync;
});
