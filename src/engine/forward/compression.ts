// The post-hoc compression certificate (arithmetic in ../bounds/compression.ts): quantise every weight
// and bias tensor around a data-independent reference (the recorded initial weights w⁰, or 0), count
// the description length of the quantised network, bound its error with the Occam bound.
//
// Search (on the selection half A of the probe only, the split the Dziugaite–Roy search uses): the
// reference (w⁰ when every tensor has one, and 0), L ∈ COMPRESSION_LEVELS, a step factor c ∈ FACTORS and
// a rank fraction ρ ∈ RANK_FRACTIONS; tensor t's step is the grid step nearest to c·rms(w_t − r_t) (for
// low-rank factors, c·rms of each factor). Each candidate is one pass over A, scored
// by the Occam bound computed as if A's error were the training error. The chosen code is then
// evaluated on A and C and certified (C bounds the error on S ∖ A). All the choices are in the code
// (header and per-tensor step fields), so the bound pays for them.
import type { BoundValue } from '../../protocol/report';
import {
  COMPRESSION_LEVELS, COMPRESSION_STEPS, RANK_FRACTIONS, headerBits, nearestStep, occamCertify, quantise, stepAt, tensorBits,
} from '../bounds/compression';
import { jacobiSvd, type Svd } from '../kernels/jacobiSvd';
import { isVacuous } from '../bounds/margin';
import { klInverseUpper } from '../bounds/kl';
import type { ForwardModel } from '../runtime';
import { splitProbe } from './drSearch';
import type { ProbeEval } from './probeEval';

export const COMPRESSION_FACTORS = [0.125, 0.25, 0.5, 1, 2, 4] as const;
/**
 * Tensors with fewer entries than this (biases, small heads) cost little whatever their precision: they
 * always use L = 15 and step factor ½ (a rule of the code, known to the decoder from the architecture,
 * so it costs no bits), and the searched L and factor apply to the large tensors.
 */
export const SMALL_TENSOR = 2048;
export const SMALL_RULE = { L: 15, factor: 0.5 } as const;

export const COMPRESSION_INFO = {
  id: 'compressionOccam',
  name: 'Compression (Occam) certificate',
  reference: 'Zhou, Veitch, Austern, Adams & Orbanz 2019 (ICLR), "Non-vacuous generalization bounds at ImageNet scale"; Lotfi, Finzi, Kapoor, Potapczynski, Goldblum & Wilson 2022 (NeurIPS), "PAC-Bayes compression bounds so tight that they can explain generalization"; Langford 2005 (Occam bound)',
} as const;

/**
 * The low-rank rule (fixed in the code, so it costs no bits beyond ρ): a weight tensor with at least
 * SMALL_TENSOR entries, viewed as the a × b matrix dims[0] × (the rest), is stored as rank-k factors,
 * k = max(1, round(ρ·min(a, b))), when that stores fewer numbers (k·(a + b) < a·b) and its SVD is cheap
 * enough (min(a, b)²·max(a, b) ≤ LOW_RANK_MAX_WORK); every other tensor is stored in full.
 */
export const LOW_RANK_MAX_WORK = 2 ** 26;
export function lowRankOf(dims: number[], kind: 'weight' | 'bias', rho: number): { a: number; b: number; k: number } | null {
  const size = dims.reduce((x, y) => x * y, 1);
  if (!(rho > 0) || kind !== 'weight' || dims.length < 2 || size < SMALL_TENSOR) return null;
  const a = dims[0];
  const b = size / a;
  const short = Math.min(a, b);
  const k = Math.max(1, Math.round(rho * short));
  return k * (a + b) < a * b && short * short * Math.max(a, b) <= LOW_RANK_MAX_WORK ? { a, b, k } : null;
}

/** Rank-k factors of an SVD with σ split evenly: U = u·diag(√σ) (a×k), V = diag(√σ)·vᵀ (k×b), row-major. */
export function lowRankFactors(svd: Svd, a: number, b: number, k: number): { U: Float64Array; V: Float64Array } {
  const kk = svd.sigma.length;
  const U = new Float64Array(a * k);
  const V = new Float64Array(k * b);
  for (let j = 0; j < k; j++) {
    const r = Math.sqrt(svd.sigma[j]);
    for (let i = 0; i < a; i++) U[i * k + j] = svd.u[i * kk + j] * r;
    for (let i = 0; i < b; i++) V[j * b + i] = svd.v[i * kk + j] * r;
  }
  return { U, V };
}

const rmsOf = (x: ArrayLike<number>) => {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  return Math.sqrt(ss / Math.max(1, x.length));
};

export interface Candidate {
  reference: 'init' | 'zero';
  L: number;
  factor: number;
  /** Rank fraction ρ of the low-rank rule (0: every tensor in full). */
  rank: number;
}

/** SVDs of w_t − r_t, computed once per (reference, tensor) for the low-rank candidates. */
export type SvdCache = Map<string, Svd>;

export interface CompressionOptions {
  m: number;
  delta: number;
  seed: number;
  classes: number;
  onProgress?: (message: string) => void;
}

/**
 * Writes the quantised network for a candidate into the model's current parameters; returns its bits,
 * the steps (two per low-rank tensor: h_U, h_V), the zero symbols and the ranks used (0: in full).
 */
export function applyCandidate(model: Pick<ForwardModel, 'params'>, w0: (Float32Array | null)[] | null, c: Candidate, svds: SvdCache = new Map()): { bits: number; steps: number[]; zeros: number; ranks: number[] } {
  let bits = headerBits();
  let zeros = 0;
  const steps: number[] = [];
  const ranks: number[] = [];
  model.params.forEach((p, t) => {
    const ref = c.reference === 'init' ? w0![t]! : null;
    const { L, factor } = p.values.length < SMALL_TENSOR ? SMALL_RULE : c;
    const lr = lowRankOf(p.dims, p.kind, c.rank);
    ranks.push(lr ? lr.k : 0);
    if (!lr) {
      let ss = 0;
      for (let i = 0; i < p.values.length; i++) ss += (p.values[i] - (ref ? ref[i] : 0)) ** 2;
      const h = stepAt(nearestStep(factor * Math.sqrt(ss / p.values.length)));
      steps.push(h);
      const counts = quantise(p.values, ref, h, L, p.current);
      zeros += counts[L];
      bits += tensorBits(counts);
      return;
    }
    const key = `${c.reference}:${t}`;
    let svd = svds.get(key);
    if (!svd) {
      const d = new Float64Array(p.values.length);
      for (let i = 0; i < d.length; i++) d[i] = p.values[i] - (ref ? ref[i] : 0);
      svd = jacobiSvd(d, lr.a, lr.b);
      svds.set(key, svd);
    }
    const { U, V } = lowRankFactors(svd, lr.a, lr.b, lr.k);
    const Uq = new Float32Array(U.length);
    const Vq = new Float32Array(V.length);
    for (const [f, q] of [[U, Uq], [V, Vq]] as const) {
      const h = stepAt(nearestStep(factor * rmsOf(f)));
      steps.push(h);
      const counts = quantise(f, null, h, L, q);
      zeros += counts[L];
      bits += tensorBits(counts);
    }
    // w = r + Uq·Vq (float64 accumulation)
    const row = new Float64Array(lr.b);
    for (let i = 0; i < lr.a; i++) {
      row.fill(0);
      for (let j = 0; j < lr.k; j++) {
        const u = Uq[i * lr.k + j];
        if (u === 0) continue;
        for (let x = 0; x < lr.b; x++) row[x] += u * Vq[j * lr.b + x];
      }
      for (let x = 0; x < lr.b; x++) p.current[i * lr.b + x] = (ref ? ref[i * lr.b + x] : 0) + row[x];
    }
  });
  return { bits, steps, zeros, ranks };
}

export async function compressionCertificate(model: ForwardModel, probe: ProbeEval, w0: (Float32Array | null)[] | null, o: CompressionOptions): Promise<BoundValue> {
  const whole = probe.n >= o.m;
  const { A, C } = whole ? { A: Int32Array.from({ length: probe.n }, (_, i) => i), C: new Int32Array(0) } : splitProbe(probe.n, o.seed);
  const sel = whole ? probe : probe.subset(A);
  const haveInit = !!w0 && w0.every(Boolean);
  const candidates: Candidate[] = [];
  for (const reference of haveInit ? (['init', 'zero'] as const) : (['zero'] as const)) {
    for (const rank of RANK_FRACTIONS) {
      // a rank fraction that changes no tensor repeats the full-rank candidates: not tried (still in the code)
      if (rank > 0 && !model.params.some((p) => lowRankOf(p.dims, p.kind, rank))) continue;
      for (const L of COMPRESSION_LEVELS) for (const factor of COMPRESSION_FACTORS) candidates.push({ reference, L, factor, rank });
    }
  }
  const svds: SvdCache = new Map();
  let best: { c: Candidate; score: number; bits: number } | null = null;
  try {
    for (const [i, c] of candidates.entries()) {
      if (i % 10 === 0) o.onProgress?.(`candidate ${i + 1} of ${candidates.length}`);
      const { bits } = applyCandidate(model, w0, c, svds);
      const err = 1 - (await sel.evaluate()).accuracy;
      const score = klInverseUpper(err, (bits * Math.LN2 + Math.log(2 / o.delta)) / o.m);
      if (!best || score < best.score) best = { c, score, bits };
    }
    const chosen = applyCandidate(model, w0, best!.c, svds);
    const ev = await probe.evaluate();
    const [eA, eC] = await probe.errorsOn(whole ? [A, A] : [A, C]);
    const errorsA = Math.round(eA * A.length);
    const errorsC = whole ? 0 : Math.round(eC * C.length);
    const cert = occamCertify({ bits: chosen.bits, m: o.m, delta: o.delta, errorsA, nA: A.length, errorsC, nC: C.length });
    const k = model.size;
    const c = best!.c;
    return {
      ...COMPRESSION_INFO, value: cert.bound, vacuous: isVacuous(cert.bound, o.classes),
      assumptions: [
        `the compressed network is w_t = r_t + h_t·q_t with q_t ∈ {−${c.L}…${c.L}} (tensors under ${SMALL_TENSOR} entries: {−${SMALL_RULE.L}…${SMALL_RULE.L}}, step factor ${SMALL_RULE.factor}) per weight and bias tensor (${model.params.length} tensors, ${k} values), r = ${c.reference === 'init' ? 'the initial weights w⁰ (fixed by the recorded seed before training, so data-independent)' : '0'}; the bound is on the COMPRESSED network's error, not on the checkpoint's`,
        ...(c.rank > 0
          ? [`low-rank factors (rank fraction ρ = ${c.rank}): ${chosen.ranks.filter((r) => r > 0).length} weight tensor(s) stored as w_t = r_t + U_t·V_t with U_t, V_t the rank-k truncated SVD of w_t − r_t (σ split evenly), each factor quantised as above (ranks ${chosen.ranks.filter((r) => r > 0).join(', ')}); the other tensors in full`]
          : []),
        `prefix-free code fixed before the data: ${headerBits()} header bits (L among ${COMPRESSION_LEVELS.join('/')}, reference, rank fraction among ${RANK_FRACTIONS.map((r) => +r.toPrecision(3)).join('/')}), per tensor or factor ⌈log₂ ${COMPRESSION_STEPS}⌉ bits for the step on the grid 2^(−e/2), the symbol counts and the enumerative index of the symbols (every choice searched is paid for in the length)`,
        `Occam bound (Langford 2005): e ≤ kl⁻¹(ê_S, (ℓ ln 2 + ln(2/δ))/m), m = ${o.m}, δ = ${o.delta} (δ/2 Occam, δ/2 sampling)`,
        whole
          ? `the probe is the whole training set (n = m = ${o.m})`
          : `the probe is a uniformly random subset of the training set: the code was chosen on a random half A (${A.length} examples), the other half C (${C.length}) bounds the error on the ${o.m - A.length} training examples outside A`,
        ...(model.frozen.length ? [`not quantised and treated as fixed in advance (not counted): ${model.frozen.join(', ')}`] : []),
      ],
      details: {
        bits: chosen.bits, bitsPerParameter: chosen.bits / k, parameters: k, levels: c.L, stepFactor: c.factor, reference: c.reference,
        rankFraction: c.rank, lowRankTensors: chosen.ranks.filter((r) => r > 0).length,
        zeroFraction: chosen.zeros / k, compressedAccuracy: ev.accuracy, compressedErrorA: errorsA / A.length,
        compressedErrorC: whole ? null : errorsC / C.length, trainErrorUpper: cert.trainErrorUpper, restUpper: cert.restUpper,
        complexity: cert.complexity, candidatesTried: candidates.length, selectionExamples: A.length, certificationExamples: C.length,
        m: o.m, delta: o.delta, seed: o.seed,
      },
    };
  } finally {
    model.restore();
  }
}
