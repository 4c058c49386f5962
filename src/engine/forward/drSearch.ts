// The Dziugaite–Roy bound made as tight as forward passes allow: a search over Gaussian posteriors
// N(w, diag s), ranked by the bound itself, then a certificate from fresh Monte-Carlo draws.
//
// Data use (this is what keeps the search honest without a union bound over candidates): the probe is
// split at random (seeded) into a selection half A and a certification half C. The search looks at A
// only; the chosen posterior is then evaluated with fresh weight draws on A and C, and C — a random
// sample of S ∖ A that the choice never saw — bounds the error on the rest of the training set
// (src/engine/bounds/pacbayes.ts, drCertify). The PAC-Bayes step holds for every posterior at once,
// so trying many candidates costs nothing there. When the probe is the whole training set (n = m)
// there is no sampling step: the search uses all of it and only the Monte-Carlo step remains.
//
// Search (each candidate scored by the bound computed from `draws` weight draws on A, common random
// numbers across candidates):
//  1. isotropic s = σ²: golden-section search on ln σ over [10⁻⁴, 2];
//  2. magnitude-aware sᵢ = σ²wᵢ² + ε² (ε = 10⁻³): golden-section search on ln σ over [10⁻³, 8];
//  3. per-layer scales from the better of the two: two coordinate sweeps over layer groups (at most
//     16 groups of consecutive layers), multiplying a group's σ by 2 or ½ when that lowers the bound.
// Every comparison is "is the new candidate's score below (or, by the tie rule, not above) the one to
// beat": with FORWARD_TUNING.earlyStop a candidate stops drawing once it certainly loses it — the
// objective is non-decreasing in the error, and the error sum of the draws made so far, spread over all
// D draws (the remaining ones at error 0), already scores past the one to beat. A losing candidate's score
// is never used again, so the search takes exactly the steps of the full evaluation. Scores are also kept
// per candidate, so re-scoring the golden-section winner costs no passes.
import type { BoundValue } from '../../protocol/report';
import { isVacuous } from '../bounds/margin';
import { DR_INFO, bestPrior, drCertify, drObjective, pacBayesComplexity } from '../bounds/pacbayes';
import type { ForwardModel } from '../runtime';
import { mulberry32 } from '../kernels/random';
import { NoiseCache, perturb, varianceSums, type NoiseScale } from './noise';
import type { ProbeEval } from './probeEval';
import { MAG_EPS } from './sigmaSearch';
import { FORWARD_TUNING } from './tuning';

/** Fresh draws for the certificate (each one pass over the whole probe). */
export const DR_FINAL_DRAWS = 100;
export const GOLDEN_STEPS = 12;
/** The σ intervals the two golden-section searches cover (ln σ is searched). */
export const SIGMA_RANGE = { isotropic: [1e-4, 2], magnitudeAware: [1e-3, 8] } as const;
const SWEEPS = 2;
const MAX_GROUPS = 16;
const STREAM_SEARCH = 10;
const STREAM_FINAL = 11;

export interface DrSearchOptions {
  m: number;
  delta: number;
  seed: number;
  /** Weight draws per candidate during the search. */
  draws: number;
  finalDraws?: number;
  classes: number;
  onProgress?: (message: string) => void;
}

/** Seeded split of 0…n−1 into A (⌊n/2⌋ rows) and C (the rest), each sorted. */
export function splitProbe(n: number, seed: number): { A: Int32Array; C: Int32Array } {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const u = mulberry32(seed ^ 0x5bd1e995);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const nA = Math.floor(n / 2);
  return { A: idx.slice(0, nA).sort(), C: idx.slice(nA).sort() };
}

/**
 * A candidate's score, given what it must beat: f(t, { below: v }) only has to be exact when it is < v
 * (otherwise any value ≥ v), f(t, { atMost: v }) when it is ≤ v (otherwise any value > v).
 */
export type Beat = { below: number } | { atMost: number } | null;

/** Golden-section minimisation of f on [a, b] with `steps` evaluations; the minimiser and its score. */
export async function golden(f: (t: number, beat: Beat) => Promise<number>, a: number, b: number, steps: number): Promise<{ t: number; score: number }> {
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = b - r * (b - a);
  let x2 = a + r * (b - a);
  let f1 = await f(x1, null);
  // Comparisons are f1 <= f2: a new x2 matters only while f2 < f1, a new x1 only while f1 <= f2.
  let f2 = await f(x2, { below: f1 });
  for (let i = 2; i < steps; i++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - r * (b - a);
      f1 = await f(x1, { atMost: f2 });
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + r * (b - a);
      f2 = await f(x2, { below: f1 });
    }
  }
  return f1 <= f2 ? { t: x1, score: f1 } : { t: x2, score: f2 };
}

/** Parameter tensors grouped by layer, consecutive layers merged down to at most MAX_GROUPS groups. */
function layerGroups(model: ForwardModel): number[][] {
  const byLayer: number[][] = [];
  const index = new Map<string, number>();
  model.params.forEach((p, k) => {
    let g = index.get(p.layer);
    if (g === undefined) {
      g = byLayer.length;
      index.set(p.layer, g);
      byLayer.push([]);
    }
    byLayer[g].push(k);
  });
  if (byLayer.length <= MAX_GROUPS) return byLayer;
  const out: number[][] = Array.from({ length: MAX_GROUPS }, () => []);
  byLayer.forEach((g, i) => out[Math.floor((i * MAX_GROUPS) / byLayer.length)].push(...g));
  return out;
}

const fmt = (v: number) => v.toPrecision(3);

/**
 * The search's objective: a candidate posterior N(w, diag s(scale)) scored by the Dziugaite–Roy bound from
 * `o.draws` weight draws on the selection set `sel` (the search's common random numbers: stream
 * STREAM_SEARCH, draw d), with the best prior of the grid for it; `beat` as in golden(). `distSq` is
 * ‖w − w_prior-centre‖². Exported for the brute-force check of the search (test/engine/forward).
 */
export function searchObjective(model: ForwardModel, sel: ProbeEval, o: Pick<DrSearchOptions, 'm' | 'delta' | 'seed' | 'draws'>, distSq: number, cache?: NoiseCache): (scale: NoiseScale, beat: Beat) => Promise<number> {
  const params = model.params;
  const k = model.size;
  return async (scale, beat) => {
    const { sum, logSum } = varianceSums(params, scale);
    const prior = bestPrior(sum, logSum, distSq, k);
    const complexity = pacBayesComplexity(prior.kl, prior.j, o.m, o.delta / 2);
    const loses = (v: number) => (!beat ? false : 'below' in beat ? v >= beat.below : v > beat.atMost);
    let err = 0;
    try {
      for (let d = 0; d < o.draws; d++) {
        perturb(model, scale, o.seed, STREAM_SEARCH, d, cache);
        err += 1 - (await sel.evaluate()).accuracy;
        // With the remaining draws at error 0 the score would be this; it only grows with them.
        if (FORWARD_TUNING.earlyStop && d + 1 < o.draws && loses(drObjective(err / o.draws, complexity))) break;
      }
    } finally {
      model.restore();
    }
    return drObjective(err / o.draws, complexity);
  };
}

export async function dziugaiteRoyBound(model: ForwardModel, probe: ProbeEval, w0: (Float32Array | null)[] | null, o: DrSearchOptions): Promise<BoundValue> {
  const params = model.params;
  const k = model.size;
  let distSq = 0;
  params.forEach((p, j) => {
    const z = w0?.[j] ?? null;
    for (let i = 0; i < p.values.length; i++) distSq += (p.values[i] - (z ? z[i] : 0)) ** 2;
  });
  const priorCentre = !w0 ? 'zero' : w0.every(Boolean) ? 'the initial weights w⁰' : 'the initial weights where matched, zero elsewhere';
  const whole = probe.n >= o.m;
  const { A, C } = whole ? { A: Int32Array.from({ length: probe.n }, (_, i) => i), C: new Int32Array(0) } : splitProbe(probe.n, o.seed);
  const sel = whole ? probe : probe.subset(A);
  let tried = 0;
  const scoreOf = searchObjective(model, sel, o, distSq, FORWARD_TUNING.noiseCache ? new NoiseCache() : undefined);
  const score = (scale: NoiseScale, beat: Beat): Promise<number> => {
    tried++;
    return scoreOf(scale, beat);
  };
  const uniform = (sigma: number, relative: boolean): NoiseScale => ({ sigma: params.map(() => sigma), relative, eps: relative ? MAG_EPS : 0 });

  o.onProgress?.('isotropic posterior scale');
  const gIso = await golden((t, beat) => score(uniform(Math.exp(t), false), beat), Math.log(SIGMA_RANGE.isotropic[0]), Math.log(SIGMA_RANGE.isotropic[1]), GOLDEN_STEPS);
  const iso = uniform(Math.exp(gIso.t), false);
  const isoScore = FORWARD_TUNING.earlyStop ? gIso.score : await score(iso, null);
  o.onProgress?.('magnitude-aware posterior scale');
  const gMag = await golden((t, beat) => score(uniform(Math.exp(t), true), beat), Math.log(SIGMA_RANGE.magnitudeAware[0]), Math.log(SIGMA_RANGE.magnitudeAware[1]), GOLDEN_STEPS);
  const mag = uniform(Math.exp(gMag.t), true);
  const magScore = FORWARD_TUNING.earlyStop ? gMag.score : await score(mag, null);

  let best = isoScore <= magScore ? iso : mag;
  let bestScore = Math.min(isoScore, magScore);
  const family = isoScore <= magScore ? 'isotropic' : 'magnitude-aware';
  let improved = false;
  const groups = layerGroups(model);
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    o.onProgress?.(`per-layer posterior scales, sweep ${sweep + 1} of ${SWEEPS}`);
    for (const g of groups) {
      for (const f of [2, 0.5]) {
        const sigma = Array.from(best.sigma);
        for (const j of g) sigma[j] *= f;
        const trial: NoiseScale = { ...best, sigma };
        const s = await score(trial, { below: bestScore });
        if (s < bestScore) {
          best = trial;
          bestScore = s;
          improved = true;
          break;
        }
      }
    }
  }

  o.onProgress?.('certificate: fresh Monte-Carlo draws');
  const finalDraws = o.finalDraws ?? DR_FINAL_DRAWS;
  const errorsA: number[] = [];
  const errorsC: number[] = [];
  try {
    for (let d = 0; d < finalDraws; d++) {
      perturb(model, best, o.seed, STREAM_FINAL, d);
      const [ea, ec] = await probe.errorsOn(whole ? [A] : [A, C]);
      errorsA.push(ea);
      if (!whole) errorsC.push(ec);
    }
  } finally {
    model.restore();
  }
  const { sum, logSum } = varianceSums(params, best);
  const cert = drCertify({ m: o.m, k, sSum: sum, sLogSum: logSum, distSq, errorsA, errorsC, nA: A.length, nC: C.length, delta: o.delta });
  const perGroup = groups.map((g) => best.sigma[g[0]]);
  const search = `${family}${improved ? ', then per-layer' : ''}: σ = ${perGroup.every((s) => s === perGroup[0]) ? fmt(perGroup[0]) : `[${perGroup.map(fmt).join(', ')}] per layer group`}${best.relative ? ` × |wᵢ| (with ε = ${MAG_EPS})` : ''}`;
  return {
    ...DR_INFO, value: cert.bound, vacuous: isVacuous(cert.bound, o.classes),
    assumptions: [
      `posterior Q = N(w, diag s) over the ${k} perturbed weights and biases; prior P = N(${w0 ? 'w⁰' : '0'}, λI) centred at ${priorCentre}, λ = ${0.1}·exp(−j/${100}) with the union bound over j (Dziugaite & Roy's grid)`,
      'the error bounded is that of the stochastic classifier Q (a fresh weight draw per prediction), not of w itself',
      whole
        ? `the probe is the whole training set (n = m = ${o.m})`
        : `m = ${o.m} (--train-size); the probe is a uniformly random subset of the training set: the posterior was chosen on a random half A (${A.length} examples), and the other half C (${C.length}) bounds the error on the ${o.m - A.length} training examples outside A`,
      `confidence 1 − δ, δ = ${o.delta}: δ/2 PAC-Bayes, δ/4 Monte-Carlo (${finalDraws} fresh draws${whole ? '' : ', δ/8 each for A and C'}), ${whole ? 'δ/4 unused' : 'δ/4 sampling C → S ∖ A'}`,
      ...(model.frozen.length ? [`not perturbed and treated as fixed in advance: ${model.frozen.join(', ')}`] : []),
    ],
    details: {
      search, candidatesTried: tried, searchDraws: o.draws, finalDraws, selectionExamples: A.length, certificationExamples: C.length,
      mcErrorA: cert.mcErrorA, mcUpperA: cert.mcUpperA, mcErrorC: cert.mcErrorC, mcUpperC: cert.mcUpperC, restUpper: cert.restUpper,
      trainErrorUpper: cert.trainErrorUpper, kl: cert.kl, lambda: cert.lambda, j: cert.j, complexity: cert.complexity,
      distSq, parameters: k, m: o.m, delta: o.delta, seed: o.seed,
    },
  };
}
