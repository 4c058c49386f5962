// Work several metric families share, computed once per layer (ctx.once): ‖W‖_F and ‖Wᵀ‖₂,₁ in one
// pass, the spectrum λ = σ² of WᵀW (or only Lanczos' σ_max above the full-spectrum limit).
import { singularValues, spectralNormLanczos, usesJacobi } from '../kernels';
import type { LayerContext } from './types';

/** ‖W‖_F and ‖Wᵀ‖₂,₁ (Σ of row norms of the [out, in] matrix), accumulated in float64. */
export function froAndL21(w: ArrayLike<number>, rows: number, cols: number): { fro: number; l21: number } {
  let total = 0;
  let l21 = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = w[o + c];
      s += v * v;
    }
    total += s;
    l21 += Math.sqrt(s);
  }
  return { fro: Math.sqrt(total), l21 };
}

export const rowNorms = (ctx: LayerContext) => ctx.once('froL21', () => froAndL21(ctx.task.matrix, ctx.rows, ctx.cols));

/** Eigenvalues λ = σ² of the short-side Gram matrix, ascending; null above the full-spectrum limit. */
export const spectrum = (ctx: LayerContext): Promise<Float64Array | null> =>
  ctx.once('spectrum', async () => {
    if (ctx.k > ctx.options.maxFullSpectrum) return null;
    return (await singularValues(ctx.task.matrix, ctx.rows, ctx.cols, { precision: ctx.precision, threads: ctx.task.gramThreads })).eig;
  });

/** σ_max: from the full spectrum, or Lanczos (with a layer note saying so) above the limit. */
export const sigmaMax = (ctx: LayerContext): Promise<number> =>
  ctx.once('sigmaMax', async () => {
    const eig = await spectrum(ctx);
    if (eig) return Math.sqrt(eig[eig.length - 1] ?? 0);
    const o = ctx.options;
    const l = spectralNormLanczos(ctx.task.matrix, ctx.rows, ctx.cols, { seed: o.seed });
    ctx.notes['*'] = `short side ${ctx.k} > ${o.maxFullSpectrum}: only the spectral norm (Lanczos, ${l.iterations} steps, residual ${l.residual.toExponential(1)}) is computed; raise the full-spectrum limit for the ESD metrics`;
    return l.sigmaMax;
  });

/** The full spectrum, for metrics that need it; undefined (metric left out) above the limit. */
export async function fullSpectrum(ctx: LayerContext): Promise<Float64Array | undefined> {
  return (await spectrum(ctx)) ?? undefined;
}

const EPS = { float64: 2.220446049250313e-16, float32: 1.1920929e-7 } as const;

/**
 * How small a singular value (or eigenvalue λ = σ²) this layer's spectrum resolves, relative to the
 * largest: n·ε·σ_max for σ computed directly (one-sided Jacobi, float64), and n·ε·λ_max for λ from the
 * Gram matrix in the working precision (so σ_min below √(n·ε)·σ_max is noise). n = max(rows, cols).
 * Below these, values are numerically zero: rank, singularity and the power-law floor use them.
 */
export function resolution(ctx: LayerContext): { lambdaFloor: (lmax: number) => number; rule: string } {
  const n = Math.max(ctx.rows, ctx.cols);
  if (usesJacobi(ctx.rows, ctx.cols)) {
    const t = n * EPS.float64;
    return { lambdaFloor: (lmax) => t * t * lmax, rule: `σ ≤ n·ε·σ_max with n = ${n}, ε = float64 machine epsilon (singular values by one-sided Jacobi)` };
  }
  const eps = EPS[ctx.precision];
  return { lambdaFloor: (lmax) => n * eps * lmax, rule: `λ ≤ n·ε·λ_max with n = ${n}, ε = ${ctx.precision} machine epsilon (eigenvalues of the ${ctx.precision} Gram matrix), i.e. σ ≤ √(n·ε)·σ_max` };
}
