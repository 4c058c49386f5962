// ESD statistics of WeightWatcher (Martin & Mahoney, JMLR 22:165, 2021): log norms, matrix entropy and
// the Marchenko–Pastur bulk edge with the spikes above it. One esdStats pass per layer.
import type { EsdStats } from '../kernels';
import { esdStats } from '../kernels';
import { MM } from './powerLaw';
import { fullSpectrum } from './shared';
import type { LayerContext, LayerMetric, MetricOutput } from './types';

export const stats = (ctx: LayerContext) =>
  ctx.once('esdStats', async () => {
    const eig = await fullSpectrum(ctx);
    return eig && esdStats(eig, ctx.rows, ctx.cols);
  });

function fromStats(id: keyof EsdStats, info: LayerMetric['info'], nullNote: string): LayerMetric {
  return {
    id,
    info,
    compute: async (ctx): Promise<MetricOutput> => {
      const st = await stats(ctx);
      if (!st) return undefined;
      const v = st[id];
      return v === null ? { value: null, note: nullNote } : v;
    },
  };
}

const ZERO = 'all-zero matrix (λ_max = 0)';

export const logNorm = fromStats('logNorm', { name: 'Log Frobenius norm', symbol: 'log‖W‖²_F', formula: 'log₁₀ Σλ = log₁₀ ‖W‖_F²', reference: MM, group: 'heavyTailed' }, ZERO);
export const logSpectralNorm = fromStats('logSpectralNorm', { name: 'Log spectral norm', symbol: 'log λ_max', formula: 'log₁₀ λ_max = log₁₀ ‖W‖₂²', reference: MM, group: 'heavyTailed' }, ZERO);
export const entropy = fromStats('entropy', { name: 'Matrix entropy', symbol: 'H', formula: '−Σ p ln p / ln R, p = λ / Σλ, R = numerical rank', reference: 'Martin & Mahoney 2021 (JMLR 22:165)', group: 'heavyTailed' }, 'numerical rank ≤ 1');
export const mpBulkMax = fromStats('mpBulkMax', { name: 'MP bulk edge λ₊', symbol: 'λ₊', formula: 's²(√m + √n)², s² = ‖W‖_F² / (mn)', reference: 'Marchenko & Pastur 1967; Martin & Mahoney 2021', group: 'heavyTailed' }, ZERO);
export const numSpikes = fromStats('numSpikes', { name: 'Spikes above the MP bulk', symbol: '#spikes', formula: '#{λ > λ₊}', reference: 'Martin & Mahoney 2021', group: 'heavyTailed' }, ZERO);
export const mpSoftrank = fromStats('mpSoftrank', { name: 'MP soft rank', symbol: 'mp-softrank', formula: 'λ₊ / λ_max', reference: 'Martin & Mahoney 2021', group: 'heavyTailed' }, ZERO);
