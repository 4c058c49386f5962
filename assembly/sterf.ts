// Eigenvalues of a symmetric tridiagonal matrix, values only, by the root-free Pal–Walker–Kahan form of
// implicit QL/QR (Parlett, The Symmetric Eigenvalue Problem, SIAM 1998, §8.15; the algorithm of LAPACK's
// dsterf), in f64. It works on the squared off-diagonals, so a rotation needs no square root. O(n²).
// Here rather than in TypeScript so that every thread runs it as optimized code from its first call
// (a JIT needs a few calls to warm up) — the QL phase is a quarter of the solve at n ≈ 768.
//
// Deflation: e_m² ≤ ε²·|d_m·d_{m+1}| (relative, keeps graded matrices accurate) or |e_m| ≤ ε·‖T‖
// (absolute: the backward error of the Householder reduction anyway, and it lets clusters of
// near-zero eigenvalues deflate). QL when a block's top diagonal entry is the smaller in magnitude, else
// QR, so that the iteration converges from the small end. Shifts: the eigenvalue of the 2×2 corner at
// the converging end nearer to its corner entry (Wilkinson).

const EPS: f64 = 2.220446049250313e-16;

@inline
function pythag(f: f64, g: f64): f64 {
  const s = f * f + g * g;
  if (s > 1e-290 && s < 1e290) return Math.sqrt(s);
  const a = Math.abs(f);
  const b = Math.abs(g);
  const big = a > b ? a : b;
  if (big == 0) return 0;
  const sa = a / big;
  const sb = b / big;
  return big * Math.sqrt(sa * sa + sb * sb);
}

/** Shift a − b/(g + sign(g)·√(g² + 1)), g = (a′ − a)/(2b): the eigenvalue of [[a, b], [b, a′]] nearer to a. */
@inline
function shift(a: f64, aNext: f64, b: f64): f64 {
  const g = (aNext - a) / (2 * b);
  const r = pythag(g, 1);
  return a - b / (g + (g >= 0 ? r : -r));
}

/** Replaces d_i, d_j by the eigenvalues of [[d_i, b], [b, d_j]]: the one of larger magnitude directly, the other from the determinant. */
@inline
function eig2x2(d: usize, i: usize, j: usize, b: f64): void {
  const a = load<f64>(d + i * 8);
  const c = load<f64>(d + j * 8);
  const sum = a + c;
  const rt = pythag(a - c, 2 * b);
  const big = sum >= 0 ? 0.5 * (sum + rt) : 0.5 * (sum - rt);
  store<f64>(d + i * 8, big);
  store<f64>(d + j * 8, big != 0 ? (a * c - b * b) / big : 0);
}

/**
 * The eigenvalues (unsorted) of the tridiagonal matrix with diagonal d (n f64, overwritten with them)
 * and sub-diagonal e (n−1 f64 at `e`, overwritten; e must have room for n values). Returns 0, or −1
 * when 30·n sweeps did not suffice (then d holds approximations).
 */
export function sterf(d: usize, e: usize, n: i32): i32 {
  const N = <usize>n;
  if (N <= 1) return 0;
  let norm: f64 = 0;
  for (let i: usize = 0; i < N; i++) {
    const di = Math.abs(load<f64>(d + i * 8));
    const ei = i + 1 < N ? Math.abs(load<f64>(e + i * 8)) : 0;
    if (di > norm) norm = di;
    if (ei > norm) norm = ei;
  }
  if (norm == 0) return 0;
  // scale by a power of two (exact) when squares could overflow or underflow
  const scale: f64 = norm > 1e100 || norm < 1e-100 ? Math.pow(2, -Math.round(Math.log2(norm))) : 1;
  for (let i: usize = 0; i < N; i++) {
    store<f64>(d + i * 8, load<f64>(d + i * 8) * scale);
    const ei = i + 1 < N ? load<f64>(e + i * 8) * scale : 0;
    store<f64>(e + i * 8, ei * ei); // e now holds the squares
  }
  const eps2 = EPS * EPS;
  const floor2 = (EPS * norm * scale) * (EPS * norm * scale);
  const maxSweeps = 30 * n;
  let sweeps = 0;

  let l1: usize = 0;
  while (l1 < N) {
    // the unreduced block [start, end]
    let end = l1;
    while (end < N - 1 && !negligible(d, e, end, eps2, floor2)) end++;
    if (end < N - 1) store<f64>(e + end * 8, 0);
    const start = l1;
    l1 = end + 1;
    if (end == start) continue;
    if (Math.abs(load<f64>(d + end * 8)) >= Math.abs(load<f64>(d + start * 8))) {
      // QL: eigenvalues converge at the top, l moves down
      let l = start;
      while (l <= end) {
        let m = l;
        while (m < end && !negligible(d, e, m, eps2, floor2)) m++;
        if (m < end) store<f64>(e + m * 8, 0);
        if (m == l) {
          l++;
          continue;
        }
        if (m == l + 1) {
          eig2x2(d, l, l + 1, Math.sqrt(load<f64>(e + l * 8)));
          store<f64>(e + l * 8, 0);
          l += 2;
          continue;
        }
        if (sweeps++ == maxSweeps) return -1;
        const sigma = shift(load<f64>(d + l * 8), load<f64>(d + (l + 1) * 8), Math.sqrt(load<f64>(e + l * 8)));
        let c: f64 = 1;
        let s: f64 = 0;
        let gamma = load<f64>(d + m * 8) - sigma;
        let p = gamma * gamma;
        for (let i = m; i-- > l;) {
          const bb = load<f64>(e + i * 8);
          const r = p + bb;
          if (i != m - 1) store<f64>(e + (i + 1) * 8, s * r);
          const oldc = c;
          c = p / r;
          const cInv = r / p; // in parallel with c: p = γ²/c becomes a product (shorter dependency chain)
          s = bb / r;
          const oldgam = gamma;
          const alpha = load<f64>(d + i * 8);
          gamma = c * (alpha - sigma) - s * oldgam;
          store<f64>(d + (i + 1) * 8, oldgam + (alpha - gamma));
          p = c != 0 ? gamma * gamma * cInv : oldc * bb;
        }
        store<f64>(e + l * 8, s * p);
        store<f64>(d + l * 8, sigma + gamma);
      }
    } else {
      // QR: eigenvalues converge at the bottom, l moves up
      let l = end;
      while (l >= start && l != <usize>-1) {
        let m = l;
        while (m > start && !negligible(d, e, m - 1, eps2, floor2)) m--;
        if (m > start) store<f64>(e + (m - 1) * 8, 0);
        if (m == l) {
          if (l == 0) break;
          l--;
          continue;
        }
        if (m == l - 1) {
          eig2x2(d, l - 1, l, Math.sqrt(load<f64>(e + (l - 1) * 8)));
          store<f64>(e + (l - 1) * 8, 0);
          if (l < 2) break;
          l -= 2;
          continue;
        }
        if (sweeps++ == maxSweeps) return -1;
        const sigma = shift(load<f64>(d + l * 8), load<f64>(d + (l - 1) * 8), Math.sqrt(load<f64>(e + (l - 1) * 8)));
        let c: f64 = 1;
        let s: f64 = 0;
        let gamma = load<f64>(d + m * 8) - sigma;
        let p = gamma * gamma;
        for (let i = m; i < l; i++) {
          const bb = load<f64>(e + i * 8);
          const r = p + bb;
          if (i != m) store<f64>(e + (i - 1) * 8, s * r);
          const oldc = c;
          c = p / r;
          const cInv = r / p;
          s = bb / r;
          const oldgam = gamma;
          const alpha = load<f64>(d + (i + 1) * 8);
          gamma = c * (alpha - sigma) - s * oldgam;
          store<f64>(d + i * 8, oldgam + (alpha - gamma));
          p = c != 0 ? gamma * gamma * cInv : oldc * bb;
        }
        store<f64>(e + (l - 1) * 8, s * p);
        store<f64>(d + l * 8, sigma + gamma);
      }
    }
  }
  if (scale != 1) for (let i: usize = 0; i < N; i++) store<f64>(d + i * 8, load<f64>(d + i * 8) / scale);
  return 0;
}

/** e_i (squared) is negligible next to its neighbours d_i, d_{i+1} or to ‖T‖. */
@inline
function negligible(d: usize, e: usize, i: usize, eps2: f64, floor2: f64): bool {
  const e2 = load<f64>(e + i * 8);
  return e2 <= eps2 * Math.abs(load<f64>(d + i * 8) * load<f64>(d + (i + 1) * 8)) || e2 <= floor2;
}
