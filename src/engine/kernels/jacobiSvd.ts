// Singular values of a small matrix by one-sided Jacobi rotations (Hestenes 1958; Demmel & Veselić,
// "Jacobi's method is more accurate than QR", SIAM J. Matrix Anal. Appl. 13, 1992), values only, float64.
// The k vectors of the short side (rows of W when rows ≤ cols, else its columns) are rotated pairwise
// until they are mutually orthogonal; their norms are then the singular values. Unlike the Gram route,
// which squares the condition number, small singular values keep a relative accuracy of about
// ε·cond(W·D) for a column scaling D, so σ_min of a small layer is trustworthy. Cost: ~6·k²·L flops per
// sweep, typically 6–10 sweeps: meant for tiny matrices (k²·L up to ~10⁵; ~20 ms at 10⁶ in V8).

/**
 * Rotates the k short-side vectors of w (rows of the returned x, k×L row-major) until they are mutually
 * orthogonal. When `q` (k×k, row-major, the identity on entry) is given, every rotation is applied to its
 * rows too, so that on return x = q·x₀ (x₀ the short-side vectors of w) with q orthogonal.
 */
function hestenes(w: ArrayLike<number>, rows: number, cols: number, q?: Float64Array): Float64Array {
  const k = Math.min(rows, cols);
  const L = Math.max(rows, cols);
  // x: k vectors of length L, row-major
  const x = new Float64Array(k * L);
  if (rows <= cols) for (let i = 0; i < rows * cols; i++) x[i] = w[i];
  else for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) x[c * L + r] = w[r * cols + c];
  const norm2 = new Float64Array(k);
  const EPS = 2.220446049250313e-16;
  const rotate = (v: Float64Array, op: number, oq: number, n: number, c: number, s: number) => {
    for (let u = 0; u < n; u++) {
      const xp = v[op + u];
      const xq = v[oq + u];
      v[op + u] = c * xp - s * xq;
      v[oq + u] = s * xp + c * xq;
    }
  };
  for (let sweep = 0; sweep < 60; sweep++) {
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let t = 0; t < L; t++) s += x[i * L + t] * x[i * L + t];
      norm2[i] = s;
    }
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let r = p + 1; r < k; r++) {
        const a = norm2[p];
        const b = norm2[r];
        if (a === 0 || b === 0) continue;
        let g = 0;
        const op = p * L;
        const oq = r * L;
        for (let t = 0; t < L; t++) g += x[op + t] * x[oq + t];
        if (Math.abs(g) <= EPS * Math.sqrt(a * b)) continue;
        rotated = true;
        // rotation zeroing the (p, r) entry of the 2×2 Gram [[a, g], [g, b]]
        const zeta = (b - a) / (2 * g);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(x, op, oq, L, c, s);
        if (q) rotate(q, p * k, r * k, k, c, s);
        norm2[p] = a - t * g;
        norm2[r] = b + t * g;
      }
    }
    if (!rotated) break;
  }
  return x;
}

function rowNorms(x: Float64Array, k: number, L: number): Float64Array {
  const sigma = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let t = 0; t < L; t++) s += x[i * L + t] * x[i * L + t];
    sigma[i] = Math.sqrt(s);
  }
  return sigma;
}

/** Singular values of the row-major rows×cols matrix `w`, descending (min(rows, cols) of them). */
export function jacobiSingularValues(w: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const k = Math.min(rows, cols);
  return rowNorms(hestenes(w, rows, cols), k, Math.max(rows, cols)).sort().reverse();
}

export interface Svd {
  /** Singular values, descending (k = min(rows, cols) of them). */
  sigma: Float64Array;
  /** Left singular vectors: rows×k, row-major (column j belongs to sigma[j]). */
  u: Float64Array;
  /** Right singular vectors: cols×k, row-major (column j belongs to sigma[j]). */
  v: Float64Array;
}

/**
 * The thin SVD w = u·diag(σ)·vᵀ of the row-major rows×cols matrix by the same rotations (float64), the
 * rotations accumulated. Sign convention (so that the factors are reproducible): the entry of largest
 * magnitude of each left singular vector is positive. A zero singular value gets a zero vector on the
 * long side. Cost ~6·k²·L + 4·k³ flops per sweep.
 */
export function jacobiSvd(w: ArrayLike<number>, rows: number, cols: number): Svd {
  const k = Math.min(rows, cols);
  const L = Math.max(rows, cols);
  const q = new Float64Array(k * k);
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  const x = hestenes(w, rows, cols, q);
  const norms = rowNorms(x, k, L);
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => norms[b] - norms[a]);
  // x₀ = qᵀ·x: x₀ = Σⱼ qᵀ[:, j]·σⱼ·x̂ⱼ, so the short side's vectors are the rows of q, the long side's x̂ⱼ = xⱼ/σⱼ
  const sigma = new Float64Array(k);
  const short = new Float64Array(k * k); // short-side vectors, k×k, column j
  const long = new Float64Array(L * k); // long-side vectors, L×k, column j
  order.forEach((src, j) => {
    const s = norms[src];
    sigma[j] = s;
    let big = 0;
    for (let i = 0; i < k; i++) if (Math.abs(q[src * k + i]) > Math.abs(big)) big = q[src * k + i];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < k; i++) short[i * k + j] = sign * q[src * k + i];
    if (s > 0) for (let t = 0; t < L; t++) long[t * k + j] = (sign * x[src * L + t]) / s;
  });
  if (rows <= cols) return { sigma, u: short, v: long };
  // rows > cols: the short side is the columns; flip the convention onto u (the long side) instead
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let t = 0; t < L; t++) if (Math.abs(long[t * k + j]) > Math.abs(big)) big = long[t * k + j];
    if (big < 0) {
      for (let t = 0; t < L; t++) long[t * k + j] = -long[t * k + j];
      for (let i = 0; i < k; i++) short[i * k + j] = -short[i * k + j];
    }
  }
  return { sigma, u: long, v: short };
}
