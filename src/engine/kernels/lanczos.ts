// Spectral norm by the Lanczos method on WᵀW (applied as Wᵀ(Wv), never formed), with full
// reorthogonalization and a residual-based stopping rule: stop when ‖WᵀW·z − θz‖ = β_k·|y_k| ≤ tol·θ
// for the top Ritz pair (θ, z = Q·y) — not when Ritz values merely stop changing, which can stall early.
import { mulberry32 } from './random';

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (values and vectors). */
export function jacobiEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i * n + j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

export interface LanczosResult {
  sigmaMax: number;
  iterations: number;
  /** Final residual ‖WᵀWz − θz‖ / θ. */
  residual: number;
}

/** σ_max(W) for a row-major rows×cols matrix. Deterministic (seeded start vector). */
export function spectralNormLanczos(
  w: Float32Array | Float64Array, rows: number, cols: number, opts: { seed?: number; tol?: number; maxIter?: number } = {},
): LanczosResult {
  const n = cols;
  const tol = opts.tol ?? 1e-10;
  const maxIter = Math.min(opts.maxIter ?? 300, n);
  if (n === 0 || rows === 0) return { sigmaMax: 0, iterations: 0, residual: 0 };
  const rnd = mulberry32(opts.seed ?? 0);
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = rnd() - 0.5;
  const nq = Math.sqrt(q.reduce((a, b) => a + b * b, 0));
  for (let i = 0; i < n; i++) q[i] /= nq;
  const tmp = new Float64Array(rows);
  const apply = (v: Float64Array): Float64Array => {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const o = r * cols;
      for (let c = 0; c < cols; c++) s += w[o + c] * v[c];
      tmp[r] = s;
    }
    const out = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const t = tmp[r];
      if (t === 0) continue;
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[c] += w[o + c] * t;
    }
    return out;
  };
  let theta = 0;
  let residual = Infinity;
  for (let k = 0; k < maxIter; k++) {
    Q.push(q);
    const z = apply(q);
    const a = z.reduce((s, v, i) => s + v * q[i], 0);
    alpha.push(a);
    // full reorthogonalization (twice is enough)
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of Q) {
        let d = 0;
        for (let i = 0; i < n; i++) d += z[i] * qi[i];
        for (let i = 0; i < n; i++) z[i] -= d * qi[i];
      }
    }
    const b = Math.sqrt(z.reduce((s, v) => s + v * v, 0));
    const m = alpha.length;
    const T = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      T[i * m + i] = alpha[i];
      if (i + 1 < m) T[i * m + i + 1] = T[(i + 1) * m + i] = beta[i];
    }
    const { values, vectors } = jacobiEigen(T, m);
    let top = 0;
    for (let i = 1; i < m; i++) if (values[i] > values[top]) top = i;
    theta = values[top];
    residual = theta > 0 ? (b * Math.abs(vectors[(m - 1) * m + top])) / theta : 0;
    if (residual <= tol || b <= 1e-300 || m === n) return { sigmaMax: Math.sqrt(Math.max(theta, 0)), iterations: m, residual };
    beta.push(b);
    q = z.map((v) => v / b);
  }
  return { sigmaMax: Math.sqrt(Math.max(theta, 0)), iterations: maxIter, residual };
}
