// Every per-layer metric of one weight matrix. Runs in a pool worker (or inline); one layer's float
// copy at a time. Input and output are plain, transferable data.
import { threadId } from 'node:worker_threads';
import type { LayerFlag } from '../../protocol/report';
import type { Precision } from '../../protocol/worker';
import {
  countNonFinite,
  convSingularValues,
  convSliceEigenvalues,
  esdDistance,
  esdStats,
  fitPowerLaw,
  logAlphaNorm,
  shuffleElements,
  singularValues,
  spectralNormLanczos,
  takeProfile,
  timed,
  timedAsync,
} from '../kernels';

export interface LayerTaskOptions {
  precision: Precision;
  convExact: boolean;
  convWeightWatcher: boolean;
  randomize: boolean;
  seed: number;
  esdMaxPoints: number;
  /** Largest short side k for which the full spectrum is computed; above it only Lanczos ‖W‖₂. */
  maxFullSpectrum: number;
}

export interface LayerTask {
  index: number;
  name: string;
  /** Row-major [rows = out, cols = in], BatchNorm already folded. */
  matrix: Float32Array;
  rows: number;
  cols: number;
  /** The matching initial weights, same shape (BatchNorm of the init folded too). */
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
  esd?: number[];
  esdNote?: string;
  quantities: LayerQuantityValues;
  ms: number;
  /** Where the time went (kernels/profile.ts phases, ms) and on which thread (worker_threads threadId; 0 = main). */
  profile?: { thread: number; phases: Record<string, number> };
}

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

export async function measureLayer(task: LayerTask): Promise<LayerResult> {
  const t0 = performance.now();
  takeProfile(); // start this layer's profile afresh
  const { matrix: w, rows, cols, options: o } = task;
  const metrics: Record<string, number | null> = {};
  const notes: Record<string, string> = {};
  const flags: LayerFlag[] = [];
  const k = Math.min(rows, cols);
  const result = (quantities: LayerQuantityValues, extra: Partial<LayerResult> = {}): LayerResult => ({
    index: task.index, metrics, notes, flags, quantities, ms: performance.now() - t0, profile: { thread: threadId, phases: takeProfile() }, ...extra,
  });

  const bad = countNonFinite(w);
  if (bad.nan || bad.inf) {
    notes['*'] = `non-finite weights (${bad.nan} NaN, ${bad.inf} ±Inf): no metric is computed for this layer`;
    flags.push({ id: 'nonFinite', severity: 'warning', message: notes['*'] });
    return result({ fro: NaN, spec: NaN, l21: NaN });
  }

  const { fro, l21 } = froAndL21(w, rows, cols);
  metrics.frobeniusNorm = fro;
  metrics.l21Norm = l21;
  // Small layers are solved in float64 always: it costs little and makes σ_min trustworthy.
  const precision: Precision = k <= 512 ? 'float64' : o.precision;

  let eig: Float64Array | null = null;
  let spec: number;
  if (k > o.maxFullSpectrum) {
    const l = spectralNormLanczos(w, rows, cols, { seed: o.seed });
    spec = l.sigmaMax;
    notes['*'] = `short side ${k} > ${o.maxFullSpectrum}: only the spectral norm (Lanczos, ${l.iterations} steps, residual ${l.residual.toExponential(1)}) is computed; raise the full-spectrum limit for the ESD metrics`;
  } else {
    eig = (await singularValues(w, rows, cols, { precision, threads: task.gramThreads })).eig;
    spec = Math.sqrt(eig[eig.length - 1] ?? 0);
  }
  metrics.spectralNorm = spec;
  metrics.stableRank = spec > 0 ? (fro * fro) / (spec * spec) : null;
  if (spec === 0) notes.stableRank = 'all-zero matrix';

  if (eig) {
    let nuclear = 0;
    for (let i = 0; i < eig.length; i++) nuclear += Math.sqrt(eig[i]);
    metrics.nuclearNorm = nuclear;
    const sigmaMin = Math.sqrt(eig[0]);
    metrics.conditionNumber = sigmaMin > 0 ? spec / sigmaMin : null;
    if (sigmaMin === 0) notes.conditionNumber = spec === 0 ? 'all-zero matrix' : 'singular matrix (σ_min = 0)';
    else if (precision === 'float32' && eig[0] < 1e-6 * eig[eig.length - 1]) {
      notes.conditionNumber = 'σ_min is below float32 resolution of the Gram matrix; set precision to float64 for a trustworthy value';
    }
    // Effective rank (Roy & Vetterli 2007): exp of the entropy of p = σ/Σσ.
    if (nuclear > 0) {
      let h = 0;
      for (let i = 0; i < eig.length; i++) {
        const p = Math.sqrt(eig[i]) / nuclear;
        if (p > 0) h -= p * Math.log(p);
      }
      metrics.effectiveRank = Math.exp(h);
    } else metrics.effectiveRank = null;

    const st = esdStats(eig, rows, cols);
    metrics.logNorm = st.logNorm;
    metrics.logSpectralNorm = st.logSpectralNorm;
    metrics.entropy = st.entropy;
    metrics.mpBulkMax = st.mpBulkMax;
    metrics.numSpikes = st.numSpikes;
    metrics.mpSoftrank = st.mpSoftrank;
    if (st.entropy === null) notes.entropy = 'numerical rank ≤ 1';

    const fit = fitPowerLaw(eig);
    if (fit.status === 'ok') {
      metrics.alpha = fit.alpha;
      metrics.alphaSigma = fit.sigma;
      metrics.xmin = fit.xmin;
      metrics.ksDistance = fit.D;
      const lmax = eig[eig.length - 1];
      metrics.alphaWeighted = fit.alpha * Math.log10(lmax);
      metrics.logAlphaNorm = logAlphaNorm(eig, fit.alpha);
      if (fit.alpha < 2) {
        flags.push({ id: 'alpha<2', severity: 'warning', message: `α = ${fit.alpha.toFixed(2)} < 2: very heavy-tailed ESD; Martin & Mahoney read this as over-trained / over-fit to correlations in the data` });
      } else if (fit.alpha > 6) {
        flags.push({ id: 'alpha>6', severity: 'info', message: `α = ${fit.alpha.toFixed(2)} > 6: the ESD looks random (Marchenko–Pastur-like); Martin & Mahoney read this as under-trained` });
      }
    } else {
      for (const id of ['alpha', 'alphaSigma', 'xmin', 'ksDistance', 'alphaWeighted', 'logAlphaNorm']) metrics[id] = null;
      notes.alpha = `not applicable: ${fit.reason ?? 'too few eigenvalues for a tail fit'}`;
    }

    if (o.randomize && spec > 0) await timedAsync('randomize', async () => {
      const shuffled = timed('shuffle', () => shuffleElements(w, o.seed));
      const r = (await singularValues(shuffled, rows, cols, { precision, threads: task.gramThreads })).eig;
      metrics.randDistance = esdDistance(eig, r);
      const rmax = r[r.length - 1];
      metrics.randSpectralNorm = Math.sqrt(rmax);
      if (st.mpBulkMax !== null && rmax > 1.5 * st.mpBulkMax) {
        flags.push({ id: 'correlationTrap', severity: 'info', message: `a spike survives shuffling (λ_max after shuffling ${rmax.toPrecision(3)} > 1.5·λ₊): unusually large individual weights (a "correlation trap", Martin & Mahoney)` });
      }
    });

    const sub = subsampleEsd(eig, o.esdMaxPoints);
    if (sub.note) notes.esd = sub.note;
    if (precision !== o.precision) notes.precision = 'solved in float64 (small layer)';
    Object.assign(metrics, convMetrics(task, notes));
    const q: LayerQuantityValues = { fro, spec, l21, ...(await initMetrics(task, metrics, notes, precision)) };
    return result(q, { esd: sub.esd, esdNote: sub.note });
  }
  Object.assign(metrics, convMetrics(task, notes));
  const q: LayerQuantityValues = { fro, spec, l21, ...(await initMetrics(task, metrics, notes, precision)) };
  return result(q);
}

/** Exact operator norm of the convolution (Sedghi et al. 2019) and WeightWatcher's pooled-slice α. */
function convMetrics(task: LayerTask, notes: Record<string, string>): Record<string, number | null> {
  const c = task.conv;
  const out: Record<string, number | null> = {};
  if (!c || c.transpose || c.kernel.length !== 2 && c.kernel.length !== 1) {
    if (c && task.options.convExact) {
      out.spectralNormExact = null;
      notes.spectralNormExact = c.transpose ? 'not computed for ConvTranspose' : `not computed for ${c.kernel.length}-D convolutions`;
    }
    return out;
  }
  const kh = c.kernel.length === 2 ? c.kernel[0] : 1;
  const kw = c.kernel.length === 2 ? c.kernel[1] : c.kernel[0];
  if (task.options.convExact) {
    if (!c.inputSpatial) {
      out.spectralNormExact = null;
      notes.spectralNormExact = c.inputSpatialReason ?? 'input spatial size unknown (shape inference could not determine it)';
    } else {
      const h = c.inputSpatial.length === 2 ? c.inputSpatial[0] : 1;
      const wd = c.inputSpatial.length === 2 ? c.inputSpatial[1] : c.inputSpatial[0];
      const r = convSingularValues(task.matrix, c.cout, c.cinPerGroup, kh, kw, h, wd, { group: c.group, dilations: c.dilations });
      out.spectralNormExact = r.spectralNorm;
      const strided = c.strides.some((s) => s !== 1);
      notes.spectralNormExact =
        `operator on a ${h}×${wd} input with circular padding` +
        (strided ? `; stride ${c.strides.join('×')} ignored, so this is an upper bound (a strided conv is a subsampled stride-1 conv)` : '') +
        (c.pads.some((p) => p !== 0) ? '; zero padding of the real layer changes the operator slightly at the borders' : '');
    }
  }
  if (task.options.convWeightWatcher) {
    const e = convSliceEigenvalues(task.matrix, c.cout, c.cinPerGroup, kh, kw);
    const f = fitPowerLaw(e);
    out.wwPooledAlpha = f.status === 'ok' ? f.alpha : null;
    if (f.status !== 'ok') notes.wwPooledAlpha = f.reason ?? 'too few eigenvalues';
  }
  return out;
}

/** Distances to the initial weights and the spectrum of the update W − W⁰. */
async function initMetrics(task: LayerTask, metrics: Record<string, number | null>, notes: Record<string, string>, precision: Precision): Promise<Partial<LayerQuantityValues>> {
  if (!task.init) return {};
  const { rows, cols } = task;
  // W − W⁰ in float64 (both stored as float32: the difference itself is exact in float64)
  const d64 = new Float64Array(task.matrix.length);
  for (let i = 0; i < d64.length; i++) d64[i] = task.matrix[i] - task.init[i];
  if (d64.some((x) => !Number.isFinite(x))) {
    notes.distFrobeniusInit = 'non-finite initial weights';
    return {};
  }
  const d = precision === 'float64' ? d64 : Float32Array.from(d64);
  const { fro, l21 } = froAndL21(d64, rows, cols);
  metrics.distFrobeniusInit = fro;
  let spec: number;
  if (Math.min(rows, cols) > task.options.maxFullSpectrum) {
    spec = spectralNormLanczos(d, rows, cols, { seed: task.options.seed }).sigmaMax;
  } else {
    const e = (await singularValues(d, rows, cols, { precision, threads: task.gramThreads })).eig;
    spec = Math.sqrt(e[e.length - 1] ?? 0);
    const f = fitPowerLaw(e);
    metrics.deltaAlpha = f.status === 'ok' ? f.alpha : null;
    if (f.status !== 'ok') notes.deltaAlpha = f.reason ?? 'too few eigenvalues';
  }
  metrics.distSpectralInit = spec;
  metrics.deltaStableRank = spec > 0 ? (fro * fro) / (spec * spec) : null;
  return { froDist: fro, specDist: spec, l21Dist: l21 };
}
