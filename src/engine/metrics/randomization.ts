// The randomization test (Martin & Mahoney 2021): the ESD of W with its entries shuffled (seeded),
// its distance to W's ESD, and its λ_max (a spike that survives shuffling is a "correlation trap").
import { esdDistance, shuffleElements, singularValues, timed, timedAsync } from '../kernels';
import { scratch } from '../kernels/scratch';
import { stats } from './marchenkoPastur';
import { finiteEntries, fullSpectrum, sigmaMax } from './shared';
import type { LayerContext, LayerMetric } from './types';

const shuffled = (ctx: LayerContext) =>
  ctx.once('shuffled', async () => {
    const eig = await fullSpectrum(ctx);
    if (!eig || !ctx.options.randomize || !((await sigmaMax(ctx)) > 0)) return undefined;
    const r = await timedAsync('randomize', async () => {
      const n = ctx.task.matrix.length;
      // the bucket labels (2 bytes an entry) pay off up to 2²⁵ entries; above, drawing twice costs as
      // much and the labels' memory would add to the largest layers' peak
      const lab = n <= 2 ** 25 ? scratch('shuffleLabels', Math.ceil(n / 2)) : null;
      const labels = lab ? new Uint16Array(lab.buffer, lab.byteOffset, n) : undefined;
      const w = timed('shuffle', () => shuffleElements(ctx.task.matrix, ctx.options.seed, { out: scratch('shuffle', n), labels }));
      return (await singularValues(w, ctx.stored.rows, ctx.stored.cols, { precision: ctx.precision, threads: ctx.task.gramThreads, finite: finiteEntries(ctx) })).eig;
    });
    const rmax = r[r.length - 1];
    const st = await stats(ctx);
    if (st?.mpBulkMax != null && rmax > 1.5 * st.mpBulkMax) {
      ctx.flag({ id: 'correlationTrap', severity: 'info', message: `a spike survives shuffling (λ_max after shuffling ${rmax.toPrecision(3)} > 1.5·λ₊): unusually large individual weights (a "correlation trap", Martin & Mahoney)` });
    }
    return { eig, r, rmax };
  });

export const randDistance: LayerMetric = {
  id: 'randDistance',
  info: { name: 'Distance to the shuffled ESD', symbol: 'd_rand', formula: 'Jensen–Shannon distance between histograms of log₁₀λ of W and of W with its entries shuffled', reference: 'Martin & Mahoney 2021 (randomization test)', group: 'heavyTailed' },
  compute: async (ctx) => {
    const s = await shuffled(ctx);
    return s && esdDistance(s.eig, s.r);
  },
};

export const randSpectralNorm: LayerMetric = {
  id: 'randSpectralNorm',
  info: { name: 'Spectral norm after shuffling', symbol: '‖Wʳ‖₂', formula: 'σ_max of W with its entries shuffled (seeded)', reference: 'Martin & Mahoney 2021 (correlation traps)', group: 'heavyTailed' },
  compute: async (ctx) => {
    const s = await shuffled(ctx);
    return s && Math.sqrt(s.rmax);
  },
};
