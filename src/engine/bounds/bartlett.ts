// Bartlett, Foster & Telgarsky 2017 ("Spectrally-normalized margin bounds for neural networks",
// NeurIPS), Theorem 1.1 with the published constants: with probability ≥ 1 − δ over n = m i.i.d.
// training examples, for EVERY margin γ > 0 and network F_A,
//   P[argmax F_A(x) ≠ y] ≤ R̂_γ(F_A) + 8/m + 72·‖X‖₂·ln(2W)·ln(m)·R_A/(γ m) + 3√(ln(1/δ)/(2m)),
//   R_A = Πᵢ ρᵢ‖Aᵢ‖₂ · (Σᵢ ‖Aᵢᵀ − Mᵢᵀ‖₂,₁^{2/3} / ‖Aᵢ‖₂^{2/3})^{3/2},
// ‖X‖₂ = √(Σᵢ ‖xᵢ‖²) over the m training inputs, W = the largest layer width, ρᵢ = 1 (ReLU), Mᵢ = 0.
// Because the theorem holds for every γ at once, γ is chosen to minimise the bound over the probe's margins.
import type { BoundValue } from '../../protocol/report';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import { spectralComplexity } from '../measures/weight';
import { isVacuous, layerWidth } from './margin';
import type { Bound } from './types';

export const BARTLETT_INFO = {
  id: 'bartlett2017', name: 'Spectrally-normalized margin bound', reference: 'Bartlett, Foster & Telgarsky 2017 (NeurIPS), Theorem 1.1',
} as const;

/** γ > 0 minimising R̂_γ + C/γ over the margins (R̂ counted as margins < γ, the limit from below). */
export function bestGamma(margins: ArrayLike<number>, C: number): { gamma: number; loss: number; value: number } | null {
  const s = Float64Array.from(margins).sort();
  let best: { gamma: number; loss: number; value: number } | null = null;
  for (let i = 0; i < s.length; i++) {
    const g = s[i];
    if (!(g > 0) || (i > 0 && s[i - 1] === g)) continue;
    const loss = i / s.length; // examples with margin < g
    const value = loss + C / g;
    if (!best || value < best.value) best = { gamma: g, loss, value };
  }
  return best;
}

export function bartlettBound(layers: LayerQuantities[], q: DataQuantities, margins: ArrayLike<number>, delta: number): BoundValue {
  const m = q.m!;
  const RA = spectralComplexity(layers, (l) => l.l21);
  const W = Math.max(...layers.map(layerWidth));
  const X = Math.sqrt(m * (q.meanSqInputNorm ?? q.maxInputNorm ** 2));
  const base = {
    ...BARTLETT_INFO,
    assumptions: [
      'constants as published: 8/m, 72, 3√(ln(1/δ)/(2m)); ρᵢ = 1 (1-Lipschitz ReLU-type activations), reference matrices Mᵢ = 0',
      'γ chosen to minimise the bound (the theorem holds for every γ > 0 simultaneously); R̂_γ measured on the probe as a stand-in for the training set',
      '‖X‖₂ = √(Σ‖xᵢ‖²) over the m training inputs, estimated as √(m · mean ‖x‖² over the probe)',
      'W = the largest layer width (matrix side); conv layers enter through their reshaped kernels (the theorem is stated for fully connected layers); biases are not covered',
    ],
  };
  if (RA === null) return { ...base, value: null, vacuous: null, reason: 'a layer has a zero or non-finite spectral norm: R_A is not defined' };
  const C = (72 * X * Math.log(2 * W) * Math.log(m) * RA) / m;
  const g = bestGamma(margins, C);
  if (!g) return { ...base, value: null, vacuous: null, reason: 'no example of the probe has a positive margin' };
  const value = g.loss + 8 / m + C / g.gamma + 3 * Math.sqrt(Math.log(1 / delta) / (2 * m));
  return {
    ...base, value, vacuous: isVacuous(value, q.classes),
    details: { RA, W, X, gamma: g.gamma, marginLoss: g.loss, complexityTerm: C / g.gamma, m, delta },
  };
}

export const bartlett: Bound = {
  id: BARTLETT_INFO.id, info: BARTLETT_INFO, needs: ['data', 'trainSize'],
  compute: (c) => bartlettBound(c.layers, c.data, c.margins, c.delta),
};
