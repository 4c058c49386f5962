// Singular values of a weight matrix through the Gram matrix of its short side and the symmetric
// eigensolver: λ = σ² (ascending), σ = √λ. Tiny negative eigenvalues (round-off) are clamped to 0.
import type { Precision } from '../../protocol/worker';
import { eigvalsSym } from './eig';
import { gram } from './gram';

export interface Spectrum {
  /** Eigenvalues λ = σ² of WᵀW restricted to the short side, ascending (min(rows, cols) of them). */
  eig: Float64Array;
  /** Singular values, descending. */
  sigma: Float64Array;
}

export async function singularValues(w: Float32Array | Float64Array, rows: number, cols: number, opts: { precision?: Precision } = {}): Promise<Spectrum> {
  const k = Math.min(rows, cols);
  if (k === 0) return { eig: new Float64Array(0), sigma: new Float64Array(0) };
  const g = await gram(w, rows, cols, opts);
  const eig = eigvalsSym(g, k, { precision: opts.precision ?? 'float32' });
  for (let i = 0; i < eig.length; i++) if (eig[i] < 0) eig[i] = 0;
  const sigma = new Float64Array(k);
  for (let i = 0; i < k; i++) sigma[i] = Math.sqrt(eig[k - 1 - i]);
  return { eig, sigma };
}
