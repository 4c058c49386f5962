// Statistics of an empirical spectral density (ESD) λ = σ² of a rows×cols matrix W, with the
// definitions of WeightWatcher (Martin & Mahoney, "Implicit self-regularization in deep neural
// networks", JMLR 22, 2021) that the report shows, and the randomization distance between two ESDs.

export interface EsdStats {
  /** log₁₀ Σλ (= log₁₀ ‖W‖_F²). */
  logNorm: number | null;
  /** log₁₀ λ_max (= 2·log₁₀ ‖W‖₂). */
  logSpectralNorm: number | null;
  /** Σλ / λ_max. */
  stableRank: number | null;
  /**
   * Normalized spectral entropy −Σ p ln p / ln R with p = λ/Σλ over λ > 0 and R the numerical rank
   * #{σ > σ_max·max(rows, cols)·1.1920929e-7} (numpy's matrix_rank rule with float32 ε); null if R ≤ 1.
   */
  entropy: number | null;
  /** Marchenko–Pastur bulk edge λ₊ = s²(√rows + √cols)², element variance s² = ‖W‖_F²/(rows·cols). */
  mpBulkMax: number | null;
  /** #{λ > λ₊}. */
  numSpikes: number | null;
  /** λ₊ / λ_max. */
  mpSoftrank: number | null;
}

const F32_EPS = 1.1920929e-7;

function checkEigs(eig: ArrayLike<number>, what: string): void {
  for (let i = 0; i < eig.length; i++) {
    if (!Number.isFinite(eig[i])) throw new RangeError(`${what}: eigenvalue ${i} is ${eig[i]}`);
  }
}

/**
 * ESD statistics of the eigenvalues `eig` (λ = σ², any order, all min(rows, cols) of them; negative
 * round-off is treated as 0). Every field is null when λ_max ≤ 0 (all-zero or empty matrix).
 */
export function esdStats(eig: ArrayLike<number>, rows: number, cols: number): EsdStats {
  checkEigs(eig, 'esdStats');
  const k = eig.length;
  let total = 0;
  let lmax = 0;
  for (let i = 0; i < k; i++) {
    const x = Math.max(0, eig[i]);
    total += x;
    if (x > lmax) lmax = x;
  }
  if (!(lmax > 0)) return { logNorm: null, logSpectralNorm: null, stableRank: null, entropy: null, mpBulkMax: null, numSpikes: null, mpSoftrank: null };
  const tol = Math.sqrt(lmax) * Math.max(rows, cols) * F32_EPS;
  let rank = 0;
  let h = 0;
  for (let i = 0; i < k; i++) {
    const x = Math.max(0, eig[i]);
    if (Math.sqrt(x) > tol) rank++;
    const p = x / total;
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

/** log₁₀ Σ_{λ>0} λ^α (WeightWatcher's log α-norm); null when the sum is 0 or overflows. */
export function logAlphaNorm(eig: ArrayLike<number>, alpha: number): number | null {
  checkEigs(eig, 'logAlphaNorm');
  let s = 0;
  for (let i = 0; i < eig.length; i++) if (eig[i] > 0) s += Math.pow(eig[i], alpha);
  return s > 0 && Number.isFinite(s) ? Math.log10(s) : null;
}

/**
 * Jensen–Shannon distance between two ESDs, in [0, 1] — the randomization check compares a layer's
 * ESD with that of its shuffled entries. Exactly:
 *   top = max over both spectra; keep λ > 1e-10·top from each; x = log₁₀ λ;
 *   lo, hi = min and max of x over both; w = (hi − lo)/bins (w = 1 if hi = lo);
 *   bin of x = min(bins − 1, ⌊(x − lo)/w⌋); P, Q = bin counts / number kept (per spectrum);
 *   JS = ½ Σ P·log₂(P/M) + ½ Σ Q·log₂(Q/M) over non-zero terms, M = (P + Q)/2; distance = √max(0, JS).
 * NaN when either spectrum has nothing above the floor.
 */
export function esdDistance(a: ArrayLike<number>, b: ArrayLike<number>, bins = 100): number {
  checkEigs(a, 'esdDistance');
  checkEigs(b, 'esdDistance');
  let top = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > top) top = a[i];
  for (let i = 0; i < b.length; i++) if (b[i] > top) top = b[i];
  const floor = 1e-10 * top;
  const logs = (xs: ArrayLike<number>) => {
    const out: number[] = [];
    for (let i = 0; i < xs.length; i++) if (xs[i] > floor) out.push(Math.log10(xs[i]));
    return out;
  };
  const la = logs(a);
  const lb = logs(b);
  if (!la.length || !lb.length) return NaN;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of la.concat(lb)) {
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
