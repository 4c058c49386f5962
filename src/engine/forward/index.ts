// Forward-pass analyses on probe data, as phases: accuracy and loss (train and test probes) and
// margins, path-norm, Jiang et al.'s σ′ flatness searches, average-case sharpness, the certified bounds
// (the bound registry) and the loss landscape. Runs on the analysis thread (CLI process or the
// extension's analysis worker): onnxruntime's run() blocks it. Cancellation is checked before every
// forward pass. Each phase returns values; after each one `hooks.phase` receives the result so far, and
// a phase that fails stops the rest while keeping what the earlier phases computed.
import { basename } from 'node:path';
import { checkProbeAgainstModel, loadProbe, ProbeError, type Probe } from '../../data/probe';
import type { Checkpoint } from '../../onnx/types';
import type { BoundValue, DataSummary, HeldOutSummary, LandscapeSummary, MarginSummary, Need, RuntimeInfo } from '../../protocol/report';
import type { AnalyzeOptions, Progress } from '../../protocol/worker';
import { DEFAULTS } from '../../defaults';
import { evaluateBounds, isVacuous, type BoundContext } from '../bounds';
import { klAtOptimalPrior, pacBayesKlBound } from '../bounds/exactKl';
import { HELD_OUT_EXPLANATION, heldOutCertificate } from '../bounds/heldOut';
import { representationMeasures } from './features';
import { magnitudeAware, varianceSums } from './noise';
import { CancelledError } from '../../protocol/cancelled';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import { ForwardModel } from '../runtime';
import { lossLandscape } from './landscape';
import { evaluate, marginSummary } from './metrics';
import { initValues, magLogSum, normStats } from './paramStats';
import { pathNorm } from './pathNorm';
import { FORWARD_PHASES, type ForwardPhase } from './phases';
import { ProbeEval } from './probeEval';
import { sharpness } from './sharpness';
import { MAG_EPS, SEARCH_DEPTH, sigmaSearch } from './sigmaSearch';
import { FORWARD_TUNING } from './tuning';

export { FORWARD_PHASES, type ForwardPhase };

export interface ForwardResult {
  runtime: RuntimeInfo;
  data: DataSummary;
  testData?: DataSummary;
  quantities: DataQuantities;
  bounds: BoundValue[];
  margins: MarginSummary;
  landscape?: LandscapeSummary;
  /** The held-out (test-set) certificate, with a test probe. */
  heldOut?: HeldOutSummary;
  warnings: string[];
  /** Milliseconds per part: load, accuracy, pathNorm, sigmaIso, sigmaMag, sharpness, bounds, landscape. */
  timings: Record<string, number>;
  /** Phases finished so far, in order. */
  done: ForwardPhase[];
  /** The phase that threw (the later ones did not run), with its message. */
  failed?: { phase: ForwardPhase; message: string };
}

export interface ForwardHooks {
  progress?(p: Progress): void;
  signal?: AbortSignal;
  /** After each finished phase: the result so far (a copy the hook may keep). */
  phase?(result: ForwardResult): void;
}

export interface ForwardInput {
  ckpt: Checkpoint;
  init: Checkpoint | null;
  layers: LayerQuantities[];
  options: AnalyzeOptions;
}

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

/** Whether the bounds can use m, and why not (as the trainSize need). */
function trainSizeAvailability(m: number | undefined, probeSize: number, warnings: string[]): { ok: boolean; why?: string } {
  if (m === undefined) return { ok: false };
  if (!Number.isInteger(m) || m < 2) return { ok: false, why: `the training-set size m = ${m} must be an integer ≥ 2` };
  if (m < probeSize) {
    warnings.push(`--train-size ${m} is smaller than the probe (${probeSize} examples): the bounds are left out`);
    return { ok: false, why: `the training-set size m = ${m} is smaller than the probe (${probeSize} examples)` };
  }
  return { ok: true };
}

/**
 * Runs the forward phases. Throws (the caller records it as the runtime error) when the probe or the
 * model cannot be loaded or the first pass fails; CancelledError when cancelled. A later phase that
 * fails ends the run with `failed` set and everything computed before it.
 */
export async function runForwardAnalysis(input: ForwardInput, hooks: ForwardHooks = {}): Promise<ForwardResult> {
  const { ckpt, init, layers, options } = input;
  if (!options.data) throw new Error('runForwardAnalysis: no probe data (options.data)');
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const seed = options.seed ?? DEFAULTS.seed;
  const draws = Math.max(1, options.mcDraws ?? DEFAULTS.mcDraws);
  const delta = options.delta ?? DEFAULTS.delta;
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
  const model = await ForwardModel.open(ckpt, { provider: options.provider ?? DEFAULTS.provider, spinning: FORWARD_TUNING.spinning, threads: FORWARD_TUNING.threads });
  try {
    if (model.tap.skipped.length) warnings.push(`logits read from '${model.tap.name}', before the trailing ${model.tap.skipped.slice().reverse().join(' → ')} of output '${model.tap.output}'`);
    if (ckpt.outputs.length > 1) warnings.push(`the model has ${ckpt.outputs.length} outputs; forward passes read the first ('${ckpt.outputs[0].name}') as the class scores`);
    if (model.frozen.length) warnings.push(`not perturbed by flatness, sharpness and bound searches (not float initializers): ${model.frozen.join(', ')}`);
    const per = fit.perExample.reduce((a, b) => a * b, 1);
    const train = new ProbeEval(model, probe.x, probe.y, fit.perExample, signal);
    lap('load');

    // Phase 'accuracy' (its failure is the whole forward analysis failing: nothing to keep yet).
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

    const done: ForwardPhase[] = ['accuracy'];
    let bounds: BoundValue[] = [];
    let landscape: LandscapeSummary | undefined;
    let heldOut: HeldOutSummary | undefined;
    const snapshot = (failed?: ForwardResult['failed']): ForwardResult => {
      const seconds = Object.values(timings).reduce((a, b) => a + b, 0) / 1000;
      return {
        runtime: {
          provider: model.provider, ...(model.providerNote ? { providerNote: model.providerNote } : {}), seed,
          forwardPassesPerSecond: model.passes / seconds,
        },
        data: summary(probe, classes), ...(testData ? { testData } : {}),
        quantities: { ...q }, bounds: bounds.slice(), margins, ...(landscape ? { landscape } : {}), ...(heldOut ? { heldOut } : {}),
        warnings: [...warnings, ...(model.note && (failed || done.length === FORWARD_PHASES.length) ? [model.note] : [])],
        timings: { ...timings }, done: done.slice(), ...(failed ? { failed } : {}),
      };
    };
    hooks.phase?.(snapshot());

    let w0: (Float32Array | null)[] | null = null;
    const phases: Record<Exclude<ForwardPhase, 'accuracy'>, () => Promise<void>> = {
      pathNorm: async () => {
        say('forward', 'path-norm');
        const pn = await pathNorm(ckpt, model, fit.perExample);
        q.pathNorm = pn.value;
        if (pn.reason) q.pathNormReason = pn.reason;
        lap('pathNorm');
      },
      flatness: async () => {
        const params = model.params;
        w0 = init ? initValues(params, ckpt, init) : null;
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
        const k = stats.omega;
        const errorAt = (r: typeof iso) => 1 - (r.steps.find((st) => st.sigma === r.sigma)?.accuracy ?? base.accuracy - 0.1);
        const sums = {
          iso: { sum: k * iso.sigma ** 2, logSum: k * Math.log(iso.sigma ** 2) },
          mag: varianceSums(params, magnitudeAware(params, mag.sigma, MAG_EPS)),
        };
        const exact: NonNullable<DataQuantities['exactKl']> = {};
        const klBound: NonNullable<DataQuantities['pacBayesKl']> = {};
        for (const kind of ['iso', 'mag'] as const) {
          const r = kind === 'iso' ? iso : mag;
          if (!(r.sigma > 0)) continue;
          for (const [prior, dist] of [['Init', stats.wDistSq], ['Orig', stats.wNormSq]] as const) {
            if (dist === null) continue;
            const key = `${kind}${prior}` as const;
            exact[key] = klAtOptimalPrior(sums[kind].sum, sums[kind].logSum, dist, k).kl;
            if (m && Number.isInteger(m) && m >= 2) klBound[key] = pacBayesKlBound(errorAt(r), sums[kind].sum, sums[kind].logSum, dist, k, m, delta).bound;
          }
        }
        q.exactKl = exact;
        q.pacBayesKl = klBound;
      },
      representation: async () => {
        say('forward', 'penultimate features (Davies–Bouldin, NC1, normalised margins) and mixup accuracy');
        q.representation = await representationMeasures(ckpt, model, train, classes, seed);
        if (q.representation.reason) warnings.push(`representation measures: ${q.representation.reason}`);
        lap('representation');
      },
      sharpness: async () => {
        say('forward', `average-case sharpness, ${draws} draws`);
        const sh = await sharpness(model, train, base.crossEntropy, 'plain', { seed, draws });
        const sha = await sharpness(model, train, base.crossEntropy, 'adaptive', { seed, draws });
        Object.assign(q, {
          sharpness: sh.mean, sharpnessStderr: sh.stderr, sharpnessRho: sh.rho,
          sharpnessAdaptive: sha.mean, sharpnessAdaptiveStderr: sha.stderr, sharpnessRhoAdaptive: sha.rho,
        });
        lap('sharpness');
      },
      bounds: async () => {
        const ts = trainSizeAvailability(m, probe.n, warnings);
        const have = new Set<Need>(['data', 'runtime', ...(ts.ok ? (['trainSize'] as const) : [])]);
        const ctx: BoundContext | null = ts.ok
          ? { layers, data: { ...q, m: m! }, margins: base.margins, delta, seed, draws, model, train, w0, progress: (msg) => say('bounds', msg) }
          : null;
        if (ctx) say('bounds', 'Dziugaite–Roy posterior search');
        bounds = await evaluateBounds(ctx, { have, ...(ts.why ? { why: { trainSize: ts.why } } : {}) });
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
        lap('bounds');
      },
      landscape: async () => {
        const points = options.landscapePoints ?? DEFAULTS.landscapePoints;
        if (points > 1) {
          say('landscape', `loss landscape (${points}${options.landscape2d ? ` × ${points}` : ''} points)`);
          landscape = await lossLandscape(model, train, points, !!options.landscape2d, seed, (d, total) => say('landscape', `loss landscape ${d}/${total}`, d, total));
          lap('landscape');
        }
      },
    };
    for (const phase of FORWARD_PHASES) {
      if (phase === 'accuracy') continue;
      try {
        await phases[phase]();
      } catch (e) {
        if (e instanceof CancelledError || signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
        const message = (e as Error)?.message ?? String(e);
        warnings.push(`forward phase '${phase}' failed: ${message} — the later phases (${FORWARD_PHASES.slice(FORWARD_PHASES.indexOf(phase) + 1).join(', ') || 'none'}) did not run; what the earlier ones computed is kept`);
        return snapshot({ phase, message });
      }
      done.push(phase);
      hooks.phase?.(snapshot());
    }
    return snapshot();
  } finally {
    await model.release();
  }
}
