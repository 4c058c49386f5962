// Gaussian weight perturbations, written into the model's preallocated parameter buffers.
//
// Determinism: the normals for parameter tensor k in draw d of stream s come from the Box–Muller
// generator over mulberry32 (src/engine/kernels/random.ts) seeded with mix(seed, s, d, k), a 32-bit
// integer hash (below). So a draw is reproducible from (seed, stream, draw) alone, each tensor's noise
// does not depend on the others' sizes, and every σ of a search sees the same directions z (common
// random numbers: the estimated accuracy is then a smooth, almost monotone function of σ).
import { fillGaussian, gaussian } from '../kernels/random';
import type { ForwardModel, Param } from '../runtime';
import { FORWARD_TUNING } from './tuning';

/** Per-tensor posterior scales: std_i = σ_k (absolute) or √(σ_k² w_i² + ε²) (relative to |w_i|). */
export interface NoiseScale {
  /** σ_k for each parameter tensor of the model, in model.params order. */
  sigma: ArrayLike<number>;
  relative: boolean;
  /** ε of the relative form (Jiang et al.'s magnitude-aware perturbation uses 10⁻³). */
  eps: number;
}

export const isotropic = (params: Param[], sigma: number): NoiseScale => ({ sigma: params.map(() => sigma), relative: false, eps: 0 });
export const magnitudeAware = (params: Param[], sigma: number, eps: number): NoiseScale => ({ sigma: params.map(() => sigma), relative: true, eps });

/** 32-bit hash of the draw coordinates (xorshift-multiply rounds, as in murmur3's finalizer). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Standard deviation of element i of tensor k. */
export function stdAt(scale: NoiseScale, k: number, w: number): number {
  const s = scale.sigma[k];
  return scale.relative ? Math.sqrt(s * s * w * w + scale.eps * scale.eps) : s;
}

let scratch = new Float64Array(0);

/** The normals z of tensor k in draw `draw` of `stream` (FORWARD_TUNING.fastNormals: one inlined loop; else the closure). */
function normals(seed: number, stream: number, draw: number, k: number, out: Float64Array): Float64Array {
  const s = mixSeed(seed, stream, draw, k);
  if (FORWARD_TUNING.fastNormals) fillGaussian(s, out);
  else {
    const g = gaussian(s);
    for (let i = 0; i < out.length; i++) out[i] = g();
  }
  return out;
}

/** current ← values + std ⊙ z for draw `draw` of `stream` (z ~ N(0, I)); z from `cache` when given. */
export function perturb(model: ForwardModel, scale: NoiseScale, seed: number, stream: number, draw: number, cache?: NoiseCache): void {
  const zs = cache?.get(model, seed, stream, draw);
  model.params.forEach((p, k) => {
    const w = p.values;
    if (!zs && scratch.length < w.length) scratch = new Float64Array(w.length);
    const z = zs?.[k] ?? normals(seed, stream, draw, k, scratch.subarray(0, w.length));
    const out = p.current;
    const s = scale.sigma[k];
    if (!scale.relative) {
      for (let i = 0; i < w.length; i++) out[i] = w[i] + s * z[i];
    } else {
      const e2 = scale.eps * scale.eps;
      const s2 = s * s;
      for (let i = 0; i < w.length; i++) out[i] = w[i] + Math.sqrt(s2 * w[i] * w[i] + e2) * z[i];
    }
  });
}

/**
 * The normals z of draws that a search evaluates again and again (every σ step of a σ′ search, every
 * candidate of the Dziugaite–Roy search uses the same draws: common random numbers), kept instead of
 * regenerated. Drawing them costs about as much as a forward pass for dense layers (tens of ns per weight
 * against a few multiply-adds per weight and example). The values are the generator's float64 normals, so
 * a perturbation from the cache equals the regenerated one bit for bit. Draws beyond `maxBytes` (8 bytes
 * per weight per draw) are regenerated each time.
 */
export class NoiseCache {
  private readonly draws = new Map<string, Float64Array[]>();
  private bytes = 0;

  constructor(readonly maxBytes = 64 << 20) {}

  get(model: ForwardModel, seed: number, stream: number, draw: number): Float64Array[] | undefined {
    const key = `${seed}/${stream}/${draw}`;
    const have = this.draws.get(key);
    if (have) return have;
    const size = model.size * 8;
    if (this.bytes + size > this.maxBytes) return undefined;
    const zs = model.params.map((p, k) => normals(seed, stream, draw, k, new Float64Array(p.values.length)));
    this.draws.set(key, zs);
    this.bytes += size;
    return zs;
  }
}

/** Σᵢ sᵢ and Σᵢ ln sᵢ of the posterior variances sᵢ = stdᵢ² (for the Gaussian KL). */
export function varianceSums(params: Param[], scale: NoiseScale): { sum: number; logSum: number } {
  let sum = 0;
  let logSum = 0;
  params.forEach((p, k) => {
    const s = scale.sigma[k];
    if (!scale.relative) {
      sum += p.values.length * s * s;
      logSum += p.values.length * Math.log(s * s);
      return;
    }
    const e2 = scale.eps * scale.eps;
    for (const w of p.values) {
      const v = s * s * w * w + e2;
      sum += v;
      logSum += Math.log(v);
    }
  });
  return { sum, logSum };
}
