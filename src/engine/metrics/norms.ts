// Matrix norms and ranks of W (as [out, in]): Frobenius, spectral, nuclear, ℓ₂,₁, stable rank,
// condition number, effective rank.
import { fullSpectrum, resolution, rowNorms, sigmaMax } from './shared';
import type { LayerMetric } from './types';

export const frobeniusNorm: LayerMetric = {
  id: 'frobeniusNorm',
  info: { name: 'Frobenius norm', symbol: '‖W‖_F', formula: '‖W‖_F = √(Σᵢⱼ wᵢⱼ²)', reference: 'Jiang et al. 2020', group: 'norm', table: true },
  compute: (ctx) => rowNorms(ctx).fro,
};

export const spectralNorm: LayerMetric = {
  id: 'spectralNorm',
  info: { name: 'Spectral norm', symbol: '‖W‖₂', formula: '‖W‖₂ = σ_max(W)', reference: 'Bartlett et al. 2017; Jiang et al. 2020', group: 'norm', table: true, hint: 1 },
  compute: (ctx) => sigmaMax(ctx),
};

export const nuclearNorm: LayerMetric = {
  id: 'nuclearNorm',
  info: { name: 'Nuclear norm', symbol: '‖W‖_*', formula: '‖W‖_* = Σᵢ σᵢ', reference: 'trace norm', group: 'norm' },
  compute: async (ctx) => {
    const eig = await fullSpectrum(ctx);
    return eig && nuclear(eig);
  },
};

function nuclear(eig: Float64Array): number {
  let s = 0;
  for (let i = 0; i < eig.length; i++) s += Math.sqrt(eig[i]);
  return s;
}

export const stableRank: LayerMetric = {
  id: 'stableRank',
  info: { name: 'Stable rank', symbol: 'srank', formula: '‖W‖_F² / ‖W‖₂² = Σλ / λ_max', reference: 'Sanyal, Torr & Dokania 2020; Jiang et al. 2020 eq. 33 (summed)', group: 'norm', table: true, hint: 3 },
  compute: async (ctx) => {
    const spec = await sigmaMax(ctx);
    const { fro } = rowNorms(ctx);
    return spec > 0 ? (fro * fro) / (spec * spec) : { value: null, note: 'all-zero matrix' };
  },
};

export const conditionNumber: LayerMetric = {
  id: 'conditionNumber',
  info: { name: 'Condition number', symbol: 'κ', formula: 'σ_max / σ_min over the min(m,n) singular values', reference: 'standard', group: 'norm' },
  compute: async (ctx) => {
    const eig = await fullSpectrum(ctx);
    if (!eig) return undefined;
    const lmax = eig[eig.length - 1] ?? 0;
    if (!(lmax > 0)) return { value: null, note: 'all-zero matrix' };
    // σ_min at or below the spectrum's resolution is not a measured value: κ would be noise (e.g. 1e8 for a truly singular 1e18)
    const r = resolution(ctx);
    if (eig[0] <= r.lambdaFloor(lmax)) return { value: null, note: `numerically singular: σ_min is at or below the resolution of the computed spectrum (${r.rule})` };
    return Math.sqrt(lmax) / Math.sqrt(eig[0]);
  },
};

export const l21Norm: LayerMetric = {
  id: 'l21Norm',
  info: { name: 'ℓ₂,₁ norm of Wᵀ', symbol: '‖Wᵀ‖₂,₁', formula: 'Σ_rows ‖W[i,:]‖₂ (W as [out, in])', reference: 'Bartlett, Foster & Telgarsky 2017', group: 'norm' },
  compute: (ctx) => rowNorms(ctx).l21,
};

export const effectiveRank: LayerMetric = {
  id: 'effectiveRank',
  info: { name: 'Effective rank', symbol: 'erank', formula: 'exp(−Σ pᵢ ln pᵢ), pᵢ = σᵢ / Σσ', reference: 'Roy & Vetterli 2007', group: 'norm' },
  // Roy & Vetterli 2007: exp of the entropy of p = σ/Σσ.
  compute: async (ctx) => {
    const eig = await fullSpectrum(ctx);
    if (!eig) return undefined;
    const total = nuclear(eig);
    if (!(total > 0)) return { value: null, note: 'all-zero matrix' };
    let h = 0;
    for (let i = 0; i < eig.length; i++) {
      const p = Math.sqrt(eig[i]) / total;
      if (p > 0) h -= p * Math.log(p);
    }
    return Math.exp(h);
  },
};
