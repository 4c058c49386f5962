// The binary KL divergence and its inverses, as used by PAC-Bayes bounds (Langford & Seeger 2001).

/** kl(q‖p) = q ln(q/p) + (1−q) ln((1−q)/(1−p)) for q, p ∈ [0, 1]. */
export function klBernoulli(q: number, p: number): number {
  const t = (a: number, b: number) => (a === 0 ? 0 : b === 0 ? Infinity : a * Math.log(a / b));
  return t(q, p) + t(1 - q, 1 - p);
}

/** kl⁻¹(q, c) = sup{p ∈ [q, 1] : kl(q‖p) ≤ c}, by bisection to 1e-12. */
export function klInverseUpper(q: number, c: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`klInverseUpper: q = ${q} is not in [0, 1]`);
  if (!(c >= 0)) throw new RangeError(`klInverseUpper: c = ${c} must be ≥ 0`);
  if (q >= 1) return 1;
  let lo = q;
  let hi = 1;
  if (klBernoulli(q, 1 - 1e-15) <= c) return 1;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (klBernoulli(q, mid) <= c) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** kl⁻¹ lower: inf{p ∈ [0, q] : kl(q‖p) ≤ c}. */
export function klInverseLower(q: number, c: number): number {
  if (q <= 0) return 0;
  let lo = 0;
  let hi = q;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (klBernoulli(q, mid) <= c) hi = mid;
    else lo = mid;
  }
  return lo;
}
