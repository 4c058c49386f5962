// Average-case sharpness (Keskar et al. 2017's random-perturbation variant; Andriushchenko et al. 2023,
// "A modern look at the relationship between sharpness and generalization"): the mean increase of the
// probe cross-entropy under Gaussian weight noise, E_u[L(w + u)] − L(w), with its Monte-Carlo standard
// error. Plain: u ~ N(0, ρ²I); adaptive: uᵢ ~ N(0, ρ²wᵢ²) (scale-invariant under per-neuron rescaling).
// Every weight and bias of the measured layers is perturbed.
import type { ForwardModel } from '../runtime';
import { isotropic, magnitudeAware, perturb } from './noise';
import type { ProbeEval } from './probeEval';

/** Default ρ of the plain and adaptive variants (standard deviations). */
export const SHARPNESS_RHO = 0.01;
export const SHARPNESS_RHO_ADAPTIVE = 0.05;

export async function sharpness(
  model: ForwardModel, probe: ProbeEval, baseLoss: number, kind: 'plain' | 'adaptive', o: { seed: number; draws: number; rho?: number },
): Promise<{ mean: number; stderr: number; rho: number; draws: number }> {
  const rho = o.rho ?? (kind === 'plain' ? SHARPNESS_RHO : SHARPNESS_RHO_ADAPTIVE);
  const scale = kind === 'plain' ? isotropic(model.params, rho) : magnitudeAware(model.params, rho, 0);
  const increases: number[] = [];
  try {
    for (let d = 0; d < o.draws; d++) {
      perturb(model, scale, o.seed, kind === 'plain' ? 3 : 4, d);
      increases.push((await probe.evaluate()).crossEntropy - baseLoss);
    }
  } finally {
    model.restore();
  }
  const n = increases.length;
  const mean = increases.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(increases.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, stderr: sd / Math.sqrt(n), rho, draws: n };
}
