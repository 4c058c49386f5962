// Statistics of an empirical spectral density λ = σ² (ascending), WeightWatcher's definitions.

export interface EsdStats {
  /** log₁₀ Σλ (= log₁₀ ‖W‖_F²). */
  logNorm: number | null;
  /** log₁₀ λ_max. */
  logSpectralNorm: number | null;
  /** Σλ / λ_max. */
  stableRank: number | null;
  /** −Σ p ln p / ln R, p = λ/Σλ over λ > 0, R = #{σ > σ_max·max(m,n)·ε_f32} (numpy's matrix_rank rule). */
  entropy: number | null;
  /** Marchenko–Pastur bulk edge λ₊ = s²(√m + √n)² for a random matrix with element variance s² = ‖W‖_F²/(mn). */
  mpBulkMax: number | null;
  /** #{λ > λ₊}. */
  numSpikes: number | null;
  /** λ₊ / λ_max. */
  mpSoftrank: number | null;
}

const F32_EPS = 1.1920929e-7;

export function esdStats(eig: ArrayLike<number>, rows: number, cols: number): EsdStats {
  const k = eig.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += eig[i];
  const lmax = k ? eig[k - 1] : 0;
  if (!(lmax > 0)) return { logNorm: null, logSpectralNorm: null, stableRank: null, entropy: null, mpBulkMax: null, numSpikes: null, mpSoftrank: null };
  const tol = Math.sqrt(lmax) * Math.max(rows, cols) * F32_EPS;
  let rank = 0;
  for (let i = 0; i < k; i++) if (Math.sqrt(eig[i]) > tol) rank++;
  let h = 0;
  for (let i = 0; i < k; i++) {
    const p = eig[i] / total;
    if (p > 0) h -= p * Math.log(p);
  }
  const s2 = total / (rows * cols);
  const lplus = s2 * (Math.sqrt(rows) + Math.sqrt(cols)) ** 2;
  let spikes = 0;
  for (let i = 0; i < k; i++) if (eig[i] > lplus) spikes++;
  return {
    logNorm: Math.log10(total),
    logSpectralNorm: Math.log10(lmax),
    stableRank: total / lmax,
    entropy: rank > 1 ? h / Math.log(rank) : null,
    mpBulkMax: lplus,
    numSpikes: spikes,
    mpSoftrank: lplus / lmax,
  };
}

/** log₁₀ Σ λ^α over λ > 0. */
export function logAlphaNorm(eig: ArrayLike<number>, alpha: number): number | null {
  let s = 0;
  for (let i = 0; i < eig.length; i++) if (eig[i] > 0) s += Math.pow(eig[i], alpha);
  return s > 0 && Number.isFinite(s) ? Math.log10(s) : null;
}

/**
 * Jensen–Shannon distance (√ of the divergence, log base 2; in [0, 1]) between the histograms of
 * log₁₀λ of two spectra: 100 equal bins over the common range, λ > 1e-10·max(λ_max of both).
 */
export function esdDistance(a: ArrayLike<number>, b: ArrayLike<number>, bins = 100): number {
  let top = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > top) top = a[i];
  for (let i = 0; i < b.length; i++) if (b[i] > top) top = b[i];
  const floor = 1e-10 * top;
  const la = Array.from(a).filter((x) => x > floor).map(Math.log10);
  const lb = Array.from(b).filter((x) => x > floor).map(Math.log10);
  if (!la.length || !lb.length) return NaN;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of [...la, ...lb]) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const width = (hi - lo) / bins || 1;
  const hist = (xs: number[]) => {
    const h = new Float64Array(bins);
    for (const x of xs) h[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
    for (let i = 0; i < bins; i++) h[i] /= xs.length;
    return h;
  };
  const p = hist(la);
  const q = hist(lb);
  let js = 0;
  for (let i = 0; i < bins; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) js += 0.5 * p[i] * Math.log2(p[i] / m);
    if (q[i] > 0) js += 0.5 * q[i] * Math.log2(q[i] / m);
  }
  return Math.sqrt(Math.max(0, js));
}
