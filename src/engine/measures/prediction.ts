// Measures beside Jiang et al.'s shorthand: the exact PAC-Bayes KL terms and bound values, and the
// representation measures of the PGDL winners and of neural collapse. Each states the direction its
// source predicts (+1: larger predicts a larger generalization gap).
import type { DataQuantities, Measure, MeasureContext } from './types';

const D = (ctx: MeasureContext): DataQuantities => {
  if (!ctx.data) throw new Error('no probe data');
  return ctx.data;
};
const DR = 'Dziugaite & Roy 2017 (UAI), "Computing nonvacuous generalization bounds for deep (stochastic) neural networks"';
const LANGFORD = 'Langford & Seeger 2001; Maurer 2004 (PAC-Bayes-kl)';
const NATEKAR = 'Natekar & Sharma 2020, "Representation based complexity measures for predicting generalization in deep learning" (NeurIPS 2020 PGDL competition)';
const ISO = 'isotropic posterior N(w, σ′²I), σ′ from the isotropic flatness search';
const MAG = 'magnitude-aware posterior N(w, diag(σ′²wᵢ² + ε²)), ε = 10⁻³, σ′ from the magnitude-aware search';

type Key = 'isoInit' | 'isoOrig' | 'magInit' | 'magOrig';
const klMeasure = (key: Key, name: string, posterior: string, prior: string): Measure => ({
  id: `exactKl${key[0].toUpperCase()}${key.slice(1)}`, name,
  formula: `KL(Q‖N(${prior}, λ*I))/m at the KL-optimal λ* = (Σᵢsᵢ + ‖w − ${prior}‖²)/k: ½[k ln λ* − Σᵢ ln sᵢ]/m${key.startsWith('iso') ? ` = (k/2m)·ln(1 + ‖w − ${prior}‖²/(kσ′²))` : ''}; ${posterior}`,
  reference: `${DR}; the exact term Jiang et al. 2020's eq. ${key === 'isoInit' ? '48' : key === 'isoOrig' ? '49' : key === 'magInit' ? '56' : '57'} approximates`,
  group: 'flatness', direction: 1, needs: key.endsWith('Init') ? ['data', 'init', 'trainSize'] : ['data', 'trainSize'],
  compute: (c) => {
    const d = D(c);
    const v = d.exactKl?.[key];
    return v === undefined || !d.m ? null : v / d.m;
  },
});
const boundMeasure = (key: Key, name: string, posterior: string, prior: string): Measure => ({
  id: `pacBayesKl${key[0].toUpperCase()}${key.slice(1)}`, name,
  formula: `kl⁻¹(ê(Q), [KL(Q‖N(${prior}, λⱼI)) + 2 ln j + ln(π²m/(6δ))]/(m − 1)), λⱼ = 0.1·exp(−j/100) (best j), ê(Q) = error of Q on the training probe measured at σ′ (not a certificate: no Monte-Carlo or sampling step; the certified bound is the Dziugaite–Roy entry); ${posterior}`,
  reference: `${LANGFORD}; ${DR}`, group: 'flatness', direction: 1, needs: key.endsWith('Init') ? ['data', 'init', 'trainSize'] : ['data', 'trainSize'],
  compute: (c) => D(c).pacBayesKl?.[key] ?? null,
});
const R = (c: MeasureContext) => D(c).representation;

export const predictionMeasures: Measure[] = [
  klMeasure('isoInit', 'Exact PAC-Bayes KL / m (isotropic, init)', ISO, 'w⁰'),
  klMeasure('isoOrig', 'Exact PAC-Bayes KL / m (isotropic, orig)', ISO, '0'),
  klMeasure('magInit', 'Exact PAC-Bayes KL / m (magnitude-aware, init)', MAG, 'w⁰'),
  klMeasure('magOrig', 'Exact PAC-Bayes KL / m (magnitude-aware, orig)', MAG, '0'),
  boundMeasure('isoInit', 'PAC-Bayes-kl bound at σ′ (isotropic, init)', ISO, 'w⁰'),
  boundMeasure('isoOrig', 'PAC-Bayes-kl bound at σ′ (isotropic, orig)', ISO, '0'),
  boundMeasure('magInit', 'PAC-Bayes-kl bound at σ′ (magnitude-aware, init)', MAG, 'w⁰'),
  boundMeasure('magOrig', 'PAC-Bayes-kl bound at σ′ (magnitude-aware, orig)', MAG, '0'),
  {
    id: 'daviesBouldin', name: 'Davies–Bouldin index (penultimate features)',
    formula: 'DB = (1/K) Σ over classes c of the max over d ≠ c of (S_c + S_d)/‖μ_c − μ_d‖₂, μ_c class means and S_c = mean ‖h − μ_c‖₂ of the penultimate features h (input of the last layer) on the training probe',
    reference: `${NATEKAR}; Davies & Bouldin 1979`, group: 'representation', direction: 1, needs: ['data'],
    compute: (c) => R(c)?.daviesBouldin ?? null,
  },
  {
    id: 'nc1', name: 'Neural collapse NC1 (penultimate features)',
    formula: 'tr(Σ_W Σ_B⁺)/K: Σ_W within-class, Σ_B between-class covariance of the penultimate features on the training probe (Σ_B⁺ pseudo-inverse)',
    reference: 'Papyan, Han & Donoho 2020 (PNAS), "Prevalence of neural collapse during the terminal phase of deep learning training"', group: 'representation', direction: 1, needs: ['data'],
    compute: (c) => R(c)?.nc1 ?? null,
  },
  ...([['Q1', 'hiddenMarginQ1', 'lower quartile'], ['Median', 'hiddenMarginMedian', 'median'], ['Q3', 'hiddenMarginQ3', 'upper quartile']] as const).map(([label, key, what]): Measure => ({
    id: `normalisedMargin${label}`, name: `Normalised margin at the penultimate layer (${what})`,
    formula: `${what} over the training probe of (f_y − f_j)/‖W_y − W_j‖₂/√(tr Cov h), j = the highest-scoring class other than y, h the penultimate features, W the last layer (the first-order distance to the boundary is exact there: f is affine in h)`,
    reference: 'Jiang, Krishnan, Mobahi & Bengio 2019 (ICLR), "Predicting the generalization gap in deep networks with margin distributions"', group: 'representation', direction: -1, needs: ['data'],
    compute: (c) => R(c)?.[key] ?? null,
  })),
  {
    id: 'mixupAccuracy', name: 'Label-wise mixup accuracy (train probe)',
    formula: 'accuracy on ½(x_a + x_b) with label y_a, (a, b) consecutive in a seeded random order of each class of the training probe (cyclic)',
    reference: NATEKAR, group: 'representation', direction: -1, needs: ['data'],
    compute: (c) => R(c)?.mixupAccuracy ?? null,
  },
];
