// Kendall's rank correlation τ-b (ties in either variable corrected), the statistic Jiang et al. 2020
// ("Fantastic Generalization Measures", §4) use to judge a measure against the generalization gap.
//   τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)),  n₀ = n(n−1)/2,
// n_c / n_d the concordant / discordant pairs, n₁ = Σ tᵢ(tᵢ−1)/2 over groups of tied x, n₂ likewise
// for y (Kendall 1945; the formula scipy.stats.kendalltau computes with variant='b'). A pair tied in x
// is neither concordant nor discordant and is counted in n₁. O(n²): n is a number of checkpoints.
// Pure.

/** τ-b of paired samples; pairs where either value is not finite are dropped. Null when undefined (n < 2 or a constant variable). */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error(`kendallTauB: ${x.length} x values but ${y.length} y values`);
  const xs: number[] = [];
  const ys: number[] = [];
  x.forEach((v, i) => {
    if (Number.isFinite(v) && Number.isFinite(y[i])) {
      xs.push(v);
      ys.push(y[i]);
    }
  });
  const n = xs.length;
  let concordant = 0;
  let discordant = 0;
  let tiedXOnly = 0; // tied in x, not in y
  let tiedYOnly = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(xs[i] - xs[j]);
      const dy = Math.sign(ys[i] - ys[j]);
      if (dx === 0 && dy === 0) continue; // tied in both: in n₁ and n₂
      if (dx === 0) tiedXOnly++;
      else if (dy === 0) tiedYOnly++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  // n₀ − n₁ = pairs not tied in x = n_c + n_d + (tied in y only); likewise for y
  const denom = Math.sqrt((concordant + discordant + tiedYOnly) * (concordant + discordant + tiedXOnly));
  return denom > 0 ? (concordant - discordant) / denom : null;
}

/** Number of pairs where both values are finite (the n a τ was computed on). */
export function pairedCount(x: readonly number[], y: readonly number[]): number {
  let n = 0;
  x.forEach((v, i) => {
    if (Number.isFinite(v) && Number.isFinite(y[i])) n++;
  });
  return n;
}
