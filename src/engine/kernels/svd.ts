// Singular values of a weight matrix: Gram matrix of the short side (gram.ts) and the symmetric
// eigensolver (eig.ts), λ = σ², with round-off negatives clamped to 0. Tiny matrices go to one-sided
// Jacobi in float64 instead (jacobiSvd.ts), which is accurate to a few ulps there, small σ included.
import { eigvalsSym } from './eig';
import { assertFinite, checkShape } from './finite';
import { gram, type GramOptions } from './gram';
import { jacobiSingularValues } from './jacobiSvd';
import { timed, timedAsync } from './profile';

export interface Spectrum {
  /** Eigenvalues λ = σ² of the short-side Gram matrix, ascending (min(rows, cols) of them, all ≥ 0). */
  eig: Float64Array;
  /** Singular values σ = √λ, descending. */
  sigma: Float64Array;
}

export interface SpectrumOptions extends GramOptions {
  /**
   * Use one-sided Jacobi (float64, directly on W) when k²·L ≤ this (k = short side, L = long side).
   * Default 2¹⁶ (≤ ~2 ms; e.g. 40×40, 16×256, 10×650); 0 switches the exact small path off.
   */
  exactBelow?: number;
}

/** Default of SpectrumOptions.exactBelow: one-sided Jacobi when k²·L ≤ this. */
export const EXACT_BELOW = 1 << 16;

/** Whether singularValues computes σ directly (one-sided Jacobi, float64) rather than through the Gram matrix. */
export function usesJacobi(rows: number, cols: number, exactBelow = EXACT_BELOW): boolean {
  const k = Math.min(rows, cols);
  return k > 0 && k * k * Math.max(rows, cols) <= exactBelow;
}

/**
 * All singular values of the row-major rows×cols matrix `w` (and λ = σ²). precision 'float32' (default):
 * float32 Gram and reduction, |Δλ| ≲ 1e-7·λ_max; 'float64': |Δλ| ≲ 1e-13·λ_max. Throws a RangeError
 * for a wrong size and a NonFiniteError for NaN/±Inf weights (test allFinite() first to skip a layer).
 */
export async function singularValues(w: Float32Array | Float64Array, rows: number, cols: number, opts: SpectrumOptions = {}): Promise<Spectrum> {
  checkShape(w, rows, cols, 'singularValues');
  if (!opts.finite) assertFinite(w, 'singularValues');
  const k = Math.min(rows, cols);
  if (k === 0) return { eig: new Float64Array(0), sigma: new Float64Array(0) };
  if (usesJacobi(rows, cols, opts.exactBelow)) {
    const sigma = timed('jacobi', () => jacobiSingularValues(w, rows, cols));
    const eig = new Float64Array(k);
    for (let i = 0; i < k; i++) eig[i] = sigma[k - 1 - i] ** 2;
    return { eig, sigma };
  }
  const g = await timedAsync('gram', () => gram(w, rows, cols, { ...opts, finite: true, scratch: true }));
  const eig = eigvalsSym(g, k, { precision: opts.precision ?? 'float32' });
  for (let i = 0; i < k; i++) if (eig[i] < 0) eig[i] = 0;
  const sigma = new Float64Array(k);
  for (let i = 0; i < k; i++) sigma[i] = Math.sqrt(eig[k - 1 - i]);
  return { eig, sigma };
}
