// The Dziugaite & Roy 2017 PAC-Bayes bound ("Computing Nonvacuous Generalization Bounds for Deep
// (Stochastic) Neural Networks with Many More Parameters than Training Data", UAI 2017, §4–5),
// evaluated from forward passes only. Pure arithmetic here; the posterior search is in
// src/engine/forward/drSearch.ts.
//
// Posterior Q = N(w, diag s), prior P = N(w⁰, λI) with w⁰ the initial weights (or 0) and λ on the grid
// λ_j = c·e^{−j/b}, j = 1, 2, … (b = 100, c = 0.1, as theirs), with prior weight 6/(π²j²) on j. With
// probability ≥ 1 − δ over the training set S (|S| = m), for every Q simultaneously (the PAC-Bayes-kl
// theorem of Langford & Seeger 2001 / Maurer 2004 with the union bound over j):
//   e(Q) ≤ kl⁻¹( ê_S(Q), [KL(Q‖P) + 2 ln(b ln(c/λ)) + ln(π²m/(6δ))] / (m − 1) ),
//   KL(Q‖P) = ½[(Σᵢsᵢ + ‖w − w⁰‖²)/λ − k + k ln λ − Σᵢ ln sᵢ],   (b ln(c/λ_j) = j)
// e(Q), ê_S(Q): 0-1 error of the stochastic classifier (a fresh weight draw per prediction) on the
// data distribution and on S. ê_S(Q) is not computable; drCertify bounds it from what was measured.
import { klInverseUpper } from './kl';

/** The prior-variance grid λ_j = c·e^{−j/b} of Dziugaite & Roy. */
export const DR_INFO = {
  id: 'dziugaiteRoy2017', name: 'PAC-Bayes bound (Gaussian posterior, searched)', reference: 'Dziugaite & Roy 2017 (UAI); Langford & Caruana 2002 (Monte-Carlo step)',
} as const;

export const DR_GRID = { b: 100, c: 0.1 } as const;

/** KL(N(w, diag s) ‖ N(w⁰, λI)) from Σsᵢ, Σ ln sᵢ, ‖w − w⁰‖² and the dimension k. */
export function gaussianKl(sSum: number, sLogSum: number, distSq: number, k: number, lambda: number): number {
  return 0.5 * ((sSum + distSq) / lambda - k + k * Math.log(lambda) - sLogSum);
}

/**
 * The grid point j ≥ 1 minimising KL + 2 ln j (what the bound pays for the prior). The KL is convex in
 * ln λ with its minimum at λ* = (Σs + ‖w − w⁰‖²)/k, i.e. j* = b ln(c/λ*); the 2 ln j term pulls the
 * optimum below j*, so the cost is followed downhill from ⌈j*⌉ (and j = 1 compared).
 */
export function bestPrior(sSum: number, sLogSum: number, distSq: number, k: number, b = DR_GRID.b, c = DR_GRID.c): { j: number; lambda: number; kl: number } {
  const at = (j: number) => {
    const lambda = c * Math.exp(-j / b);
    const kl = gaussianKl(sSum, sLogSum, distSq, k, lambda);
    return { j, lambda, kl, cost: kl + 2 * Math.log(j) };
  };
  const star = (sSum + distSq) / k;
  const jStar = star > 0 ? b * Math.log(c / star) : Infinity;
  let best = at(1);
  if (Number.isFinite(jStar) && jStar > 1) {
    let cur = at(Math.ceil(jStar) + 1);
    for (let j = cur.j - 1; j >= 1; j--) {
      const next = at(j);
      if (next.cost > cur.cost) break;
      cur = next;
    }
    if (cur.cost < best.cost) best = cur;
  }
  return { j: best.j, lambda: best.lambda, kl: best.kl };
}

/** [KL + 2 ln j + ln(π²m/(6δ))]/(m − 1): the right-hand side argument of the PAC-Bayes-kl bound. */
export function pacBayesComplexity(kl: number, j: number, m: number, delta: number): number {
  return (kl + 2 * Math.log(j) + Math.log((Math.PI ** 2 * m) / (6 * delta))) / (m - 1);
}

/** Search objective: the bound for a measured error, extended past 1 (by ê + √(C/2)) so vacuous candidates still rank. */
export function drObjective(error: number, complexity: number): number {
  const b = klInverseUpper(error, Math.max(0, complexity));
  return b < 1 ? b : 1 + error + Math.sqrt(Math.max(0, complexity) / 2);
}

export interface DrInput {
  /** Training-set size m. */
  m: number;
  /** Number of perturbed parameters k. */
  k: number;
  sSum: number;
  sLogSum: number;
  /** ‖w − w⁰‖² over the perturbed parameters (w⁰ = 0 for a prior centred at zero). */
  distSq: number;
  /**
   * Per fresh weight draw from Q: its error on the selection part A of the probe and on the
   * certification part C (C empty when the probe is the whole training set, then A is all of it).
   */
  errorsA: number[];
  errorsC: number[];
  nA: number;
  nC: number;
  /** Total confidence parameter δ. */
  delta: number;
}

export interface DrCertificate {
  bound: number;
  /** Upper bound on ê_S(Q) that entered the PAC-Bayes step. */
  trainErrorUpper: number;
  mcErrorA: number;
  mcUpperA: number;
  mcErrorC: number | null;
  mcUpperC: number | null;
  /** Upper bound on the error of Q on S ∖ A, from C. */
  restUpper: number | null;
  kl: number;
  lambda: number;
  j: number;
  complexity: number;
  deltas: { pacBayes: number; monteCarlo: number; sample: number };
}

/**
 * The bound from fresh Monte-Carlo draws. Confidence: δ/2 for the PAC-Bayes step, δ/4 for the
 * Monte-Carlo steps (δ/8 each for A and C) and δ/4 for the sampling step; the bound holds with
 * probability ≥ 1 − δ.
 *  - Monte-Carlo (Langford & Caruana 2002, as Dziugaite & Roy): with n i.i.d. draws wₜ ~ Q, the error
 *    of Q on a fixed set T satisfies ê_T(Q) ≤ kl⁻¹(mean_t err_T(wₜ), ln(2/δ′)/n).
 *  - Sampling: the probe is assumed to be a uniformly random subset of S; A (the part the posterior
 *    was chosen on) and C are a random split of it, so given A, C is a uniform sample without
 *    replacement from S ∖ A, independent of Q: ê_{S∖A}(Q) ≤ kl⁻¹(ê_C(Q), ln(1/δ″)/|C|) (Chernoff–Hoeffding
 *    holds without replacement, Hoeffding 1963 §6). Then ê_S(Q) ≤ (|A|·ê_A + (m − |A|)·ê_{S∖A})/m.
 */
export function drCertify(x: DrInput): DrCertificate {
  const dPb = x.delta / 2;
  const dMc = x.delta / 4;
  const dSample = x.delta / 4;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const n = x.errorsA.length;
  const twoSets = x.nC > 0;
  const mcErrorA = mean(x.errorsA);
  const mcUpperA = klInverseUpper(mcErrorA, Math.log(2 / (twoSets ? dMc / 2 : dMc)) / n);
  let trainErrorUpper = mcUpperA;
  let mcErrorC: number | null = null;
  let mcUpperC: number | null = null;
  let restUpper: number | null = null;
  if (twoSets) {
    mcErrorC = mean(x.errorsC);
    mcUpperC = klInverseUpper(mcErrorC, Math.log(2 / (dMc / 2)) / x.errorsC.length);
    restUpper = klInverseUpper(mcUpperC, Math.log(1 / dSample) / x.nC);
    trainErrorUpper = Math.min(1, (x.nA * mcUpperA + (x.m - x.nA) * restUpper) / x.m);
  }
  const prior = bestPrior(x.sSum, x.sLogSum, x.distSq, x.k);
  const complexity = pacBayesComplexity(prior.kl, prior.j, x.m, dPb);
  const bound = klInverseUpper(trainErrorUpper, Math.max(0, complexity));
  return {
    bound, trainErrorUpper, mcErrorA, mcUpperA, mcErrorC, mcUpperC, restUpper, kl: prior.kl, lambda: prior.lambda, j: prior.j, complexity,
    deltas: { pacBayes: dPb, monteCarlo: dMc, sample: twoSets ? dSample : 0 },
  };
}
