// Measures that need forward passes on probe data: accuracy, margins, margin-normalised norm measures,
// path-norm, PAC-Bayes flatness (σ′ of Jiang et al.'s searches) and sharpness. Natural logs; γ is the
// 10th percentile of the signed training margins; m the training-set size; σ′ a standard deviation.
import { SHARPNESS_RHO, SHARPNESS_RHO_ADAPTIVE } from '../forward/sharpness';
import { froOverSpecOf, distOverSpecOf, logProdFroOf, logProdSpecOf } from './weight';
import type { DataQuantities, Measure, MeasureContext } from './types';

const JIANG = 'Jiang, Neyshabur, Mobahi, Krishnan & Bengio 2020 (ICLR), "Fantastic Generalization Measures"';
const D = (ctx: MeasureContext): DataQuantities => {
  if (!ctx.data) throw new Error('no probe data');
  return ctx.data;
};
/** ln γ², or null when γ ≤ 0 (more than 10 % of the probe is misclassified). */
function logMargin2(ctx: MeasureContext): number | null {
  const g = D(ctx).marginP10;
  return g > 0 ? 2 * Math.log(g) : null;
}
const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
/** log(m/σ′) + 10, the common tail of Jiang's PAC-Bayes measures (48, 49, 56, 57). */
function pacTail(m: number | undefined, sigma: number | undefined): number | null {
  return m && sigma && sigma > 0 ? Math.log(m / sigma) + 10 : null;
}

export const dataMeasures: Measure[] = [
  {
    id: 'trainAccuracy', name: 'Probe accuracy (train)', formula: 'fraction of the training probe with f(x)[y] > f(x)[j] for every j ≠ y (a tie counts as an error)',
    reference: 'forward passes with onnxruntime', group: 'accuracy', direction: -1, needs: ['data'],
    compute: (c) => D(c).trainAccuracy,
  },
  {
    id: 'trainCrossEntropy', name: 'Probe cross-entropy (train)', formula: 'mean −ln softmax(f(x))_y over the training probe (natural log, log-softmax in float64)',
    reference: 'forward passes with onnxruntime', group: 'accuracy', direction: 1, needs: ['data'],
    compute: (c) => D(c).trainCrossEntropy,
  },
  {
    id: 'testAccuracy', name: 'Probe accuracy (test)', formula: 'fraction of the test probe with f(x)[y] > f(x)[j] for every j ≠ y (a tie counts as an error)',
    reference: 'forward passes with onnxruntime', group: 'accuracy', direction: -1, needs: ['data', 'testData'],
    compute: (c) => D(c).testAccuracy ?? null,
  },
  {
    id: 'testCrossEntropy', name: 'Probe cross-entropy (test)', formula: 'mean −ln softmax(f(x))_y over the test probe',
    reference: 'forward passes with onnxruntime', group: 'accuracy', direction: 1, needs: ['data', 'testData'],
    compute: (c) => D(c).testCrossEntropy ?? null,
  },
  {
    id: 'marginP10', name: 'Output margin γ (10th percentile)', formula: 'γ = 10th percentile of f(x)[y] − max over j ≠ y of f(x)[j] over the training probe (numpy.percentile, linear interpolation: position (n−1)·0.1)',
    reference: `${JIANG}, §A (margin)`, group: 'margin', direction: -1, needs: ['data'],
    compute: (c) => D(c).marginP10,
  },
  {
    id: 'inverseMargin', name: 'Inverse margin', formula: '1/γ²', reference: JIANG, equation: '22', group: 'margin', direction: 1, needs: ['data'],
    compute: (c) => (D(c).marginP10 > 0 ? 1 / D(c).marginP10 ** 2 : null),
  },
  {
    id: 'logProdSpecOverMargin', name: 'Log product of spectral norms over margin', formula: 'ln(Πᵢ‖Wᵢ‖₂² / γ²)',
    reference: `${JIANG}; Bartlett et al. 2017`, equation: '31', group: 'margin', direction: 1, needs: ['weights', 'data'],
    compute: (c) => minus(logProdSpecOf(c.layers), logMargin2(c)),
  },
  {
    id: 'logSumSpecOverMargin', name: 'Log sum of spectral norms over margin', formula: 'ln d + (1/d)·ln(Πᵢ‖Wᵢ‖₂² / γ²)',
    reference: JIANG, equation: '34', group: 'margin', direction: 1, needs: ['weights', 'data'],
    compute: (c) => {
      const v = minus(logProdSpecOf(c.layers), logMargin2(c));
      return v === null ? null : Math.log(c.depth) + v / c.depth;
    },
  },
  {
    id: 'logProdFroOverMargin', name: 'Log product of Frobenius norms over margin', formula: 'ln(Πᵢ‖Wᵢ‖_F² / γ²)',
    reference: JIANG, equation: '36', group: 'margin', direction: 1, needs: ['weights', 'data'],
    compute: (c) => minus(logProdFroOf(c.layers), logMargin2(c)),
  },
  {
    id: 'logSumFroOverMargin', name: 'Log sum of Frobenius norms over margin', formula: 'ln d + (1/d)·ln(Πᵢ‖Wᵢ‖_F² / γ²)',
    reference: JIANG, equation: '38', group: 'margin', direction: 1, needs: ['weights', 'data'],
    compute: (c) => {
      const v = minus(logProdFroOf(c.layers), logMargin2(c));
      return v === null ? null : Math.log(c.depth) + v / c.depth;
    },
  },
  {
    id: 'logSpecInitMainOverMargin', name: 'Spec-init (main term)', formula: 'ln(Πᵢ‖Wᵢ‖₂²/γ² · Σᵢ ‖Wᵢ − W⁰ᵢ‖_F²/‖Wᵢ‖₂²)',
    reference: `${JIANG}; Neyshabur, Bhojanapalli & Srebro 2018`, equation: '29', group: 'margin', direction: 1, needs: ['weights', 'init', 'data'],
    compute: (c) => {
      const r = distOverSpecOf(c.layers);
      const v = minus(logProdSpecOf(c.layers), logMargin2(c));
      return v === null || r === null || r <= 0 ? null : v + Math.log(r);
    },
  },
  {
    id: 'logSpecOrigMainOverMargin', name: 'Spec-orig (main term)', formula: 'ln(Πᵢ‖Wᵢ‖₂²/γ² · Σᵢ ‖Wᵢ‖_F²/‖Wᵢ‖₂²)',
    reference: `${JIANG}; Neyshabur, Bhojanapalli & Srebro 2018`, equation: '30', group: 'margin', direction: 1, needs: ['weights', 'data'],
    compute: (c) => {
      const r = froOverSpecOf(c.layers);
      const v = minus(logProdSpecOf(c.layers), logMargin2(c));
      return v === null || r === null || r <= 0 ? null : v + Math.log(r);
    },
  },
  {
    id: 'pathNorm', name: 'Path-norm', formula: 'Σ f(𝟏; w²): every weight and bias squared, one forward pass of an all-ones input, logits summed (biases squared too, as Jiang et al.\'s code)',
    reference: `${JIANG}; Neyshabur, Tomioka & Srebro 2015`, equation: '44', group: 'pathNorm', direction: 1, needs: ['data'],
    compute: (c) => D(c).pathNorm ?? null,
  },
  {
    id: 'pathNormOverMargin', name: 'Path-norm over margin', formula: 'Σ f(𝟏; w²) / γ²',
    reference: JIANG, equation: '43', group: 'pathNorm', direction: 1, needs: ['data'],
    compute: (c) => {
      const p = D(c).pathNorm;
      const g = D(c).marginP10;
      return p === null || p === undefined || !(g > 0) ? null : p / (g * g);
    },
  },
  {
    id: 'pacbayesInit', name: 'PAC-Bayes (init)', formula: '‖w − w⁰‖²/(4σ′²) + ln(m/σ′) + 10, σ′: isotropic flatness',
    reference: `${JIANG}; Neyshabur et al. 2017`, equation: '48', group: 'flatness', direction: 1, needs: ['data', 'init', 'trainSize'],
    compute: (c) => {
      const d = D(c);
      const t = pacTail(d.m, d.sigmaIso);
      return t === null || d.wDistSq === undefined ? null : d.wDistSq / (4 * d.sigmaIso! ** 2) + t;
    },
  },
  {
    id: 'pacbayesOrig', name: 'PAC-Bayes (orig)', formula: '‖w‖²/(4σ′²) + ln(m/σ′) + 10, σ′: isotropic flatness',
    reference: `${JIANG}; Neyshabur et al. 2017`, equation: '49', group: 'flatness', direction: 1, needs: ['data', 'trainSize'],
    compute: (c) => {
      const d = D(c);
      const t = pacTail(d.m, d.sigmaIso);
      return t === null || d.wNormSq === undefined ? null : d.wNormSq / (4 * d.sigmaIso! ** 2) + t;
    },
  },
  {
    id: 'pacbayesFlatness', name: 'PAC-Bayes flatness', formula: '1/σ′², σ′ = largest σ with E[acc(w + u)] ≥ acc(w) − 0.1 for u ∼ N(0, σ²I)',
    reference: JIANG, equation: '53', group: 'flatness', direction: 1, needs: ['data'],
    compute: (c) => (D(c).sigmaIso ? 1 / D(c).sigmaIso! ** 2 : null),
  },
  {
    id: 'magInit', name: 'Magnitude-aware PAC-Bayes (init)',
    formula: '¼ Σᵢ ln[(ε² + (σ′²+1)‖w‖²/ω) / (ε² + σ′²(wᵢ−w⁰ᵢ)²)] + ln(m/σ′) + 10, ε = 10⁻³',
    reference: JIANG, equation: '56', group: 'flatness', direction: 1, needs: ['data', 'init', 'trainSize'],
    compute: (c) => {
      const d = D(c);
      const t = pacTail(d.m, d.sigmaMag);
      return t === null || d.magLogSumInit === undefined ? null : d.magLogSumInit / 4 + t;
    },
  },
  {
    id: 'magOrig', name: 'Magnitude-aware PAC-Bayes (orig)',
    formula: '¼ Σᵢ ln[(ε² + (σ′²+1)‖w‖²/ω) / (ε² + σ′²wᵢ²)] + ln(m/σ′) + 10, ε = 10⁻³',
    reference: JIANG, equation: '57', group: 'flatness', direction: 1, needs: ['data', 'trainSize'],
    compute: (c) => {
      const d = D(c);
      const t = pacTail(d.m, d.sigmaMag);
      return t === null || d.magLogSumOrig === undefined ? null : d.magLogSumOrig / 4 + t;
    },
  },
  {
    id: 'magFlatness', name: 'Magnitude-aware flatness', formula: '1/σ′², σ′ = largest σ with E[acc(w+u)] ≥ acc(w) − 0.1, uᵢ ∼ N(0, σ²wᵢ² + ε²)',
    reference: JIANG, equation: '61', group: 'flatness', direction: 1, needs: ['data'],
    compute: (c) => (D(c).sigmaMag ? 1 / D(c).sigmaMag! ** 2 : null),
  },
  {
    id: 'sharpness', name: 'Average-case sharpness', formula: `E[L(w + u)] − L(w) for u ∼ N(0, ρ²I), ρ = ${SHARPNESS_RHO}, L the training-probe cross-entropy, all weights and biases`,
    reference: 'Keskar et al. 2017; Andriushchenko et al. 2023 (average-case)', group: 'sharpness', direction: 1, needs: ['data'],
    compute: (c) => D(c).sharpness ?? null, stderr: (c) => c.data?.sharpnessStderr,
  },
  {
    id: 'sharpnessAdaptive', name: 'Adaptive average-case sharpness', formula: `E[L(w+u)] − L(w), uᵢ ∼ N(0, ρ²wᵢ²), ρ = ${SHARPNESS_RHO_ADAPTIVE} (perturbation scaled by |wᵢ|)`,
    reference: 'Kwon et al. 2021 (ASAM); Andriushchenko et al. 2023', group: 'sharpness', direction: 1, needs: ['data'],
    compute: (c) => D(c).sharpnessAdaptive ?? null, stderr: (c) => c.data?.sharpnessAdaptiveStderr,
  },
];
