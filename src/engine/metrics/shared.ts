// Work several metric families share, computed once per layer (ctx.once): ‖W‖_F and ‖Wᵀ‖₂,₁ in one
// pass, the spectrum λ = σ² of WᵀW (or only Lanczos' σ_max above the full-spectrum limit).
import { singularValues, spectralNormLanczos, timed, usesJacobi } from '../kernels';
import { entrySumsWasm, wasmAvailable } from '../kernels/wasm';
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

/** What one pass over the entries gives: non-finite counts, Σ|w|, ‖W‖_F and ‖Wᵀ‖₂,₁ (float64 sums). */
export interface EntryStats {
  nan: number;
  inf: number;
  l1: number;
  fro: number;
  l21: number;
  /** max |w| (NaN when an entry is not finite). */
  maxAbs: number;
}

/**
 * Σw², Σ|w| and max |w| of w[from…to) into out[0…2], float64 sums. Four independent accumulators each: one
 * chain of float additions waits ~4 cycles per entry, four in flight keep the adder busy (3.1 → 1.9 ns per
 * float32 entry measured); the sums are then those of four interleaved partial sums, not of one running sum.
 */
function rowSums(w: ArrayLike<number>, from: number, to: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0, m0 = 0, m1 = 0;
  let c = from;
  for (; c + 3 < to; c += 4) {
    const v0 = w[c], v1 = w[c + 1], v2 = w[c + 2], v3 = w[c + 3];
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
    const b0 = Math.abs(v0), b1 = Math.abs(v1), b2 = Math.abs(v2), b3 = Math.abs(v3);
    a0 += b0;
    a1 += b1;
    a2 += b2;
    a3 += b3;
    m0 = Math.max(m0, b0, b1);
    m1 = Math.max(m1, b2, b3);
  }
  for (; c < to; c++) {
    const v = w[c];
    s0 += v * v;
    const b = Math.abs(v);
    a0 += b;
    m0 = Math.max(m0, b);
  }
  out[0] = s0 + s1 + (s2 + s3);
  out[1] = a0 + a1 + (a2 + a3);
  out[2] = Math.max(m0, m1);
}

/** Σ of the squared row norms and Σ of the row norms (‖W‖_F² and ‖Wᵀ‖₂,₁) from the squared row norms. */
function sumAndRootSum(sq: Float64Array): { total: number; l21: number } {
  let total = 0;
  let l21 = 0;
  for (let i = 0; i < sq.length; i++) {
    total += sq[i];
    l21 += Math.sqrt(sq[i]);
  }
  return { total, l21 };
}

/**
 * One sequential pass over W in its stored layout (W, or Wᵀ when `transposed`): NaN/±Inf counts, the
 * entry-wise ℓ₁ sum, max |w| and the squared row norms of W (Σ over a stored row, or per-column accumulators
 * of Wᵀ). Replaces four passes (non-finite count, finiteness check, ℓ₁, row norms); the sums are
 * accumulated in float64 (a stored row of W in four interleaved partial sums, rowSums). Norms are NaN when an
 * entry is not finite.
 */
export function entryStats(w: ArrayLike<number>, rows: number, cols: number, transposed = false, useWasm = true): EntryStats {
  // float32 through WebAssembly SIMD (0.8 ns an entry with the copy in, against 1.4–2.4 here); a layer with
  // a non-finite entry is counted again below
  if (useWasm && w instanceof Float32Array && rows * cols > 0 && wasmAvailable()) {
    const acc = new Float64Array(rows);
    const r = entrySumsWasm(w, transposed ? cols : rows, transposed ? rows : cols, transposed ? 'cols' : 'rows', acc);
    if (r && Number.isFinite(r.l1)) {
      const { total, l21 } = sumAndRootSum(acc);
      if (Number.isFinite(total)) return { nan: 0, inf: 0, l1: r.l1, fro: Math.sqrt(total), l21, maxAbs: r.maxAbs };
    }
  }
  let nan = 0;
  let inf = 0;
  let l1 = 0;
  let total = 0;
  let l21 = 0;
  let mx = 0;
  if (!transposed) {
    const row = new Float64Array(3);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      rowSums(w, o, o + cols, row);
      const s = row[0];
      const a = row[1];
      if (row[2] > mx) mx = row[2];
      if (s - s !== 0 || a - a !== 0) for (let c = 0; c < cols; c++) { const v = w[o + c]; if (v !== v) nan++; else if (v - v !== 0) inf++; }
      total += s;
      l21 += Math.sqrt(s);
      l1 += a;
    }
  } else {
    // w is Wᵀ, [cols, rows]: a row of W is a column here
    const acc = new Float64Array(rows);
    for (let c = 0; c < cols; c++) {
      const o = c * rows;
      let a = 0;
      for (let r = 0; r < rows; r++) {
        const v = w[o + r];
        const av = Math.abs(v);
        acc[r] += v * v;
        a += av;
        if (av > mx) mx = av;
      }
      if (a - a !== 0) for (let r = 0; r < rows; r++) { const v = w[o + r]; if (v !== v) nan++; else if (v - v !== 0) inf++; }
      l1 += a;
    }
    ({ total, l21 } = sumAndRootSum(acc));
  }
  return { nan, inf, l1, fro: Math.sqrt(total), l21, maxAbs: nan + inf ? NaN : mx };
}

/** This layer's entry statistics (one pass, shared by the non-finite check, ℓ₁, ‖W‖_F and ‖Wᵀ‖₂,₁). */
export const entries = (ctx: LayerContext): EntryStats => ctx.once('entries', () => timed('entries', () => entryStats(ctx.task.matrix, ctx.rows, ctx.cols, !!ctx.task.transposed)));

export const rowNorms = (ctx: LayerContext) => entries(ctx);

/** Whether the entry pass has run and found every entry finite (the kernels then skip their own check). */
export const finiteEntries = (ctx: LayerContext): boolean => {
  const e = entries(ctx);
  return e.nan === 0 && e.inf === 0;
};

/** Eigenvalues λ = σ² of the short-side Gram matrix, ascending; null above the full-spectrum limit. */
export const spectrum = (ctx: LayerContext): Promise<Float64Array | null> =>
  ctx.once('spectrum', async () => {
    if (ctx.k > ctx.options.maxFullSpectrum) return null;
    return (await singularValues(ctx.task.matrix, ctx.stored.rows, ctx.stored.cols, { precision: ctx.precision, threads: ctx.task.gramThreads, finite: finiteEntries(ctx) })).eig;
  });

/** σ_max: from the full spectrum, or Lanczos (with a layer note saying so) above the limit. */
export const sigmaMax = (ctx: LayerContext): Promise<number> =>
  ctx.once('sigmaMax', async () => {
    const eig = await spectrum(ctx);
    if (eig) return Math.sqrt(eig[eig.length - 1] ?? 0);
    const o = ctx.options;
    const l = spectralNormLanczos(ctx.task.matrix, ctx.stored.rows, ctx.stored.cols, { seed: o.seed });
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
