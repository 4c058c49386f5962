// The power-law fit of the ESD's tail (Clauset, Shalizi & Newman 2009, as WeightWatcher fits it) and
// the metrics built on it (Martin & Mahoney 2021): α, its standard error, x_min, the KS distance,
// weighted α and the log α-norm. The fit runs once per layer; the α flags are raised here.
import { fitPowerLaw, logAlphaNorm as logAlphaNormOf, type PowerLawFit } from '../kernels';
import { fullSpectrum, resolution } from './shared';
import type { LayerContext, LayerMetric, MetricOutput } from './types';

export const MM = 'Martin & Mahoney 2021 (Nat. Commun. 12:4122); WeightWatcher conventions';
export const CSN = 'Clauset, Shalizi & Newman 2009 (SIAM Rev. 51:661), x_min by minimal KS distance as in WeightWatcher';

/** Why there is no tail fit, as a note. */
export const noFitNote = (fit: PowerLawFit) => `not applicable: ${fit.reason ?? 'too few eigenvalues for a tail fit'} (eigenvalues at or below the spectrum's resolution relative to λ_max are dropped)`;

const powerLaw = (ctx: LayerContext) =>
  ctx.once('powerLaw', async () => {
    const eig = await fullSpectrum(ctx);
    if (!eig) return undefined;
    // eigenvalues at the spectrum's resolution are numerical zeros: the floor is relative to λ_max, so α
    // is the same for W and c·W (WeightWatcher drops λ ≤ 1e-5 absolute, which refuses small-scale layers)
    return { eig, fit: fitPowerLaw(eig, { floor: resolution(ctx).lambdaFloor(eig[eig.length - 1] ?? 0) }) };
  });

/** A metric of the fitted tail: left out above the full-spectrum limit, null with the reason when there is no fit. */
function fromFit(id: string, info: LayerMetric['info'], f: (fit: PowerLawFit, eig: Float64Array, ctx: LayerContext) => MetricOutput): LayerMetric {
  return {
    id,
    info,
    compute: async (ctx) => {
      const p = await powerLaw(ctx);
      if (!p) return undefined;
      if (p.fit.status !== 'ok') return { value: null, note: id === 'alpha' ? noFitNote(p.fit) : 'no power-law fit (see α)' };
      return f(p.fit, p.eig, ctx);
    },
  };
}

export const alpha = fromFit(
  'alpha',
  { name: 'Power-law exponent α', symbol: 'α', formula: 'α = 1 + n / Σ ln(λᵢ / x_min), summed over the n eigenvalues λᵢ ≥ x_min (λ = σ²)', reference: `${CSN}; ${MM}`, group: 'heavyTailed', table: true, hint: 2 },
  (fit, _eig, ctx) => {
    if (fit.alpha < 2) {
      ctx.flag({ id: 'alpha<2', severity: 'warning', message: `α = ${fit.alpha.toFixed(2)} < 2: very heavy-tailed ESD; Martin & Mahoney read this as over-trained / over-fit to correlations in the data` });
    } else if (fit.alpha > 6) {
      ctx.flag({ id: 'alpha>6', severity: 'info', message: `α = ${fit.alpha.toFixed(2)} > 6: the ESD looks random (Marchenko–Pastur-like); Martin & Mahoney read this as under-trained` });
    }
    return fit.alpha;
  },
);

export const alphaSigma = fromFit(
  'alphaSigma',
  { name: 'Std. error of α', symbol: 'σ_α', formula: '(α − 1) / √n, n = tail size', reference: CSN, group: 'heavyTailed' },
  (fit) => fit.sigma,
);

export const xmin = fromFit(
  'xmin',
  { name: 'Tail start x_min', symbol: 'x_min', formula: 'argmin over candidate x_min of the KS distance D', reference: CSN, group: 'heavyTailed' },
  (fit) => fit.xmin,
);

export const ksDistance = fromFit(
  'ksDistance',
  { name: 'KS distance of the fit', symbol: 'D', formula: 'D = max over k of |1 − (λₖ / x_min)¹⁻ᵅ − k/n|, λ₀ = x_min ≤ λ₁ ≤ … the n tail eigenvalues', reference: CSN, group: 'heavyTailed' },
  (fit) => fit.D,
);

export const alphaWeighted = fromFit(
  'alphaWeighted',
  { name: 'Weighted alpha α̂', symbol: 'α̂', formula: 'α · log₁₀ λ_max', reference: MM, group: 'heavyTailed', table: true },
  (fit, eig) => fit.alpha * Math.log10(eig[eig.length - 1]),
);

export const logAlphaNorm = fromFit(
  'logAlphaNorm',
  { name: 'Log α-norm', symbol: 'log‖W‖^α_α', formula: 'log₁₀ Σ λᵢ^α', reference: MM, group: 'heavyTailed' },
  (fit, eig) => logAlphaNormOf(eig, fit.alpha) ?? { value: null, note: 'Σ λᵢ^α is 0 or overflows' },
);
