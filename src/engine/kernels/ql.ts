// Eigenvalues of a symmetric tridiagonal matrix by implicit QL with Givens rotations and Wilkinson-type
// shifts (EISPACK tql2; Press et al., Numerical Recipes, 3rd ed., §11.4 tqli), in float64, O(n²).
// It can also track the last row of the eigenvector matrix (the last component of every unit
// eigenvector) by applying each rotation to that one row — what Lanczos needs for its residuals, at
// O(n) extra per sweep instead of the O(n²) of full eigenvectors. Used for Lanczos' small T_m and for
// tiny matrices; eigvalsSym's QL for n ≥ 16 is the root-free variant in WebAssembly (assembly/sterf.ts).

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
