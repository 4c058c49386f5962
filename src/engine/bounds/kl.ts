// The binary KL divergence and its inverses, as used by PAC-Bayes bounds (Langford & Seeger 2001;
// Maurer 2004): kl(q‖p) = q ln(q/p) + (1−q) ln((1−q)/(1−p)).

/** kl(q‖p) for q, p ∈ [0, 1] (0·ln 0 = 0; +∞ when p ∈ {0, 1} and q differs). */
export function klBernoulli(q: number, p: number): number {
  const t = (a: number, b: number) => (a === 0 ? 0 : b === 0 ? Infinity : a * Math.log(a / b));
  return t(q, p) + t(1 - q, 1 - p);
}

function check(q: number, c: number, fn: string): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`${fn}: q = ${q} is not in [0, 1]`);
  if (!(c >= 0)) throw new RangeError(`${fn}: c = ${c} must be ≥ 0`);
}

/**
 * kl⁻¹(q, c) = sup{p ∈ [q, 1] : kl(q‖p) ≤ c}, by bisection on the increasing branch (to 1e-13, or
 * where kl(q‖·) reaches float64 rounding). The result errs upward (the returned p has kl ≥ c or p = 1),
 * so a bound built on it stays a bound.
 */
export function klInverseUpper(q: number, c: number): number {
  check(q, c, 'klInverseUpper');
  if (q >= 1 || !Number.isFinite(c)) return 1;
  if (c === 0) return q;
  let lo = q;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (klBernoulli(q, mid) <= c) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Lower inverse: inf{p ∈ [0, q] : kl(q‖p) ≤ c} (errs downward). */
export function klInverseLower(q: number, c: number): number {
  check(q, c, 'klInverseLower');
  if (q <= 0 || !Number.isFinite(c)) return 0;
  if (c === 0) return q;
  let lo = 0;
  let hi = q;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (klBernoulli(q, mid) <= c) hi = mid;
    else lo = mid;
  }
  return lo;
}
