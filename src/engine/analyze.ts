// The whole analysis: file → checkpoint → layers → measures → report. Runs wherever blocking is fine
// (the CLI's main thread, or the analysis worker the extension starts); per-layer spectra go to a
// worker pool; forward passes (onnxruntime) run on this thread.
import { basename } from 'node:path';
import { loadCheckpoint, readerById } from '../checkpoint/readers';
import { loadRoleRules } from '../checkpoint/roles';
import type { Checkpoint, Layer } from '../onnx/types';
import { SCHEMA_VERSION, type LayerReport, type Need, type Report } from '../protocol/report';
import type { AnalyzeOptions, Progress } from '../protocol/worker';
import { foldBatchNorm } from './layers/foldBatchNorm';
import type { LayerResult, LayerTask, LayerTaskOptions } from './layers/measureLayer';
import { METRIC_INFO } from './layers/metricInfo';
import { addProfile } from './kernels/profile';
import { evaluateMeasures } from './measures/registry';
import type { LayerQuantities, MeasureContext } from './measures/types';
import { CancelledError, defaultThreads, LayerPool } from './pool';
import { VERSION } from './version';

export interface AnalyzeHooks {
  progress?(p: Progress): void;
  signal?: AbortSignal;
  /** On cancel, return the report of the layers measured so far (marked `partial`) instead of throwing. */
  partialOnCancel?: boolean;
}

/** The result of a layer that was not measured (failed to read or measure, or cancelled before it). */
function unmeasured(index: number, why: string): LayerResult {
  return { index, metrics: {}, notes: { '*': why }, flags: [{ id: 'notMeasured', severity: 'warning', message: why }], quantities: { fro: NaN, spec: NaN, l21: NaN }, ms: 0 };
}

export const DEFAULTS = {
  precision: 'float32',
  convExact: true,
  convWeightWatcher: false,
  foldBatchNorm: true,
  seed: 0,
  delta: 0.05,
  mcDraws: 10,
  esdMaxPoints: 2000,
  maxFullSpectrum: 4096,
  randomize: true,
} as const;

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Pairs each layer with the init checkpoint's layer: by weight name, else by position and shape. */
export function matchInitLayers(layers: readonly Layer[], init: Checkpoint): (Layer | null)[] {
  const byName = new Map(init.layers.map((l) => [`${l.name}|${l.part ?? ''}`, l]));
  return layers.map((l, i) => {
    const same = (c: Layer | undefined) => c && c.matrixShape[0] === l.matrixShape[0] && c.matrixShape[1] === l.matrixShape[1];
    const n = byName.get(`${l.name}|${l.part ?? ''}`);
    if (same(n)) return n!;
    const p = init.layers[i];
    return same(p) && p.op === l.op ? p : null;
  });
}

/** Spectral work of a layer, ∝ flops: k²·L for the Gram (k = short side, L = long side) plus k³ for the reduction. */
function layerWork(l: Layer): number {
  const [r, c] = l.matrixShape;
  const k = Math.min(r, c);
  return k * k * (Math.max(r, c) + k);
}

/** Layer indices, most work first (longest-processing-time order keeps the threads evenly busy to the end). */
export function schedule(layers: readonly Layer[], threads: number): number[] {
  const idx = layers.map((_, i) => i);
  if (threads <= 1) return idx;
  const w = layers.map(layerWork);
  return idx.sort((a, b) => w[b] - w[a] || a - b);
}

/**
 * Layers whose work exceeds what the other threads can do meanwhile (work > rest / (threads − 1)): no
 * order balances them, so their Gram products get every thread (both cores busy on a model of a few
 * large layers) instead of one per worker.
 */
export function bigLayers(layers: readonly Layer[], threads: number): Set<number> {
  const out = new Set<number>();
  if (threads <= 1) return out;
  const w = layers.map(layerWork);
  const total = w.reduce((a, b) => a + b, 0);
  w.forEach((x, i) => { if (x > (total - x) / (threads - 1)) out.add(i); });
  return out;
}

export async function analyze(options: AnalyzeOptions, hooks: AnalyzeHooks = {}): Promise<Report> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const progress = (p: Progress) => hooks.progress?.(p);
  const o = {
    precision: options.precision ?? DEFAULTS.precision,
    convExact: options.convExact ?? DEFAULTS.convExact,
    convWeightWatcher: options.convWeightWatcher ?? DEFAULTS.convWeightWatcher,
    foldBatchNorm: options.foldBatchNorm ?? DEFAULTS.foldBatchNorm,
    seed: options.seed ?? DEFAULTS.seed,
    esdMaxPoints: options.esdMaxPoints ?? DEFAULTS.esdMaxPoints,
    randomize: options.randomize ?? DEFAULTS.randomize,
  };

  progress({ phase: 'read', done: 0, total: 1, message: `reading ${basename(options.model)}` });
  let t = performance.now();
  const rules = options.roles ? loadRoleRules(options.roles) : [];
  const ckpt = await loadCheckpoint(options.model, { rules, ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}) });
  const init = options.init ? await loadCheckpoint(options.init, { rules }) : null;
  const reader = readerById(ckpt.format);
  timings.read = performance.now() - t;
  warnings.push(...ckpt.warnings);
  if (init) warnings.push(...init.warnings.map((w) => `init: ${w}`));
  throwIfAborted(hooks.signal);

  // Layers → tasks. One layer's float copy at a time is created, just before it is queued.
  const initMatch = init ? matchInitLayers(ckpt.layers, init) : ckpt.layers.map(() => null);
  if (init) {
    const missing = ckpt.layers.filter((_, i) => !initMatch[i]).map((l) => l.name);
    if (missing.length) warnings.push(`no matching layer in the init checkpoint for: ${missing.join(', ')} (distances to init are left out for them)`);
  }
  const taskOptions: LayerTaskOptions = {
    precision: o.precision, convExact: o.convExact, convWeightWatcher: o.convWeightWatcher,
    randomize: o.randomize, seed: o.seed, esdMaxPoints: o.esdMaxPoints, maxFullSpectrum: DEFAULTS.maxFullSpectrum,
  };
  const folded: (string | undefined)[] = [];
  timings.convert = 0;
  const makeTask = (layer: Layer, index: number): LayerTask => {
    const tc = performance.now();
    try {
      return makeTaskOf(layer, index);
    } finally {
      timings.convert += performance.now() - tc;
    }
  };
  const makeTaskOf = (layer: Layer, index: number): LayerTask => {
    let matrix = layer.matrix('float32');
    let initMatrix = initMatch[index]?.matrix('float32');
    if (o.foldBatchNorm && layer.batchNorm) {
      const f = foldBatchNorm(layer, matrix);
      if (f.ok) {
        matrix = f.matrix;
        folded[index] = layer.batchNorm.node;
        const ib = initMatch[index]?.batchNorm;
        if (initMatrix && ib) {
          const fi = foldBatchNorm(initMatch[index]!, initMatrix);
          if (fi.ok) initMatrix = fi.matrix;
        }
      } else warnings.push(`${layer.name}: BatchNorm ${layer.batchNorm.node} not folded: ${f.reason}`);
    }
    const c = layer.conv;
    return {
      index, name: layer.name, matrix, rows: layer.matrixShape[0], cols: layer.matrixShape[1],
      ...(initMatrix ? { init: initMatrix } : {}),
      ...(c
        ? {
            conv: {
              cout: layer.op === 'ConvTranspose' ? layer.shape[1] * c.group : layer.shape[0],
              cinPerGroup: layer.shape[1], kernel: c.kernel, group: c.group, strides: c.strides, pads: c.pads,
              dilations: c.dilations, inputSpatial: c.inputSpatial, transpose: layer.op === 'ConvTranspose',
              ...(c.inputSpatialReason ? { inputSpatialReason: c.inputSpatialReason } : {}),
            },
          }
        : {}),
      options: taskOptions,
    };
  };

  t = performance.now();
  const threads = Math.min(options.threads ?? defaultThreads(), Math.max(1, ckpt.layers.length));
  const pool = new LayerPool(threads);
  const poolThreads = pool.threads; // (close() empties the pool)
  const big = bigLayers(ckpt.layers, pool.threads);
  const results: (LayerResult | undefined)[] = new Array(ckpt.layers.length);
  const failed: (string | undefined)[] = new Array(ckpt.layers.length);
  let done = 0;
  const total = ckpt.layers.length;
  // ETA: elapsed time per unit of estimated work (rows·cols·min(rows, cols, full-spectrum limit)) so far.
  const work = ckpt.layers.map((l) => l.matrixShape[0] * l.matrixShape[1] * Math.min(l.matrixShape[0], l.matrixShape[1], DEFAULTS.maxFullSpectrum) + 1);
  const totalWork = work.reduce((a, b) => a + b, 0);
  let doneWork = 0;
  progress({ phase: 'layers', done: 0, total, message: `measuring ${total} layers on ${pool.threads} thread(s)` });
  const onAbort = () => void pool.close();
  hooks.signal?.addEventListener('abort', onAbort);
  let cancelled = false;
  const finish = (i: number, what: string) => {
    done++;
    doneWork += work[i];
    const elapsed = performance.now() - t;
    const etaMs = doneWork < totalWork ? Math.round((elapsed / doneWork) * (totalWork - doneWork)) : 0;
    progress({ phase: 'layers', done, total, layer: ckpt.layers[i].name, etaMs, message: `${what} (${done}/${total})` });
  };
  try {
    // Keep at most 2 tasks per thread in flight so at most that many float copies exist at once.
    const inflight = new Set<Promise<void>>();
    for (const i of schedule(ckpt.layers, pool.threads)) {
      if (hooks.signal?.aborted) break;
      let task: LayerTask;
      try {
        task = makeTask(ckpt.layers[i], i);
      } catch (e) {
        // One unreadable layer (a truncated span, a dtype lie found on read) leaves the others measured.
        failed[i] = (e as Error).message;
        finish(i, `${ckpt.layers[i].name} failed`);
        continue;
      }
      if (big.has(i)) task.gramThreads = pool.threads;
      const p = pool.run(task).then(
        (r) => {
          results[i] = r;
          finish(i, ckpt.layers[i].name);
        },
        (e) => {
          if (e instanceof CancelledError || hooks.signal?.aborted) return;
          failed[i] = (e as Error).message;
          finish(i, `${ckpt.layers[i].name} failed`);
        },
      );
      const tracked: Promise<void> = p.finally(() => inflight.delete(tracked));
      inflight.add(tracked);
      if (inflight.size >= 2 * pool.threads) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
  if (hooks.signal?.aborted) {
    if (!hooks.partialOnCancel) throw new CancelledError();
    cancelled = true;
  }
  timings.layers = performance.now() - t;
  t = performance.now();
  const workerTimings = new Map<number, { thread: number; layers: number; ms: number; phases: Record<string, number> }>();
  for (const r of results) {
    if (!r?.profile) continue;
    let w = workerTimings.get(r.profile.thread);
    if (!w) workerTimings.set(r.profile.thread, (w = { thread: r.profile.thread, layers: 0, ms: 0, phases: {} }));
    w.layers++;
    w.ms += r.ms;
    addProfile(w.phases, r.profile.phases);
  }
  for (const w of workerTimings.values()) for (const [k, v] of Object.entries(w.phases)) timings[`spectra.${k}`] = (timings[`spectra.${k}`] ?? 0) + v;

  // Per-layer report entries and the quantities the aggregate measures combine.
  const layerReports: LayerReport[] = [];
  const quantities: LayerQuantities[] = [];
  let parameters = 0;
  const counted = new Set<string>();
  const notMeasured: string[] = [];
  ckpt.layers.forEach((layer, i) => {
    const r = results[i] ?? unmeasured(i, failed[i] ? `not measured: ${failed[i]}` : 'not measured: the analysis was cancelled before this layer');
    if (!results[i]) notMeasured.push(layer.name);
    const biasParams = layer.bias && !counted.has(layer.bias.name) ? layer.bias.size : 0;
    const weightParams = counted.has(`${layer.weight.name}|${layer.part ?? ''}`) ? 0 : layer.matrixShape[0] * layer.matrixShape[1];
    counted.add(`${layer.weight.name}|${layer.part ?? ''}`);
    if (layer.bias) counted.add(layer.bias.name);
    parameters += weightParams + biasParams;
    const c = layer.conv;
    const notes = mergeNotes(r.notes, layer.notes);
    layerReports.push({
      name: layer.name, op: layer.op, node: layer.node, module: layer.module, ...(layer.part ? { part: layer.part } : {}),
      ...(layer.graph ? { graph: layer.graph } : {}),
      role: layer.role, dtype: layer.weight.dtype, shape: [...layer.shape], matrixShape: [layer.matrixShape[0], layer.matrixShape[1]],
      parameters: weightParams + biasParams, metrics: r.metrics,
      ...(Object.keys(notes).length ? { notes } : {}),
      ...(r.flags.length ? { flags: r.flags } : {}),
      ...(c ? { conv: { kernel: c.kernel, group: c.group, strides: c.strides, pads: c.pads, dilations: c.dilations, inputSpatial: c.inputSpatial } } : {}),
      ...(folded[i] ? { foldedBatchNorm: folded[i] } : {}),
      ...(r.esd ? { esd: r.esd } : {}),
      ...(r.esdNote ? { esdNote: r.esdNote } : {}),
    });
    if (!results[i]) return;
    quantities.push({
      name: layer.name, params: weightParams, biasParams, rows: layer.matrixShape[0], cols: layer.matrixShape[1],
      fro: r.quantities.fro, spec: r.quantities.spec, l21: r.quantities.l21,
      ...(r.quantities.froDist !== undefined ? { froDist: r.quantities.froDist, specDist: r.quantities.specDist, l21Dist: r.quantities.l21Dist } : {}),
      alpha: r.metrics.alpha, alphaWeighted: r.metrics.alphaWeighted, logNorm: r.metrics.logNorm,
      logSpectralNorm: r.metrics.logSpectralNorm, logAlphaNorm: r.metrics.logAlphaNorm, stableRank: r.metrics.stableRank,
      mpSoftrank: r.metrics.mpSoftrank, entropy: r.metrics.entropy,
    });
  });
  if (folded.some(Boolean)) warnings.push('BatchNormalization folded into the preceding layer before measuring (as Jiang et al. 2020 do)');
  const nonFinite = layerReports.filter((l) => l.flags?.some((f) => f.id === 'nonFinite'));
  if (nonFinite.length) warnings.push(`non-finite weights in ${nonFinite.map((l) => l.name).join(', ')}: their metrics are left out and aggregates over all layers are not defined`);

  const have = new Set<Need>(['weights']);
  const why: Partial<Record<Need, string>> = {};
  const failedNames = ckpt.layers.filter((_, i) => failed[i]).map((l) => l.name);
  if (failedNames.length) warnings.push(`${failedNames.length} layer(s) could not be measured (${failedNames.slice(0, 3).join(', ')}${failedNames.length > 3 ? ', …' : ''}): see their notes; the other layers are measured`);
  if (cancelled) warnings.push(`cancelled after ${done} of ${total} layers: this report is partial`);
  if (notMeasured.length) {
    have.delete('weights');
    why.weights = cancelled
      ? `the analysis was cancelled after ${done} of ${total} layers: aggregates over all layers are not defined`
      : `${notMeasured.length} layer(s) could not be measured: aggregates over all layers are not defined`;
  }
  const hasInit = !!init && quantities.length > 0 && quantities.every((q) => q.froDist !== undefined);
  if (hasInit) have.add('init');
  else if (init) why.init = 'the init checkpoint does not match every layer (see warnings)';
  if (ckpt.layers.length === 0) {
    have.delete('weights');
    delete why.weights;
    warnings.push(reader.supports.rolesFromNames
      ? 'no weight matrices found (no 2-D to 5-D float .weight tensors; map names with a roles file): nothing to measure'
      : 'no weight layers found (Gemm, MatMul, Conv, ConvTranspose, Gather, LSTM, GRU, RNN, Attention): nothing to measure');
  }

  const ctx: MeasureContext = { layers: quantities, params: parameters, depth: quantities.length, hasInit };
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'theory-lens', version: VERSION },
    createdAt: new Date().toISOString(),
    elapsedMs: 0,
    settings: {
      precision: o.precision, convExact: o.convExact, convWeightWatcher: o.convWeightWatcher, foldBatchNorm: o.foldBatchNorm,
      seed: o.seed, delta: options.delta ?? DEFAULTS.delta, mcDraws: options.mcDraws ?? DEFAULTS.mcDraws,
      provider: options.provider ?? 'auto', threads: poolThreads, randomize: o.randomize,
      ...(options.inputShapes && Object.keys(options.inputShapes).length ? { inputShapes: formatInputShapes(options.inputShapes) } : {}),
    },
    model: {
      path: ckpt.path, fileName: basename(ckpt.path), format: reader.id, ...(ckpt.metadata ? { metadata: { ...ckpt.metadata } } : {}), fileSize: ckpt.fileSize, producer: ckpt.producer, producerVersion: ckpt.producerVersion,
      opset: ckpt.opset, irVersion: ckpt.irVersion, parameters, storedParameters: ckpt.storedParameters, layerCount: ckpt.layers.length,
      inputs: ckpt.inputs.map((v) => ({ name: v.name, shape: v.shape ?? [], dtype: v.dtype ?? 'unknown' })),
      ...(ckpt.graphs.length > 1 ? { graphs: graphSummaries(ckpt, layerReports) } : {}),
      outputs: ckpt.outputs.map((v) => ({ name: v.name, shape: v.shape ?? [], dtype: v.dtype ?? 'unknown' })),
    },
    ...(init ? { init: { path: init.path, matchedLayers: initMatch.filter(Boolean).length } } : {}),
    metricInfo: METRIC_INFO,
    layers: layerReports,
    measures: {},
    bounds: [],
    warnings,
    timings,
    ...(workerTimings.size ? { workerTimings: [...workerTimings.values()].sort((a, b) => a.thread - b.thread) } : {}),
  };
  timings.assemble = performance.now() - t;
  if (options.trainSize !== undefined) report.trainSize = options.trainSize;
  if (cancelled || notMeasured.length) report.partial = { measuredLayers: total - notMeasured.length, totalLayers: total, cancelled };

  // Forward passes on probe data.
  if (cancelled && options.data) {
    why.data = 'the analysis was cancelled before the forward passes';
  } else if (options.data && !options.weightsOnly && !reader.supports.forward) {
    why.data = `${reader.name} checkpoints hold weights only: ${reader.forwardHint}`;
    warnings.push(why.data);
  } else if (options.data && !options.weightsOnly) {
    await runForward(report, ckpt, init, quantities, options, hooks, have, why, ctx);
  } else if (options.data) {
    why.data = 'forward passes were switched off (weights only)';
  }
  if (options.trainSize !== undefined && options.trainSize > 0) have.add('trainSize');

  t = performance.now();
  progress({ phase: 'aggregate', done: 0, total: 1, message: 'aggregate measures' });
  report.measures = evaluateMeasures(ctx, { have, why });
  timings.aggregate = performance.now() - t;
  report.elapsedMs = performance.now() - t0;
  progress({ phase: 'done', done: 1, total: 1, message: `done in ${(report.elapsedMs / 1000).toFixed(2)} s` });
  return report;
}

/** `name=1,3,640,640 other=1,16` (the --input-shape syntax, one per input, space-separated) for settings. */
export function formatInputShapes(shapes: Record<string, readonly number[]>): string {
  return Object.entries(shapes).map(([k, v]) => `${k}=${v.join(',')}`).join(' ');
}

/** The reader's notes on a layer (chains, shared uses) joined with the measures' notes, key by key. */
function mergeNotes(measured: Record<string, string>, reader: Readonly<Record<string, string>>): Record<string, string> {
  const out = { ...measured };
  for (const [k, v] of Object.entries(reader)) out[k] = out[k] && out[k] !== v ? `${v}; ${out[k]}` : v;
  return out;
}

/** Parameters per graph: stored, and measured (weights + biases of its layers). */
function graphSummaries(ckpt: Checkpoint, layers: readonly LayerReport[]): NonNullable<Report['model']['graphs']> {
  return ckpt.graphs.map((g) => {
    const mine = layers.filter((l) => (l.graph ?? '') === g.path);
    return { path: g.path, storedParameters: g.storedParameters, parameters: mine.reduce((s, l) => s + l.parameters, 0), layerCount: mine.length };
  });
}

async function runForward(
  report: Report, ckpt: Checkpoint, init: Checkpoint | null, quantities: LayerQuantities[], options: AnalyzeOptions,
  hooks: AnalyzeHooks, have: Set<Need>, why: Partial<Record<Need, string>>, ctx: MeasureContext,
): Promise<void> {
  const t = performance.now();
  try {
    const { runForwardAnalysis } = await import('./forward');
    const f = await runForwardAnalysis(ckpt, init, quantities, options, hooks);
    report.runtime = f.runtime;
    report.data = f.data;
    if (f.testData) report.testData = f.testData;
    report.bounds = f.bounds;
    if (f.heldOut) report.heldOut = f.heldOut;
    report.margins = f.margins;
    if (f.landscape) report.landscape = f.landscape;
    report.warnings.push(...f.warnings);
    Object.assign(report.timings!, f.timings);
    ctx.data = f.quantities;
    have.add('data');
    have.add('runtime');
    if (f.testData) have.add('testData');
  } catch (e) {
    if (e instanceof CancelledError || hooks.signal?.aborted) throw new CancelledError();
    const message = (e as Error).message;
    report.runtime = { provider: null, error: message };
    report.warnings.push(`forward passes failed: ${message} — the weight-only measures above are unaffected`);
    why.data = `forward passes failed: ${message}`;
    why.runtime = `onnxruntime: ${message}`;
  }
  report.timings!.forward = performance.now() - t;
}
