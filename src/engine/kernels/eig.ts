// Eigenvalues of a real symmetric matrix, values only: Householder reduction to tridiagonal form
// (Golub & Van Loan, Matrix Computations, 4th ed., §8.3.1; EISPACK tred1), then implicit QL/QR on the
// tridiagonal. Both run in WebAssembly: the O(4/3·n³) reduction with SIMD (assembly/tridiag.ts: f32x4
// for float32 storage, f64x2 for float64), its pending rank-2 update fused into the next matrix–vector
// product so the matrix is streamed once per step; then root-free Pal–Walker–Kahan QL/QR in f64
// (assembly/sterf.ts). Tiny matrices (n < 16) use the TypeScript reduction below and Givens QL (ql.ts)
// in float64 — also the readable reference of the algorithm that the tests compare with.
import { NonFiniteError } from './finite';
import { tridiagonalEigen } from './ql';
import { eigvalsSymWasm } from './wasm';

/** Below this order the TypeScript reduction (float64) is used. */
export const TINY_N = 16;

/**
 * Householder tridiagonalization in TypeScript, float64 (the unfused textbook form). `a` is the
 * row-major n×n symmetric matrix; only its lower triangle is read, and it is overwritten. Returns the
 * diagonal d (n) and the sub-diagonal e (n−1; e[i] couples i and i+1).
 */
export function tridiagonalize(a: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    d[k] = a[k * n + k];
    const x0 = a[(k + 1) * n + k];
    let rest2 = 0;
    for (let i = k + 2; i < n; i++) rest2 += a[i * n + k] * a[i * n + k];
    if (rest2 === 0) {
      e[k] = x0; // column already reduced
      continue;
    }
    // H = I − 2vvᵀ maps x = a[k+1…, k] to α·e₁ with α = −sign(x₀)‖x‖ (no cancellation in x₀ − α)
    const norm = Math.sqrt(x0 * x0 + rest2);
    const alpha = x0 > 0 ? -norm : norm;
    const v0 = x0 - alpha;
    const vn = Math.sqrt(v0 * v0 + rest2);
    v[k + 1] = v0 / vn;
    for (let i = k + 2; i < n; i++) v[i] = a[i * n + k] / vn;
    // p = A₂₂·v from the lower triangle
    for (let i = k + 1; i < n; i++) p[i] = 0;
    for (let i = k + 1; i < n; i++) {
      const vi = v[i];
      const row = i * n;
      let s = a[row + i] * vi;
      for (let j = k + 1; j < i; j++) {
        const aij = a[row + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s;
    }
    // HAH = A − v·wᵀ − w·vᵀ with w = 2p − 2(vᵀp)v
    let vtp = 0;
    for (let i = k + 1; i < n; i++) vtp += v[i] * p[i];
    for (let i = k + 1; i < n; i++) p[i] = 2 * p[i] - 2 * vtp * v[i];
    for (let i = k + 1; i < n; i++) {
      const vi = v[i];
      const wi = p[i];
      const row = i * n;
      for (let j = k + 1; j <= i; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
    e[k] = alpha;
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)];
    e[n - 2] = a[(n - 1) * n + (n - 2)];
  }
  if (n >= 1) d[n - 1] = a[(n - 1) * n + (n - 1)];
  return { d, e };
}

export interface EigOptions {
  /**
   * Storage and arithmetic of the reduction: 'float32' (4 SIMD lanes, |Δλ| ≲ 1e-7·λ_max) or 'float64'
   * (the precise variant, |Δλ| ≲ 1e-14·λ_max·√n). Default: float32 for a Float32Array, float64 for a
   * Float64Array. The QL phase is always float64; n < 16 is always solved in float64.
   */
  precision?: 'float32' | 'float64';
}

/**
 * All eigenvalues, ascending, of the symmetric n×n matrix `a` (row-major; only the lower triangle is
 * read; `a` is not modified). Throws a RangeError for a wrong size, a NonFiniteError for NaN/±Inf
 * entries, and an Error naming `npm run build` when the WebAssembly kernels are not built (n ≥ 16).
 */
export function eigvalsSym(a: Float32Array | Float64Array, n: number, opts: EigOptions = {}): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`eigvalsSym: invalid order ${n}`);
  if (a.length !== n * n) throw new RangeError(`eigvalsSym: ${a.length} entries for a ${n}×${n} matrix (expected ${n * n})`);
  // only the lower triangle is read (the upper one may hold anything, e.g. a reused buffer's old values)
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i * n, end = j + i; j <= end; j++) {
      const v = a[j];
      if (v - v !== 0) {
        if (v !== v) nan++;
        else inf++;
      }
    }
  }
  if (nan || inf) throw new NonFiniteError('eigvalsSym', nan, inf);
  if (n === 0) return new Float64Array(0);
  const f32 = (opts.precision ?? (a instanceof Float32Array ? 'float32' : 'float64')) === 'float32';
  if (n >= TINY_N) return eigvalsSymWasm(a, n, f32);
  const { d, e } = tridiagonalize(Float64Array.from(a), n);
  return tridiagonalEigen(d, e).values;
}
