// Forward-pass analyses on probe data: accuracy and loss (train and test probes), margins, path-norm,
// Jiang et al.'s σ′ flatness searches, average-case sharpness, certified bounds and the loss landscape.
// Runs on the analysis thread (CLI process or the extension's analysis worker): onnxruntime's run()
// blocks it. Cancellation is checked before every forward pass.
import { basename } from 'node:path';
import { checkProbeAgainstModel, loadProbe, ProbeError, type Probe } from '../../data/probe';
import type { Checkpoint } from '../../onnx/types';
import type { BoundValue, DataSummary, HeldOutSummary, LandscapeSummary, MarginSummary, RuntimeInfo } from '../../protocol/report';
import type { AnalyzeOptions, Progress } from '../../protocol/worker';
import { bartlettBound, BOUND_INFO, golowichBound, isVacuous, neyshaburBound } from '../bounds';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import { ForwardModel } from '../runtime';
import { HELD_OUT_EXPLANATION, heldOutCertificate } from '../bounds/heldOut';
import { klAtOptimalPrior, pacBayesKlBound } from '../bounds/exactKl';
import { COMPRESSION_INFO, compressionCertificate } from './compression';
import { dziugaiteRoyBound } from './drSearch';
import { representationMeasures } from './features';
import { magnitudeAware, varianceSums } from './noise';
import { lossLandscape } from './landscape';
import { evaluate, marginSummary } from './metrics';
import { initValues, magLogSum, normStats } from './paramStats';
import { pathNorm } from './pathNorm';
import { ProbeEval } from './probeEval';
import { sharpness } from './sharpness';
import { MAG_EPS, SEARCH_DEPTH, sigmaSearch } from './sigmaSearch';

export { CancelledError } from './probeEval';

export interface ForwardResult {
  runtime: RuntimeInfo;
  data: DataSummary;
  testData?: DataSummary;
  quantities: DataQuantities;
  bounds: BoundValue[];
  heldOut?: HeldOutSummary;
  margins: MarginSummary;
  landscape?: LandscapeSummary;
  warnings: string[];
  /** Milliseconds per part: load, accuracy, pathNorm, sigmaIso, sigmaMag, sharpness, bounds, landscape. */
  timings: Record<string, number>;
}

export interface ForwardHooks {
  progress?(p: Progress): void;
  signal?: AbortSignal;
}

/** Defaults of the settings this module reads from AnalyzeOptions. */
export const FORWARD_DEFAULTS = { seed: 0, mcDraws: 10, delta: 0.05, landscapePoints: 21 } as const;

function summary(p: Probe, classes: number): DataSummary {
  return { path: p.path, examples: p.n, inputKey: p.inputKey, labelKey: p.labelKey, classes };
}

/** Labels must lie in [0, K) for the model's K outputs; an error naming the probe file otherwise. */
function checkLabels(p: Probe, classes: number): void {
  for (let i = 0; i < p.n; i++) {
    if (p.y[i] >= classes) throw new ProbeError(p.path, `label ${i} is ${p.y[i]}, out of range for the model's ${classes} outputs (labels must lie in 0…${classes - 1})`);
  }
  if (p.classes !== undefined && p.classes !== classes) throw new ProbeError(p.path, `the file declares ${p.classes} classes but the model has ${classes} outputs`);
}

function inputNorms(p: Probe, per: number): { max: number; meanSq: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < p.n; i++) {
    let s = 0;
    for (let j = i * per; j < (i + 1) * per; j++) s += p.x[j] * p.x[j];
    sum += s;
    max = Math.max(max, Math.sqrt(s));
  }
  return { max, meanSq: sum / p.n };
}

export async function runForwardAnalysis(
  ckpt: Checkpoint, init: Checkpoint | null, layers: LayerQuantities[], options: AnalyzeOptions, hooks: ForwardHooks = {},
): Promise<ForwardResult> {
  if (!options.data) throw new Error('runForwardAnalysis: no probe data (options.data)');
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const seed = options.seed ?? FORWARD_DEFAULTS.seed;
  const draws = Math.max(1, options.mcDraws ?? FORWARD_DEFAULTS.mcDraws);
  const delta = options.delta ?? FORWARD_DEFAULTS.delta;
  const m = options.trainSize;
  const signal = hooks.signal;
  const say = (phase: Progress['phase'], message: string, done = 0, total = 1) => hooks.progress?.({ phase, done, total, message });
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = now - t;
    t = now;
  };
  const keys = { xKey: options.dataKeys?.x, yKey: options.dataKeys?.y };

  say('forward', `loading probe ${basename(options.data)}`);
  const probe = loadProbe(options.data, keys);
  warnings.push(...probe.warnings);
  const fit = checkProbeAgainstModel(probe, ckpt.inputs[0] ?? { name: 'input', dtype: null, shape: null });
  warnings.push(...fit.warnings);
  const model = await ForwardModel.open(ckpt, { provider: options.provider ?? 'auto' });
  try {
    if (model.tap.skipped.length) warnings.push(`logits read from '${model.tap.name}', before the trailing ${model.tap.skipped.slice().reverse().join(' → ')} of output '${model.tap.output}'`);
    if (ckpt.outputs.length > 1) warnings.push(`the model has ${ckpt.outputs.length} outputs; forward passes read the first ('${ckpt.outputs[0].name}') as the class scores`);
    if (model.frozen.length) warnings.push(`not perturbed by flatness, sharpness and bound searches (not float initializers): ${model.frozen.join(', ')}`);
    const per = fit.perExample.reduce((a, b) => a * b, 1);
    const train = new ProbeEval(model, probe.x, probe.y, fit.perExample, signal);
    lap('load');

    say('forward', `accuracy, loss and margins on ${probe.n} examples`);
    const { logits, classes } = await train.logits();
    checkLabels(probe, classes);
    const base = evaluate(logits, classes, probe.y);
    const margins = marginSummary(base.margins);
    const norms = inputNorms(probe, per);
    const q: DataQuantities = {
      classes, trainAccuracy: base.accuracy, trainCrossEntropy: base.crossEntropy, marginP10: margins.p10,
      maxInputNorm: norms.max, meanSqInputNorm: norms.meanSq, probeSize: probe.n, ...(m ? { m } : {}),
    };
    let testData: DataSummary | undefined;
    let testErrors: { errors: number; n: number } | undefined;
    if (options.testData) {
      say('forward', `accuracy and loss on the test probe ${basename(options.testData)}`);
      const tp = loadProbe(options.testData, keys);
      warnings.push(...tp.warnings.map((w) => `test probe: ${w}`));
      const tf = checkProbeAgainstModel(tp, ckpt.inputs[0]);
      warnings.push(...tf.warnings.map((w) => `test probe: ${w}`));
      const tl = await new ProbeEval(model, tp.x, tp.y, tf.perExample, signal).logits();
      checkLabels(tp, classes);
      const te = evaluate(tl.logits, classes, tp.y);
      q.testAccuracy = te.accuracy;
      q.testCrossEntropy = te.crossEntropy;
      testErrors = { errors: te.errors, n: tp.n };
      testData = summary(tp, classes);
    }
    lap('accuracy');

    say('forward', 'path-norm');
    const pn = await pathNorm(ckpt, model, fit.perExample);
    q.pathNorm = pn.value;
    if (pn.reason) q.pathNormReason = pn.reason;
    lap('pathNorm');

    const params = model.params;
    let w0: (Float32Array | null)[] | null = init ? initValues(params, ckpt, init) : null;
    const stats = normStats(params, w0);
    q.wNormSq = stats.wNormSq;
    q.omega = stats.omega;
    if (stats.wDistSq !== null) q.wDistSq = stats.wDistSq;
    if (init && w0 && !w0.every(Boolean)) {
      const missing = params.filter((_, k) => !w0![k]).map((p) => p.name);
      warnings.push(`the init checkpoint has no matching tensor for ${missing.join(', ')}: PAC-Bayes *-init measures are left out; the Dziugaite–Roy prior is centred at zero for those tensors`);
    }
    if (w0 && !w0.some(Boolean)) w0 = null;

    const search = async (kind: 'iso' | 'mag') => {
      const label = kind === 'iso' ? 'isotropic' : 'magnitude-aware';
      say('flatness', `σ′ search (${label}), ${draws} draws per step`);
      const r = await sigmaSearch(model, train, base.accuracy, kind, {
        seed, draws, onStep: (k, s, a) => say('flatness', `σ′ search (${label}): step ${k}, σ = ${s.toPrecision(3)}, accuracy ${a.toFixed(3)}`, Math.min(k, SEARCH_DEPTH), SEARCH_DEPTH + 1),
      });
      if (!r.bracketed) warnings.push(`${label} σ′ search: accuracy stayed within 0.1 of ${base.accuracy.toFixed(3)} up to σ = ${r.sigma} — σ′ is a lower bound (flatness measures use it)`);
      return r;
    };
    const iso = await search('iso');
    q.sigmaIso = iso.sigma;
    q.sigmaIsoBracketed = iso.bracketed;
    lap('sigmaIso');
    const mag = await search('mag');
    q.sigmaMag = mag.sigma;
    q.sigmaMagBracketed = mag.bracketed;
    q.magLogSumOrig = magLogSum(params, mag.sigma, MAG_EPS, stats.wNormSq, stats.omega, null);
    if (stats.wDistSq !== null) q.magLogSumInit = magLogSum(params, mag.sigma, MAG_EPS, stats.wNormSq, stats.omega, w0);
    lap('sigmaMag');

    // Exact KL at the KL-optimal prior variance and the PAC-Bayes-kl bound value for the σ′ posteriors.
    {
      const k = stats.omega;
      const errorAt = (r: typeof iso) => 1 - (r.steps.find((st) => st.sigma === r.sigma)?.accuracy ?? base.accuracy - 0.1);
      const sums = {
        iso: { sum: k * iso.sigma ** 2, logSum: k * Math.log(iso.sigma ** 2) },
        mag: varianceSums(params, magnitudeAware(params, mag.sigma, MAG_EPS)),
      };
      const exact: NonNullable<DataQuantities['exactKl']> = {};
      const bound: NonNullable<DataQuantities['pacBayesKl']> = {};
      for (const kind of ['iso', 'mag'] as const) {
        const r = kind === 'iso' ? iso : mag;
        if (!(r.sigma > 0)) continue;
        for (const [prior, dist] of [['Init', stats.wDistSq], ['Orig', stats.wNormSq]] as const) {
          if (dist === null) continue;
          const key = `${kind}${prior}` as const;
          exact[key] = klAtOptimalPrior(sums[kind].sum, sums[kind].logSum, dist, k).kl;
          if (m && Number.isInteger(m) && m >= 2) bound[key] = pacBayesKlBound(errorAt(r), sums[kind].sum, sums[kind].logSum, dist, k, m, delta).bound;
        }
      }
      q.exactKl = exact;
      q.pacBayesKl = bound;
    }

    say('forward', 'penultimate features (Davies–Bouldin, NC1, normalised margins) and mixup accuracy');
    q.representation = await representationMeasures(ckpt, model, train, classes, seed);
    if (q.representation.reason) warnings.push(`representation measures: ${q.representation.reason}`);
    lap('representation');

    say('forward', `average-case sharpness, ${draws} draws`);
    const sh = await sharpness(model, train, base.crossEntropy, 'plain', { seed, draws });
    const sha = await sharpness(model, train, base.crossEntropy, 'adaptive', { seed, draws });
    Object.assign(q, {
      sharpness: sh.mean, sharpnessStderr: sh.stderr, sharpnessRho: sh.rho,
      sharpnessAdaptive: sha.mean, sharpnessAdaptiveStderr: sha.stderr, sharpnessRhoAdaptive: sha.rho,
    });
    lap('sharpness');

    const bounds: BoundValue[] = [];
    const unavailable = (reason: string, needs?: BoundValue['needs']) => {
      for (const b of [...BOUND_INFO, COMPRESSION_INFO]) bounds.push({ ...b, value: null, vacuous: null, assumptions: [], ...(needs ? { needs } : {}), reason });
    };
    if (m === undefined) unavailable('needs the training-set size m: --train-size M (CLI) or theoryLens.trainSize', ['trainSize']);
    else if (!Number.isInteger(m) || m < 2) unavailable(`the training-set size m = ${m} must be an integer ≥ 2`);
    else if (m < probe.n) {
      warnings.push(`--train-size ${m} is smaller than the probe (${probe.n} examples): the bounds are left out`);
      unavailable(`the training-set size m = ${m} is smaller than the probe (${probe.n} examples)`);
    } else {
      say('bounds', 'Dziugaite–Roy posterior search');
      bounds.push(await dziugaiteRoyBound(model, train, w0, {
        m, delta, seed, classes, draws: Math.max(2, Math.ceil(draws / 2)),
        onProgress: (msg) => say('bounds', `Dziugaite–Roy bound: ${msg}`),
      }));
      bounds.push(bartlettBound(layers, q, base.margins, delta), neyshaburBound(layers, q, base.margins, delta), golowichBound(layers, q, base.margins, delta));
      lap('bounds');
      say('bounds', 'compression (Occam) certificate');
      bounds.push(await compressionCertificate(model, train, w0, { m, delta, seed, classes, onProgress: (msg) => say('bounds', `compression certificate: ${msg}`) }));
      lap('compression');
    }
    if (!timings.bounds) lap('bounds');
    let heldOut: HeldOutSummary | undefined;
    if (testErrors) {
      const h = heldOutCertificate(testErrors.errors, testErrors.n, delta);
      for (const b of bounds) if (b.value !== null) b.details = { ...b.details, heldOutCertificate: h.bound };
      heldOut = {
        value: h.bound, vacuous: isVacuous(h.bound, classes), testErrors: testErrors.errors, testExamples: testErrors.n, testError: h.testError,
        klBound: h.klBound, delta, explanation: HELD_OUT_EXPLANATION,
        reference: 'Langford 2005 (JMLR), "Tutorial on practical prediction theory for classification", Theorem 3.3 (binomial tail inversion)',
        assumptions: [
          `the ${testErrors.n} test-probe examples are i.i.d. from the data distribution and played no part in training or choosing this network`,
          `exact binomial tail: e ≤ max{p : P[Bin(${testErrors.n}, p) ≤ ${testErrors.errors}] ≥ δ}, δ = ${delta}; its Chernoff form kl⁻¹(ê, ln(1/δ)/n) = ${h.klBound.toPrecision(4)}`,
        ],
      };
    }

    let landscape: LandscapeSummary | undefined;
    const points = options.landscapePoints ?? FORWARD_DEFAULTS.landscapePoints;
    if (points > 1) {
      say('landscape', `loss landscape (${points}${options.landscape2d ? ` × ${points}` : ''} points)`);
      landscape = await lossLandscape(model, train, points, !!options.landscape2d, seed, (done, total) => say('landscape', `loss landscape ${done}/${total}`, done, total));
      lap('landscape');
    }
    if (model.note) warnings.push(model.note);

    const seconds = Object.values(timings).reduce((a, b) => a + b, 0) / 1000;
    return {
      runtime: {
        provider: model.provider, ...(model.providerNote ? { providerNote: model.providerNote } : {}), seed,
        forwardPassesPerSecond: model.passes / seconds,
      },
      data: summary(probe, classes), ...(testData ? { testData } : {}),
      quantities: q, bounds, ...(heldOut ? { heldOut } : {}), margins, ...(landscape ? { landscape } : {}), warnings, timings,
    };
  } finally {
    await model.release();
  }
}
