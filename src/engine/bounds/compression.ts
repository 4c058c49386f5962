// A post-hoc compression certificate (Occam bound; Zhou et al. 2019, ICLR, "Non-vacuous generalization
// bounds at ImageNet scale: a PAC-Bayesian compression approach"; Lotfi et al. 2022, NeurIPS, "PAC-Bayes
// compression bounds so tight that they can explain generalization").
//
// The code (fixed before the data: it depends only on the architecture and on w⁰, the initial weights
// recorded from the seed, or 0): every parameter tensor t with N_t entries is stored as
//   w_t = r_t + h_t·q_t,   q_t ∈ {−L, …, L}^{N_t},   r_t = w⁰_t (or 0),
// and written as
//   header   ⌈log₂ |LEVELS|⌉ bits for L, 1 bit for the reference (w⁰ or 0), ⌈log₂ |RANK_FRACTIONS|⌉ bits
//            for the rank fraction ρ (0: no low-rank factors),
//   per t    ⌈log₂ |STEPS|⌉ bits for h_t on the grid STEPS = {2^(−e/2) : e = 0…63},
//            ⌈log₂ C(N_t + A − 1, A − 1)⌉ bits for the symbol counts (A = 2L + 1 symbols),
//            ⌈log₂ (N_t! / Πₐ nₐ!)⌉ bits for the sequence given its counts (enumerative coding: the
//            index of q_t among the sequences with those counts — the ideal entropy coder's length).
// With ρ > 0, a weight tensor that the low-rank rule (forward/compression.ts: its size, its matrix shape
// a × b = dims[0] × the rest, and ρ — all known to the decoder) selects is instead stored as
//   w_t = r_t + U_t·V_t,   U_t ∈ h_U·{−L…L}^{a×k},  V_t ∈ h_V·{−L…L}^{k×b},  k = max(1, round(ρ·min(a, b))),
// two blocks of the form above (step, counts, sequence), i.e. a rank-k factorisation of w_t − r_t
// (the truncated SVD, σ split evenly between the factors) quantised factor by factor.
// Each field's length is known to the decoder from what it has read, so the code is prefix-free and
// Kraft's inequality holds; every choice (L, reference, each step size) is paid for in the length (this
// is the union bound over the grid).
//
// Occam bound (Langford 2005, Theorem 4.1 with prior 2^(−ℓ); the Chernoff form): with probability
// ≥ 1 − δ₁ over the m training examples, for every code word simultaneously,
//   kl(ê_S ‖ e) ≤ (ℓ ln 2 + ln(1/δ₁))/m,   i.e.   e ≤ kl⁻¹(ê_S, (ℓ ln 2 + ln(1/δ₁))/m).
// ê_S (the compressed network's error on the whole training set) is bounded from the probe exactly as
// the Dziugaite–Roy certificate does: the compression is chosen on a random half A of the probe, the
// other half C bounds the error on S ∖ A (sampling without replacement), δ₂ for that step; δ₁ = δ₂ = δ/2.
import { klInverseUpper } from './kl';

export const COMPRESSION_LEVELS = [1, 2, 3, 7, 15] as const;
/** Rank fractions ρ of the low-rank option (0: every tensor stored in full). */
export const RANK_FRACTIONS = [0, 1 / 4, 1 / 8, 1 / 16] as const;
export const COMPRESSION_STEPS = 64;
export const stepAt = (e: number) => 2 ** (-e / 2);

/** ln n! (exact sum below 256, Stirling's series above: error < 1e-13 relative). */
const LOG_FACT_TABLE = (() => {
  const t = new Float64Array(257);
  for (let i = 2; i <= 256; i++) t[i] = t[i - 1] + Math.log(i);
  return t;
})();
export function logFactorial(n: number): number {
  if (n < 0 || !Number.isInteger(n)) throw new RangeError(`logFactorial: ${n} is not a non-negative integer`);
  if (n <= 256) return LOG_FACT_TABLE[n];
  const x = n + 1;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x2 * x2 * x) - 1 / (1680 * x2 * x2 * x2 * x);
}

/** Bits of a field that indexes one of `count` possibilities: ⌈log₂ count⌉, rounded up safely. */
export function indexBits(log2Count: number): number {
  if (log2Count <= 0) return 0;
  return Math.ceil(log2Count * (1 + 1e-12) + 1e-9);
}

/** Bits of a field that indexes one of `count` (a positive integer below 2³¹) choices: ⌈log₂ count⌉, exactly. */
export function choiceBits(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count >= 2 ** 31) throw new RangeError(`choiceBits: ${count} is not an integer in [1, 2³¹)`);
  return count === 1 ? 0 : 32 - Math.clz32(count - 1);
}

/** log₂ C(n + a − 1, a − 1): the number of count vectors of a symbols summing to n. */
export const log2Compositions = (n: number, a: number) => (logFactorial(n + a - 1) - logFactorial(a - 1) - logFactorial(n)) / Math.LN2;

/** log₂ (n! / Πₐ nₐ!): the number of sequences with the given counts. */
export function log2Multinomial(counts: ArrayLike<number>): number {
  let n = 0;
  let s = 0;
  for (let i = 0; i < counts.length; i++) {
    n += counts[i];
    s -= logFactorial(counts[i]);
  }
  return (s + logFactorial(n)) / Math.LN2;
}

/** Bits of one tensor's block: step index, symbol counts, sequence. */
export function tensorBits(counts: ArrayLike<number>): number {
  const n = Array.from(counts).reduce((a, b) => a + b, 0);
  return choiceBits(COMPRESSION_STEPS) + indexBits(log2Compositions(n, counts.length)) + indexBits(log2Multinomial(counts));
}

/** Header bits: the level count L, the reference (w⁰ or 0) and the rank fraction ρ. */
export const headerBits = () => choiceBits(COMPRESSION_LEVELS.length) + 1 + choiceBits(RANK_FRACTIONS.length);

/**
 * Quantises one tensor: q = clamp(round((w − r)/h), −L, L); writes r + h·q into `out` and returns the
 * symbol counts (index q + L).
 */
export function quantise(w: ArrayLike<number>, ref: ArrayLike<number> | null, h: number, L: number, out: Float32Array): Int32Array {
  const counts = new Int32Array(2 * L + 1);
  for (let i = 0; i < w.length; i++) {
    const r = ref ? ref[i] : 0;
    const q = Math.max(-L, Math.min(L, Math.round((w[i] - r) / h)));
    counts[q + L]++;
    out[i] = r + h * q;
  }
  return counts;
}

/** Index e of the grid step closest (in log) to a target step (clamped to the grid). */
export function nearestStep(target: number): number {
  if (!(target > 0)) return COMPRESSION_STEPS - 1;
  return Math.max(0, Math.min(COMPRESSION_STEPS - 1, Math.round(-2 * Math.log2(target))));
}

export interface OccamInput {
  bits: number;
  m: number;
  delta: number;
  /** Errors of the compressed (deterministic) network on A and C, and their sizes; nC = 0 when the probe is all of S. */
  errorsA: number;
  nA: number;
  errorsC: number;
  nC: number;
}

export interface OccamCertificate {
  bound: number;
  trainErrorUpper: number;
  restUpper: number | null;
  complexity: number;
}

/** The bound from the description length and the measured errors (δ/2 Occam, δ/2 sampling). */
export function occamCertify(x: OccamInput): OccamCertificate {
  const dOccam = x.delta / 2;
  const dSample = x.delta / 2;
  let trainErrorUpper = x.errorsA / x.nA;
  let restUpper: number | null = null;
  if (x.nC > 0) {
    restUpper = klInverseUpper(x.errorsC / x.nC, Math.log(1 / dSample) / x.nC);
    trainErrorUpper = Math.min(1, (x.errorsA + (x.m - x.nA) * restUpper) / x.m);
  }
  const complexity = (x.bits * Math.LN2 + Math.log(1 / dOccam)) / x.m;
  return { bound: klInverseUpper(trainErrorUpper, complexity), trainErrorUpper, restUpper, complexity };
}
