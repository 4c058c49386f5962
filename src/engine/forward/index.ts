// Forward-pass analyses on probe data: accuracy, loss, margins, path-norm, Jiang's σ′ searches,
// sharpness, certified bounds and the loss landscape. Runs on the analysis thread (never the
// extension host's): onnxruntime's run() blocks it.
import { basename } from 'node:path';
import { fitProbeToInput, loadProbe, type Probe } from '../../data/probe';
import type { Checkpoint } from '../../onnx/types';
import type { BoundValue, DataSummary, LandscapeSummary, MarginSummary, RuntimeInfo } from '../../protocol/report';
import type { AnalyzeOptions, Progress } from '../../protocol/worker';
import { BOUND_INFO, bartlettBound, neyshaburBound } from '../bounds/norm';
import { drBound, drConstants } from '../bounds/pacbayes';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import { marginSummary } from './metrics';
import { ForwardModel } from './model';
import { pathNorm } from './pathNorm';
import { evalWith, filterNormalizedDirection, MAG_EPS, noise, perturbed, sharpness, sigmaSearch, type ProbeView } from './perturb';

export interface ForwardResult {
  runtime: RuntimeInfo;
  data: DataSummary;
  testData?: DataSummary;
  quantities: DataQuantities;
  bounds: BoundValue[];
  margins: MarginSummary;
  landscape?: LandscapeSummary;
  warnings: string[];
  timings: Record<string, number>;
}

export interface ForwardHooks {
  progress?(p: Progress): void;
  signal?: AbortSignal;
}

/** Sharpness perturbation scale ρ (plain: u ~ N(0, ρ²I); adaptive: u ~ N(0, ρ²w²)). */
export const SHARPNESS_RHO = 0.01;
export const SHARPNESS_RHO_ADAPTIVE = 0.05;
/** Monte-Carlo draws for the final evaluation of the chosen Dziugaite–Roy posterior. */
export const DR_FINAL_DRAWS = 200;

function view(p: Probe, perExample: number[]): ProbeView {
  return { x: p.x, y: p.y, n: p.n, perExample };
}

function summary(p: Probe, classes: number): DataSummary {
  return { path: p.path, examples: p.n, inputKey: p.inputKey, labelKey: p.labelKey, classes };
}

export async function runForwardAnalysis(
  ckpt: Checkpoint, init: Checkpoint | null, layers: LayerQuantities[], options: AnalyzeOptions, hooks: ForwardHooks = {},
): Promise<ForwardResult> {
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const seed = options.seed ?? 0;
  const draws = options.mcDraws ?? 10;
  const delta = options.delta ?? 0.05;
  const m = options.trainSize;
  const signal = hooks.signal;
  const step = (phase: Progress['phase'], message: string) => {
    if (signal?.aborted) throw new Error('cancelled');
    hooks.progress?.({ phase, done: 0, total: 1, message });
  };
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = now - t;
    t = now;
  };

  step('forward', `loading probe ${basename(options.data!)}`);
  const probe = loadProbe(options.data!, options.dataKeys);
  const model = await ForwardModel.open(ckpt, options.provider ?? 'auto');
  try {
    const fit = fitProbeToInput(probe, ckpt.inputs[0]);
    if (fit.note) warnings.push(fit.note);
    if (model.tapped.length) warnings.push(`logits read before the trailing ${model.tapped.join('; ')}`);
    if (model.frozen.length) warnings.push(`not perturbed (not float32 initializers): ${model.frozen.join(', ')}`);
    const train = view(probe, fit.perExample);
    lap('load');

    step('forward', 'accuracy, loss and margins on the probe');
    const base = await evalWith(model, train);
    const classes = (await model.logits(train.x.subarray(0, fit.perExample.reduce((a, b) => a * b, 1)), 1, fit.perExample)).classes;
    for (let i = 0; i < probe.n; i++) {
      if (probe.y[i] >= classes) throw new Error(`${probe.path}: label ${probe.y[i]} (example ${i}) is out of range for a model with ${classes} outputs`);
    }
    const margins = marginSummary(base.margins);
    let sq = 0;
    let maxNorm = 0;
    const per = fit.perExample.reduce((a, b) => a * b, 1);
    for (let i = 0; i < probe.n; i++) {
      let s = 0;
      for (let j = i * per; j < (i + 1) * per; j++) s += probe.x[j] * probe.x[j];
      sq += s;
      maxNorm = Math.max(maxNorm, Math.sqrt(s));
    }
    const q: DataQuantities = {
      classes, trainAccuracy: base.accuracy, trainCrossEntropy: base.crossEntropy, marginP10: margins.p10,
      maxInputNorm: maxNorm, ...(m ? { m } : {}),
    };
    let testData: DataSummary | undefined;
    if (options.testData) {
      const tp = loadProbe(options.testData, options.dataKeys);
      const tf = fitProbeToInput(tp, ckpt.inputs[0]);
      const te = await evalWith(model, view(tp, tf.perExample));
      q.testAccuracy = te.accuracy;
      q.testCrossEntropy = te.crossEntropy;
      testData = summary(tp, classes);
    }
    lap('accuracy');

    step('forward', 'path-norm');
    const pn = await pathNorm(ckpt, model, fit.perExample);
    q.pathNorm = pn.value;
    if (pn.reason) q.pathNormReason = pn.reason;
    lap('pathNorm');

    // ‖w‖², ‖w − w⁰‖² over the perturbed parameters.
    const params = model.params;
    const omega = params.reduce((a, p) => a + p.values.length, 0);
    let wNormSq = 0;
    for (const p of params) for (const v of p.values) wNormSq += v * v;
    q.wNormSq = wNormSq;
    q.omega = omega;
    const initValues = init ? params.map((p) => {
      const ti = init.tensors.get(p.name);
      return ti && ti.size === p.values.length ? ti.toFloat32() : null;
    }) : null;
    const haveInit = !!initValues && initValues.every(Boolean);
    if (init && !haveInit) warnings.push('the init checkpoint does not contain every perturbed parameter under the same name: *-init PAC-Bayes measures are left out');
    if (haveInit) {
      let d = 0;
      params.forEach((p, k) => {
        const w0 = initValues![k]!;
        for (let i = 0; i < w0.length; i++) d += (p.values[i] - w0[i]) ** 2;
      });
      q.wDistSq = d;
    }

    step('flatness', `σ′ search (isotropic), ${draws} draws per step`);
    const iso = await sigmaSearch(model, train, base.accuracy, 'iso', { seed, draws, signal });
    q.sigmaIso = iso.sigma;
    lap('sigmaIso');
    step('flatness', `σ′ search (magnitude-aware), ${draws} draws per step`);
    const mag = await sigmaSearch(model, train, base.accuracy, 'mag', { seed, draws, signal });
    q.sigmaMag = mag.sigma;
    lap('sigmaMag');
    const s2 = mag.sigma ** 2;
    const eps2 = MAG_EPS ** 2;
    const num = eps2 + ((s2 + 1) * wNormSq) / omega;
    let lsOrig = 0;
    let lsInit = 0;
    params.forEach((p, k) => {
      for (let i = 0; i < p.values.length; i++) {
        const w = p.values[i];
        lsOrig += Math.log(num / (eps2 + s2 * w * w));
        if (haveInit) lsInit += Math.log(num / (eps2 + s2 * (w - initValues![k]![i]) ** 2));
      }
    });
    q.magLogSumOrig = lsOrig;
    if (haveInit) q.magLogSumInit = lsInit;

    step('forward', 'average-case sharpness');
    const sh = await sharpness(model, train, base.crossEntropy, () => SHARPNESS_RHO, { seed, draws, signal });
    const sha = await sharpness(model, train, base.crossEntropy, (k, i) => SHARPNESS_RHO_ADAPTIVE * Math.abs(params[k].values[i]), { seed, draws, signal });
    q.sharpness = sh.mean;
    q.sharpnessStderr = sh.stderr;
    q.sharpnessAdaptive = sha.mean;
    q.sharpnessAdaptiveStderr = sha.stderr;
    lap('sharpness');

    step('bounds', 'certified bounds');
    const bounds: BoundValue[] = [];
    if (!m) {
      for (const b of BOUND_INFO) bounds.push({ ...b, value: null, vacuous: null, needs: ['trainSize'], reason: 'needs the training-set size m: --train-size M (CLI) or theoryLens.trainSize' });
    } else if (m < probe.n) {
      warnings.push(`--train-size ${m} is smaller than the probe (${probe.n} examples): the bounds are left out`);
      for (const b of BOUND_INFO) bounds.push({ ...b, value: null, vacuous: null, reason: `the training-set size m = ${m} is smaller than the probe` });
    } else {
      bounds.push(await dziugaiteRoy(model, train, params, haveInit ? initValues!.map((v) => v!) : null, iso.sigma, mag.sigma, { m, delta, seed, draws, classes, signal }));
      const md = { m, margins: base.margins, gamma: margins.p10, meanSqNorm: sq / probe.n, maxNorm, classes, delta };
      if (margins.p10 > 0) {
        bounds.push(bartlettBound(layers, md), neyshaburBound(layers, md));
      } else {
        for (const b of BOUND_INFO.slice(1)) bounds.push({ ...b, value: null, vacuous: null, reason: `the 10th-percentile margin γ = ${margins.p10.toPrecision(3)} ≤ 0 (more than 10 % of the probe is misclassified): margin bounds are not defined` });
      }
    }
    lap('bounds');

    let landscape: LandscapeSummary | undefined;
    const points = options.landscapePoints ?? 21;
    if (points > 1) {
      step('landscape', `loss landscape (${points}${options.landscape2d ? `×${points}` : ''} points)`);
      landscape = await lossLandscape(model, train, points, !!options.landscape2d, seed, signal);
      lap('landscape');
    }

    return {
      runtime: {
        provider: model.provider, ...(model.providerNote ? { providerNote: model.providerNote } : {}), seed,
        forwardPassesPerSecond: model.passes / (Object.values(timings).reduce((a, b) => a + b, 0) / 1000),
      },
      data: summary(probe, classes), ...(testData ? { testData } : {}),
      quantities: q, bounds, margins, ...(landscape ? { landscape } : {}), warnings, timings,
    };
  } finally {
    await model.release();
  }
}

/**
 * The Dziugaite–Roy bound, made as tight as forward passes allow: candidate posteriors N(w, diag s) —
 * isotropic and magnitude-aware scales around the σ′ found by Jiang's searches, then a per-layer
 * coordinate search from the best isotropic one — are ranked by the bound computed from `draws`
 * Monte-Carlo draws; the best is re-evaluated with DR_FINAL_DRAWS fresh draws. Every candidate is
 * covered by the union bound (K in drConstants).
 */
async function dziugaiteRoy(
  model: ForwardModel, probe: ProbeView, params: ForwardModel['params'], w0: Float32Array[] | null, sigmaIso: number, sigmaMag: number,
  o: { m: number; delta: number; seed: number; draws: number; classes: number; signal?: AbortSignal },
): Promise<BoundValue> {
  const layersOf = params.map((_, k) => k); // one scale group per parameter tensor
  const isoGrid = [4, 2, 1, 0.5, 0.25, 0.125];
  const K = 2 * isoGrid.length + 2 * layersOf.length;
  const consts = drConstants(o.delta, K);
  const k = params.reduce((a, p) => a + p.values.length, 0);
  let distSq = 0;
  params.forEach((p, j) => {
    for (let i = 0; i < p.values.length; i++) distSq += (p.values[i] - (w0 ? w0[j][i] : 0)) ** 2;
  });
  type Cand = { label: string; std: (j: number, i: number) => number };
  const sums = (c: Cand) => {
    let sSum = 0;
    let sLogSum = 0;
    params.forEach((p, j) => {
      for (let i = 0; i < p.values.length; i++) {
        const s = c.std(j, i) ** 2;
        sSum += s;
        sLogSum += Math.log(s);
      }
    });
    return { sSum, sLogSum };
  };
  const evaluateCand = async (c: Cand, n: number, seedOffset: number) => {
    const errors: number[] = [];
    for (let d = 0; d < n; d++) {
      if (o.signal?.aborted) throw new Error('cancelled');
      const z = noise(params, o.seed + seedOffset, d);
      errors.push(1 - (await evalWith(model, probe, perturbed(params, z, c.std))).accuracy);
    }
    return drBound({ drawErrors: errors, probeSize: probe.n, m: o.m, ...sums(c), distSq, k }, consts);
  };
  let tried = 0;
  let best: { c: Cand; r: Awaited<ReturnType<typeof evaluateCand>> } | null = null;
  const consider = async (c: Cand) => {
    tried++;
    const r = await evaluateCand(c, o.draws, 2000);
    if (!best || r.bound < best.r.bound) best = { c, r };
    return r.bound;
  };
  for (const f of isoGrid) await consider({ label: `isotropic σ = ${(sigmaIso * f).toPrecision(3)}`, std: () => sigmaIso * f });
  const bestIso = best!;
  for (const f of isoGrid) {
    const s = sigmaMag * f;
    await consider({ label: `magnitude-aware σ = ${s.toPrecision(3)}`, std: (j, i) => Math.sqrt(s * s * params[j].values[i] ** 2 + MAG_EPS ** 2) });
  }
  // per-tensor coordinate search from the best isotropic posterior
  const base = bestIso.c.std(0, 0);
  const scales = params.map(() => base);
  let current = bestIso.r.bound;
  for (let j = 0; j < params.length; j++) {
    for (const f of [2, 0.5]) {
      const trial = scales.slice();
      trial[j] *= f;
      const b = await consider({ label: `per-tensor σ = [${trial.map((x) => x.toPrecision(2)).join(', ')}]`, std: (jj) => trial[jj] });
      if (b < current) {
        current = b;
        scales[j] = trial[j];
        break;
      }
    }
  }
  const chosen = best!;
  const final = await evaluateCand(chosen.c, DR_FINAL_DRAWS, 7000);
  const value = final.bound;
  return {
    id: 'dziugaiteRoy2017', name: 'PAC-Bayes bound (Gaussian posterior, searched)', value, vacuous: value >= 1 - 1 / o.classes,
    reference: 'Dziugaite & Roy 2017 (UAI); Langford & Caruana 2002 (Monte-Carlo step)',
    assumptions: [
      `posterior N(w, diag s), prior N(${w0 ? 'w⁰' : '0'}, λI) with λ = 0.1·e^{−j/100} (union bound over j)`,
      'the probe is a uniformly random subset of the training set of size m (its error stands in for the training error through a kl⁻¹ step)',
      `confidence 1 − δ with δ = ${o.delta}: ${consts.delta} for PAC-Bayes, ${consts.deltaMc} for the Monte-Carlo estimate, ${consts.deltaProbe} for probe → training set`,
      `union bound over the ${K} posteriors the search may try; the chosen one re-evaluated with ${DR_FINAL_DRAWS} fresh draws`,
      'error is the 0-1 error of the stochastic classifier Q (a weight draw per prediction), not of w itself',
    ],
    details: {
      search: chosen.c.label, candidatesTried: tried, unionBoundK: K, mcError: final.mcError, mcUpper: final.mcUpper,
      trainErrorUpper: final.trainUpper, kl: final.kl, lambda: final.lambda, complexity: final.complexity, m: o.m,
      finalDraws: DR_FINAL_DRAWS, searchDraws: o.draws,
    },
  };
}

async function lossLandscape(model: ForwardModel, probe: ProbeView, points: number, twoD: boolean, seed: number, signal?: AbortSignal): Promise<LandscapeSummary> {
  const params = model.params;
  const d1 = filterNormalizedDirection(params, seed);
  const d2 = twoD ? filterNormalizedDirection(params, seed + 1) : null;
  const alphas = Array.from({ length: points }, (_, i) => -1 + (2 * i) / (points - 1));
  const at = async (a: number, b: number) => {
    if (signal?.aborted) throw new Error('cancelled');
    const ov = new Map<string, Float32Array>();
    params.forEach((p, k) => {
      const v = new Float32Array(p.values.length);
      for (let i = 0; i < v.length; i++) v[i] = p.values[i] + a * d1[k][i] + (d2 ? b * d2[k][i] : 0);
      ov.set(p.name, v);
    });
    return (await evalWith(model, probe, ov)).crossEntropy;
  };
  const loss1d: number[] = [];
  for (const a of alphas) loss1d.push(await at(a, 0));
  const out: LandscapeSummary = {
    alphas, loss1d,
    note: 'cross-entropy on the training probe along random directions, filter-normalised (Li et al. 2018): each filter/neuron of the direction scaled to the norm of the same filter of w; bias directions zero',
  };
  if (d2) {
    out.betas = alphas.slice();
    out.loss2d = [];
    for (const b of alphas) for (const a of alphas) out.loss2d.push(await at(a, b));
  }
  return out;
}
