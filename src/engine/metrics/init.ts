// Distances to the initial weights W⁰ and the spectrum of the update W − W⁰ (Nagarajan & Kolter 2019;
// Jiang et al. 2020). Left out when no init checkpoint matched the layer.
import { fitPowerLaw, singularValues, spectralNormLanczos } from '../kernels';
import { scratch, scratch64 } from '../kernels/scratch';
import { CSN, MM } from './powerLaw';
import { entryStats, resolution } from './shared';
import type { LayerContext, LayerMetric, MetricOutput } from './types';

/** ‖ΔW‖_F, ‖ΔWᵀ‖₂,₁, ‖ΔW‖₂ and (below the full-spectrum limit) the ESD of ΔW = W − W⁰; null when ΔW is not finite. */
export const update = (ctx: LayerContext) =>
  ctx.once('update', async () => {
    const { task } = ctx;
    const { rows, cols } = ctx.stored;
    if (!task.init) return undefined;
    // W − W⁰ in float64 (both stored as float32: the difference itself is exact in float64)
    const d64 = scratch64('update', task.matrix.length);
    let finite = true;
    for (let i = 0; i < d64.length; i++) {
      const x = task.matrix[i] - task.init[i];
      d64[i] = x;
      if (x - x !== 0) finite = false;
    }
    if (!finite) return null;
    let d: Float32Array | Float64Array = d64;
    if (ctx.precision !== 'float64') {
      d = scratch('update', d64.length);
      d.set(d64);
    }
    const { fro, l21 } = entryStats(d64, ctx.rows, ctx.cols, !!task.transposed);
    let spec: number;
    let eig: Float64Array | null = null;
    if (ctx.k > ctx.options.maxFullSpectrum) {
      spec = spectralNormLanczos(d, rows, cols, { seed: ctx.options.seed }).sigmaMax;
    } else {
      eig = (await singularValues(d, rows, cols, { precision: ctx.precision, threads: ctx.task.gramThreads })).eig;
      spec = Math.sqrt(eig[eig.length - 1] ?? 0);
    }
    return { fro, l21, spec, eig, floor: resolution(ctx).lambdaFloor(spec * spec) };
  });

type Update = NonNullable<Awaited<ReturnType<typeof update>>>;

function fromUpdate(id: string, info: LayerMetric['info'], f: (u: Update) => MetricOutput): LayerMetric {
  return {
    id,
    info,
    compute: async (ctx) => {
      const u = await update(ctx);
      if (u === undefined) return undefined;
      if (u === null) return { value: null, note: 'non-finite initial weights' };
      return f(u);
    },
  };
}

export const distFrobeniusInit = fromUpdate(
  'distFrobeniusInit',
  { name: 'Frobenius distance to init', symbol: '‖W−W⁰‖_F', formula: '‖W − W⁰‖_F', reference: 'Nagarajan & Kolter 2019; Jiang et al. 2020 eq. 40', group: 'init', table: true },
  (u) => u.fro,
);

export const distSpectralInit = fromUpdate(
  'distSpectralInit',
  { name: 'Spectral distance to init', symbol: '‖W−W⁰‖₂', formula: '‖W − W⁰‖₂', reference: 'Jiang et al. 2020 eq. 41', group: 'init' },
  (u) => u.spec,
);

export const deltaAlpha = fromUpdate(
  'deltaAlpha',
  { name: 'α of the update W − W⁰', symbol: 'α(ΔW)', formula: 'power-law exponent of the ESD of W − W⁰', reference: `${CSN}; ${MM}`, group: 'init' },
  (u) => {
    if (!u.eig) return undefined;
    const f = fitPowerLaw(u.eig, { floor: u.floor });
    return f.status === 'ok' ? f.alpha : { value: null, note: f.reason ?? 'too few eigenvalues' };
  },
);

export const deltaStableRank = fromUpdate(
  'deltaStableRank',
  { name: 'Stable rank of W − W⁰', symbol: 'srank(ΔW)', formula: '‖W−W⁰‖_F² / ‖W−W⁰‖₂²', reference: 'standard', group: 'init' },
  (u) => (u.spec > 0 ? (u.fro * u.fro) / (u.spec * u.spec) : { value: null, note: 'W = W⁰ (no update)' }),
);
