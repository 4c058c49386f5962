// Ties each stored weight to the op that consumes it and says what the matrix *is*: the [out, in]
// linear map the measures need, whatever the exporter's layout (Gemm transB, MatMul's [in, out],
// conv kernels, ConvTranspose, embeddings, packed LSTM/GRU gates, fused attention weights).
import { quoteName } from '../input/error';
import { LIMITS, showDims } from '../input/limits';
import { ComputedTensor, ConstEvaluator, type ConstSource } from './consteval';
import { FLOATING, NUMERIC } from './dtypes';
import type { RawGraph } from './model';
import { CHAIN_OPS, opInfo, type WeightInput } from './ops';
import type { StoredSpan } from '../input/span';
import { transposeInto } from '../input/transpose';
import type { GraphScope } from './scopes';
import type { Shape } from './shapes';
import type { TensorImpl } from './tensor';
import { CheckpointError, type BatchNormParams, type Layer, type LayerRole, type Node, type Tensor } from './types';

/** A 2-D block of a stored tensor: M[i][j] = v[offset + i·stride + j], i < rows, j < cols; transposed if `t`. */
export interface Block {
  offset: number;
  rows: number;
  cols: number;
  stride: number;
  t: boolean;
}

class LayerImpl implements Layer {
  constructor(
    readonly name: string,
    readonly op: string,
    readonly node: string,
    readonly module: string | null,
    readonly role: LayerRole,
    readonly weight: TensorImpl,
    readonly bias: Tensor | null,
    readonly shape: readonly number[],
    readonly block: Block,
    readonly order: number,
    readonly graph: string,
    /** Notes, one list per key; joined into `notes`. */
    readonly noteLists: Map<string, string[]>,
    readonly extra: {
      part?: string;
      gemm?: Layer['gemm'];
      conv?: Layer['conv'];
      batchNorm?: BatchNormParams;
    },
  ) {}

  get part() {
    return this.extra.part;
  }
  get notes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.noteLists) if (v.length) out[k] = v.join('; ');
    return out;
  }
  get gemm() {
    return this.extra.gemm;
  }
  get conv() {
    return this.extra.conv;
  }
  get batchNorm() {
    return this.extra.batchNorm;
  }

  get matrixShape(): readonly [number, number] {
    const b = this.block;
    return b.t ? [b.cols, b.rows] : [b.rows, b.cols];
  }

  matrix(precision?: 'float32'): Float32Array;
  matrix(precision: 'float64'): Float64Array;
  matrix(precision: 'float32' | 'float64' = 'float32'): Float32Array | Float64Array {
    const b = this.block;
    const v = this.blockValues(precision);
    if (!b.t) return v;
    // out[j][i] = M[i][j]; out is [cols, rows]
    const out = precision === 'float32' ? new Float32Array(b.rows * b.cols) : new Float64Array(b.rows * b.cols);
    transposeInto(v, b.rows, b.cols, out);
    return out;
  }

  storedMatrix(): { data: Float32Array; transposed: boolean } {
    return { data: this.blockValues('float32') as Float32Array, transposed: this.block.t };
  }

  storedSpan(): { span: StoredSpan; transposed: boolean } | null {
    const b = this.block;
    const f = this.weight.fileSpan();
    if (!f) return null;
    const eb = f.bytes / this.weight.size;
    // the stored rows of the block must follow one another (a whole tensor, or a row-block of it)
    if (!Number.isInteger(eb) || eb <= 0 || (b.stride !== b.cols && b.rows > 1) || b.offset + b.rows * b.cols > this.weight.size) return null;
    return { span: { file: f.file, offset: f.offset + b.offset * eb, count: b.rows * b.cols, dtype: f.dtype, tensor: this.weight.name }, transposed: b.t };
  }

  /** The block's values, row-major [rows, cols] as stored (not transposed). */
  private blockValues(precision: 'float32' | 'float64'): Float32Array | Float64Array {
    const b = this.block;
    const whole = b.offset === 0 && b.stride === b.cols && b.rows * b.cols === this.weight.size;
    const v = precision === 'float32' ? this.weight.toFloat32() : this.weight.toFloat64();
    if (whole) return v;
    const out = precision === 'float32' ? new Float32Array(b.rows * b.cols) : new Float64Array(b.rows * b.cols);
    for (let i = 0; i < b.rows; i++) out.set(v.subarray(b.offset + i * b.stride, b.offset + i * b.stride + b.cols), i * b.cols);
    return out;
  }
}

/** The framework module path recovered from a weight's name or its node's name, else null. */
export function moduleName(weightName: string, nodeName: string, opType: string): string | null {
  const m = /^(?!onnx::)(.+?)\.(weight|weight_orig|weight_v|weight_g|kernel|W|w|weight_ih_l\d+(?:_reverse)?|weight_hh_l\d+(?:_reverse)?|in_proj_weight)$/.exec(weightName);
  if (m) return m[1];
  if (!nodeName.includes('/')) return null;
  const comps = nodeName.split('/').filter(Boolean);
  const last = comps[comps.length - 1];
  if (last && (last === opType || new RegExp(`^${opType}(_\\d+)?$`).test(last))) comps.pop();
  let path = '';
  for (const c of comps) {
    if (!path || c.startsWith(path + '.')) path = c;
    else path = `${path}.${c}`;
  }
  return path || null;
}

const ints = (v: unknown, fallback: number[]): number[] => (Array.isArray(v) ? (v as number[]) : fallback);
const int = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

export interface LayerBuild {
  layers: Layer[];
  warnings: string[];
}

export interface LayerContext {
  /** Why a value's shape is unknown (from shape inference). */
  origins?: ReadonlyMap<string, string>;
  /** Node → path of the (sub)graph holding it ('' = main). */
  scopeOf?: ReadonlyMap<Node, string>;
  scopes?: readonly GraphScope[];
}

/** How to pin the model's dynamic inputs: `--input-shape x=1,3,H,W` with the file's known dims kept. */
function pinHint(graph: RawGraph): string {
  const dynamic = graph.inputs.filter((v) => !graph.tensors.has(v.name) && v.shape && v.shape.some((d) => typeof d !== 'number'));
  const example = dynamic.length
    ? dynamic.map((v) => `--input-shape ${v.name}=${v.shape!.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : i === v.shape!.length - 1 ? 'W' : i === v.shape!.length - 2 ? 'H' : 'D')).join(',')}`).join(' ')
    : '--input-shape NAME=N,C,H,W';
  return `pin the input size with ${example} (CLI) or the theoryLens.inputShapes setting`;
}

/** Builds the measurable layers, in topological order of their consuming nodes. */
export function buildLayers(graph: RawGraph, order: readonly Node[], shapes: ReadonlyMap<string, Shape>, file: string, lctx: LayerContext = {}): LayerBuild {
  const warnings: string[] = [];
  const producers = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of order) {
    for (const o of n.outputs) if (o) producers.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }

  // Values that are stored tensors, views of them (Identity, Cast, 2-D Transpose, DequantizeLinear), or
  // computed from them by a chain of constant ops (evaluated lazily, one layer at a time).
  const evaluator = new ConstEvaluator(graph.tensors, producers, file);
  const constOf = (name: string): ConstSource | null => evaluator.resolve(name);

  const layers: LayerImpl[] = [];
  const seen = new Map<string, LayerImpl>();
  /** Stored tensors accounted for: measured (weights, biases, BatchNorm) or per-channel parameters of norms. */
  const accounted = new Set<string>();
  const account = (t: Tensor | null | undefined) => {
    if (!t) return;
    accounted.add(t.name);
    if (t instanceof ComputedTensor) t.sources.forEach((s) => accounted.add(s));
  };
  const nodeName = (n: Node) => n.name || `${n.opType}#${n.index}`;
  const biasOf = (name: string | undefined): Tensor | null => (name ? constOf(name)?.tensor ?? null : null);

  /** A bias added right after a MatMul: Add(out, const[out_features]). */
  const followingAdd = (n: Node, outFeatures: number): { bias: Tensor; output: string } | null => {
    for (const c of consumers.get(n.outputs[0]) ?? []) {
      if (c.opType !== 'Add') continue;
      const other = c.inputs[0] === n.outputs[0] ? c.inputs[1] : c.inputs[0];
      const t = constOf(other)?.tensor;
      if (t && t.size === outFeatures && FLOATING.has(t.dtype)) return { bias: t, output: c.outputs[0] };
    }
    return null;
  };
  /** A BatchNormalization directly consuming `value` (the layer's output or its bias Add). */
  const followingBn = (value: string): BatchNormParams | undefined => {
    const cs = consumers.get(value) ?? [];
    const bn = cs.find((c) => c.opType === 'BatchNormalization' && c.inputs[0] === value);
    if (!bn || cs.length !== 1) return undefined;
    const [scale, bias, mean, variance] = bn.inputs.slice(1, 5).map((i) => constOf(i)?.tensor);
    if (!scale || !bias || !mean || !variance) return undefined;
    return { node: nodeName(bn), scale, bias, mean, variance, epsilon: typeof bn.attributes.get('epsilon') === 'number' ? (bn.attributes.get('epsilon') as number) : 1e-5 };
  };

  const add = (
    n: Node, src: ConstSource, role: LayerRole, block: Block, extra: LayerImpl['extra'], bias: Tensor | null, notes: Record<string, string> = {},
  ): void => {
    for (const t of [src.tensor, bias]) {
      if (t && !NUMERIC.has(t.dtype)) {
        throw new CheckpointError(file, `${t === bias ? 'bias' : 'weight'} of ${nodeName(n)} has data type ${t.dtype}, which cannot be read as real numbers (supported: float32, float16, bfloat16, float64, int8/uint8 through DequantizeLinear, integer types)`, t.name);
      }
    }
    // Budget: the block must lie inside the stored tensor, and the model may not ask for more layers
    // than LIMITS.maxLayers (a recurrent node makes one per gate × direction).
    const last = block.offset + (block.rows - 1) * block.stride + block.cols;
    const what = `${nodeName(n)}: weight ${quoteName(src.tensor.name)}${extra.part ? ` (${extra.part})` : ''} of shape ${showDims(src.tensor.dims)}`;
    if (block.rows * block.cols > LIMITS.maxLayerElements) {
      warnings.push(`${what}: its ${block.rows}×${block.cols} matrix is larger than the limit of 2^31 elements; not measured`);
      return;
    }
    if (!(block.rows > 0 && block.cols > 0 && block.offset >= 0 && last <= src.tensor.size)) {
      warnings.push(`${what} does not hold a ${block.rows}×${block.cols} matrix; not measured`);
      return;
    }
    if (layers.length >= LIMITS.maxLayers) throw new CheckpointError(file, `more than ${LIMITS.maxLayers} measurable layers; refusing to build more`);
    account(src.tensor);
    account(bias);
    if (extra.batchNorm) [extra.batchNorm.scale, extra.batchNorm.bias, extra.batchNorm.mean, extra.batchNorm.variance].forEach(account);
    const key = `${src.tensor.name}|${extra.part ?? ''}`;
    const prev = seen.get(key);
    if (prev) {
      // One weight, several uses (tied embedding and LM head, a weight read by both If branches): one layer.
      const also = `also used by ${n.opType} ${nodeName(n)}${src.via.length ? ` (through ${src.via.join(' → ')})` : ''}; measured once`;
      const list = prev.noteLists.get('*') ?? [];
      if (!list.includes(also)) list.push(also);
      prev.noteLists.set('*', list);
      if (!extra.part || extra.part.startsWith('W gate=i') || extra.part === 'q') warnings.push(`weight '${src.tensor.name}' is used by ${prev.node} and ${nodeName(n)} (tied/shared): measured once`);
      return;
    }
    if (src.transposed) block = { ...block, t: !block.t };
    const noteLists = new Map<string, string[]>();
    for (const [k, v] of Object.entries(notes)) noteLists.set(k, [v]);
    if (src.via.length) {
      // computed (a chain the evaluator runs) or only read through views (Identity, Cast, Transpose, DequantizeLinear)
      const text = src.tensor instanceof ComputedTensor
        ? `weight computed from ${src.tensor.sources.map((x) => `'${x}'`).join(', ')} through ${src.via.join(' → ')}`
        : `weight read through ${src.via.join(' → ')}`;
      (noteLists.get('*') ?? noteLists.set('*', []).get('*')!).unshift(text);
    }
    const layer = new LayerImpl(
      src.tensor.name, n.opType, nodeName(n), moduleName(src.tensor.name, n.name, n.opType), role, src.tensor, bias,
      [...src.tensor.dims], block, layers.length, lctx.scopeOf?.get(n) ?? '', noteLists, extra,
    );
    seen.set(key, layer);
    layers.push(layer);
  };

  /** The conv's input spatial size, or null with why and how to make it known. */
  const convInput = (n: Node, spatial: number): { size: number[] | null; reason?: string } => {
    const inShape = shapes.get(n.inputs[0]);
    if (inShape && inShape.length === spatial + 2 && inShape.slice(2).every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0)) {
      // Budget of the exact conv spectrum (min(c_out, c_in)·H·W singular values, H·W eigenproblems):
      // an input past it is not handed on, so that spectrum is skipped with the reason.
      const size = inShape.slice(2) as number[];
      const pixels = size.reduce((a, b) => a * b, 1);
      const d = constOf(n.inputs[1])?.tensor.dims ?? [];
      const channels = Math.min(d[0] ?? 1, (d[1] ?? 1) * Math.max(1, int(n.attributes.get('group'), 1)));
      if (pixels > LIMITS.maxConvPixels || channels * pixels > LIMITS.maxConvSingularValues) {
        const reason = `input ${showDims(size)} is past the limit for the exact conv spectrum (${LIMITS.maxConvPixels} pixels, ${LIMITS.maxConvSingularValues} singular values)`;
        warnings.push(`${nodeName(n)}: ${reason}; it is not computed`);
        return { size: null, reason };
      }
      return { size };
    }
    const origin = lctx.origins?.get(n.inputs[0]);
    const dims = inShape ? `[${inShape.map((d) => d ?? '?').join(', ')}]` : 'unknown';
    const what = inShape && inShape.length === spatial + 2 ? (spatial === 2 ? 'input height and width are dynamic' : 'input spatial size is dynamic') : 'input shape is unknown';
    return { size: null, reason: `${what} (${dims}${origin ? `: ${origin}` : ''}); ${pinHint(graph)}` };
  };

  const measure = (n: Node, w: WeightInput, src: ConstSource): boolean => {
    const d = src.tensor.dims;
    const a = n.attributes;
    switch (w.layout) {
      case 'gemmB': {
        if (d.length !== 2) return false;
        const trans = int(a.get(w.trans ?? 'transB'), 0);
        const [r, c] = d;
        // Y = A'·B', B' = transB ? Bᵀ : B is [in, out]; the map's matrix is B'ᵀ: B itself when transB=1.
        const block: Block = { offset: 0, rows: r, cols: c, stride: c, t: !trans };
        if (n.opType === 'Gemm') {
          const gemm = { transA: int(a.get('transA'), 0), transB: trans, alpha: int(a.get('alpha'), 1), beta: int(a.get('beta'), 1) };
          add(n, src, w.role, block, { gemm, batchNorm: followingBn(n.outputs[0]) }, biasOf(n.inputs[w.bias ?? -1]));
          if (gemm.alpha !== 1) warnings.push(`${nodeName(n)}: Gemm alpha = ${gemm.alpha} scales the output; the stored weight is measured as it is`);
        } else {
          const alpha = int(a.get('alpha'), 1);
          add(n, src, w.role, block, {}, null, alpha !== 1 ? { '*': `${n.opType} alpha = ${alpha} scales the output; the stored weight is measured as it is` } : {});
        }
        return true;
      }
      case 'gemmA': {
        if (d.length !== 2) return false;
        const [r, c] = d;
        const transA = int(a.get('transA'), 0);
        const gemm = { transA, transB: int(a.get('transB'), 0), alpha: int(a.get('alpha'), 1), beta: int(a.get('beta'), 1) };
        // Y = A'·X: the matrix is A' = transA ? Aᵀ : A, [out, in].
        add(n, src, w.role, { offset: 0, rows: r, cols: c, stride: c, t: !!transA }, { gemm }, biasOf(n.inputs[w.bias ?? -1]));
        return true;
      }
      case 'matmulB': {
        if (d.length !== 2) {
          warnings.push(`${nodeName(n)}: MatMul weight '${src.tensor.name}' has rank ${d.length} (batched); not measured`);
          return true;
        }
        const [r, c] = d;
        const following = followingAdd(n, src.transposed ? r : c);
        add(n, src, w.role, { offset: 0, rows: r, cols: c, stride: c, t: true },
          { batchNorm: followingBn(following ? following.output : n.outputs[0]) }, following?.bias ?? null);
        return true;
      }
      case 'matmulA': {
        if (d.length !== 2) return false;
        const [r, c] = d;
        add(n, src, w.role, { offset: 0, rows: r, cols: c, stride: c, t: false }, {}, null);
        return true;
      }
      case 'conv': case 'convTranspose': {
        if (src.transposed || d.length < 3) return false;
        const group = int(a.get('group'), 1);
        const kernel = d.slice(2);
        const spatial = kernel.length;
        const strides = ints(a.get('strides'), kernel.map(() => 1));
        const dilations = ints(a.get('dilations'), kernel.map(() => 1));
        // Attributes come from the file: one positive integer stride and dilation per spatial axis, a group dividing the channels.
        const okInts = (v: unknown[], len: number, min: number) => v.length === len && v.every((x) => Number.isSafeInteger(x) && (x as number) >= min);
        if (!okInts(strides, spatial, 1) || !okInts(dilations, spatial, 1) || !(Number.isSafeInteger(group) && group >= 1 && d[0] % group === 0)) {
          warnings.push(`${nodeName(n)}: strides ${showDims(strides)}, dilations ${showDims(dilations)} or group ${group} do not fit its ${spatial}-d kernel ${showDims(d)}; not measured`);
          return true;
        }
        const input = convInput(n, spatial);
        let pads = resolvePads(n, kernel, strides, dilations, input.size);
        if (pads && !okInts(pads, 2 * spatial, 0)) {
          warnings.push(`${nodeName(n)}: pads ${showDims(pads)} are not ${2 * spatial} non-negative integers; pads reported as 0`);
          pads = new Array(2 * spatial).fill(0);
        }
        if (!pads) warnings.push(`${nodeName(n)}: auto_pad ${String(a.get('auto_pad'))} with strides ${strides.join('×')} needs the input size, which shape inference could not find; pads reported as 0`);
        const rest = d.slice(1).reduce((x, y) => x * y, 1);
        const conv = {
          kernel, group, strides, pads: pads ?? new Array(2 * spatial).fill(0), dilations, inputSpatial: input.size,
          ...(input.reason ? { inputSpatialReason: input.reason } : {}),
          ...(n.opType === 'ConvTranspose' ? { outputPadding: ints(a.get('output_padding'), kernel.map(() => 0)) } : {}),
        };
        // Conv: [c_out, c_in/g·k…]; ConvTranspose W is [c_in, c_out/g, k…]: the map's matrix is the transpose.
        const block: Block = { offset: 0, rows: d[0], cols: rest, stride: rest, t: w.layout === 'convTranspose' };
        add(n, src, w.role, block, { conv, batchNorm: followingBn(n.outputs[0]) }, biasOf(n.inputs[w.bias ?? -1]));
        return true;
      }
      case 'embedding': {
        if (d.length !== 2 || src.transposed || int(a.get('axis'), 0) !== 0) return false;
        const [vocab, dim] = d;
        // one-hot(vocab) → dim: the matrix is the table transposed, [dim, vocab].
        add(n, src, w.role, { offset: 0, rows: vocab, cols: dim, stride: dim, t: true }, {}, null);
        return true;
      }
      case 'recurrent':
        return recurrent(n, w, src);
      case 'attention':
        return attention(n, src);
    }
  };

  // ONNX LSTM/GRU/RNN: W [dirs, G·h, in], R [dirs, G·h, h] with gate blocks stacked (LSTM i,o,f,c;
  // GRU z,r,h; RNN one), B [dirs, 2·G·h] = [Wb gates | Rb gates]. Each gate × direction is one layer.
  const recurrent = (n: Node, w: WeightInput, s: ConstSource): boolean => {
    const gates = n.opType === 'LSTM' ? ['i', 'o', 'f', 'c'] : n.opType === 'GRU' ? ['z', 'r', 'h'] : ['h'];
    const G = gates.length;
    const hidden = int(n.attributes.get('hidden_size'), 0);
    const b = constOf(n.inputs[3] ?? '');
    const idx = w.input;
    const label = idx === 1 ? 'W' : 'R';
    if (s.transposed || s.tensor.dims.length !== 3) return false;
    const [dirs, gh, cols] = s.tensor.dims;
    const h = hidden || gh / G;
    // Budget: ONNX num_directions is 1 or 2; a larger first dimension would build dirs × G layers.
    if (dirs < 1 || dirs > LIMITS.maxDirections) {
      warnings.push(`${nodeName(n)}: ${label} has shape ${showDims(s.tensor.dims)}: ${dirs} directions (ONNX allows 1 or 2); not measured`);
      return true;
    }
    if (!(Number.isSafeInteger(h) && h > 0) || h * G !== gh) {
      warnings.push(`${nodeName(n)}: ${label} has ${gh} rows, not ${G} gates × hidden ${h}; not measured`);
      return true;
    }
    const bOk = b && !b.transposed && b.tensor.size === dirs * 2 * G * h;
    if (b && !bOk && idx === 1) warnings.push(`${nodeName(n)}: bias '${b.tensor.name}' has ${b.tensor.size} values, not ${dirs}·2·${G}·${h}; biases not attached`);
    if (b) account(b.tensor);
    for (let dir = 0; dir < dirs; dir++) {
      gates.forEach((g, gi) => {
        const offset = (dir * gh + gi * h) * cols;
        const part = `${label} gate=${g} dir=${dir}`;
        const bias = bOk ? b.tensor.slice(`${b.tensor.name}[${label}b gate=${g} dir=${dir}]`, dir * 2 * G * h + (idx === 2 ? G * h : 0) + gi * h, h) : null;
        add(n, s, w.role, { offset, rows: h, cols, stride: cols, t: false }, { part }, bias);
      });
    }
    return true;
  };

  // com.microsoft Attention: W [input, 3·hidden] = [Wq | Wk | Wv] (or qkv_hidden_sizes); one layer per part.
  const attention = (n: Node, s: ConstSource): boolean => {
    if (s.transposed || s.tensor.dims.length !== 2) return false;
    const [input, h3] = s.tensor.dims;
    const sizes = ints(n.attributes.get('qkv_hidden_sizes'), [h3 / 3, h3 / 3, h3 / 3]);
    // Budget: q, k, v widths are positive integers that add up to the weight's columns.
    if (sizes.length !== 3 || !sizes.every((x) => Number.isSafeInteger(x) && x > 0) || sizes[0] + sizes[1] + sizes[2] !== h3) {
      warnings.push(`${nodeName(n)}: qkv_hidden_sizes ${showDims(sizes)} do not split the ${h3} columns of ${quoteName(s.tensor.name)} into three positive widths; not measured`);
      return true;
    }
    let col = 0;
    ['q', 'k', 'v'].forEach((p, i) => {
      add(n, s, 'dense', { offset: col, rows: input, cols: sizes[i], stride: h3, t: true }, { part: p }, null);
      col += sizes[i];
    });
    return true;
  };

  for (const n of order) {
    const info = opInfo(n.domain, n.opType);
    if (!info) continue;
    for (const i of info.params ?? []) {
      const t = n.inputs[i] ? constOf(n.inputs[i])?.tensor : null;
      if (t) account(t);
    }
    const weights = info.weights ?? [];
    // An op with two possible weight positions (Gemm, MatMul) measures the constant one, and neither
    // when both are constant (a product of two constants is not a layer).
    const consts = weights.map((w) => (n.inputs[w.input] ? constOf(n.inputs[w.input]) : null));
    const exclusive = n.opType === 'Gemm' || n.opType === 'MatMul';
    if (exclusive && consts[0] && consts[1]) continue;
    for (let k = 0; k < weights.length; k++) {
      const src = consts[k];
      if (!src) continue;
      if (weights[k].layout === 'embedding' && n.opType === 'Gather' && constOf(n.inputs[1])) continue; // constant indices: a chain, not a lookup
      measure(n, weights[k], src);
      if (exclusive) break;
    }
  }
  const tied = mergeTiedCopies(layers);
  tied.dropped.forEach((l) => account(l.weight));
  warnings.push(...tied.warnings);
  const kept = layers.filter((l) => !tied.dropped.has(l));
  warnings.push(...unmeasuredWarnings(graph, consumers, accounted, evaluator, lctx.scopes ?? []));
  // Quantized weights refused for a scale that does not fit them (a budget check in the evaluator).
  for (const [value, why] of evaluator.refused) if (why.startsWith('DequantizeLinear')) warnings.push(`${quoteName(value)}: ${why}; not dequantized or measured`);
  return { layers: kept, warnings };
}

/**
 * Tied input embedding and output projection stored twice: exporters constant-fold the LM head's
 * Transpose(wte) into a second initializer, so the tie is only visible in the values. A dense layer
 * whose stored tensor is exactly an embedding table (or its transpose) is that embedding's layer, its use
 * noted there. Only tensors of transposed/equal shape are compared (one read each).
 */
function mergeTiedCopies(layers: LayerImpl[]): { dropped: Set<LayerImpl>; warnings: string[] } {
  const dropped = new Set<LayerImpl>();
  const warnings: string[] = [];
  const tables = layers.filter((l) => l.role === 'embedding' && !l.part);
  if (!tables.length) return { dropped, warnings };
  for (const e of tables) {
    const [vocab, dim] = e.weight.dims;
    if (vocab * dim < 64) continue;
    let table: Float64Array | null = null;
    for (const l of layers) {
      if (l.role !== 'dense' || l.part || dropped.has(l) || l.weight.name === e.weight.name || l.weight.dims.length !== 2) continue;
      const [r, c] = l.weight.dims;
      const transposed = r === dim && c === vocab;
      if (!transposed && !(r === vocab && c === dim)) continue;
      try {
        table ??= e.weight.toFloat64();
        const v = l.weight.toFloat64();
        let same = true;
        for (let i = 0; i < vocab && same; i++) {
          for (let j = 0; j < dim; j++) {
            if (v[transposed ? j * vocab + i : i * dim + j] !== table[i * dim + j]) {
              same = false;
              break;
            }
          }
        }
        if (!same) continue;
      } catch {
        continue;
      }
      dropped.add(l);
      const list = e.noteLists.get('*') ?? [];
      list.push(`tied: also the weight of ${l.op} ${l.node}, stored again by the exporter as '${l.weight.name}'${transposed ? ' (transposed)' : ''} with identical values; measured once`);
      e.noteLists.set('*', list);
      warnings.push(`'${l.weight.name}' (${l.node}) is a copy of the embedding '${e.weight.name}'${transposed ? ', transposed' : ''} (tied weights): measured once, as the embedding`);
    }
  }
  return { dropped, warnings };
}

/**
 * What the reader could not measure, quantified: stored float tensors (more than one element) that are
 * neither a layer's weight, bias or folded BatchNorm, nor a normalisation's per-channel parameters,
 * grouped by why (the op they feed has no weight role, an op chain the evaluator does not fold, unused).
 */
function unmeasuredWarnings(
  graph: RawGraph, consumers: ReadonlyMap<string, Node[]>, accounted: ReadonlySet<string>, evaluator: ConstEvaluator, scopes: readonly GraphScope[],
): string[] {
  const groups = new Map<string, { tensors: number; params: number; names: string[] }>();
  const scopeOfTensor = new Map<string, string>();
  for (const s of scopes) for (const k of s.graph.tensors.keys()) if (!scopeOfTensor.has(k)) scopeOfTensor.set(k, s.path);
  for (const [name, t] of graph.tensors) {
    // Vectors (norm scales and shifts, biases of unmeasured ops, decomposed LayerNorm's γ and β) are
    // parameters, not matrices: counted in storedParameters, not listed here.
    if (accounted.has(name) || t.dims.length < 2 || t.size <= 1 || !(FLOATING.has(t.dtype) || t.quant)) continue;
    // Follow chain ops forward to the ops that use the value.
    const ends = new Set<string>();
    const refused: string[] = [];
    const stack = [name];
    const visited = new Set<string>();
    while (stack.length) {
      const v = stack.pop()!;
      if (visited.has(v)) continue;
      visited.add(v);
      if (evaluator.refused.has(v)) refused.push(evaluator.refused.get(v)!);
      for (const c of consumers.get(v) ?? []) {
        // Through constant-only chain ops (a Slice of the weight); an op that mixes in activations is where it ends.
        if (CHAIN_OPS.has(c.opType) && c.domain === '' && c.outputs.some((o) => o && evaluator.resolve(o))) c.outputs.forEach((o) => o && stack.push(o));
        else ends.add(c.domain ? `${c.domain}.${c.opType}` : c.opType);
      }
    }
    const weightOps = [...ends].filter((e) => opInfo(e.includes('.') ? e.slice(0, e.lastIndexOf('.')) : '', e.slice(e.lastIndexOf('.') + 1))?.weights);
    const why = refused.length
      ? `its op chain was not evaluated (${refused[0]})`
      : weightOps.length
        ? `they reach ${weightOps.join('/')} in a position or layout the reader does not measure`
        : ends.size
          ? `they feed ${[...ends].sort().join(', ')}, which ${ends.size > 1 ? 'have' : 'has'} no weight role`
          : 'no node uses them';
    const g = groups.get(why) ?? { tensors: 0, params: 0, names: [] };
    g.tensors++;
    g.params += t.size;
    const scope = scopeOfTensor.get(name);
    g.names.push(scope ? `${scope}:${name}` : name);
    groups.set(why, g);
  }
  return [...groups].map(([why, g]) =>
    `not measured: ${g.tensors} stored float tensor${g.tensors > 1 ? 's' : ''} (${g.params} parameters) — ${why}: ${g.names.slice(0, 4).join(', ')}${g.names.length > 4 ? ` and ${g.names.length - 4} more` : ''}`,
  );
}

/**
 * Explicit pads, or auto_pad resolved as ONNX defines it: SAME_* pads so that out = ceil(in / stride),
 * total = max(0, (out − 1)·stride + (k − 1)·dilation + 1 − in), the odd unit at the end (SAME_UPPER) or
 * at the beginning (SAME_LOWER); VALID pads nothing. With stride 1 the total is (k − 1)·dilation for
 * any input size; otherwise the input size is needed, and null is returned when it is unknown.
 */
export function resolvePads(n: Node, kernel: number[], strides: number[], dilations: number[], input: number[] | null): number[] | null {
  const auto = n.attributes.get('auto_pad');
  const k = kernel.length;
  if (auto === 'VALID') return new Array(2 * k).fill(0);
  if ((auto === 'SAME_UPPER' || auto === 'SAME_LOWER') && n.opType === 'ConvTranspose') {
    // ConvTranspose: out = in·stride, so total = (k − 1)·dilation + 1 + output_padding − stride (input-free).
    const op = ints(n.attributes.get('output_padding'), new Array(k).fill(0));
    const total = kernel.map((kk, i) => Math.max(0, (kk - 1) * dilations[i] + 1 + (op[i] ?? 0) - strides[i]));
    const small = total.map((t) => Math.floor(t / 2));
    return auto === 'SAME_UPPER' ? [...small, ...total.map((t, i) => t - small[i])] : [...total.map((t, i) => t - small[i]), ...small];
  }
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    if (!input && !strides.every((s) => s === 1)) return null;
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < k; i++) {
      const total = input
        ? Math.max(0, (Math.ceil(input[i] / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i])
        : (kernel[i] - 1) * dilations[i];
      const small = Math.floor(total / 2);
      begin.push(auto === 'SAME_UPPER' ? small : total - small);
      end.push(auto === 'SAME_UPPER' ? total - small : small);
    }
    return [...begin, ...end];
  }
  return ints(n.attributes.get('pads'), new Array(2 * k).fill(0));
}
