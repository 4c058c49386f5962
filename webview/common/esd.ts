// The ESD plot's data: the empirical spectral density of λ = σ² on log-log axes, as a density over
// logarithmic bins (count / (N · bin width), so it is comparable with a probability density), and the
// fitted power law p(λ) = (α − 1)/x_min · (λ/x_min)^(−α) for λ ≥ x_min (Clauset, Shalizi & Newman 2009,
// eq. 2.2; the fit WeightWatcher reports), scaled by the fraction of eigenvalues in the tail so that it
// overlays the whole-spectrum density. Pure (no DOM): unit-tested against numpy.

export interface Point {
  x: number;
  y: number;
}

/** Bin edges: `bins` equal steps of log10 λ from the smallest to the largest positive eigenvalue. */
export function logBinEdges(eigenvalues: readonly number[], bins: number): number[] {
  const pos = eigenvalues.filter((v) => v > 0 && Number.isFinite(v));
  if (!pos.length) return [];
  let lo = Math.log10(Math.min(...pos));
  let hi = Math.log10(Math.max(...pos));
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => 10 ** (lo + ((hi - lo) * i) / bins));
  // exact end points (10^log10(x) can miss x by an ulp and drop the extreme eigenvalues)
  if (edges[0] > Math.min(...pos)) edges[0] = Math.min(...pos);
  if (edges[bins] < Math.max(...pos)) edges[bins] = Math.max(...pos);
  return edges;
}

/** A bin count that resolves the shape without leaving most bins empty: 2√n, between 10 and 60. */
export function defaultBins(n: number): number {
  return Math.max(10, Math.min(60, Math.round(2 * Math.sqrt(n))));
}

/**
 * Density per logarithmic bin, at the bin's geometric centre; empty bins are left out (a log axis has
 * no zero). Normalised by all N eigenvalues (zeros included), so it integrates to the positive fraction.
 */
export function logBinnedDensity(eigenvalues: readonly number[], bins = defaultBins(eigenvalues.length)): Point[] {
  const edges = logBinEdges(eigenvalues, bins);
  if (!edges.length) return [];
  const counts = new Array<number>(bins).fill(0);
  for (const v of eigenvalues) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    // numpy's convention: [edge_i, edge_i+1) except the last bin, which is closed
    let lo = 0;
    let hi = bins;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (v >= edges[mid]) lo = mid;
      else hi = mid;
    }
    counts[lo]++;
  }
  const n = eigenvalues.length;
  const out: Point[] = [];
  for (let i = 0; i < bins; i++) {
    if (!counts[i]) continue;
    const a = edges[i];
    const b = edges[i + 1];
    out.push({ x: Math.sqrt(a * b), y: counts[i] / (n * (b - a)) });
  }
  return out;
}

/**
 * The fitted power law over [x_min, λ_max], `points` points evenly spaced in log λ, as the density of
 * the whole spectrum: (n_tail / N) · (α − 1)/x_min · (λ/x_min)^(−α). Empty when α ≤ 1 or x_min ≤ 0.
 */
export function powerLawLine(eigenvalues: readonly number[], alpha: number, xmin: number, points = 40): Point[] {
  if (!(alpha > 1) || !(xmin > 0) || !eigenvalues.length) return [];
  const max = Math.max(...eigenvalues);
  if (!(max > xmin)) return [];
  const tail = eigenvalues.filter((v) => v >= xmin).length / eigenvalues.length;
  const c = (tail * (alpha - 1)) / xmin;
  return Array.from({ length: points }, (_, i) => {
    const x = xmin * (max / xmin) ** (i / (points - 1));
    return { x, y: c * (x / xmin) ** -alpha };
  });
}
