// Largest singular value by the Lanczos method on A = WᵀW (Golub & Van Loan, Matrix Computations, 4th
// ed., §10.1), for layers too large for a full solve. A is applied as Wᵀ(W·q) in one streaming pass over
// W in WebAssembly (f64 arithmetic), never formed. Every new Lanczos vector is reorthogonalized against
// all previous ones (classical Gram–Schmidt, twice), so the tridiagonal T_m stays exact and no spurious
// copies of θ appear. Stopping is residual-based: for the top Ritz pair (θ, z = Q_m·y) of T_m,
// ‖A·z − θ·z‖ = β_m·|y_m| (the last component of y), and we stop when β_m·|y_m| ≤ tol·θ. By Weyl's
// inequality some eigenvalue of A lies within that residual of θ, so λ_max is known to a relative
// tol (σ_max to tol/2) — unlike a "Ritz values stopped changing" rule, which can stall early.
import { assertFinite, checkShape } from './finite';
import { tridiagonalEigen } from './ql';
import { mulberry32 } from './random';
import { normalOperatorWasm } from './wasm';

export interface LanczosOptions {
  /** Seed of the start vector (uniform entries in [−½, ½) from mulberry32(seed), normalized). Default 0. */
  seed?: number;
  /** Relative residual ‖Az − θz‖/θ at which to stop. Default 1e-10. */
  tol?: number;
  /** Iteration limit (also bounded by cols, the Krylov dimension). Default 300. */
  maxIter?: number;
}

export interface LanczosResult {
  /** σ_max(W) = √θ for the top Ritz value θ of WᵀW. */
  sigmaMax: number;
  /** Lanczos steps taken (matrix–vector products with WᵀW). */
  iterations: number;
  /** Final relative residual ‖WᵀW·z − θz‖ / θ of the top Ritz pair. */
  residual: number;
}

/**
 * σ_max of the row-major rows×cols matrix `w`. Deterministic for a given seed. Throws a RangeError for
 * a wrong size and a NonFiniteError for NaN/±Inf weights. An all-zero matrix gives σ_max = 0.
 */
export function spectralNormLanczos(w: Float32Array | Float64Array, rows: number, cols: number, opts: LanczosOptions = {}): LanczosResult {
  checkShape(w, rows, cols, 'spectralNormLanczos');
  assertFinite(w, 'spectralNormLanczos');
  const n = cols;
  const tol = opts.tol ?? 1e-10;
  const maxIter = Math.max(1, Math.min(opts.maxIter ?? 300, n));
  if (rows === 0 || cols === 0) return { sigmaMax: 0, iterations: 0, residual: 0 };
  const apply = normalOperatorWasm(w, rows, cols);

  const rnd = mulberry32(opts.seed ?? 0);
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = rnd() - 0.5;
  divide(q, norm(q));

  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  const z = new Float64Array(n);
  let theta = 0;
  let residual = Infinity;
  for (let m = 1; m <= maxIter; m++) {
    Q.push(q);
    apply(q, z);
    alpha.push(dot(z, q));
    // z ⟂ span(Q): twice is enough (Giraud, Langou & Rozložník 2005)
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of Q) {
        const d = dot(z, qi);
        for (let i = 0; i < n; i++) z[i] -= d * qi[i];
      }
    }
    const b = norm(z);
    const { values, lastComponents } = tridiagonalEigen(alpha, beta, { lastRow: true });
    theta = values[m - 1];
    if (!(theta > 0)) return { sigmaMax: 0, iterations: m, residual: 0 }; // W = 0 (or q ⟂ row space)
    residual = (b * Math.abs(lastComponents![m - 1])) / theta;
    // stop on convergence, on an invariant subspace (b ≈ 0 relative to θ), or when Q spans everything
    if (residual <= tol || b <= 1e-15 * theta || m === n) {
      return { sigmaMax: Math.sqrt(theta), iterations: m, residual };
    }
    beta.push(b);
    q = Float64Array.from(z);
    divide(q, b);
  }
  return { sigmaMax: Math.sqrt(theta), iterations: maxIter, residual };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function divide(a: Float64Array, f: number): void {
  for (let i = 0; i < a.length; i++) a[i] /= f;
}
