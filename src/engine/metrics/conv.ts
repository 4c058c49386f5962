// Convolution metrics: the exact operator norm of the convolution on its input size (Sedghi, Gupta &
// Long 2019) and WeightWatcher's pooled kernel-slice α. Left out for dense layers.
import { convSingularValues, convSliceEigenvalues, fitPowerLaw } from '../kernels';
import { MM } from './powerLaw';
import type { LayerContext, LayerMetric } from './types';

/** A 1-D or 2-D, non-transposed convolution with its kernel size as kh×kw; null otherwise. */
function conv2d(ctx: LayerContext) {
  const c = ctx.task.conv;
  if (!c || c.transpose || (c.kernel.length !== 2 && c.kernel.length !== 1)) return null;
  return { c, kh: c.kernel.length === 2 ? c.kernel[0] : 1, kw: c.kernel.length === 2 ? c.kernel[1] : c.kernel[0] };
}

export const spectralNormExact: LayerMetric = {
  id: 'spectralNormExact',
  info: { name: 'Exact operator norm (conv)', symbol: '‖conv‖₂', formula: 'max over frequencies (u, v) of σ_max(FFT₂(K)[u, v]), for circular padding on the input size', reference: 'Sedghi, Gupta & Long 2019 (ICLR)', group: 'norm', table: true },
  compute: (ctx) => {
    const raw = ctx.task.conv;
    if (!raw || !ctx.options.convExact) return undefined;
    const g = conv2d(ctx);
    if (!g) return { value: null, note: raw.transpose ? 'not computed for ConvTranspose' : `not computed for ${raw.kernel.length}-D convolutions` };
    const { c, kh, kw } = g;
    if (!c.inputSpatial) return { value: null, note: c.inputSpatialReason ?? 'input spatial size unknown (shape inference could not determine it)' };
    const h = c.inputSpatial.length === 2 ? c.inputSpatial[0] : 1;
    const wd = c.inputSpatial.length === 2 ? c.inputSpatial[1] : c.inputSpatial[0];
    const r = convSingularValues(ctx.task.matrix, c.cout, c.cinPerGroup, kh, kw, h, wd, { group: c.group, dilations: c.dilations });
    const strided = c.strides.some((s) => s !== 1);
    return {
      value: r.spectralNorm,
      note:
        `operator on a ${h}×${wd} input with circular padding` +
        (strided ? `; stride ${c.strides.join('×')} ignored, so this is an upper bound (a strided conv is a subsampled stride-1 conv)` : '') +
        (c.pads.some((p) => p !== 0) ? '; zero padding of the real layer changes the operator slightly at the borders' : ''),
    };
  },
};

export const wwPooledAlpha: LayerMetric = {
  id: 'wwPooledAlpha',
  info: { name: 'α of pooled kernel slices (WeightWatcher conv default)', symbol: 'α_ww', formula: 'power-law fit of the pooled eigenvalues of the kh·kw slices W[:,:,i,j]', reference: MM, group: 'heavyTailed' },
  compute: (ctx) => {
    const g = conv2d(ctx);
    if (!g || !ctx.options.convWeightWatcher) return undefined;
    const f = fitPowerLaw(convSliceEigenvalues(ctx.task.matrix, g.c.cout, g.c.cinPerGroup, g.kh, g.kw));
    return f.status === 'ok' ? f.alpha : { value: null, note: f.reason ?? 'too few eigenvalues' };
  },
};
