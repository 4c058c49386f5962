// Singular values of a small matrix by one-sided Jacobi rotations (Hestenes 1958; Demmel & Veselić,
// "Jacobi's method is more accurate than QR", SIAM J. Matrix Anal. Appl. 13, 1992), values only, float64.
// The k vectors of the short side (rows of W when rows ≤ cols, else its columns) are rotated pairwise
// until they are mutually orthogonal; their norms are then the singular values. Unlike the Gram route,
// which squares the condition number, small singular values keep a relative accuracy of about
// ε·cond(W·D) for a column scaling D, so σ_min of a small layer is trustworthy. Cost: ~6·k²·L flops per
// sweep, typically 6–10 sweeps: meant for tiny matrices (k²·L up to ~10⁵; ~20 ms at 10⁶ in V8).

/** Singular values of the row-major rows×cols matrix `w`, descending (min(rows, cols) of them). */
export function jacobiSingularValues(w: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const k = Math.min(rows, cols);
  const L = Math.max(rows, cols);
  // x: k vectors of length L, row-major
  const x = new Float64Array(k * L);
  if (rows <= cols) for (let i = 0; i < rows * cols; i++) x[i] = w[i];
  else for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) x[c * L + r] = w[r * cols + c];
  const norm2 = new Float64Array(k);
  const EPS = 2.220446049250313e-16;
  for (let sweep = 0; sweep < 60; sweep++) {
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let t = 0; t < L; t++) s += x[i * L + t] * x[i * L + t];
      norm2[i] = s;
    }
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const a = norm2[p];
        const b = norm2[q];
        if (a === 0 || b === 0) continue;
        let g = 0;
        const op = p * L;
        const oq = q * L;
        for (let t = 0; t < L; t++) g += x[op + t] * x[oq + t];
        if (Math.abs(g) <= EPS * Math.sqrt(a * b)) continue;
        rotated = true;
        // rotation zeroing the (p, q) entry of the 2×2 Gram [[a, g], [g, b]]
        const zeta = (b - a) / (2 * g);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let u = 0; u < L; u++) {
          const xp = x[op + u];
          const xq = x[oq + u];
          x[op + u] = c * xp - s * xq;
          x[oq + u] = s * xp + c * xq;
        }
        norm2[p] = a - t * g;
        norm2[q] = b + t * g;
      }
    }
    if (!rotated) break;
  }
  const sigma = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let t = 0; t < L; t++) s += x[i * L + t] * x[i * L + t];
    sigma[i] = Math.sqrt(s);
  }
  return sigma.sort().reverse();
}
