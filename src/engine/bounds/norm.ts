// Norm-based margin bounds with their published constants. Both are usually vacuous for real
// networks; the report shows the number and says so.
import type { BoundValue } from '../../protocol/report';
import type { LayerQuantities } from '../measures/types';
import { spectralComplexity } from '../measures/weight';

export interface MarginData {
  /** Training-set size m. */
  m: number;
  /** Signed margins on the probe. */
  margins: Float64Array;
  /** γ > 0 used as the margin (the 10th percentile). */
  gamma: number;
  /** Mean of ‖xᵢ‖² and max ‖xᵢ‖ over the probe. */
  meanSqNorm: number;
  maxNorm: number;
  classes: number;
  delta: number;
}

/** R̂_γ: fraction of the probe with margin ≤ γ (the empirical margin loss). */
export function marginLoss(margins: Float64Array, gamma: number): number {
  let c = 0;
  for (const v of margins) if (v <= gamma) c++;
  return c / margins.length;
}

const vacuousAt = (k: number) => 1 - 1 / k;

/**
 * Bartlett, Foster & Telgarsky 2017, Theorem 1.1:
 * P[error] ≤ R̂_γ + 8/m + 72·‖X‖₂·ln(2W)·ln(m)·R_A/(γ m) + 3√(ln(1/δ)/(2m)),
 * ‖X‖₂ = √Σᵢ‖xᵢ‖² over the m training inputs (estimated as √(m·mean_probe‖x‖²)), W = max width,
 * R_A = Πᵢ‖Wᵢ‖₂ (Σᵢ (‖Wᵢᵀ‖₂,₁/‖Wᵢ‖₂)^{2/3})^{3/2} with reference matrices 0 and ρᵢ = 1.
 */
export function bartlettBound(layers: LayerQuantities[], d: MarginData): BoundValue {
  const RA = spectralComplexity(layers, (l) => l.l21);
  const W = Math.max(...layers.map((l) => Math.max(l.rows, l.cols)));
  const X = Math.sqrt(d.m * d.meanSqNorm);
  const emp = marginLoss(d.margins, d.gamma);
  const value = RA === null ? null : emp + 8 / d.m + (72 * X * Math.log(2 * W) * Math.log(d.m) * RA) / (d.gamma * d.m) + 3 * Math.sqrt(Math.log(1 / d.delta) / (2 * d.m));
  return {
    id: 'bartlett2017', name: 'Spectrally-normalized margin bound', value, vacuous: value === null ? null : value >= vacuousAt(d.classes),
    reference: 'Bartlett, Foster & Telgarsky 2017 (NeurIPS), Theorem 1.1',
    assumptions: [
      'constants as published: 8/m, 72, 3√(ln(1/δ)/(2m)); ρᵢ = 1 (ReLU-like 1-Lipschitz activations), reference matrices Mᵢ = 0',
      'γ = the 10th percentile of the probe margins; R̂_γ measured on the probe as a stand-in for the training set',
      '‖X‖₂ = √(m · mean ‖x‖² over the probe), an estimate of the training inputs\' norm',
      'conv layers enter through their reshaped kernels (the theorem is stated for fully connected layers)',
    ],
    details: { RA, W, X, empiricalMarginLoss: emp, gamma: d.gamma, m: d.m, delta: d.delta },
  };
}

/**
 * Neyshabur, Bhojanapalli & Srebro 2018 (ICLR), Theorem 1:
 * L₀ ≤ L̂_γ + O(√([B²d²h ln(dh)·Πᵢ‖Wᵢ‖₂²·Σᵢ‖Wᵢ‖_F²/‖Wᵢ‖₂² + ln(dm/δ)] / (γ²m))),
 * B = max input norm, h = max width, d = depth. The O(·) hides an absolute constant: it is taken as 1,
 * which understates the bound (so a vacuous value here is vacuous for the theorem too).
 */
export function neyshaburBound(layers: LayerQuantities[], d: MarginData): BoundValue {
  const depth = layers.length;
  const h = Math.max(...layers.map((l) => Math.max(l.rows, l.cols)));
  let logProd = 0;
  let ratio = 0;
  for (const l of layers) {
    logProd += 2 * Math.log(l.spec);
    ratio += (l.fro * l.fro) / (l.spec * l.spec);
  }
  const emp = marginLoss(d.margins, d.gamma);
  const main = d.maxNorm ** 2 * depth ** 2 * h * Math.log(depth * h) * Math.exp(logProd) * ratio;
  const value = Number.isFinite(main) ? emp + Math.sqrt((main + Math.log((depth * d.m) / d.delta)) / (d.gamma ** 2 * d.m)) : null;
  return {
    id: 'neyshabur2018', name: 'PAC-Bayes spectral margin bound', value, vacuous: value === null ? null : value >= vacuousAt(d.classes),
    reference: 'Neyshabur, Bhojanapalli & Srebro 2018 (ICLR), Theorem 1',
    assumptions: [
      'the theorem\'s O(·) constant taken as 1 (understates the bound)',
      'B = max ‖x‖ over the probe; h = max layer width; d = number of weight layers',
      'γ = the 10th percentile of the probe margins; L̂_γ measured on the probe',
      'proved for ReLU networks with fully connected layers; conv layers enter through reshaped kernels',
    ],
    details: { empiricalMarginLoss: emp, gamma: d.gamma, h, depth, B: d.maxNorm, m: d.m, delta: d.delta },
  };
}

/** Every bound the engine can compute, with what it needs — listed even when it cannot be computed. */
export const BOUND_INFO: Pick<BoundValue, 'id' | 'name' | 'reference' | 'assumptions'>[] = [
  { id: 'dziugaiteRoy2017', name: 'PAC-Bayes bound (Gaussian posterior, searched)', reference: 'Dziugaite & Roy 2017 (UAI)', assumptions: ['needs probe data and the training-set size m'] },
  { id: 'bartlett2017', name: 'Spectrally-normalized margin bound', reference: 'Bartlett, Foster & Telgarsky 2017 (NeurIPS), Theorem 1.1', assumptions: ['needs probe data and the training-set size m'] },
  { id: 'neyshabur2018', name: 'PAC-Bayes spectral margin bound', reference: 'Neyshabur, Bhojanapalli & Srebro 2018 (ICLR), Theorem 1', assumptions: ['needs probe data and the training-set size m'] },
];
