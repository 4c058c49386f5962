// The entry-wise ℓ₁ norm Σ|wᵢⱼ| (Neyshabur, Tomioka & Srebro 2015 use its products across layers as a
// capacity measure), accumulated in float64.
import { entries } from './shared';
import type { LayerMetric } from './types';

export const l1Norm: LayerMetric = {
  id: 'l1Norm',
  info: { name: 'Entry-wise ℓ₁ norm', symbol: '‖W‖₁,₁', formula: 'Σᵢⱼ |wᵢⱼ|', reference: 'Neyshabur, Tomioka & Srebro 2015 (COLT)', group: 'norm' },
  compute: (ctx) => entries(ctx).l1,
};
