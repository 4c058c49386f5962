// The held-out (test-set) certificate (Langford 2005, "Tutorial on practical prediction theory for
// classification", JMLR 6, Theorem 3.3): for a classifier fixed before n i.i.d. test examples are
// drawn, with probability ≥ 1 − δ its true error e satisfies
//   e ≤ Bin⁻¹(n, k, δ) = max{p : P[Bin(n, p) ≤ k] ≥ δ},   k = number of test errors,
// and, relaxed by the Chernoff bound P[Bin(n, p) ≤ k] ≤ e^{−n·kl(k/n‖p)},
//   e ≤ kl⁻¹(k/n, ln(1/δ)/n).
// Nothing about the model or the training set enters: it is what data alone certifies, and it needs
// that the test probe was not used to choose the model.
import { klInverseUpper } from './kl';

/** ln P[Bin(n, p) ≤ k], summed in log space (exact for the sizes of a probe; O(k)). */
export function logBinomialCdf(k: number, n: number, p: number): number {
  if (k >= n || p <= 0) return 0;
  if (p >= 1) return -Infinity;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  // term_i = C(n, i) p^i q^(n−i), built by the ratio term_{i+1}/term_i = (n − i)/(i + 1) · p/q
  let logTerm = n * lq;
  let max = logTerm;
  const terms = [logTerm];
  for (let i = 0; i < k; i++) {
    logTerm += Math.log((n - i) / (i + 1)) + lp - lq;
    terms.push(logTerm);
    if (logTerm > max) max = logTerm;
  }
  let s = 0;
  for (const t of terms) s += Math.exp(t - max);
  return max + Math.log(s);
}

/** max{p : P[Bin(n, p) ≤ k] ≥ δ} by bisection (to 1e-12; errs upward, so it stays a bound). */
export function binomialTailInverse(k: number, n: number, delta: number): number {
  if (!(n > 0) || !(k >= 0) || k > n || !Number.isInteger(k) || !Number.isInteger(n)) throw new RangeError(`binomialTailInverse: need integers 0 ≤ k = ${k} ≤ n = ${n}`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`binomialTailInverse: δ = ${delta} must lie in (0, 1)`);
  if (k === n) return 1;
  const target = Math.log(delta);
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (logBinomialCdf(k, n, mid) >= target) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface HeldOutCertificate {
  /** The exact binomial-tail certificate (the tighter one; what the report shows as the value). */
  bound: number;
  /** Its Chernoff relaxation kl⁻¹(ê, ln(1/δ)/n). */
  klBound: number;
  errors: number;
  n: number;
  testError: number;
  delta: number;
}

export function heldOutCertificate(errors: number, n: number, delta: number): HeldOutCertificate {
  const testError = errors / n;
  return { bound: binomialTailInverse(errors, n, delta), klBound: klInverseUpper(testError, Math.log(1 / delta) / n), errors, n, testError, delta };
}

/** The one line that says what the held-out certificate is beside the training-set bounds. */
export const HELD_OUT_EXPLANATION =
  'The held-out certificate uses only the test probe: it is valid whatever the theory, but only for this trained network and only if the test probe played no part in training or choosing it; the training-set bounds certify from the training data and the model\'s complexity alone, so the gap between the two is what the theory still leaves unexplained.';
