// Golowich, Rakhlin & Shamir 2018 ("Size-Independent Sample Complexity of Neural Networks", COLT),
// Theorem 1: for depth-d networks with 1-Lipschitz, positively homogeneous element-wise activations
// (ReLU) and ‖Wⱼ‖_F ≤ M_F(j), the empirical Rademacher complexity of the scalar outputs is
//   R̂_S ≤ (√(2d ln 2) + 1) · Πⱼ M_F(j) · √(Σᵢ‖xᵢ‖²) / m.
// Turned into a multi-class margin bound with Mohri, Rostamizadeh & Talwalkar 2018, Theorem 9.2 (each
// class score x ↦ f(x)_y is such a network, its last layer a row of W_d with norm ≤ ‖W_d‖_F):
//   P[error] ≤ R̂_γ + (4K/γ)·R̂_S + 3√(ln(2/δ)/(2m)).
import type { BoundValue } from '../../protocol/report';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import { isVacuous, marginLoss } from './margin';
import type { Bound } from './types';

export const GOLOWICH_INFO = {
  id: 'golowich2018', name: 'Frobenius-norm Rademacher margin bound', reference: 'Golowich, Rakhlin & Shamir 2018 (COLT), Theorem 1; Mohri et al. 2018, Theorem 9.2',
} as const;

/** (√(2d ln 2) + 1)·Πⱼ‖Wⱼ‖_F·√(Σᵢ‖xᵢ‖²)/m with Σᵢ‖xᵢ‖² = m·meanSq: the Rademacher term. */
export function golowichRademacher(layers: LayerQuantities[], m: number, meanSqInputNorm: number): number {
  const d = layers.length;
  const logProd = layers.reduce((a, l) => a + Math.log(l.fro), 0);
  return (Math.sqrt(2 * d * Math.LN2) + 1) * Math.exp(logProd) * Math.sqrt(m * meanSqInputNorm) / m;
}

export function golowichBound(layers: LayerQuantities[], q: DataQuantities, margins: ArrayLike<number>, delta: number): BoundValue {
  const m = q.m!;
  const gamma = q.marginP10;
  const base = {
    ...GOLOWICH_INFO,
    assumptions: [
      'Rademacher term as published: (√(2d ln 2) + 1)·Πⱼ‖Wⱼ‖_F·√(Σ‖xᵢ‖²)/m, with Σ‖xᵢ‖² over the m training inputs estimated as m · mean ‖x‖² over the probe',
      'multi-class margin bound with 4K/γ and 3√(ln(2/δ)/(2m)) (Mohri, Rostamizadeh & Talwalkar 2018, Thm 9.2)',
      'γ = the probe\'s 10th-percentile margin and the norm bounds = the network\'s own norms, treated as fixed in advance (a union bound over grids of them adds lower-order log terms, not included)',
      'proved for bias-free networks with ReLU-type activations; conv layers enter through reshaped kernels',
    ],
  };
  if (!(gamma > 0)) return { ...base, value: null, vacuous: null, reason: `the 10th-percentile margin γ = ${gamma.toPrecision(3)} is not positive` };
  const R = golowichRademacher(layers, m, q.meanSqInputNorm ?? q.maxInputNorm ** 2);
  const emp = marginLoss(margins, gamma);
  const value = emp + ((4 * q.classes) / gamma) * R + 3 * Math.sqrt(Math.log(2 / delta) / (2 * m));
  const finite = Number.isFinite(value);
  return {
    ...base, value: finite ? value : null, vacuous: finite ? isVacuous(value, q.classes) : null,
    ...(finite ? {} : { reason: 'the product of Frobenius norms overflows' }),
    details: { rademacher: R, gamma, marginLoss: emp, classes: q.classes, d: layers.length, m, delta },
  };
}

export const golowich: Bound = {
  id: GOLOWICH_INFO.id, info: GOLOWICH_INFO, needs: ['data', 'trainSize'],
  compute: (c) => golowichBound(c.layers, c.data, c.margins, c.delta),
};
