// Eigenvalues of a real symmetric matrix, values only: Householder tridiagonalization followed by the
// implicit QL algorithm with Wilkinson-type shifts (EISPACK tred1 + tql1; Numerical Recipes tqli).
// O(4/3·n³) for the reduction (WebAssembly SIMD when built, see wasm.ts), O(n²) for QL in float64.
import { tridiagonalizeWasm } from './wasm';

/**
 * Tridiagonalizes the symmetric n×n matrix `a` (row-major; only the lower triangle is read; `a` is
 * overwritten). Returns the diagonal d and the sub-diagonal e (e[i] couples i and i+1).
 */
export function tridiagonalize(a: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // x = a[k+1..n-1][k]
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += a[i * n + k] * a[i * n + k];
    const x0 = a[(k + 1) * n + k];
    const norm = Math.sqrt(norm2);
    d[k] = a[k * n + k];
    if (norm === 0 || norm2 - x0 * x0 === 0) {
      // already (numerically) tridiagonal in this column
      e[k] = x0;
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    // v = x − alpha·e₁, normalised
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k];
    v[k + 1] -= alpha;
    let vn = 0;
    for (let i = k + 1; i < n; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    for (let i = k + 1; i < n; i++) v[i] /= vn;
    // p = A22·v (symmetric, from the lower triangle)
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
    let K = 0;
    for (let i = k + 1; i < n; i++) K += v[i] * p[i];
    // w = 2p − 2K·v; A22 ← A22 − v·wᵀ − w·vᵀ (lower triangle)
    for (let i = k + 1; i < n; i++) p[i] = 2 * p[i] - 2 * K * v[i];
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

/** Eigenvalues of the symmetric tridiagonal (d, e) by implicit QL; returns them ascending. d and e are overwritten. */
export function tridiagonalEigenvalues(d: Float64Array, eIn: Float64Array): Float64Array {
  const n = d.length;
  const e = new Float64Array(n);
  e.set(eIn.subarray(0, Math.max(n - 1, 0)));
  const EPS = 2.220446049250313e-16;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
      }
      if (m !== l) {
        if (iter++ === 100) throw new Error('QL iteration did not converge');
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          f = 0;
        }
        if (underflow) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return Float64Array.from(d).sort();
}

/**
 * All eigenvalues (ascending) of the symmetric n×n matrix `a` (row-major, lower triangle read; not
 * modified). The reduction runs in WebAssembly with SIMD when dist/eig.wasm is built: in float32 (4
 * lanes) when `a` is a Float32Array and precision is 'float32', else float64; the TypeScript reduction
 * otherwise and for tiny matrices. QL on the tridiagonal is always float64.
 */
export function eigvalsSym(a: Float64Array | Float32Array, n: number, opts: { precision?: 'float32' | 'float64'; wasm?: boolean } = {}): Float64Array {
  if (a.length < n * n) throw new RangeError(`eigvalsSym: matrix has ${a.length} entries, expected ${n * n}`);
  if (n === 0) return new Float64Array(0);
  const f32 = a instanceof Float32Array && opts.precision !== 'float64';
  const viaWasm = opts.wasm !== false && n >= 24 ? tridiagonalizeWasm(a, n, f32) : null;
  if (viaWasm) return tridiagonalEigenvalues(viaWasm.d, viaWasm.e);
  const w = Float64Array.from(a.subarray(0, n * n));
  const { d, e } = tridiagonalize(w, n);
  return tridiagonalEigenvalues(d, e);
}
