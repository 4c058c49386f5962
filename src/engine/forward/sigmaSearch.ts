// Jiang et al. 2020's PAC-Bayes flatness search (§C, "pacbayes" measures; reference code
// nitarshan/robust-generalization-measures, _pacbayes_sigma): σ′ = the largest σ with
//   E_u[acc(w + u)] ≥ acc(w) − 0.1,
// u ~ N(0, σ²I) ('iso', eq. 53) or uᵢ ~ N(0, σ²wᵢ² + ε²) with ε = 10⁻³ ('mag', eq. 61), over every
// weight and bias of the measured layers, accuracy on the training probe, E_u estimated with `draws`
// Monte-Carlo draws (the same draws for every σ). σ is a STANDARD DEVIATION: the reference code's
// magnitude-aware branch passes σ² where the standard deviation belongs; that is not reproduced.
//
// Search: bisection on [0, 2] as Jiang's code, but σ = 2 is checked first and the upper end doubled
// while still feasible (up to 2¹²), then `depth` (15) halvings. Jiang's early stop is kept: a step whose
// accuracy drop is within `tolerance` (0.01) of 0.1 ends the search with that σ. Otherwise the result is
// the largest σ verified feasible (the bracket's lower end).
//
// Early stopping (FORWARD_TUNING.earlyStop): a step stops drawing once even perfect accuracy on every
// remaining draw would leave its mean below acc(w) − 0.1 − tolerance, i.e. (Σ_done + (D − d))/D <
// target − tolerance after d of D draws. Such a step is certainly infeasible and certainly outside the
// early-stop window, which is all the search uses of it, so σ′ is exactly the value of the full
// evaluation. The step records the mean of the draws it made (`draws` < D).
import type { ForwardModel } from '../runtime';
import { isotropic, magnitudeAware, NoiseCache, perturb } from './noise';
import type { ProbeEval } from './probeEval';
import { FORWARD_TUNING } from './tuning';

export const MAG_EPS = 1e-3;
export const ACCURACY_DROP = 0.1;
export const DROP_TOLERANCE = 0.01;
export const SEARCH_DEPTH = 15;
const MAX_DOUBLINGS = 11; // upper end at most 2·2¹¹ = 4096

export interface SigmaSearchResult {
  sigma: number;
  /** False when even the largest σ tried kept the accuracy within 0.1 (σ′ is then a lower bound). */
  bracketed: boolean;
  stoppedEarly: boolean;
  /** Every σ tried, with the mean accuracy over the draws made there (all `draws` unless stopped early). */
  steps: { sigma: number; accuracy: number; draws: number }[];
  draws: number;
}

export async function sigmaSearch(
  model: ForwardModel, probe: ProbeEval, baseAccuracy: number, kind: 'iso' | 'mag',
  o: { seed: number; draws: number; depth?: number; onStep?: (step: number, sigma: number, accuracy: number) => void },
): Promise<SigmaSearchResult> {
  const stream = kind === 'iso' ? 1 : 2;
  const steps: SigmaSearchResult['steps'] = [];
  const target = baseAccuracy - ACCURACY_DROP;
  const cache = FORWARD_TUNING.noiseCache ? new NoiseCache() : undefined;
  const meanAccuracy = async (sigma: number) => {
    const scale = kind === 'iso' ? isotropic(model.params, sigma) : magnitudeAware(model.params, sigma, MAG_EPS);
    let sum = 0;
    let d = 0;
    try {
      while (d < o.draws) {
        perturb(model, scale, o.seed, stream, d, cache);
        sum += (await probe.evaluate()).accuracy;
        d++;
        if (FORWARD_TUNING.earlyStop && d < o.draws && (sum + (o.draws - d)) / o.draws < target - DROP_TOLERANCE) break;
      }
    } finally {
      model.restore();
    }
    steps.push({ sigma, accuracy: sum / d, draws: d });
    o.onStep?.(steps.length, sigma, sum / d);
    // A step stopped early: its partial mean is ≤ the bound that stopped it, so below target − tolerance too.
    return sum / d;
  };
  const done = (sigma: number, bracketed: boolean, stoppedEarly: boolean): SigmaSearchResult => ({ sigma, bracketed, stoppedEarly, steps, draws: o.draws });
  let lo = 0;
  let hi = 2;
  let a = await meanAccuracy(hi);
  for (let k = 0; a >= target && k < MAX_DOUBLINGS; k++) {
    lo = hi;
    hi *= 2;
    a = await meanAccuracy(hi);
  }
  if (a >= target) return done(hi, false, false);
  for (let k = 0; k < (o.depth ?? SEARCH_DEPTH); k++) {
    const mid = (lo + hi) / 2;
    const acc = await meanAccuracy(mid);
    if (Math.abs(baseAccuracy - acc - ACCURACY_DROP) < DROP_TOLERANCE) return done(mid, true, true);
    if (acc >= target) lo = mid;
    else hi = mid;
  }
  return done(lo > 0 ? lo : hi / 2, true, false);
}
