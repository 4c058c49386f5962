// The randomization check's estimate of a shuffled ESD (the default; `randomizeExact` computes every
// eigenvalue instead). A matrix whose entries are shuffled has i.i.d.-like entries, and the spectrum of such
// a rows×cols matrix is, up to finite-size fluctuations, the Marchenko–Pastur law of its aspect ratio scaled by
// its size, plus outliers from single large entries (Martin & Mahoney's correlation traps). So the spectrum
// of k independent (rows/k)×(cols/k) blocks — the diagonal blocks of the shuffled matrix, a uniform sample
// of its entries — gives k·(min side/k) eigenvalues with the same law once each is mapped back to full size:
//   bulk (μ ≤ the block's edge e_b = s²(√m′ + √n′)²): λ = c·μ with c = (√m + √n)² / (√m′ + √n′)², which
//     maps the block's Marchenko–Pastur law onto the full matrix's;
//   outliers (μ > e_b): a large entry x acts as a rank-one signal θ = |x| in noise of variance s², whose
//     outlier is (θ² + s²m)(θ² + s²n)/θ² above the threshold θ² > s²√(mn) and at the edge λ₊ below it
//     (Benaych-Georges & Nadakuditi 2012). θ² is solved from the block's μ (the larger root of
//     θ⁴ + (a + b − μ)·θ² + a·b = 0, a = s²m′, b = s²n′) and mapped through the full matrix's formula;
//     the smaller of that and c·μ is kept (scaling alone would make a spike k times too large).
// The map is continuous and nondecreasing (both pieces are, and they meet at e_b ↦ λ₊). Here s² is the
// element variance ‖W‖_F²/(rows·cols) of the whole matrix, m×n its shape, m′×n′ the blocks'.
// Cost: k blocks cost 1/k² of the full Gram and tridiagonalization, and only half the entries are drawn.

/**
 * Most block eigenvalues above their block's edge e_b, all blocks together, as a fraction of one block's
 * short side min(m′, n′). An entry x with x² > s²·√(m′n′) makes an outlier of its block (the rank-one threshold)
 * though it may sit in the whole matrix's bulk, and blocks hold 1/k of the large entries while the whole
 * matrix holds all of them. Past this many (heavy-tailed entries: Student-t with ν ≲ 3, lognormal
 * σ ≳ 1.1, hundreds of planted spikes; a Gaussian layer has 0–3) the estimate drifts, so such layers are
 * solved exactly. Calibrated by `npm run bench:randsweep` (bench/randsweep.py: 600 layer × permutation
 * trials of 24 entry families — Gaussian, Student-t ν 2.2–6, lognormal σ 0.5–1.3, Pareto 2.5–5, scaled rows
 * and columns, planted spikes, a power-law spectrum — at 768², 768×2304, 3072×768, 1536², 1024×4096, against
 * numpy's exact shuffled spectra): with this limit and the tail-index gate below, the estimated distance is
 * within 0.044 of the exact one's mean over permutations (typically 0.00–0.02 above it: d ≈ 0.06–0.12 is the
 * histogram's noise floor, where two blocks' eigenvalues fall into 100 bins less evenly than one matrix's)
 * and ‖Wʳ‖₂ within 4.3%; at 3% the same 0.044 and 3.9% with a sixth fewer layers estimated, at 5% 0.044 and
 * 5.8%, at 6% 0.053.
 */
export const ESTIMATE_MAX_STANDOUT = 0.04;

/**
 * Smallest tail index α̂ of the entries (entryTailIndex) the estimate accepts. Below it — tails so heavy that
 * the variance is dominated by a few entries (Student-t ν ≲ 2.5, a few hundred planted spikes) — s² and with
 * it the blocks' bulk edge are set by those entries, the standout count can read low (one Student-t(2.2)
 * layer whose largest entry held 69% of ‖W‖_F² had 1.8%) while the estimate reads up to 0.065 high: such
 * layers are solved exactly without drawing blocks. Light-tailed layers measure α̂ ≥ 3 (Gaussian 13–15,
 * Gaussian rows scaled ×11–×20 at 3.2–6).
 */
export const ESTIMATE_MIN_TAIL_INDEX = 2.5;

/**
 * The tail index is only estimated when the largest entry holds more than this share of ‖W‖_F²: n i.i.d.
 * entries of tail index α give the largest a share of about n^(2/α − 1) — at α ≤ 2.5 above 0.02 up to
 * n = 4·10⁸ (and rarely under a third of that), Gaussian entries 2·ln(n)/n ≈ 10⁻⁵ — so below it the pass is
 * skipped (the benchmark's row-scaled layers sit near 10⁻³).
 */
export const TAIL_SCREEN = 1e-3;

/** Fraction of the entries (and the least number) whose magnitudes give entryTailIndex's estimate. */
const TAIL_FRACTION = 3e-4;
const TAIL_MIN_COUNT = 32;

/** K, the number of largest magnitudes entryTailIndex averages over for n entries: max(32, ⌈3·10⁻⁴·n⌉). */
export function tailCount(n: number, fraction = TAIL_FRACTION, minCount = TAIL_MIN_COUNT): number {
  return Math.max(minCount, Math.ceil(fraction * n));
}

/**
 * Hill's estimate of the tail index α of |w| (P(|w| > x) ∝ x^−α; Hill 1975): 1 / mean over the K largest
 * |w|_(i) of ln(|w|_(i) / |w|_(K+1)), K = max(32, ⌈3·10⁻⁴·n⌉). Null when there are fewer than 4(K+1)
 * entries or |w|_(K+1) = 0. One pass over w collects the magnitudes above a threshold read from a strided
 * sample of 2¹⁴ of them (about 4(K+1) pass it; lowered when fewer do), then sorts only those.
 */
export function entryTailIndex(w: ArrayLike<number>, fraction = TAIL_FRACTION, minCount = TAIL_MIN_COUNT): number | null {
  const n = w.length;
  const K = tailCount(n, fraction, minCount);
  if (n < 4 * (K + 1)) return null;
  const step = Math.max(1, Math.floor(n / PROBE));
  const probe = new Float64Array(Math.ceil(n / step));
  for (let i = 0, j = 0; i < n; i += step, j++) probe[j] = Math.abs(w[i]);
  probe.sort(); // ascending
  let top = new Float64Array(8 * (K + 1));
  for (let want = 4 * (K + 1); ; want *= 4) {
    // the threshold: the probe's magnitude at the (want/n) quantile from the top; at 0 every nonzero entry
    // is taken (a mostly-zero matrix: never all n of them)
    const at = probe.length - 1 - Math.floor((want / n) * probe.length);
    const t = want >= n || at < 0 ? 0 : probe[at];
    const strict = t === 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const x = w[i];
      if (strict ? x !== 0 : x >= t || x <= -t) {
        if (count === top.length) {
          const grown = new Float64Array(Math.min(n, 2 * top.length));
          grown.set(top);
          top = grown;
        }
        top[count++] = Math.abs(x);
      }
    }
    if (count < K + 1) {
      if (strict) return null; // fewer than K + 1 nonzero entries: |w|_(K+1) = 0
      continue;
    }
    const sorted = top.subarray(0, count).sort(); // ascending: the K + 1 largest are the last K + 1
    const floor = sorted[count - 1 - K];
    if (!(floor > 0)) return null;
    let sum = 0;
    for (let i = count - K; i < count; i++) sum += Math.log(sorted[i] / floor);
    return sum > 0 ? K / sum : Infinity;
  }
}

/** Magnitudes entryTailIndex reads (strided) to place its threshold. */
const PROBE = 1 << 14;

/** Smallest block side the estimate uses; layers whose short side is under 2× this are solved exactly. */
export const ESTIMATE_MIN_BLOCK = 384;
/** Most blocks (k). */
export const ESTIMATE_MAX_BLOCKS = 4;

export interface BlockPlan {
  /** Number of diagonal blocks k (≥ 2). */
  blocks: number;
  blockRows: number;
  blockCols: number;
}

/** The blocks for a rows×cols matrix: k = min(4, ⌊min(rows, cols)/384⌋), null when k < 2 (solve exactly). */
export function blockPlan(rows: number, cols: number): BlockPlan | null {
  const k = Math.min(ESTIMATE_MAX_BLOCKS, Math.floor(Math.min(rows, cols) / ESTIMATE_MIN_BLOCK));
  return k >= 2 ? { blocks: k, blockRows: Math.floor(rows / k), blockCols: Math.floor(cols / k) } : null;
}

/**
 * The block eigenvalues `mu` (of m′×n′ blocks, λ = σ²) mapped to the full rows×cols matrix (see above), in
 * place order; `s2` = ‖W‖_F²/(rows·cols). Negative round-off counts as 0.
 */
/** The Marchenko–Pastur bulk edge s²(√rows + √cols)² of a rows×cols matrix with element variance s². */
export function bulkEdge(rows: number, cols: number, s2: number): number {
  return s2 * (Math.sqrt(rows) + Math.sqrt(cols)) ** 2;
}

/**
 * The eigenvalue (σ²) a rank-one signal θ² (a single entry x: θ² = x²) makes in a rows×cols matrix of
 * element variance s²: (θ² + s²·rows)(θ² + s²·cols)/θ² above the threshold θ² > s²√(rows·cols), else
 * null (no outlier: it stays at the bulk edge).
 */
export function rankOneOutlier(theta2: number, rows: number, cols: number, s2: number): number | null {
  return theta2 > s2 * Math.sqrt(rows * cols) ? ((theta2 + s2 * rows) * (theta2 + s2 * cols)) / theta2 : null;
}

export function mapBlockEigenvalues(mu: ArrayLike<number>, rows: number, cols: number, blockRows: number, blockCols: number, s2: number): Float64Array {
  const out = new Float64Array(mu.length);
  const edge = bulkEdge(blockRows, blockCols, s2);
  const lplus = bulkEdge(rows, cols, s2);
  const c = (Math.sqrt(rows) + Math.sqrt(cols)) ** 2 / (Math.sqrt(blockRows) + Math.sqrt(blockCols)) ** 2;
  const a = s2 * blockRows;
  const b = s2 * blockCols;
  for (let i = 0; i < mu.length; i++) {
    const x = Math.max(0, mu[i]);
    if (!(s2 > 0) || x <= edge) {
      out[i] = c * x;
      continue;
    }
    const d = x - a - b;
    const theta2 = (d + Math.sqrt(Math.max(0, d * d - 4 * a * b))) / 2;
    out[i] = Math.min(c * x, rankOneOutlier(theta2, rows, cols, s2) ?? lplus);
  }
  return out;
}

