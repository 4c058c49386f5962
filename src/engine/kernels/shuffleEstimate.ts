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
 * σ ≳ 1.2; a Gaussian layer has 0–3) the estimate's distance drifts up by 0.02–0.06, so such layers are
 * solved exactly. Below it, measured
 * against exact shuffled spectra (numpy, several permutations): within 0.04 of their mean, reading
 * 0.00–0.03 higher on random-like layers (d ≈ 0.08–0.12, the histogram's noise floor, where two blocks'
 * eigenvalues fall into 100 bins less evenly than one matrix's), `test/kernels/shuffleEstimate.test.ts`.
 */
export const ESTIMATE_MAX_STANDOUT = 0.03;

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

