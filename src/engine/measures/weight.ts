// Weight-only aggregate measures: functions of the per-layer norms alone. Natural logs, as Jiang et
// al. 2020 ("Fantastic Generalization Measures and Where to Find Them", ICLR), whose equation numbers
// are given. Conv kernels are reshaped to (c_out, c_in·kh·kw) and a following BatchNorm is folded in
// before the norms are taken (Jiang et al. do the same).
import type { LayerQuantities, Measure, MeasureContext } from './types';

const JIANG = 'Jiang, Neyshabur, Mobahi, Krishnan & Bengio 2020 (ICLR), "Fantastic Generalization Measures"';
const WW = 'Martin & Mahoney 2021 (Nat. Commun. 12:4122); WeightWatcher summary';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const allPositive = (xs: number[]) => xs.length > 0 && xs.every((x) => x > 0 && Number.isFinite(x));

/** Σ ln ‖Wᵢ‖₂², or null when some layer has a zero (or non-finite) spectral norm. */
export function logProdSpecOf(layers: LayerQuantities[]): number | null {
  const s = layers.map((l) => l.spec);
  return allPositive(s) ? sum(s.map((x) => 2 * Math.log(x))) : null;
}
export function logProdFroOf(layers: LayerQuantities[]): number | null {
  const f = layers.map((l) => l.fro);
  return allPositive(f) ? sum(f.map((x) => 2 * Math.log(x))) : null;
}
export function froOverSpecOf(layers: LayerQuantities[]): number | null {
  if (!allPositive(layers.map((l) => l.spec))) return null;
  return sum(layers.map((l) => (l.fro * l.fro) / (l.spec * l.spec)));
}
export function distOverSpecOf(layers: LayerQuantities[]): number | null {
  if (!allPositive(layers.map((l) => l.spec)) || layers.some((l) => l.froDist === undefined)) return null;
  return sum(layers.map((l) => (l.froDist! * l.froDist!) / (l.spec * l.spec)));
}
/** Plain mean over layers where the metric is defined (WeightWatcher's summary). */
/** Mean over layers of a per-layer metric (by registry id), over the layers where it is defined. */
function meanOf(ctx: MeasureContext, id: string): number | null {
  const v = ctx.layers.map((l) => l.metrics?.[id]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? sum(v) / v.length : null;
}
/** Bartlett et al.'s R_A = Πᵢ‖Wᵢ‖₂ · (Σᵢ (‖Wᵢᵀ − Mᵢᵀ‖₂,₁ / ‖Wᵢ‖₂)^{2/3})^{3/2}. */
export function spectralComplexity(layers: LayerQuantities[], l21: (l: LayerQuantities) => number | undefined): number | null {
  if (!allPositive(layers.map((l) => l.spec))) return null;
  let prod = 1;
  let inner = 0;
  for (const l of layers) {
    const a = l21(l);
    if (a === undefined || !Number.isFinite(a)) return null;
    prod *= l.spec;
    inner += Math.pow(a / l.spec, 2 / 3);
  }
  const v = prod * Math.pow(inner, 3 / 2);
  return Number.isFinite(v) ? v : null;
}

export const weightMeasures: Measure[] = [
  {
    id: 'params', name: 'Number of parameters', formula: 'ω = number of weights and biases of the measured layers',
    reference: JIANG, equation: '20', group: 'count', direction: 1, needs: ['weights'],
    compute: (ctx) => ctx.params,
  },
  {
    id: 'logProdSpec', name: 'Log product of spectral norms', formula: 'Σᵢ ln ‖Wᵢ‖₂²',
    reference: JIANG, equation: '32', group: 'spectral', direction: 1, needs: ['weights'],
    compute: (ctx) => logProdSpecOf(ctx.layers),
  },
  {
    id: 'logSumSpec', name: 'Log sum of spectral norms', formula: 'ln d + (1/d) Σᵢ ln ‖Wᵢ‖₂²',
    reference: JIANG, equation: '35', group: 'spectral', direction: 1, needs: ['weights'],
    compute: (ctx) => {
      const p = logProdSpecOf(ctx.layers);
      return p === null ? null : Math.log(ctx.depth) + p / ctx.depth;
    },
  },
  {
    id: 'froOverSpec', name: 'Sum of stable ranks (fro/spec)', formula: 'Σᵢ ‖Wᵢ‖_F² / ‖Wᵢ‖₂²',
    reference: JIANG, equation: '33', group: 'spectral', direction: 1, needs: ['weights'],
    compute: (ctx) => froOverSpecOf(ctx.layers),
  },
  {
    id: 'logProdFro', name: 'Log product of Frobenius norms', formula: 'Σᵢ ln ‖Wᵢ‖_F²',
    reference: JIANG, equation: '37', group: 'norm', direction: 1, needs: ['weights'],
    compute: (ctx) => logProdFroOf(ctx.layers),
  },
  {
    id: 'logSumFro', name: 'Log sum of Frobenius norms', formula: 'ln d + (1/d) Σᵢ ln ‖Wᵢ‖_F²',
    reference: JIANG, equation: '39', group: 'norm', direction: 1, needs: ['weights'],
    compute: (ctx) => {
      const p = logProdFroOf(ctx.layers);
      return p === null ? null : Math.log(ctx.depth) + p / ctx.depth;
    },
  },
  {
    id: 'paramNorm', name: 'Parameter norm', formula: 'Σᵢ ‖Wᵢ‖_F²',
    reference: JIANG, equation: '42', group: 'norm', direction: 1, needs: ['weights'],
    compute: (ctx) => sum(ctx.layers.map((l) => l.fro * l.fro)),
  },
  {
    id: 'logSpecOrigMain', name: 'Spec-orig, main term (without margin)', formula: 'ln(Πᵢ‖Wᵢ‖₂² · Σᵢ ‖Wᵢ‖_F²/‖Wᵢ‖₂²)',
    reference: `${JIANG}; Neyshabur, Bhojanapalli & Srebro 2018`, equation: '30 (γ-free)', group: 'spectral', direction: 1, needs: ['weights'],
    compute: (ctx) => {
      const p = logProdSpecOf(ctx.layers);
      const r = froOverSpecOf(ctx.layers);
      return p === null || r === null || r <= 0 ? null : p + Math.log(r);
    },
  },
  {
    id: 'logSpecInitMain', name: 'Spec-init, main term (without margin)', formula: 'ln(Πᵢ‖Wᵢ‖₂² · Σᵢ ‖Wᵢ − W⁰ᵢ‖_F²/‖Wᵢ‖₂²)',
    reference: `${JIANG}; Neyshabur, Bhojanapalli & Srebro 2018`, equation: '29 (γ-free)', group: 'spectral', direction: 1, needs: ['weights', 'init'],
    compute: (ctx) => {
      const p = logProdSpecOf(ctx.layers);
      const r = distOverSpecOf(ctx.layers);
      return p === null || r === null || r <= 0 ? null : p + Math.log(r);
    },
  },
  {
    id: 'froDist', name: 'Frobenius distance to initialization', formula: 'Σᵢ ‖Wᵢ − W⁰ᵢ‖_F²',
    reference: `${JIANG}; Nagarajan & Kolter 2019`, equation: '40', group: 'norm', direction: 1, needs: ['weights', 'init'],
    compute: (ctx) => (ctx.layers.some((l) => l.froDist === undefined) ? null : sum(ctx.layers.map((l) => l.froDist! ** 2))),
  },
  {
    id: 'distSpecInit', name: 'Spectral distance to initialization', formula: 'Σᵢ ‖Wᵢ − W⁰ᵢ‖₂²',
    reference: JIANG, equation: '41', group: 'spectral', direction: 1, needs: ['weights', 'init'],
    compute: (ctx) => (ctx.layers.some((l) => l.specDist === undefined) ? null : sum(ctx.layers.map((l) => l.specDist! ** 2))),
  },
  {
    id: 'bartlettSpectralComplexity', name: 'Spectral complexity R_A (reference 0)',
    formula: 'Πᵢ‖Wᵢ‖₂ · (Σᵢ (‖Wᵢᵀ‖₂,₁ / ‖Wᵢ‖₂)^(2/3))^(3/2)',
    reference: 'Bartlett, Foster & Telgarsky 2017 (NeurIPS), eq. 1.2 with Mᵢ = 0, ρᵢ = 1', group: 'spectral', direction: 1, needs: ['weights'],
    compute: (ctx) => spectralComplexity(ctx.layers, (l) => l.l21),
  },
  {
    id: 'bartlettSpectralComplexityInit', name: 'Spectral complexity R_A (reference W⁰)',
    formula: 'Πᵢ‖Wᵢ‖₂ · (Σᵢ (‖Wᵢᵀ − W⁰ᵢᵀ‖₂,₁ / ‖Wᵢ‖₂)^(2/3))^(3/2)',
    reference: 'Bartlett, Foster & Telgarsky 2017 (NeurIPS), eq. 1.2 with Mᵢ = W⁰ᵢ, ρᵢ = 1', group: 'spectral', direction: 1, needs: ['weights', 'init'],
    compute: (ctx) => spectralComplexity(ctx.layers, (l) => l.l21Dist),
  },
  {
    id: 'logGolowichFroProduct', name: 'Log product of Frobenius norms (Golowich)', formula: 'Σᵢ ln ‖Wᵢ‖_F',
    reference: 'Golowich, Rakhlin & Shamir 2018 (COLT), Rademacher complexity ∝ Πⱼ‖Wⱼ‖_F', group: 'norm', direction: 1, needs: ['weights'],
    compute: (ctx) => {
      const p = logProdFroOf(ctx.layers);
      return p === null ? null : p / 2;
    },
  },
  {
    id: 'wwMeanAlpha', name: 'Mean α', formula: 'mean over layers of α', reference: WW, group: 'heavyTailed', direction: 0, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'alpha'),
  },
  {
    id: 'wwMeanAlphaWeighted', name: 'Mean weighted α (α̂)', formula: 'mean over layers of α·log₁₀ λ_max', reference: WW, group: 'heavyTailed', direction: 1, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'alphaWeighted'),
  },
  {
    id: 'wwMeanLogNorm', name: 'Mean log Frobenius norm', formula: 'mean over layers of log₁₀ ‖W‖_F²', reference: WW, group: 'heavyTailed', direction: 1, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'logNorm'),
  },
  {
    id: 'wwMeanLogSpectralNorm', name: 'Mean log spectral norm', formula: 'mean over layers of log₁₀ λ_max', reference: WW, group: 'heavyTailed', direction: 1, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'logSpectralNorm'),
  },
  {
    id: 'wwMeanLogAlphaNorm', name: 'Mean log α-norm', formula: 'mean over layers of log₁₀ Σλ^α', reference: WW, group: 'heavyTailed', direction: 1, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'logAlphaNorm'),
  },
  {
    id: 'wwMeanStableRank', name: 'Mean stable rank', formula: 'mean over layers of Σλ/λ_max', reference: WW, group: 'heavyTailed', direction: 0, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'stableRank'),
  },
  {
    id: 'wwMeanMpSoftrank', name: 'Mean MP soft rank', formula: 'mean over layers of λ₊/λ_max', reference: WW, group: 'heavyTailed', direction: 0, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'mpSoftrank'),
  },
  {
    id: 'wwMeanEntropy', name: 'Mean matrix entropy', formula: 'mean over layers of −Σp ln p / ln R', reference: WW, group: 'heavyTailed', direction: 0, needs: ['weights'],
    compute: (ctx) => meanOf(ctx, 'entropy'),
  },
];
