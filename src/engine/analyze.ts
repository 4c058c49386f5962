// The whole analysis as a pipeline: read → plan layer tasks → measure them on the pool → forward phases
// → assembleReport. Each phase returns values; the report is built only by the pure assembleReport,
// once after the weight-only phase (a partial report, so views can show weight numbers at once), after
// each forward phase, and at the end. Runs wherever blocking is fine (the CLI's main thread, or the
// analysis worker the extension starts); per-layer spectra go to a worker pool; forward passes
// (onnxruntime) run on this thread.
import { basename } from 'node:path';
import { DEFAULTS } from '../defaults';
import { loadCheckpoint, readerById } from '../checkpoint/readers';
import { loadRoleRules } from '../checkpoint/roles';
import type { Checkpoint, Layer } from '../onnx/types';
import { SCHEMA_VERSION, type LayerReport, type Need, type Report } from '../protocol/report';
import type { AnalyzeOptions, Progress } from '../protocol/worker';
import { CancelledError } from '../protocol/cancelled';
import type { ForwardResult } from './forward';
import { FORWARD_PHASES } from './forward/phases';
import { foldBatchNorm } from './layers/foldBatchNorm';
import { transposeInto } from '../input/transpose';
import type { LayerResult, LayerTask, LayerTaskOptions } from './layers/measureLayer';
import { METRIC_INFO } from './layers/metricInfo';
import { probeWarning } from '../report/probeSanity';
import { evaluateMeasures } from './measures/registry';
import type { LayerQuantities, MeasureContext } from './measures/types';
import { acquirePool, defaultThreads, releasePool, type LayerPool } from './pool';
import { addProfile } from './kernels/profile';
import { VERSION } from './version';

export interface AnalyzeHooks {
  progress?(p: Progress): void;
  signal?: AbortSignal;
  /**
   * A complete, schema-valid report before the analysis ends: after the weight-only phase and after
   * each forward phase, with `partial.pending` listing the phases still to come. Only called when
   * forward passes run (otherwise the final report follows the weight phase at once).
   */
  partial?(report: Report): void;
  /** On cancel during the layers, return the report of the layers measured so far (marked `partial`) instead of throwing. */
  partialOnCancel?: boolean;
}

/** The result of a layer that was not measured (failed to read or measure, or cancelled before it). */
function unmeasured(index: number, why: string): LayerResult {
  return { index, metrics: {}, notes: { '*': why }, flags: [{ id: 'notMeasured', severity: 'warning', message: why }], quantities: { fro: NaN, spec: NaN, l21: NaN }, ms: 0 };
}

/** AnalyzeOptions with every default filled in (src/defaults.ts). */
export type ResolvedOptions = AnalyzeOptions & {
  [K in 'provider' | 'precision' | 'convExact' | 'convWeightWatcher' | 'foldBatchNorm' | 'randomize' | 'randomizeExact' | 'seed' | 'delta' | 'mcDraws' | 'landscapePoints' | 'esdMaxPoints' | 'weightsOnly']-?: NonNullable<AnalyzeOptions[K]>;
};

export function resolveOptions(options: AnalyzeOptions): ResolvedOptions {
  const d = DEFAULTS;
  return {
    ...options,
    provider: options.provider ?? d.provider, precision: options.precision ?? d.precision, convExact: options.convExact ?? d.convExact,
    convWeightWatcher: options.convWeightWatcher ?? d.convWeightWatcher, foldBatchNorm: options.foldBatchNorm ?? d.foldBatchNorm,
    randomize: options.randomize ?? d.randomize, randomizeExact: options.randomizeExact ?? d.randomizeExact, seed: options.seed ?? d.seed, delta: options.delta ?? d.delta, mcDraws: options.mcDraws ?? d.mcDraws,
    landscapePoints: options.landscapePoints ?? d.landscapePoints, esdMaxPoints: options.esdMaxPoints ?? d.esdMaxPoints, weightsOnly: options.weightsOnly ?? d.weightsOnly,
  };
}

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

// ── phase 1: read ────────────────────────────────────────────────────────────────────────────────

export interface ReadPhase {
  ckpt: Checkpoint;
  init: Checkpoint | null;
  /** The init layer matched to each layer (null: none). */
  initMatch: (Layer | null)[];
  /** The reader that read the file (what it supports: forward passes, roles from names). */
  reader: ReturnType<typeof readerById>;
  ms: number;
}

async function readPhase(o: ResolvedOptions, say: (p: Progress) => void): Promise<ReadPhase> {
  const t = performance.now();
  say({ phase: 'read', done: 0, total: 1, message: `reading ${basename(o.model)}` });
  const rules = o.roles ? loadRoleRules(o.roles) : [];
  const ckpt = await loadCheckpoint(o.model, { rules, ...(o.inputShapes ? { inputShapes: o.inputShapes } : {}) });
  const init = o.init ? await loadCheckpoint(o.init, { rules }) : null;
  const initMatch = init ? matchInitLayers(ckpt.layers, init) : ckpt.layers.map(() => null);
  return { ckpt, init, initMatch, reader: readerById(ckpt.format), ms: performance.now() - t };
}

// ── phase 2: plan the layer tasks ────────────────────────────────────────────────────────────────

export interface PlannedTask {
  task: LayerTask;
  /** The BatchNormalization node folded into this layer. */
  folded?: string;
  warning?: string;
}

/**
 * The task of layer `index`: its float32 matrix (BatchNorm folded), its init's, its conv geometry.
 * Creates the float copy, or with `spans` (a pool worker will measure it) only says where the stored
 * values lie in the file when they are one contiguous span, for the worker to read.
 */
export function planTask(read: ReadPhase, o: ResolvedOptions, index: number, spans = false): PlannedTask {
  const layer = read.ckpt.layers[index];
  const initLayer = read.initMatch[index];
  const options: LayerTaskOptions = {
    precision: o.precision, convExact: o.convExact, convWeightWatcher: o.convWeightWatcher,
    randomize: o.randomize, randomizeExact: o.randomizeExact, seed: o.seed, esdMaxPoints: o.esdMaxPoints, maxFullSpectrum: DEFAULTS.maxFullSpectrum,
  };
  const fold = o.foldBatchNorm && !!layer.batchNorm;
  // The matrix as stored (Wᵀ for MatMul weights and embedding tables) where no metric needs W's own
  // layout: the full-matrix transposition is skipped (the Gram of the short side is the same product).
  // Conv kernels (their exact spectra) and folded BatchNorm (scales W's rows) need [out, in].
  const stored = !layer.conv && !fold;
  const span = spans && stored ? layer.storedSpan?.() : null;
  const initSpan = span && initLayer ? initLayer.storedSpan?.() : null;
  if (span && (!initLayer || (initSpan && initSpan.transposed === span.transposed && initSpan.span.count === span.span.count))) {
    return {
      task: {
        index, name: layer.name, matrix: new Float32Array(0), rows: layer.matrixShape[0], cols: layer.matrixShape[1],
        ...(span.transposed ? { transposed: true } : {}), source: span.span, ...(initSpan ? { initSource: initSpan.span } : {}), options,
      },
    };
  }
  const view = stored && layer.storedMatrix ? layer.storedMatrix() : { data: layer.matrix('float32'), transposed: false };
  let matrix = view.data;
  let transposed = view.transposed;
  let initMatrix: Float32Array | undefined;
  if (initLayer) {
    const iv = transposed && initLayer.storedMatrix ? initLayer.storedMatrix() : null;
    if (iv && iv.transposed) initMatrix = iv.data;
    else {
      initMatrix = initLayer.matrix('float32');
      if (transposed) {
        // the init is not stored the same way round: bring W to [out, in] as well
        const [r, c] = layer.matrixShape;
        const w = new Float32Array(r * c);
        transposeInto(matrix, c, r, w);
        matrix = w;
        transposed = false;
      }
    }
  }
  let folded: string | undefined;
  let warning: string | undefined;
  if (fold && layer.batchNorm) {
    const f = foldBatchNorm(layer, matrix);
    if (f.ok) {
      matrix = f.matrix;
      folded = layer.batchNorm.node;
      if (initMatrix && initLayer?.batchNorm) {
        const fi = foldBatchNorm(initLayer, initMatrix);
        if (fi.ok) initMatrix = fi.matrix;
      }
    } else warning = `${layer.name}: BatchNorm ${layer.batchNorm.node} not folded: ${f.reason}`;
  }
  const c = layer.conv;
  const task: LayerTask = {
    index, name: layer.name, matrix, rows: layer.matrixShape[0], cols: layer.matrixShape[1],
    ...(transposed ? { transposed } : {}),
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
    options,
  };
  return { task, ...(folded ? { folded } : {}), ...(warning ? { warning } : {}) };
}

// ── phase 3: measure every layer on the pool ─────────────────────────────────────────────────────

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

export interface LayersPhase {
  /** Per layer: its result, or undefined when it was not measured (see failed, cancelled). */
  results: (LayerResult | undefined)[];
  /** Why a layer could not be read or measured (the others still are). */
  failed: (string | undefined)[];
  /** Cancelled during the layers with partialOnCancel: the layers measured so far. */
  cancelled: boolean;
  done: number;
  folded: (string | undefined)[];
  warnings: string[];
  /** Threads the pool really used (read before it closed). */
  threads: number;
  ms: number;
  /** Time spent creating the layers' float copies (reading, converting, folding BatchNorm), ms. */
  convertMs: number;
}

async function layersPhase(read: ReadPhase, o: ResolvedOptions, hooks: AnalyzeHooks, started: LayerPool | null = null): Promise<LayersPhase> {
  const t = performance.now();
  const layers = read.ckpt.layers;
  const total = layers.length;
  // the pool started while the file was read; or the one kept from the last analysis (or warmed before
  // the first) when the extension keeps one
  const pool = started ?? acquirePool(Math.min(o.threads ?? defaultThreads(), Math.max(1, total)));
  const threads = pool.threads;
  const results: (LayerResult | undefined)[] = new Array(total);
  const failed: (string | undefined)[] = new Array(total);
  const folded: (string | undefined)[] = new Array(total);
  const warnings: string[] = [];
  const big = bigLayers(layers, threads);
  let convertMs = 0;
  let done = 0;
  // ETA: elapsed time per unit of estimated work (rows·cols·min(rows, cols, full-spectrum limit)) so far.
  const work = layers.map((l) => l.matrixShape[0] * l.matrixShape[1] * Math.min(l.matrixShape[0], l.matrixShape[1], DEFAULTS.maxFullSpectrum) + 1);
  const totalWork = work.reduce((a, b) => a + b, 0);
  let doneWork = 0;
  const finish = (i: number, what: string, r?: LayerResult) => {
    done++;
    doneWork += work[i];
    const elapsed = performance.now() - t;
    const etaMs = doneWork < totalWork ? Math.round((elapsed / doneWork) * (totalWork - doneWork)) : 0;
    const own = r ? { layerMs: Math.round(r.ms), ...(r.profile ? { layerPhases: Object.fromEntries(Object.entries(r.profile.phases).map(([k, v]) => [k, Math.round(v)])) } : {}) } : {};
    hooks.progress?.({ phase: 'layers', done, total, layer: layers[i].name, etaMs, ...own, message: `${what} (${done}/${total})` });
  };
  hooks.progress?.({ phase: 'layers', done: 0, total, message: `measuring ${total} layers on ${threads} thread(s)` });
  const onAbort = () => void pool.close();
  hooks.signal?.addEventListener('abort', onAbort);
  // Keep at most 2 tasks per thread in flight so at most that many float copies exist at once. Every
  // tracked promise handles its rejection: a layer that fails is recorded and the others go on; closing
  // the pool on cancel rejects the ones in flight as cancelled, which is not an error.
  const inflight = new Set<Promise<void>>();
  try {
    for (const i of schedule(layers, threads)) {
      if (hooks.signal?.aborted) break;
      let planned: PlannedTask;
      const tc = performance.now();
      try {
        planned = planTask(read, o, i, !pool.inline);
      } catch (e) {
        // One unreadable layer (a truncated span, a dtype lie found on read) leaves the others measured.
        failed[i] = (e as Error).message;
        finish(i, `${layers[i].name} failed`);
        continue;
      } finally {
        convertMs += performance.now() - tc;
      }
      if (big.has(i)) planned.task.gramThreads = threads;
      if (planned.folded) folded[i] = planned.folded;
      if (planned.warning) warnings.push(planned.warning);
      const tracked: Promise<void> = pool.run(planned.task).then(
        (r) => {
          results[i] = r;
          finish(i, layers[i].name, r);
        },
        (e) => {
          if (e instanceof CancelledError || hooks.signal?.aborted) return;
          failed[i] = (e as Error).message;
          finish(i, `${layers[i].name} failed`);
        },
      ).finally(() => inflight.delete(tracked));
      inflight.add(tracked);
      if (inflight.size >= 2 * threads) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    // closed when cancelled (onAbort); else kept for the next analysis, or closed
    await releasePool(pool);
  }
  let cancelled = false;
  if (hooks.signal?.aborted) {
    if (!hooks.partialOnCancel) throw new CancelledError();
    cancelled = true;
  }
  return { results, failed, cancelled, done, folded, warnings, threads, ms: performance.now() - t, convertMs };
}

// ── phase 4: forward passes ──────────────────────────────────────────────────────────────────────

export interface ForwardPhase {
  result?: ForwardResult;
  /** The forward analysis could not start (probe, model or first pass failed): the message. */
  error?: string;
  ms: number;
}

// ── the pure assembly ────────────────────────────────────────────────────────────────────────────

/** Per-layer quantities the aggregate measures and bounds combine, and the measured parameter count. */
export function weightQuantities(ckpt: Checkpoint, results: readonly (LayerResult | undefined)[]): { quantities: LayerQuantities[]; parameters: number[] } {
  const quantities: LayerQuantities[] = [];
  const parameters: number[] = [];
  const counted = new Set<string>();
  ckpt.layers.forEach((layer, i) => {
    const r = results[i];
    const key = `${layer.weight.name}|${layer.part ?? ''}`;
    const biasParams = layer.bias && !counted.has(layer.bias.name) ? layer.bias.size : 0;
    const weightParams = counted.has(key) ? 0 : layer.matrixShape[0] * layer.matrixShape[1];
    counted.add(key);
    if (layer.bias) counted.add(layer.bias.name);
    parameters.push(weightParams + biasParams);
    if (!r) return; // not measured: no quantities (aggregates over all layers are then left out)
    quantities.push({
      name: layer.name, params: weightParams, biasParams, rows: layer.matrixShape[0], cols: layer.matrixShape[1],
      fro: r.quantities.fro, spec: r.quantities.spec, l21: r.quantities.l21,
      ...(r.quantities.froDist !== undefined ? { froDist: r.quantities.froDist, specDist: r.quantities.specDist, l21Dist: r.quantities.l21Dist } : {}),
      metrics: r.metrics,
    });
  });
  return { quantities, parameters };
}

/** One warning for every metric that threw on some layer: which metric, on which layers, and the first error. */
export function metricFailureWarning(layers: readonly Pick<Layer, 'name'>[], results: readonly (LayerResult | undefined)[]): string | null {
  const byMetric = new Map<string, { layers: string[]; message: string }>();
  results.forEach((r, i) => {
    for (const [id, message] of Object.entries(r?.errors ?? {})) {
      const e = byMetric.get(id) ?? { layers: [], message };
      e.layers.push(layers[i].name);
      byMetric.set(id, e);
    }
  });
  if (!byMetric.size) return null;
  const parts = [...byMetric].map(([id, e]) => `${id} on ${e.layers.length > 3 ? `${e.layers.slice(0, 3).join(', ')} and ${e.layers.length - 3} more` : e.layers.join(', ')} (${e.message})`);
  return `some metrics could not be computed and are left null (see the layers' notes): ${parts.join('; ')}`;
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

export interface ReportInputs {
  options: ResolvedOptions;
  read: ReadPhase;
  layers: LayersPhase;
  /** Absent: no forward passes (no data, or weights only). */
  forward?: ForwardPhase;
  /** Forward phases still to come (a partial report), or empty. */
  pending: readonly string[];
  createdAt: string;
  elapsedMs: number;
}

/** The report from the phases' values. Pure: same inputs, same report; no input is modified. */
export function assembleReport(x: ReportInputs): Report {
  const { options: o, read, layers } = x;
  const { ckpt, init, initMatch } = read;
  const warnings: string[] = [...ckpt.warnings, ...(init ? init.warnings.map((w) => `init: ${w}`) : [])];
  if (init) {
    const missing = ckpt.layers.filter((_, i) => !initMatch[i]).map((l) => l.name);
    if (missing.length) warnings.push(`no matching layer in the init checkpoint for: ${missing.join(', ')} (distances to init are left out for them)`);
  }
  warnings.push(...layers.warnings);
  const { quantities, parameters } = weightQuantities(ckpt, layers.results);
  const notMeasured: string[] = [];
  const layerReports: LayerReport[] = ckpt.layers.map((layer, i) => {
    const f = layers.failed[i];
    const r = layers.results[i] ?? unmeasured(i, f ? `not measured: ${f}` : 'not measured: the analysis was cancelled before this layer');
    if (!layers.results[i]) notMeasured.push(layer.name);
    const c = layer.conv;
    const notes = mergeNotes(r.notes, layer.notes);
    return {
      name: layer.name, op: layer.op, node: layer.node, module: layer.module, ...(layer.part ? { part: layer.part } : {}),
      ...(layer.graph ? { graph: layer.graph } : {}),
      role: layer.role, dtype: layer.weight.dtype, shape: [...layer.shape], matrixShape: [layer.matrixShape[0], layer.matrixShape[1]],
      parameters: parameters[i], metrics: { ...r.metrics },
      ...(Object.keys(notes).length ? { notes } : {}),
      ...(r.flags.length ? { flags: r.flags.map((f) => ({ ...f })) } : {}),
      ...(c ? { conv: { kernel: c.kernel, group: c.group, strides: c.strides, pads: c.pads, dilations: c.dilations, inputSpatial: c.inputSpatial } } : {}),
      ...(layers.folded[i] ? { foldedBatchNorm: layers.folded[i] } : {}),
      ...(r.esd ? { esd: r.esd } : {}),
      ...(r.esdNote ? { esdNote: r.esdNote } : {}),
    };
  });
  const failed = metricFailureWarning(ckpt.layers, layers.results);
  if (failed) warnings.push(failed);
  if (layers.folded.some(Boolean)) warnings.push('BatchNormalization folded into the preceding layer before measuring (as Jiang et al. 2020 do)');
  const nonFinite = layerReports.filter((l) => l.flags?.some((f) => f.id === 'nonFinite'));
  if (nonFinite.length) warnings.push(`non-finite weights in ${nonFinite.map((l) => l.name).join(', ')}: their metrics are left out and aggregates over all layers are not defined`);

  const have = new Set<Need>(['weights']);
  const why: Partial<Record<Need, string>> = {};
  const total = ckpt.layers.length;
  const failedNames = ckpt.layers.filter((_, i) => layers.failed[i]).map((l) => l.name);
  if (failedNames.length) warnings.push(`${failedNames.length} layer(s) could not be measured (${failedNames.slice(0, 3).join(', ')}${failedNames.length > 3 ? ', …' : ''}): see their notes; the other layers are measured`);
  if (layers.cancelled) warnings.push(`cancelled after ${layers.done} of ${total} layers: this report is partial`);
  if (notMeasured.length) {
    have.delete('weights');
    why.weights = layers.cancelled
      ? `the analysis was cancelled after ${layers.done} of ${total} layers: aggregates over all layers are not defined`
      : `${notMeasured.length} layer(s) could not be measured: aggregates over all layers are not defined`;
  }
  const hasInit = !!init && quantities.length > 0 && quantities.every((q) => q.froDist !== undefined);
  if (hasInit) have.add('init');
  else if (init) why.init = 'the init checkpoint does not match every layer (see warnings)';
  if (ckpt.layers.length === 0) {
    have.delete('weights');
    delete why.weights;
    warnings.push(read.reader.supports.rolesFromNames
      ? 'no weight matrices found (no 2-D to 5-D float .weight tensors; map names with a roles file): nothing to measure'
      : 'no weight layers found (Gemm, MatMul, Conv, ConvTranspose, Gather, LSTM, GRU, RNN, Attention): nothing to measure');
  }
  const parameterCount = parameters.reduce((a, b) => a + b, 0);
  const ctx: MeasureContext = { layers: quantities, params: parameterCount, depth: quantities.length, hasInit };

  const timings: Record<string, number> = { read: read.ms, layers: layers.ms, convert: layers.convertMs };
  const workerTimings = new Map<number, { thread: number; layers: number; ms: number; phases: Record<string, number> }>();
  for (const r of layers.results) {
    if (!r?.profile) continue;
    let w = workerTimings.get(r.profile.thread);
    if (!w) workerTimings.set(r.profile.thread, (w = { thread: r.profile.thread, layers: 0, ms: 0, phases: {} }));
    w.layers++;
    w.ms += r.ms;
    addProfile(w.phases, r.profile.phases);
  }
  for (const w of workerTimings.values()) for (const [k, v] of Object.entries(w.phases)) timings[`spectra.${k}`] = (timings[`spectra.${k}`] ?? 0) + v;
  const f = x.forward;
  const fr = f?.result;
  const extra: Partial<Report> = {};
  if (x.pending.length && !fr) {
    const pending = `pending: forward passes (${x.pending.join(', ')}) are still running`;
    for (const n of ['data', 'runtime', ...(o.testData ? ['testData' as const] : [])] as Need[]) why[n] = pending;
  } else if (f && !fr) {
    const message = f.error ?? 'unknown error';
    extra.runtime = { provider: null, error: message };
    warnings.push(`forward passes failed: ${message} — the weight-only measures above are unaffected`);
    why.data = `forward passes failed: ${message}`;
    why.runtime = `onnxruntime: ${message}`;
  } else if (fr) {
    extra.runtime = fr.runtime;
    extra.data = fr.data;
    if (fr.testData) extra.testData = fr.testData;
    extra.bounds = fr.bounds;
    if (fr.heldOut) extra.heldOut = fr.heldOut;
    extra.margins = fr.margins;
    if (fr.landscape) extra.landscape = fr.landscape;
    warnings.push(...fr.warnings);
    Object.assign(timings, fr.timings);
    ctx.data = fr.quantities;
    have.add('runtime');
    if (fr.testData) have.add('testData');
    if (x.pending.length) why.data = `pending: forward phases ${x.pending.join(', ')} are still running`;
    else if (fr.failed) why.data = `forward phase '${fr.failed.phase}' failed: ${fr.failed.message}`;
    else have.add('data');
  } else if (layers.cancelled && o.data) {
    why.data = 'the analysis was cancelled before the forward passes';
  } else if (o.data && !o.weightsOnly && !read.reader.supports.forward) {
    why.data = `${read.reader.name} checkpoints hold weights only: ${read.reader.forwardHint}`;
    warnings.push(why.data);
  } else if (o.data && o.weightsOnly) {
    why.data = 'forward passes were switched off (weights only)';
  }
  if (f) timings.forward = f.ms;
  if (o.trainSize !== undefined && o.trainSize > 0) have.add('trainSize');

  // Data measures on partial forward results: those whose quantities exist are computed; the rest say why.
  const measures = evaluateMeasures(ctx, { have: fr && !have.has('data') ? new Set([...have, 'data' as Need]) : have, why });
  if (fr && !have.has('data')) {
    for (const m of Object.values(measures)) if (m.value === null && m.reason?.startsWith('not defined')) m.reason = why.data;
  }

  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'theory-lens', version: VERSION },
    createdAt: x.createdAt,
    elapsedMs: x.elapsedMs,
    settings: {
      precision: o.precision, convExact: o.convExact, convWeightWatcher: o.convWeightWatcher, foldBatchNorm: o.foldBatchNorm,
      seed: o.seed, delta: o.delta, mcDraws: o.mcDraws, provider: o.provider, threads: layers.threads, randomize: o.randomize, randomizeExact: o.randomizeExact,
      ...(o.inputShapes && Object.keys(o.inputShapes).length ? { inputShapes: formatInputShapes(o.inputShapes) } : {}),
    },
    model: {
      path: ckpt.path, fileName: basename(ckpt.path), format: read.reader.id, ...(ckpt.metadata ? { metadata: { ...ckpt.metadata } } : {}), fileSize: ckpt.fileSize, producer: ckpt.producer, producerVersion: ckpt.producerVersion,
      opset: ckpt.opset, irVersion: ckpt.irVersion, parameters: parameterCount, storedParameters: ckpt.storedParameters, layerCount: ckpt.layers.length,
      inputs: ckpt.inputs.map((v) => ({ name: v.name, shape: v.shape ?? [], dtype: v.dtype ?? 'unknown' })),
      ...(ckpt.graphs.length > 1 ? { graphs: graphSummaries(ckpt, layerReports) } : {}),
      outputs: ckpt.outputs.map((v) => ({ name: v.name, shape: v.shape ?? [], dtype: v.dtype ?? 'unknown' })),
    },
    ...(init ? { init: { path: init.path, matchedLayers: initMatch.filter(Boolean).length } } : {}),
    ...(o.trainSize !== undefined ? { trainSize: o.trainSize } : {}),
    ...(extra.data ? { data: extra.data } : {}),
    ...(extra.testData ? { testData: extra.testData } : {}),
    ...(extra.runtime ? { runtime: extra.runtime } : {}),
    metricInfo: METRIC_INFO,
    layers: layerReports,
    measures,
    bounds: extra.bounds ?? [],
    ...(extra.heldOut ? { heldOut: extra.heldOut } : {}),
    ...(extra.margins ? { margins: extra.margins } : {}),
    ...(extra.landscape ? { landscape: extra.landscape } : {}),
    warnings,
    timings,
    ...(workerTimings.size ? { workerTimings: [...workerTimings.values()].sort((a, b) => a.thread - b.thread) } : {}),
    ...(x.pending.length || layers.cancelled || notMeasured.length
      ? { partial: { measuredLayers: total - notMeasured.length, totalLayers: total, cancelled: layers.cancelled, ...(x.pending.length ? { pending: [...x.pending] } : {}) } }
      : {}),
  };
  // A training probe the model mostly gets wrong likely carries other labels than it was trained on.
  const probe = probeWarning(report);
  if (probe) report.warnings.push(probe);
  return report;
}

// ── the pipeline ─────────────────────────────────────────────────────────────────────────────────

export async function analyze(options: AnalyzeOptions, hooks: AnalyzeHooks = {}): Promise<Report> {
  const t0 = performance.now();
  const createdAt = new Date().toISOString();
  const o = resolveOptions(options);
  const say = (p: Progress) => hooks.progress?.(p);

  // The layer pool's workers start now (a thread, onnxruntime and the WebAssembly kernels each: a few
  // hundred ms on a small machine) and warm up while this thread reads the file.
  const threads = o.threads ?? defaultThreads();
  const started = threads > 1 ? acquirePool(threads) : null;
  started?.warm();
  let read: ReadPhase;
  try {
    read = await readPhase(o, say);
    throwIfAborted(hooks.signal);
  } catch (e) {
    if (started) await releasePool(started);
    throw e;
  }
  const layers = await layersPhase(read, o, hooks, started);
  const runsForward = !!o.data && !o.weightsOnly && !layers.cancelled && read.reader.supports.forward;
  const report = (forward: ForwardPhase | undefined, pending: readonly string[]) =>
    assembleReport({ options: o, read, layers, forward, pending, createdAt, elapsedMs: performance.now() - t0 });

  let forward: ForwardPhase | undefined;
  let last: Report | undefined;
  if (runsForward) {
    last = report(undefined, FORWARD_PHASES);
    hooks.partial?.(last);
    const t = performance.now();
    try {
      const { runForwardAnalysis } = await import('./forward');
      const { quantities } = weightQuantities(read.ckpt, layers.results);
      const result = await runForwardAnalysis({ ckpt: read.ckpt, init: read.init, layers: quantities, options: o }, {
        progress: hooks.progress,
        signal: hooks.signal,
        phase: (r) => {
          const pending = r.failed ? [] : FORWARD_PHASES.filter((p) => !r.done.includes(p));
          if (!pending.length) return;
          last = report({ result: r, ms: performance.now() - t }, pending);
          hooks.partial?.(last);
        },
      });
      forward = { result, ms: performance.now() - t };
    } catch (e) {
      if (e instanceof CancelledError || hooks.signal?.aborted) throw new CancelledError(last);
      forward = { error: (e as Error).message, ms: performance.now() - t };
    }
  }

  const ta = performance.now();
  say({ phase: 'aggregate', done: 0, total: 1, message: 'aggregate measures' });
  const final = report(forward, []);
  final.timings!.aggregate = performance.now() - ta;
  final.timings!.assemble = final.timings!.aggregate;
  final.elapsedMs = performance.now() - t0;
  say({ phase: 'done', done: 1, total: 1, message: `done in ${(final.elapsedMs / 1000).toFixed(2)} s` });
  return final;
}
