// A checkpoint prepared for forward passes: every float weight and bias of its layers turned into a
// graph input (so perturbed copies can be fed), the logits tapped before a trailing Softmax/ArgMax,
// and batched evaluation of a whole probe.
//
// Parameters live in preallocated buffers: `p.current` (float32) is what the next pass feeds. Callers
// write perturbed values into it (or call restore()), then the pass converts it into the feed buffer
// when the model stores that parameter as float16/float64 (for float32 the feed IS `p.current`).
// Inputs are fed in the model's input dtype (float32, float16 or float64); logits come back as float64.
import type { Checkpoint, Layer, ValueInfo } from '../../onnx/types';
import { externalDataFiles, findLogits, setOutputs, weightsAsInputs, type LogitTap } from '../../onnx/rewrite';
import type { Provider } from '../../protocol/worker';
import { fromHalfArray, toHalfArray } from './half';
import { loadOrt } from './ort';
import { createSession, type Session } from './session';

type FloatDtype = 'float32' | 'float16' | 'float64';
const ELEM: Record<FloatDtype, number> = { float32: 1, float16: 10, float64: 11 };
type Tensor = import('onnxruntime-node').Tensor;

/**
 * Output filters of a weight in its stored layout, for filter normalization (Li et al. 2018): the
 * tensor is viewed as [outer, count, inner] (C order) and filter f is every element (o, f, i).
 */
export interface FilterLayout {
  outer: number;
  count: number;
  inner: number;
}

/** One perturbable parameter tensor (a layer's weight or bias). */
export interface Param {
  name: string;
  /** Name of the (first) layer that uses it: per-layer posterior scales group by this. */
  layer: string;
  kind: 'weight' | 'bias';
  dims: number[];
  dtype: FloatDtype;
  /** The checkpoint's values (float32), never modified. */
  readonly values: Float32Array;
  /** What the next forward pass feeds (float32). */
  readonly current: Float32Array;
  filters: FilterLayout;
}

export interface OpenOptions {
  provider?: Provider;
  threads?: number;
  /** Whether intra-op threads spin while waiting (see SessionOptions.spinning). */
  spinning?: boolean;
  /** Upper bound on the input bytes of one batch (default 32 MiB). */
  maxBatchBytes?: number;
}

function filterLayout(layer: Layer, kind: 'weight' | 'bias', dims: number[]): FilterLayout {
  const size = dims.reduce((a, b) => a * b, 1);
  if (kind === 'bias' || dims.length < 2) return { outer: 1, count: size, inner: 1 };
  const rest = (from: number) => dims.slice(from).reduce((a, b) => a * b, 1);
  // MatMul [.., in, out] and Gemm with transB = 0 store neurons as columns.
  if (layer.op === 'MatMul' || (layer.op === 'Gemm' && (layer.gemm?.transB ?? 0) === 0)) {
    const out = dims[dims.length - 1];
    return { outer: size / out, count: out, inner: 1 };
  }
  if (layer.role === 'recurrentInput' || layer.role === 'recurrentHidden') {
    // [directions, gates·hidden, in]: rows of each direction's matrix, as PyTorch's weight_ih/hh rows
    return { outer: 1, count: size / dims[dims.length - 1], inner: dims[dims.length - 1] };
  }
  // Gemm transB = 1 [out, in], Conv [out, in/g, k…], ConvTranspose [in, out/g, k…] (PyTorch's first
  // axis, as Li et al.'s code), Gather embeddings [vocab, dim]: slices along the first axis.
  return { outer: 1, count: dims[0], inner: rest(1) };
}

function floatDtype(t: { dtype: string; quant?: unknown }): FloatDtype | null {
  return !t.quant && (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'float64') ? t.dtype : null;
}

export class ForwardModel {
  /** Forward passes run so far (one per batch). */
  passes = 0;
  /** Examples evaluated so far. */
  examples = 0;
  private feeds: Record<string, Tensor> = {};
  private convert: { p: Param; feed: Uint16Array | Float64Array }[] = [];
  /** Largest batch allowed (a fixed batch dim, 4096, or 1 after a failure with larger batches). */
  private batchCap: number;
  private batchNote: string | undefined;

  private constructor(
    private readonly session: Session,
    readonly provider: 'cpu' | 'cuda',
    readonly providerNote: string | undefined,
    readonly params: Param[],
    /** Parameters left as they are (quantized, integer, bfloat16, …): perturbations do not touch them. */
    readonly frozen: string[],
    readonly input: ValueInfo & { dtype: FloatDtype },
    readonly tap: LogitTap,
    private readonly maxBatchBytes: number,
  ) {
    const ort = loadOrt();
    for (const p of params) {
      if (p.dtype === 'float32') this.feeds[p.name] = new ort.Tensor('float32', p.current, p.dims);
      else {
        const feed = p.dtype === 'float16' ? new Uint16Array(p.current.length) : new Float64Array(p.current.length);
        this.convert.push({ p, feed });
        this.feeds[p.name] = new ort.Tensor(p.dtype, feed, p.dims);
      }
    }
    const b = input.shape?.[0];
    this.batchCap = typeof b === 'number' && b > 0 ? b : 4096;
  }

  /** Batch size for examples of `per` values: the fixed batch dim, else as many as fit maxBatchBytes. */
  private batchFor(per: number, n: number): number {
    if (this.fixedBatch) return this.batchCap;
    const bytes = per * (this.input.dtype === 'float64' ? 8 : this.input.dtype === 'float16' ? 2 : 4);
    return Math.max(1, Math.min(n, this.batchCap, Math.floor(this.maxBatchBytes / Math.max(1, bytes))));
  }

  /** True when the model's batch dimension is a fixed number (batches are then padded to it). */
  get fixedBatch(): boolean {
    return typeof this.input.shape?.[0] === 'number';
  }

  /** Note about the batch size, when it had to be reduced (e.g. a graph that hard-codes batch 1). */
  get note(): string | undefined {
    return this.batchNote;
  }

  static async open(ckpt: Checkpoint, opts: OpenOptions = {}): Promise<ForwardModel> {
    if (ckpt.inputs.length !== 1) {
      throw new Error(`the model has ${ckpt.inputs.length} inputs (${ckpt.inputs.map((i) => i.name).join(', ')}); forward passes support single-input classifiers`);
    }
    const input = ckpt.inputs[0];
    const inDtype = input.dtype ?? 'float32';
    if (inDtype !== 'float32' && inDtype !== 'float16' && inDtype !== 'float64') {
      throw new Error(`model input '${input.name}' is ${inDtype}; forward passes feed floating-point probe data`);
    }
    if (!ckpt.outputs.length) throw new Error('the model has no outputs');
    const params: Param[] = [];
    const frozen: string[] = [];
    const seen = new Set<string>();
    for (const l of ckpt.layers) {
      for (const [t, kind] of [[l.weight, 'weight'], [l.bias, 'bias']] as const) {
        if (!t || seen.has(t.name)) continue;
        seen.add(t.name);
        const dt = floatDtype(t);
        if (!dt || !ckpt.tensors.has(t.name) || (t.source !== 'initializer' && t.source !== 'external' && t.source !== 'constant')) {
          frozen.push(`${t.name} (${t.source === 'computed' ? 'computed through an op chain' : t.quant ? 'quantized' : t.dtype})`);
          continue;
        }
        const dims = [...t.dims];
        const values = t.toFloat32();
        params.push({ name: t.name, layer: l.name, kind, dims, dtype: dt, values, current: values.slice(), filters: filterLayout(l, kind, dims) });
      }
    }
    const tap = findLogits(ckpt)[0];
    const outDtype = ckpt.outputs[0].dtype;
    const elemType = outDtype === 'float32' || outDtype === 'float16' || outDtype === 'float64' ? ELEM[outDtype] : inDtype in ELEM ? ELEM[inDtype as FloatDtype] : undefined;
    let bytes = weightsAsInputs(ckpt.readBytes(), params.map((p) => p.name));
    bytes = setOutputs(bytes, [{ name: tap.name, elemType }]);
    const s = await createSession(bytes, { provider: opts.provider, threads: opts.threads, spinning: opts.spinning, externalData: externalDataFiles(bytes, ckpt.baseDir, ckpt.path) });
    return new ForwardModel(s.session, s.provider, s.note, params, frozen, { ...input, dtype: inDtype }, tap, opts.maxBatchBytes ?? 32 << 20);
  }

  /** Sets every parameter back to the checkpoint's values. */
  restore(): void {
    for (const p of this.params) p.current.set(p.values);
  }

  /** Total number of perturbable scalars ω. */
  get size(): number {
    return this.params.reduce((a, p) => a + p.values.length, 0);
  }

  /**
   * Logits of n examples of x (per-example shape `perExample`, float32, C order) with the current
   * parameters: row-major [n, K] in float64, and K.
   */
  async logits(x: Float32Array, n: number, perExample: number[]): Promise<{ logits: Float64Array; classes: number }> {
    for (const { p, feed } of this.convert) {
      if (feed instanceof Uint16Array) toHalfArray(p.current, feed);
      else for (let i = 0; i < feed.length; i++) feed[i] = p.current[i];
    }
    for (;;) {
      try {
        return await this.batched(x, n, perExample);
      } catch (e) {
        // A graph that hard-codes its batch size (e.g. a Reshape to [1, …]) under a symbolic input dim:
        // retry one example at a time, once.
        const tried = this.batchFor(perExample.reduce((a, b) => a * b, 1), n);
        if (tried === 1 || this.fixedBatch || this.passes > 0) throw e;
        this.batchNote = `the model failed with batches of ${tried} (${(e as Error).message.split('\n')[0]}); evaluating one example per pass`;
        this.batchCap = 1;
      }
    }
  }

  private async batched(x: Float32Array, n: number, perExample: number[]): Promise<{ logits: Float64Array; classes: number }> {
    const ort = loadOrt();
    const per = perExample.reduce((a, b) => a * b, 1);
    if (x.length < n * per) throw new Error(`probe holds ${x.length} values, ${n * per} needed for ${n} examples of [${perExample.join(', ')}]`);
    const bs = this.batchFor(per, n);
    const dtype = this.input.dtype;
    let out: Float64Array | null = null;
    let classes = 0;
    let staging: Float32Array | Uint16Array | Float64Array | null = null;
    for (let start = 0; start < n; start += bs) {
      const count = Math.min(bs, n - start);
      const rows = this.fixedBatch ? bs : count;
      const src = x.subarray(start * per, (start + count) * per);
      let data: Float32Array | Uint16Array | Float64Array = src;
      if (dtype !== 'float32' || rows !== count) {
        if (!staging || staging.length !== rows * per) staging = dtype === 'float16' ? new Uint16Array(rows * per) : dtype === 'float64' ? new Float64Array(rows * per) : new Float32Array(rows * per);
        if (staging instanceof Uint16Array) toHalfArray(src, staging.subarray(0, src.length));
        else staging.set(src);
        staging.fill(0, src.length);
        data = staging;
      }
      this.feeds[this.input.name] = new ort.Tensor(dtype, data, [rows, ...perExample]);
      const r = await this.session.run(this.feeds, [this.tap.name]);
      this.passes++;
      this.examples += count;
      const t = r[this.tap.name];
      if (t.dims[0] !== rows) throw new Error(`output '${this.tap.name}' has shape [${t.dims.join(', ')}]; expected [${rows}, classes] (examples first)`);
      const k = t.size / rows;
      if (!out) {
        classes = k;
        out = new Float64Array(n * k);
      } else if (k !== classes) throw new Error(`output '${this.tap.name}' changed from ${classes} to ${k} values per example between batches`);
      const vals = t.type === 'float16' ? fromHalfArray(t.data as Uint16Array) : (t.data as Float32Array | Float64Array);
      for (let i = 0; i < count * k; i++) out[start * k + i] = vals[i];
      t.dispose?.();
    }
    return { logits: out ?? new Float64Array(0), classes };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
