// Power-law fit of the tail of an empirical spectral density in WeightWatcher's exact convention: the
// continuous maximum-likelihood exponent with x_min chosen by the Kolmogorov–Smirnov distance (Clauset,
// Shalizi & Newman, "Power-law distributions in empirical data", SIAM Review 51, 2009, eqs. 3.1 and 3.9),
// as computed by the `powerlaw` package that WeightWatcher calls:
//   drop λ ≤ 1e-5; sort ascending x₀ ≤ … ≤ x_{N−1}; every x_i except the largest is a candidate x_min;
//   n = N − i;  α_i = 1 + n / (Σ_{j≥i} ln x_j − n·ln x_i)          (suffix sums of logs)
//   D_i = max_{k=0…n−1} |1 − (x_{i+k}/x_i)^{1−α_i} − k/n|         (one-sided empirical CDF k/n, exactly so)
//   D_i = 1 when α_i ≤ 1 (or α_i = ∞: a tail of equal values); the fit is the smallest D_i, the first
//   on ties; σ = (α − 1)/√n (the MLE's standard error).
// O(N²) exponentials in the worst case; the KS scan of a candidate stops as soon as its running maximum
// reaches the best D so far (it can then no longer be the strictly smallest), which makes it ~O(N·n̄)
// in practice.

import { timed } from './profile';

export interface PowerLawFit {
  status: 'ok' | 'too-few';
  /** Why there is no fit (status 'too-few'). */
  reason?: string;
  /** Exponent α of p(x) ∝ x^−α (NaN without a fit). */
  alpha: number;
  /** The chosen x_min (an eigenvalue, or the fixed value). */
  xmin: number;
  /** KS distance D of the chosen fit. */
  D: number;
  /** Standard error (α − 1)/√n. */
  sigma: number;
  /** Tail size n = #{x ≥ x_min}. */
  n: number;
  /** Eigenvalues left after the 1e-5 filter (N). */
  numEigs: number;
}

export interface PowerLawOptions {
  /** Fixed x_min instead of the KS search: the tail is {x ≥ xmin} and α, D use this x_min. */
  xmin?: number;
  /** Only eigenvalues ≤ xminMax are x_min candidates (WeightWatcher's `xmin_max`, a value). */
  xminMax?: number;
  /** Fewest eigenvalues (after the filter) for a fit; default 10. */
  minEigs?: number;
}

export const MIN_EIGS = 10;
export const EIG_FLOOR = 1e-5;

/**
 * Fits the tail of `eigs` (any order; non-finite values are rejected with a RangeError). Returns status
 * 'too-few' with a reason when fewer than minEigs eigenvalues exceed 1e-5 (or no candidate is left).
 */
export function fitPowerLaw(eigs: ArrayLike<number>, opts: PowerLawOptions = {}): PowerLawFit {
  return timed('fit', () => fit(eigs, opts));
}

function fit(eigs: ArrayLike<number>, opts: PowerLawOptions): PowerLawFit {
  const minEigs = opts.minEigs ?? MIN_EIGS;
  const kept: number[] = [];
  for (let i = 0; i < eigs.length; i++) {
    const x = eigs[i];
    if (!Number.isFinite(x)) throw new RangeError(`fitPowerLaw: eigenvalue ${i} is ${x}`);
    if (x > EIG_FLOOR) kept.push(x);
  }
  const xs = Float64Array.from(kept).sort();
  const N = xs.length;
  const none = (reason: string): PowerLawFit => ({ status: 'too-few', reason, alpha: NaN, xmin: NaN, D: NaN, sigma: NaN, n: 0, numEigs: N });
  if (N < minEigs) return none(`${N} eigenvalue${N === 1 ? '' : 's'} above ${EIG_FLOOR} (at least ${minEigs} are needed for a tail fit)`);
  const logs = new Float64Array(N);
  for (let i = 0; i < N; i++) logs[i] = Math.log(xs[i]);
  // S[i] = Σ_{j≥i} ln x_j
  const S = new Float64Array(N + 1);
  for (let i = N - 1; i >= 0; i--) S[i] = S[i + 1] + logs[i];

  if (opts.xmin !== undefined) {
    const xmin = opts.xmin;
    if (!(xmin > 0)) throw new RangeError(`fitPowerLaw: xmin must be positive, got ${xmin}`);
    let i = 0;
    while (i < N && xs[i] < xmin) i++;
    const n = N - i;
    if (n < 2) return none(`${n} eigenvalue${n === 1 ? '' : 's'} ≥ x_min = ${xmin}`);
    const lx = Math.log(xmin);
    const alpha = 1 + n / (S[i] - n * lx);
    const D = ksDistance(logs, i, lx, alpha, n, Infinity);
    return { status: 'ok', alpha, xmin, D, sigma: (alpha - 1) / Math.sqrt(n), n, numEigs: N };
  }

  let last = N - 2; // the largest eigenvalue is never a candidate
  if (opts.xminMax !== undefined) while (last >= 0 && xs[last] > opts.xminMax) last--;
  if (last < 0) return none(`no x_min candidate ≤ xminMax = ${opts.xminMax}`);
  let best = 0;
  let bestD = Infinity;
  let bestAlpha = NaN;
  for (let i = 0; i <= last; i++) {
    const n = N - i;
    const alpha = 1 + n / (S[i] - n * logs[i]);
    const D = ksDistance(logs, i, logs[i], alpha, n, bestD);
    if (D < bestD) {
      bestD = D;
      best = i;
      bestAlpha = alpha;
    }
  }
  const n = N - best;
  return { status: 'ok', alpha: bestAlpha, xmin: xs[best], D: bestD, sigma: (bestAlpha - 1) / Math.sqrt(n), n, numEigs: N };
}

/**
 * max_{k<n} |1 − exp((1−α)(ln x_{i+k} − ln x_min)) − k/n|, or 1 when α ≤ 1 or α is not finite. Stops
 * early once the running maximum reaches `stopAt` (the caller only needs to know it is not smaller).
 */
function ksDistance(logs: Float64Array, i: number, logXmin: number, alpha: number, n: number, stopAt: number): number {
  if (!(alpha > 1) || alpha === Infinity) return 1;
  const e = 1 - alpha;
  let D = 0;
  for (let k = 0; k < n; k++) {
    const v = Math.abs(1 - Math.exp(e * (logs[i + k] - logXmin)) - k / n);
    if (v > D) {
      D = v;
      if (D >= stopAt) break;
    }
  }
  return D;
}
