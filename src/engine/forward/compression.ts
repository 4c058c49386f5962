// The post-hoc compression certificate (arithmetic in ../bounds/compression.ts): quantise every weight
// and bias tensor around a data-independent reference (the recorded initial weights w⁰, or 0), count
// the description length of the quantised network, bound its error with the Occam bound.
//
// Search (on the selection half A of the probe only, the split the Dziugaite–Roy search uses): the
// reference (w⁰ when every tensor has one, and 0), L ∈ COMPRESSION_LEVELS, and a step factor c ∈ FACTORS;
// tensor t's step is the grid step nearest to c·rms(w_t − r_t). Each candidate is one pass over A, scored
// by the Occam bound computed as if A's error were the training error. The chosen code is then
// evaluated on A and C and certified (C bounds the error on S ∖ A). All the choices are in the code
// (header and per-tensor step fields), so the bound pays for them.
import type { BoundValue } from '../../protocol/report';
import {
  COMPRESSION_LEVELS, COMPRESSION_STEPS, headerBits, nearestStep, occamCertify, quantise, stepAt, tensorBits,
} from '../bounds/compression';
import { isVacuous } from '../bounds';
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

interface Candidate {
  reference: 'init' | 'zero';
  L: number;
  factor: number;
}

export interface CompressionOptions {
  m: number;
  delta: number;
  seed: number;
  classes: number;
  onProgress?: (message: string) => void;
}

/** Writes the quantised network for a candidate into the model's current parameters; returns its bits and steps. */
export function applyCandidate(model: ForwardModel, w0: (Float32Array | null)[] | null, c: Candidate): { bits: number; steps: number[]; zeros: number } {
  let bits = headerBits();
  let zeros = 0;
  const steps: number[] = [];
  model.params.forEach((p, k) => {
    const ref = c.reference === 'init' ? w0![k]! : null;
    let ss = 0;
    for (let i = 0; i < p.values.length; i++) ss += (p.values[i] - (ref ? ref[i] : 0)) ** 2;
    const rms = Math.sqrt(ss / p.values.length);
    const { L, factor } = p.values.length < SMALL_TENSOR ? SMALL_RULE : c;
    const h = stepAt(nearestStep(factor * rms));
    steps.push(h);
    const counts = quantise(p.values, ref, h, L, p.current);
    zeros += counts[L];
    bits += tensorBits(counts);
  });
  return { bits, steps, zeros };
}

export async function compressionCertificate(model: ForwardModel, probe: ProbeEval, w0: (Float32Array | null)[] | null, o: CompressionOptions): Promise<BoundValue> {
  const whole = probe.n >= o.m;
  const { A, C } = whole ? { A: Int32Array.from({ length: probe.n }, (_, i) => i), C: new Int32Array(0) } : splitProbe(probe.n, o.seed);
  const sel = whole ? probe : probe.subset(A);
  const haveInit = !!w0 && w0.every(Boolean);
  const candidates: Candidate[] = [];
  for (const reference of haveInit ? (['init', 'zero'] as const) : (['zero'] as const)) {
    for (const L of COMPRESSION_LEVELS) for (const factor of COMPRESSION_FACTORS) candidates.push({ reference, L, factor });
  }
  let best: { c: Candidate; score: number; bits: number } | null = null;
  try {
    for (const [i, c] of candidates.entries()) {
      if (i % 10 === 0) o.onProgress?.(`candidate ${i + 1} of ${candidates.length}`);
      const { bits } = applyCandidate(model, w0, c);
      const err = 1 - (await sel.evaluate()).accuracy;
      const score = klInverseUpper(err, (bits * Math.LN2 + Math.log(2 / o.delta)) / o.m);
      if (!best || score < best.score) best = { c, score, bits };
    }
    const chosen = applyCandidate(model, w0, best!.c);
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
        `prefix-free code fixed before the data: ${headerBits()} header bits (L among ${COMPRESSION_LEVELS.join('/')}, reference), per tensor ⌈log₂ ${COMPRESSION_STEPS}⌉ bits for the step on the grid 2^(−e/2), the symbol counts and the enumerative index of the symbols (every choice searched is paid for in the length)`,
        `Occam bound (Langford 2005): e ≤ kl⁻¹(ê_S, (ℓ ln 2 + ln(2/δ))/m), m = ${o.m}, δ = ${o.delta} (δ/2 Occam, δ/2 sampling)`,
        whole
          ? `the probe is the whole training set (n = m = ${o.m})`
          : `the probe is a uniformly random subset of the training set: the code was chosen on a random half A (${A.length} examples), the other half C (${C.length}) bounds the error on the ${o.m - A.length} training examples outside A`,
        ...(model.frozen.length ? [`not quantised and treated as fixed in advance (not counted): ${model.frozen.join(', ')}`] : []),
      ],
      details: {
        bits: chosen.bits, bitsPerParameter: chosen.bits / k, parameters: k, levels: c.L, stepFactor: c.factor, reference: c.reference,
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
