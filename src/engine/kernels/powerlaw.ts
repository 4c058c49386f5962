// Power-law fit of the tail of an empirical spectral density, WeightWatcher's exact convention
// (Clauset, Shalizi & Newman 2009's continuous MLE with x_min chosen by the KS distance):
//   drop λ ≤ 1e-5; sort ascending x₀ … x_{N−1}; every x_i except the largest is a candidate x_min;
//   n = N − i;  α_i = 1 + n / (Σ_{j≥i} ln x_j − n ln x_i)       (prefix sums of logs)
//   D_i = max_{k=0..n−1} |1 − (x_{i+k}/x_i)^{1−α_i} − k/n|        (one-sided empirical CDF k/n)
//   D_i = 1 when α_i ≤ 1; choose the smallest D_i (the first on ties); σ = (α − 1)/√n.
// O(N²) in the worst case; the inner KS loop stops as soon as it cannot beat the best D so far.

export interface PowerLawFit {
  status: 'ok' | 'too-few';
  reason?: string;
  alpha: number;
  xmin: number;
  D: number;
  sigma: number;
  /** Tail size n. */
  n: number;
  /** Eigenvalues after the 1e-5 filter. */
  numEigs: number;
}

export const MIN_EIGS = 10;
export const EIG_FLOOR = 1e-5;

export function fitPowerLaw(eigs: ArrayLike<number>, opts: { minEigs?: number } = {}): PowerLawFit {
  const minEigs = opts.minEigs ?? MIN_EIGS;
  const xs: number[] = [];
  for (let i = 0; i < eigs.length; i++) if (eigs[i] > EIG_FLOOR) xs.push(eigs[i]);
  xs.sort((a, b) => a - b);
  const N = xs.length;
  const none: PowerLawFit = { status: 'too-few', alpha: NaN, xmin: NaN, D: NaN, sigma: NaN, n: 0, numEigs: N };
  if (N < minEigs) return { ...none, reason: `${N} eigenvalue${N === 1 ? '' : 's'} above ${EIG_FLOOR} (at least ${minEigs} are needed for a tail fit)` };
  const logs = new Float64Array(N);
  for (let i = 0; i < N; i++) logs[i] = Math.log(xs[i]);
  // suffix sums of logs: S[i] = Σ_{j≥i} ln x_j
  const S = new Float64Array(N + 1);
  for (let i = N - 1; i >= 0; i--) S[i] = S[i + 1] + logs[i];
  let best = -1;
  let bestD = Infinity;
  let bestAlpha = NaN;
  for (let i = 0; i < N - 1; i++) {
    const n = N - i;
    const denom = S[i] - n * logs[i];
    const alpha = 1 + n / denom;
    let D: number;
    if (!(alpha > 1) || !Number.isFinite(alpha)) D = 1;
    else {
      D = 0;
      const e = 1 - alpha;
      const li = logs[i];
      for (let k = 0; k < n; k++) {
        const v = Math.abs(1 - Math.exp(e * (logs[i + k] - li)) - k / n);
        if (v > D) {
          D = v;
          if (D >= bestD) break; // cannot become the (strictly) smallest
        }
      }
    }
    if (D < bestD) {
      bestD = D;
      best = i;
      bestAlpha = alpha;
    }
  }
  const n = N - best;
  return { status: 'ok', alpha: bestAlpha, xmin: xs[best], D: bestD, sigma: (bestAlpha - 1) / Math.sqrt(n), n, numEigs: N };
}
