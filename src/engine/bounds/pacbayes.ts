// The Dziugaite & Roy 2017 PAC-Bayes bound ("Computing Nonvacuous Generalization Bounds for Deep
// (Stochastic) Neural Networks with Many More Parameters than Training Data", UAI 2017), evaluated
// with forward passes only.
//
// Posterior Q = N(w, diag s), prior P = N(w⁰, λI) with λ = c·exp(−j/b), j ∈ {1, 2, …} (a union bound
// over j costs 2 ln j + ln(π²/6)). For every Q at once, with probability ≥ 1 − δ over the training set S
// (|S| = m):
//   e(Q) ≤ kl⁻¹( ê_S(Q), [KL(Q‖P) + 2 ln(b ln(c/λ)) + ln(π² m / (6δ))] / (m − 1) ),
//   KL(Q‖P) = ½[(Σsᵢ + ‖w − w⁰‖²)/λ − k + k ln λ − Σ ln sᵢ].
// ê_S(Q) is not computable exactly. Two more concentration steps bound it from what was measured:
//   (1) Monte-Carlo: n weight draws, each evaluated on the probe: E_{w∼Q}[probe error] ≤ kl⁻¹(ê_n, ln(K/δ′)/n);
//   (2) probe → training set: when the probe is a uniformly random subset of S of size n_p < m,
//       ê_S(Q) ≤ kl⁻¹(probe error of Q, ln(K/δ″)/n_p) (sampling without replacement concentrates at least
//       as well as with replacement, Hoeffding 1963).
// K = the number of posteriors the search may try (a union bound over all of them for (1) and (2)).
// The bound then holds with probability ≥ 1 − δ − δ′ − δ″.
import { klInverseUpper } from './kl';

export interface DrConstants {
  b: number;
  c: number;
  /** Confidence split: PAC-Bayes, Monte-Carlo, probe subsample. */
  delta: number;
  deltaMc: number;
  deltaProbe: number;
  /** Posterior candidates covered by the union bound. */
  candidates: number;
}

export function drConstants(totalDelta: number, candidates: number): DrConstants {
  return { b: 100, c: 0.1, delta: totalDelta / 2, deltaMc: totalDelta / 4, deltaProbe: totalDelta / 4, candidates };
}

/** KL(N(w, diag s) ‖ N(w⁰, λI)) from Σsᵢ, Σ ln sᵢ, ‖w − w⁰‖² and the dimension k. */
export function gaussianKl(sSum: number, sLogSum: number, distSq: number, k: number, lambda: number): number {
  return 0.5 * ((sSum + distSq) / lambda - k + k * Math.log(lambda) - sLogSum);
}

/** The prior scale on the grid λ_j = c·e^{−j/b}, j ≥ 1, minimising KL + 2 ln j. */
export function bestPrior(sSum: number, sLogSum: number, distSq: number, k: number, b: number, c: number): { j: number; lambda: number; kl: number } {
  const star = (sSum + distSq) / k; // minimiser of the KL over λ
  const jStar = star > 0 ? b * Math.log(c / star) : 1;
  const candidates = new Set([1, Math.max(1, Math.floor(jStar)), Math.max(1, Math.ceil(jStar))]);
  let best = { j: 1, lambda: c * Math.exp(-1 / b), kl: Infinity };
  let bestCost = Infinity;
  for (const j of candidates) {
    const lambda = c * Math.exp(-j / b);
    const kl = gaussianKl(sSum, sLogSum, distSq, k, lambda);
    const cost = kl + 2 * Math.log(j);
    if (cost < bestCost) {
      bestCost = cost;
      best = { j, lambda, kl };
    }
  }
  return best;
}

export interface DrInput {
  /** Probe error of each Monte-Carlo weight draw from Q. */
  drawErrors: number[];
  probeSize: number;
  m: number;
  sSum: number;
  sLogSum: number;
  distSq: number;
  k: number;
}

export interface DrResult {
  bound: number;
  mcError: number;
  mcUpper: number;
  trainUpper: number;
  kl: number;
  lambda: number;
  j: number;
  complexity: number;
}

export function drBound(x: DrInput, k: DrConstants): DrResult {
  const n = x.drawErrors.length;
  const mcError = x.drawErrors.reduce((a, b) => a + b, 0) / n;
  const mcUpper = klInverseUpper(mcError, Math.log(k.candidates / k.deltaMc) / n);
  const trainUpper = x.probeSize >= x.m ? mcUpper : klInverseUpper(mcUpper, Math.log(k.candidates / k.deltaProbe) / x.probeSize);
  const prior = bestPrior(x.sSum, x.sLogSum, x.distSq, x.k, k.b, k.c);
  const complexity = (prior.kl + 2 * Math.log(k.b * Math.log(k.c / prior.lambda)) + Math.log((Math.PI ** 2 * x.m) / (6 * k.delta))) / (x.m - 1);
  const bound = klInverseUpper(trainUpper, Math.max(0, complexity));
  return { bound, mcError, mcUpper, trainUpper, kl: prior.kl, lambda: prior.lambda, j: prior.j, complexity };
}
