// Eigenvalues of a symmetric tridiagonal matrix by implicit shifted QL/QR, in float64; O(n²) for all
// of them — small next to the O(n³) reduction, so it stays in TypeScript. Two variants:
//  - tridiagonalEigenvalues: values only, the root-free Pal–Walker–Kahan form of QL/QR (Parlett, The
//    Symmetric Eigenvalue Problem, 1998, §8.15; the algorithm of LAPACK's dsterf), which works on the
//    squared off-diagonals and needs no square root per rotation — what eigvalsSym uses;
//  - tridiagonalEigen: QL with Givens rotations (EISPACK tql2; Press et al., Numerical Recipes, 3rd
//    ed., §11.4 tqli) that can also track the last row of the eigenvector matrix (the last component of
//    every unit eigenvector) by applying each rotation to that one row — what Lanczos needs for its
//    residuals, at O(n) extra per sweep instead of the O(n²) of full eigenvectors.

const EPS = 2.220446049250313e-16;

/** √(f² + g²) without the cost of Math.hypot when no overflow or underflow is possible. */
function pythag(f: number, g: number): number {
  const s = f * f + g * g;
  return s > 1e-290 && s < 1e290 ? Math.sqrt(s) : Math.hypot(f, g);
}

export interface TridiagonalEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** With `lastRow`: the last component of the unit eigenvector of each value (same order). */
  lastComponents?: Float64Array;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix with diagonal d (n) and sub-diagonal e (n−1, e[i]
 * couples i and i+1). The inputs are not modified. Throws if an eigenvalue needs more than 60 QL
 * iterations (does not happen for finite input; NaN input is rejected).
 */
export function tridiagonalEigen(dIn: ArrayLike<number>, eIn: ArrayLike<number>, opts: { lastRow?: boolean } = {}): TridiagonalEigen {
  const n = dIn.length;
  const d = Float64Array.from(dIn);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = eIn[i];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(d[i]) || !Number.isFinite(e[i])) throw new RangeError('tridiagonalEigen: non-finite entry in the tridiagonal matrix');
  }
  // ‖T‖∞: off-diagonals below ε·‖T‖ are negligible (EISPACK tql1's test); without this absolute floor a
  // cluster of (near-)zero eigenvalues, whose couplings never fall below ε·|d|, would never deflate
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0));
  const floor = EPS * norm;
  const z = opts.lastRow ? new Float64Array(n) : null;
  if (z && n) z[n - 1] = 1;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd || Math.abs(e[m]) <= floor) break;
      }
      if (m !== l) {
        if (iter++ === 60) throw new Error(`tridiagonalEigen: QL did not converge for eigenvalue ${l} of ${n}`);
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = pythag(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let deflated = false;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          r = pythag(f, g);
          e[i + 1] = r;
          if (r === 0) {
            // underflow: recover and restart this eigenvalue
            d[i + 1] -= p;
            e[m] = 0;
            deflated = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          if (z) {
            f = z[i + 1];
            z[i + 1] = s * z[i] + c * f;
            z[i] = c * z[i] - s * f;
          }
        }
        if (deflated) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b]);
  const values = Float64Array.from(order, (i) => d[i]);
  return z ? { values, lastComponents: Float64Array.from(order, (i) => z[i]) } : { values };
}

/**
 * Eigenvalues, ascending, of the symmetric tridiagonal matrix with diagonal d (n) and sub-diagonal e
 * (n−1), by root-free QL/QR (QL when the block's top diagonal entry is the smaller in magnitude, else
 * QR, so that the iteration converges from the small end). Deflation: e_m² ≤ ε²·|d_m·d_{m+1}| (relative,
 * for graded matrices) or e_m ≤ ε·‖T‖ (absolute: the backward error of the Householder reduction
 * anyway, and it lets clusters of near-zero eigenvalues deflate). Throws after 30·n sweeps in total.
 */
export function tridiagonalEigenvalues(dIn: ArrayLike<number>, eIn: ArrayLike<number>): Float64Array {
  const n = dIn.length;
  const d = Float64Array.from(dIn);
  const e2 = new Float64Array(n);
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const ei = i + 1 < n ? eIn[i] : 0;
    if (!Number.isFinite(d[i]) || !Number.isFinite(ei)) throw new RangeError('tridiagonalEigenvalues: non-finite entry in the tridiagonal matrix');
    norm = Math.max(norm, Math.abs(d[i]), Math.abs(ei));
  }
  if (norm === 0) return d;
  // scale by a power of two (exact) when squares could overflow or underflow
  const scale = norm > 1e100 || norm < 1e-100 ? Math.pow(2, -Math.round(Math.log2(norm))) : 1;
  for (let i = 0; i < n; i++) {
    d[i] *= scale;
    e2[i] = i + 1 < n ? (eIn[i] * scale) ** 2 : 0;
  }
  const EPS2 = EPS * EPS;
  const floor2 = (EPS * norm * scale) ** 2;
  const negligible = (i: number) => e2[i] <= EPS2 * Math.abs(d[i] * d[i + 1]) || e2[i] <= floor2;
  const maxSweeps = 30 * n;
  let sweeps = 0;

  let l1 = 0;
  while (l1 < n) {
    // the unreduced block [l1, end]
    let end = l1;
    while (end < n - 1 && !negligible(end)) end++;
    if (end < n - 1) e2[end] = 0;
    const start = l1;
    l1 = end + 1;
    if (end === start) continue;
    if (Math.abs(d[end]) >= Math.abs(d[start])) {
      // QL: eigenvalues converge at the top, l moves down
      let l = start;
      while (l <= end) {
        let m = l;
        while (m < end && !negligible(m)) m++;
        if (m < end) e2[m] = 0;
        if (m === l) {
          l++;
          continue;
        }
        if (m === l + 1) {
          eig2x2(d, l, l + 1, Math.sqrt(e2[l]));
          e2[l] = 0;
          l += 2;
          continue;
        }
        if (sweeps++ === maxSweeps) throw new Error(`tridiagonalEigenvalues: no convergence after ${maxSweeps} QL sweeps (n = ${n})`);
        const sigma = wilkinsonShift(d[l], d[l + 1], Math.sqrt(e2[l]));
        let c = 1;
        let s = 0;
        let gamma = d[m] - sigma;
        let p = gamma * gamma;
        for (let i = m - 1; i >= l; i--) {
          const bb = e2[i];
          const r = p + bb;
          if (i !== m - 1) e2[i + 1] = s * r;
          const oldc = c;
          c = p / r;
          const cInv = r / p; // in parallel with c: p = γ²/c becomes a product (shorter dependency chain)
          s = bb / r;
          const oldgam = gamma;
          const alpha = d[i];
          gamma = c * (alpha - sigma) - s * oldgam;
          d[i + 1] = oldgam + (alpha - gamma);
          p = c !== 0 ? gamma * gamma * cInv : oldc * bb;
        }
        e2[l] = s * p;
        d[l] = sigma + gamma;
      }
    } else {
      // QR: eigenvalues converge at the bottom, l moves up
      let l = end;
      while (l >= start) {
        let m = l;
        while (m > start && !negligible(m - 1)) m--;
        if (m > start) e2[m - 1] = 0;
        if (m === l) {
          l--;
          continue;
        }
        if (m === l - 1) {
          eig2x2(d, l - 1, l, Math.sqrt(e2[l - 1]));
          e2[l - 1] = 0;
          l -= 2;
          continue;
        }
        if (sweeps++ === maxSweeps) throw new Error(`tridiagonalEigenvalues: no convergence after ${maxSweeps} QR sweeps (n = ${n})`);
        const sigma = wilkinsonShift(d[l], d[l - 1], Math.sqrt(e2[l - 1]));
        let c = 1;
        let s = 0;
        let gamma = d[m] - sigma;
        let p = gamma * gamma;
        for (let i = m; i < l; i++) {
          const bb = e2[i];
          const r = p + bb;
          if (i !== m) e2[i - 1] = s * r;
          const oldc = c;
          c = p / r;
          const cInv = r / p;
          s = bb / r;
          const oldgam = gamma;
          const alpha = d[i + 1];
          gamma = c * (alpha - sigma) - s * oldgam;
          d[i] = oldgam + (alpha - gamma);
          p = c !== 0 ? gamma * gamma * cInv : oldc * bb;
        }
        e2[l - 1] = s * p;
        d[l] = sigma + gamma;
      }
    }
  }
  if (scale !== 1) for (let i = 0; i < n; i++) d[i] /= scale;
  return d.sort();
}

/**
 * Shift from the 2×2 corner [[a, b], [b, a′]] at the converging end: its eigenvalue nearer to a,
 * a − b/(g + sign(g)·√(g² + 1)) with g = (a′ − a)/(2b).
 */
function wilkinsonShift(a: number, aNext: number, b: number): number {
  const g = (aNext - a) / (2 * b);
  const r = pythag(g, 1);
  return a - b / (g + (g >= 0 ? r : -r));
}

/** Replaces d[i], d[j] by the eigenvalues of [[d_i, b], [b, d_j]] (the larger in magnitude first; computed without cancellation). */
function eig2x2(d: Float64Array, i: number, j: number, b: number): void {
  const a = d[i];
  const c = d[j];
  const sum = a + c;
  const rt = pythag(a - c, 2 * b);
  // the root of larger magnitude directly, the other from the determinant (no cancellation)
  const big = sum >= 0 ? 0.5 * (sum + rt) : 0.5 * (sum - rt);
  const small = big !== 0 ? (a * c - b * b) / big : 0;
  d[i] = big;
  d[j] = small;
}
