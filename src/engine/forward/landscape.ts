// Loss landscape (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the Loss Landscape of Neural
// Nets"): the probe cross-entropy at w + α·d₁ (+ β·d₂) for random Gaussian directions that are
// filter-normalized — each output filter/neuron of a direction rescaled to the norm of the same filter
// of w (d_f ← d_f/‖d_f‖·‖w_f‖) — with bias (and BatchNorm) directions zeroed, as their code's
// "filter" normalization with ignore='biasbn'. α, β on an evenly spaced grid over [−1, 1].
import type { LandscapeSummary } from '../../protocol/report';
import type { ForwardModel, Param } from '../runtime';
import { gaussian } from '../kernels/random';
import { mixSeed } from './noise';
import type { ProbeEval } from './probeEval';

/** A random filter-normalized direction (stream 5 + index of the direction). */
export function filterNormalizedDirection(params: Param[], seed: number, index: number): Float32Array[] {
  return params.map((p, k) => {
    const d = new Float32Array(p.values.length);
    if (p.kind === 'bias') return d;
    const g = gaussian(mixSeed(seed, 5 + index, 0, k));
    for (let i = 0; i < d.length; i++) d[i] = g();
    const { outer, count, inner } = p.filters;
    for (let f = 0; f < count; f++) {
      let dn = 0;
      let wn = 0;
      for (let o = 0; o < outer; o++) {
        const base = (o * count + f) * inner;
        for (let i = base; i < base + inner; i++) {
          dn += d[i] * d[i];
          wn += p.values[i] * p.values[i];
        }
      }
      const scale = dn > 0 ? Math.sqrt(wn / dn) : 0;
      for (let o = 0; o < outer; o++) {
        const base = (o * count + f) * inner;
        for (let i = base; i < base + inner; i++) d[i] *= scale;
      }
    }
    return d;
  });
}

export async function lossLandscape(
  model: ForwardModel, probe: ProbeEval, points: number, twoD: boolean, seed: number, onPoint?: (done: number, total: number) => void,
): Promise<LandscapeSummary> {
  const params = model.params;
  const d1 = filterNormalizedDirection(params, seed, 0);
  const d2 = twoD ? filterNormalizedDirection(params, seed, 1) : null;
  const axis = Array.from({ length: points }, (_, i) => (points === 1 ? 0 : -1 + (2 * i) / (points - 1)));
  const total = points + (twoD ? points * points : 0);
  let done = 0;
  const at = async (a: number, b: number) => {
    params.forEach((p, k) => {
      const w = p.values;
      const u = d1[k];
      const v = d2?.[k];
      for (let i = 0; i < w.length; i++) p.current[i] = w[i] + a * u[i] + (v ? b * v[i] : 0);
    });
    const loss = (await probe.evaluate()).crossEntropy;
    onPoint?.(++done, total);
    return loss;
  };
  try {
    const loss1d: number[] = [];
    for (const a of axis) loss1d.push(await at(a, 0));
    const out: LandscapeSummary = {
      alphas: axis, loss1d,
      note: `cross-entropy on the training probe at w + α·d₁${twoD ? ' + β·d₂' : ''}, α${twoD ? ', β' : ''} ∈ [−1, 1] (${points} points per axis); d random Gaussian, filter-normalized (each output filter/neuron of d scaled to the norm of the same filter of w; Li et al. 2018), bias directions zero; seed ${seed}`,
    };
    if (d2) {
      out.betas = axis.slice();
      out.loss2d = [];
      for (const b of axis) for (const a of axis) out.loss2d.push(await at(a, b));
    }
    return out;
  } finally {
    model.restore();
  }
}
