// Every per-layer metric of one weight matrix: runs the metric registry (src/engine/metrics) on it.
// Runs in a pool worker (or inline); one layer's float copy at a time. Input and output are plain,
// transferable data.
import { threadId } from 'node:worker_threads';
import type { LayerFlag } from '../../protocol/report';
import type { Precision } from '../../protocol/worker';
import { takeProfile, timed } from '../kernels';
import { scratch } from '../kernels/scratch';
import { readSpan, type StoredSpan } from '../../input/span';
import { update } from '../metrics/init';
import { LAYER_METRICS } from '../metrics/registry';
import { entries, spectrum } from '../metrics/shared';
import { LayerContext, type LayerMetric, type MetricOutput } from '../metrics/types';

export interface LayerTaskOptions {
  precision: Precision;
  convExact: boolean;
  convWeightWatcher: boolean;
  randomize: boolean;
  /** Every eigenvalue of the shuffled matrix, not the block estimate (kernels/shuffleEstimate.ts). */
  randomizeExact: boolean;
  seed: number;
  esdMaxPoints: number;
  /** Largest short side k for which the full spectrum is computed; above it only Lanczos ‖W‖₂. */
  maxFullSpectrum: number;
}

export interface LayerTask {
  index: number;
  name: string;
  /**
   * W, row-major [rows = out, cols = in], BatchNorm already folded; or, when `transposed`, Wᵀ as stored
   * (row-major [cols, rows]: MatMul weights, embedding tables), which spectra and norms read as is.
   */
  matrix: Float32Array;
  rows: number;
  cols: number;
  /** `matrix` (and `init`) hold Wᵀ, row-major [cols, rows]; never set for conv layers. */
  transposed?: boolean;
  /**
   * Where `matrix` lies in a file (as stored: transposed as above): when set, `matrix` is sent empty and
   * the measuring thread reads it itself (a pool worker, into a buffer it reuses).
   */
  source?: StoredSpan;
  /** The same for `init`. */
  initSource?: StoredSpan;
  /** The matching initial weights, same shape and layout as `matrix` (BatchNorm of the init folded too). */
  init?: Float32Array;
  conv?: {
    cout: number;
    cinPerGroup: number;
    kernel: number[];
    group: number;
    strides: number[];
    pads: number[];
    dilations: number[];
    inputSpatial: number[] | null;
    /** Why inputSpatial is null, and how to make it known (from the reader). */
    inputSpatialReason?: string;
    transpose: boolean;
  };
  options: LayerTaskOptions;
  /** onnxruntime threads for this layer's Gram products (default: 1 in a pool worker); set for a layer too big to balance. */
  gramThreads?: number;
}

export interface LayerQuantityValues {
  fro: number;
  spec: number;
  l21: number;
  froDist?: number;
  specDist?: number;
  l21Dist?: number;
}

export interface LayerResult {
  index: number;
  metrics: Record<string, number | null>;
  notes: Record<string, string>;
  flags: LayerFlag[];
  /** Metrics whose computation threw on this layer: id → error message (the metric is null, with a note). */
  errors?: Record<string, string>;
  esd?: number[];
  esdNote?: string;
  quantities: LayerQuantityValues;
  ms: number;
  /** Where the time went (kernels/profile.ts phases, ms) and on which thread (worker_threads threadId; 0 = main). */
  profile?: { thread: number; phases: Record<string, number> };
}

/** Evenly subsampled eigenvalues for plotting, keeping the largest ones (the tail) exactly. */
function subsampleEsd(eig: Float64Array, max: number): { esd: number[]; note?: string } {
  if (eig.length <= max) return { esd: Array.from(eig) };
  const keepTop = Math.min(Math.floor(max / 4), eig.length);
  const rest = max - keepTop;
  const body = eig.length - keepTop;
  const out: number[] = [];
  for (let i = 0; i < rest; i++) out.push(eig[Math.floor((i * body) / rest)]);
  for (let i = body; i < eig.length; i++) out.push(eig[i]);
  return { esd: out, note: `${eig.length} eigenvalues; plotted: every ${(body / rest).toFixed(1)}-th of the bulk and the largest ${keepTop} exactly` };
}

/**
 * Runs every registered metric on one layer. A metric that throws becomes null with the error in the
 * layer's notes (and in `errors`, which the analysis turns into one warning); the others still run.
 */
export async function measureLayer(task: LayerTask, registry: readonly LayerMetric[] = LAYER_METRICS): Promise<LayerResult> {
  const t0 = performance.now();
  takeProfile(); // start this layer's profile afresh
  if (task.source) task.matrix = timed('read', () => readSpan(task.source!, scratch('matrix', task.source!.count)));
  if (task.initSource) task.init = timed('read', () => readSpan(task.initSource!, scratch('init', task.initSource!.count)));
  if (task.matrix.length !== task.rows * task.cols || (task.init && task.init.length !== task.matrix.length)) {
    throw new RangeError(`${task.rows}×${task.cols} layer given ${task.matrix.length} weights${task.init ? ` and ${task.init.length} initial weights` : ''}`);
  }
  const metrics: Record<string, number | null> = {};
  const errors: Record<string, string> = {};

  const ctx = new LayerContext(task);
  // one pass over the entries: non-finite counts, and the ℓ₁ / Frobenius / ℓ₂,₁ sums the norms read
  const bad = entries(ctx);
  if (bad.nan || bad.inf) {
    const note = `non-finite weights (${bad.nan} NaN, ${bad.inf} ±Inf): no metric is computed for this layer`;
    return {
      index: task.index, metrics, notes: { '*': note }, flags: [{ id: 'nonFinite', severity: 'warning', message: note }],
      quantities: { fro: NaN, spec: NaN, l21: NaN }, ms: performance.now() - t0, profile: { thread: threadId, phases: takeProfile() },
    };
  }

  const notes: Record<string, string> = {};
  for (const m of registry) {
    let out: MetricOutput;
    try {
      out = await m.compute(ctx);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      errors[m.id] = message;
      metrics[m.id] = null;
      notes[m.id] = `could not be computed: ${message}`;
      continue;
    }
    if (out === undefined) continue;
    const { value, note } = typeof out === 'number' || out === null ? { value: out, note: undefined } : out;
    metrics[m.id] = value !== null && Number.isFinite(value) ? value : null;
    if (note) notes[m.id] = note;
    else if (metrics[m.id] === null) notes[m.id] = value === null ? 'not defined for this layer' : `not finite (${value})`;
  }
  Object.assign(notes, ctx.notes);

  const result: LayerResult = {
    index: task.index, metrics, notes, flags: ctx.flags, quantities: await quantities(ctx, metrics), ms: 0,
    ...(Object.keys(errors).length ? { errors } : {}),
  };
  const eig = await spectrum(ctx).catch(() => null);
  if (eig) {
    const sub = subsampleEsd(eig, task.options.esdMaxPoints);
    if (sub.note) notes.esd = sub.note;
    if (ctx.precision !== task.options.precision) notes.precision = 'solved in float64 (small layer)';
    result.esd = sub.esd;
    if (sub.note) result.esdNote = sub.note;
  }
  result.ms = performance.now() - t0;
  result.profile = { thread: threadId, phases: takeProfile() };
  return result;
}

/** What the aggregate measures combine: ‖W‖_F, ‖W‖₂, ‖Wᵀ‖₂,₁ and, with an init, the same of W − W⁰. */
async function quantities(ctx: LayerContext, metrics: Record<string, number | null>): Promise<LayerQuantityValues> {
  const q: LayerQuantityValues = { fro: metrics.frobeniusNorm ?? NaN, spec: metrics.spectralNorm ?? NaN, l21: metrics.l21Norm ?? NaN };
  const u = await update(ctx).catch(() => null);
  return u ? { ...q, froDist: u.fro, specDist: u.spec, l21Dist: u.l21 } : q;
}
