// Neyshabur, Bhojanapalli & Srebro 2018 ("A PAC-Bayesian Approach to Spectrally-Normalized Margin
// Bounds for Neural Networks", ICLR), Theorem 1, with the constants of its proof made explicit:
//   L₀ ≤ L̂_γ + 4√([KL + ln(6m·G/δ)] / (m − 1)),
//   KL = (42²e²/2) · B²d²h ln(4hd) · Πᵢ‖Wᵢ‖₂² · Σᵢ ‖Wᵢ‖_F²/‖Wᵢ‖₂² / γ²,
// where 4√((KL + ln(6m/δ))/(m−1)) is their Lemma 1 (PAC-Bayes margin lemma); the posterior scale
// σ = γ/(42 d B β̃^{d−1} √(h ln(4hd))) (42 ≥ 4√2e²) gives KL = ‖w‖²/(2σ²), and β̃ within β/d of
// β = (Πᵢ‖Wᵢ‖₂)^{1/d} costs (β/β̃)^{2(d−1)} ≤ e²; the union bound over the grid of β̃ values covering
// the non-trivial range [(γ/2B)^{1/d}, (γ√m/2B)^{1/d}] has G = ⌈d·m^{1/(2d)}⌉ points.
// B = max input norm, h = largest width, d = number of layers; γ is fixed in advance (the probe's 10th
// percentile margin, as Jiang et al.).
import type { BoundValue } from '../../protocol/report';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import { isVacuous, layerWidth, marginLoss } from './margin';
import type { Bound } from './types';

export const NEYSHABUR_INFO = {
  id: 'neyshabur2018', name: 'PAC-Bayes spectral margin bound', reference: 'Neyshabur, Bhojanapalli & Srebro 2018 (ICLR), Theorem 1 (constants from its proof)',
} as const;

export function neyshaburBound(layers: LayerQuantities[], q: DataQuantities, margins: ArrayLike<number>, delta: number): BoundValue {
  const m = q.m!;
  const d = layers.length;
  const h = Math.max(...layers.map(layerWidth));
  const gamma = q.marginP10;
  const B = q.maxInputNorm;
  const base = {
    ...NEYSHABUR_INFO,
    assumptions: [
      'explicit constants from the proof: Lemma 1\'s 4√((KL + ln(6m/δ))/(m − 1)), σ = γ/(42 d B β̃ᵈ⁻¹ √(h ln 4hd)), (β/β̃)²⁽ᵈ⁻¹⁾ ≤ e², ⌈d·m¹ᐟ⁽²ᵈ⁾⌉ grid values of β̃',
      'γ = the 10th percentile of the probe margins, treated as fixed in advance; L̂_γ measured on the probe as a stand-in for the training set',
      'B = max ‖x‖ over the probe (the theorem needs it over the input domain); h = largest layer width; d = number of weight layers',
      'proved for bias-free ReLU networks with fully connected layers: conv layers enter through reshaped kernels, biases are not covered',
    ],
  };
  if (!(gamma > 0)) return { ...base, value: null, vacuous: null, reason: `the 10th-percentile margin γ = ${gamma.toPrecision(3)} is not positive (over 10 % of the probe is misclassified)` };
  let logProd = 0;
  let ratio = 0;
  for (const l of layers) {
    if (!(l.spec > 0)) return { ...base, value: null, vacuous: null, reason: `layer ${l.name} has spectral norm 0` };
    logProd += 2 * Math.log(l.spec);
    ratio += (l.fro * l.fro) / (l.spec * l.spec);
  }
  const logKl = Math.log((42 ** 2 * Math.E ** 2) / 2) + 2 * Math.log(B) + 2 * Math.log(d) + Math.log(h) + Math.log(Math.log(4 * h * d)) + logProd + Math.log(ratio) - 2 * Math.log(gamma);
  const kl = Math.exp(logKl);
  const G = Math.ceil(d * m ** (1 / (2 * d)));
  const emp = marginLoss(margins, gamma);
  const value = emp + 4 * Math.sqrt((kl + Math.log((6 * m * G) / delta)) / (m - 1));
  const finite = Number.isFinite(value);
  return {
    ...base, value: finite ? value : null, vacuous: finite ? isVacuous(value, q.classes) : null,
    ...(finite ? {} : { reason: `the complexity term overflows (ln KL = ${logKl.toFixed(1)})` }),
    details: { gamma, marginLoss: emp, B, d, h, log10KL: logKl / Math.LN10, grid: G, m, delta },
  };
}

export const neyshabur: Bound = {
  id: NEYSHABUR_INFO.id, info: NEYSHABUR_INFO, needs: ['data', 'trainSize'],
  compute: (c) => neyshaburBound(c.layers, c.data, c.margins, c.delta),
};
