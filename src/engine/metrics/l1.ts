// The entry-wise ℓ₁ norm Σ|wᵢⱼ| (Neyshabur, Tomioka & Srebro 2015 use its products across layers as a
// capacity measure), accumulated in float64.
import type { LayerMetric } from './types';

export const l1Norm: LayerMetric = {
  id: 'l1Norm',
  info: { name: 'Entry-wise ℓ₁ norm', symbol: '‖W‖₁,₁', formula: 'Σᵢⱼ |wᵢⱼ|', reference: 'Neyshabur, Tomioka & Srebro 2015 (COLT)', group: 'norm' },
  compute: (ctx) => {
    const w = ctx.task.matrix;
    let s = 0;
    for (let i = 0; i < w.length; i++) s += Math.abs(w[i]);
    return s;
  },
};
