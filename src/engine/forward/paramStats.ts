// Norms of the perturbed parameters that Jiang et al.'s PAC-Bayes measures and the Dziugaite–Roy
// bound need: ‖w‖², ‖w − w⁰‖², ω, and the magnitude-aware KL sums (eqs. 56, 57).
import type { Checkpoint } from '../../onnx/types';
import type { Param } from '../runtime';

/**
 * The initial value of every parameter tensor: the init checkpoint's tensor of the same name and size,
 * else the same-position layer's weight/bias when its shape matches (exporters rename tensors such as
 * onnx::Conv_32 between runs). null where nothing matches.
 */
export function initValues(params: Param[], ckpt: Checkpoint, init: Checkpoint): (Float32Array | null)[] {
  const layerIndex = new Map(ckpt.layers.map((l, i) => [l.name, i]));
  return params.map((p) => {
    const same = init.tensors.get(p.name);
    if (same && same.size === p.values.length && same.dims.join() === p.dims.join()) return same.toFloat32();
    const i = layerIndex.get(p.layer);
    const l = i === undefined ? undefined : init.layers[i];
    const t = l ? (p.kind === 'weight' ? l.weight : l.bias) : null;
    return t && t.dims.join() === p.dims.join() ? t.toFloat32() : null;
  });
}

export function normStats(params: Param[], w0: (Float32Array | null)[] | null): { wNormSq: number; wDistSq: number | null; omega: number } {
  let wNormSq = 0;
  let dist = 0;
  let omega = 0;
  const complete = !!w0 && w0.every(Boolean);
  params.forEach((p, k) => {
    const w = p.values;
    omega += w.length;
    const z = complete ? w0![k]! : null;
    for (let i = 0; i < w.length; i++) {
      wNormSq += w[i] * w[i];
      if (z) dist += (w[i] - z[i]) ** 2;
    }
  });
  return { wNormSq, wDistSq: complete ? dist : null, omega };
}

/**
 * Σᵢ ln[(ε² + (σ′²+1)‖w‖²/ω) / (ε² + σ′²(wᵢ − w⁰ᵢ)²)] of Jiang et al.'s magnitude-aware measures
 * (eq. 56 with w⁰ = the initial weights, eq. 57 with w⁰ = 0), σ′ the magnitude-aware flatness.
 */
export function magLogSum(params: Param[], sigma: number, eps: number, wNormSq: number, omega: number, w0: (Float32Array | null)[] | null): number {
  const s2 = sigma * sigma;
  const e2 = eps * eps;
  const num = e2 + ((s2 + 1) * wNormSq) / omega;
  let sum = 0;
  params.forEach((p, k) => {
    const z = w0?.[k] ?? null;
    const w = p.values;
    for (let i = 0; i < w.length; i++) {
      const d = z ? w[i] - z[i] : w[i];
      sum += Math.log(num / (e2 + s2 * d * d));
    }
  });
  return sum;
}
