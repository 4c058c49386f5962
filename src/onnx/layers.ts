// Ties each stored weight to the op that consumes it and says what the matrix *is*: the [out, in]
// linear map the measures need, whatever the exporter's layout (Gemm transB, MatMul's [in, out],
// conv kernels, ConvTranspose, embeddings, packed LSTM/GRU gates, fused attention weights).
import type { RawGraph } from './model';
import type { Shape } from './shapes';
import { quoteName } from '../input/error';
import { LIMITS, showDims } from '../input/limits';
import { NUMERIC } from './dtypes';
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

/** What a graph value is when it is (a view of) a stored tensor. */
interface ConstSource {
  tensor: TensorImpl;
  /** A 2-D Transpose between the stored tensor and the consumer. */
  transposed: boolean;
  via: string[];
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
    const whole = b.offset === 0 && b.stride === b.cols && b.rows * b.cols === this.weight.size;
    if (whole && !b.t) return precision === 'float32' ? this.weight.toFloat32() : this.weight.toFloat64();
    const v = precision === 'float32' ? this.weight.toFloat32() : this.weight.toFloat64();
    const out = precision === 'float32' ? new Float32Array(b.rows * b.cols) : new Float64Array(b.rows * b.cols);
    if (b.t) {
      // out[j][i] = M[i][j]; out is [cols, rows]
      for (let i = 0; i < b.rows; i++) {
        const o = b.offset + i * b.stride;
        for (let j = 0; j < b.cols; j++) out[j * b.rows + i] = v[o + j];
      }
    } else {
      for (let i = 0; i < b.rows; i++) out.set(v.subarray(b.offset + i * b.stride, b.offset + i * b.stride + b.cols), i * b.cols);
    }
    return out;
  }
}

/** The framework module path recovered from a weight's name or its node's name, else null. */
export function moduleName(weightName: string, nodeName: string, opType: string): string | null {
  const m = /^(?!onnx::)(.+?)\.(weight|weight_orig|kernel|W|w|weight_ih_l\d+|weight_hh_l\d+|in_proj_weight)$/.exec(weightName);
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

/** Builds the measurable layers, in topological order of their consuming nodes. */
export function buildLayers(graph: RawGraph, order: readonly Node[], shapes: ReadonlyMap<string, Shape>, file: string): LayerBuild {
  const warnings: string[] = [];
  const producers = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of order) {
    for (const o of n.outputs) producers.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }

  // Values that are stored tensors, possibly through Identity / Cast / DequantizeLinear / Transpose.
  const constCache = new Map<string, ConstSource | null>();
  const constOf = (name: string, depth = 0): ConstSource | null => {
    if (!name || depth > 16) return null;
    if (constCache.has(name)) return constCache.get(name)!;
    let r: ConstSource | null = null;
    const stored = graph.tensors.get(name);
    // An initializer that is also a graph input can be overridden at run time, but it is still the
    // checkpoint's weight: measure it.
    if (stored) r = { tensor: stored, transposed: false, via: [] };
    else {
      const p = producers.get(name);
      if (p && (p.opType === 'Identity' || p.opType === 'Cast')) {
        const s = constOf(p.inputs[0], depth + 1);
        if (s) r = { ...s, via: [...s.via, p.opType] };
      } else if (p && p.opType === 'DequantizeLinear') {
        const s = constOf(p.inputs[0], depth + 1);
        const scale = constOf(p.inputs[1], depth + 1);
        const zp = p.inputs[2] ? constOf(p.inputs[2], depth + 1) : null;
        // Budget: a scale (and zero point) holds one value per tensor or one per channel of the weight;
        // anything larger is refused before it is decoded (a sparse scale can declare any size).
        const axis = int(p.attributes.get('axis'), 1);
        const wd = s?.tensor.dims ?? [];
        const channels = wd[axis < 0 ? axis + wd.length : axis];
        const fits = (t: TensorImpl | undefined) => !t || t.size === 1 || t.size === channels;
        if (s && scale && !s.transposed && !(fits(scale.tensor) && fits(zp?.tensor))) {
          warnings.push(`${nodeName(p)}: DequantizeLinear scale ${quoteName(scale.tensor.name)} of shape ${showDims(scale.tensor.dims)}${zp ? ` (zero point ${showDims(zp.tensor.dims)})` : ''} is neither per-tensor nor one per channel of the weight ${showDims(wd)} along axis ${axis}; not dequantized`);
        } else if (s && scale && !s.transposed) {
          const t = s.tensor.renamed(s.tensor.name, s.tensor.source);
          t.quant = {
            scale: scale.tensor.toFloat32(),
            zeroPoint: zp ? zp.tensor.toFloat32() : null,
            axis,
          };
          r = { tensor: t, transposed: false, via: [...s.via, 'DequantizeLinear'] };
        }
      } else if (p && p.opType === 'Transpose') {
        const s = constOf(p.inputs[0], depth + 1);
        const perm = p.attributes.get('perm');
        if (s && s.tensor.dims.length === 2 && (perm === null || perm === undefined || (Array.isArray(perm) && perm[0] === 1 && perm[1] === 0))) {
          r = { ...s, transposed: !s.transposed, via: [...s.via, 'Transpose'] };
        }
      }
    }
    constCache.set(name, r);
    return r;
  };

  const layers: LayerImpl[] = [];
  const seen = new Map<string, LayerImpl>();
  const nodeName = (n: Node) => n.name || `${n.opType}#${n.index}`;
  const biasOf = (name: string | undefined): Tensor | null => (name ? constOf(name)?.tensor ?? null : null);

  /** A bias added right after a MatMul: Add(out, const[out_features]). */
  const followingAdd = (n: Node, outFeatures: number): { bias: Tensor; output: string } | null => {
    for (const c of consumers.get(n.outputs[0]) ?? []) {
      if (c.opType !== 'Add') continue;
      const other = c.inputs[0] === n.outputs[0] ? c.inputs[1] : c.inputs[0];
      const t = constOf(other)?.tensor;
      if (t && t.size === outFeatures) return { bias: t, output: c.outputs[0] };
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
    n: Node, src: ConstSource, role: LayerRole, block: Block, extra: LayerImpl['extra'], bias: Tensor | null,
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
    const key = `${src.tensor.name}|${extra.part ?? ''}`;
    const prev = seen.get(key);
    if (prev) {
      warnings.push(`weight '${src.tensor.name}' is used by ${prev.node} and ${nodeName(n)} (tied/shared): measured once`);
      return;
    }
    if (src.transposed) block = { ...block, t: !block.t };
    const layer = new LayerImpl(
      src.tensor.name, n.opType, nodeName(n), moduleName(src.tensor.name, n.name, n.opType), role, src.tensor, bias,
      [...src.tensor.dims], block, layers.length, extra,
    );
    seen.set(key, layer);
    layers.push(layer);
  };

  for (const n of order) {
    if (n.domain !== '' && n.domain !== 'com.microsoft') continue;
    const dims = (s: ConstSource) => s.tensor.dims;
    switch (n.opType) {
      case 'Gemm': {
        const transA = int(n.attributes.get('transA'), 0);
        const transB = int(n.attributes.get('transB'), 0);
        const alpha = int(n.attributes.get('alpha'), 1);
        const beta = int(n.attributes.get('beta'), 1);
        const a = constOf(n.inputs[0]);
        const b = constOf(n.inputs[1]);
        const gemm = { transA, transB, alpha, beta };
        if (b && dims(b).length === 2 && !a) {
          const [r, c] = dims(b);
          // Y = A'·B', B' = transB ? Bᵀ : B is [in, out]; the map's matrix is B'ᵀ: B itself when transB=1.
          const block: Block = { offset: 0, rows: r, cols: c, stride: c, t: !transB };
          const bias = biasOf(n.inputs[2]);
          add(n, b, 'dense', block, { gemm, batchNorm: followingBn(n.outputs[0]) }, bias);
          if (alpha !== 1) warnings.push(`${nodeName(n)}: Gemm alpha = ${alpha} scales the output; the stored weight is measured as it is`);
        } else if (a && dims(a).length === 2 && !b) {
          const [r, c] = dims(a);
          // Y = A'·X: the matrix is A' = transA ? Aᵀ : A, [out, in].
          add(n, a, 'dense', { offset: 0, rows: r, cols: c, stride: c, t: !!transA }, { gemm }, biasOf(n.inputs[2]));
        }
        break;
      }
      case 'MatMul': {
        const a = constOf(n.inputs[0]);
        const b = constOf(n.inputs[1]);
        if (b && !a) {
          if (dims(b).length !== 2) {
            warnings.push(`${nodeName(n)}: MatMul weight '${b.tensor.name}' has rank ${dims(b).length} (batched); not measured`);
            break;
          }
          const [r, c] = dims(b);
          const following = followingAdd(n, b.transposed ? r : c);
          add(n, b, 'dense', { offset: 0, rows: r, cols: c, stride: c, t: true },
            { batchNorm: followingBn(following ? following.output : n.outputs[0]) }, following?.bias ?? null);
        } else if (a && !b && dims(a).length === 2) {
          const [r, c] = dims(a);
          add(n, a, 'dense', { offset: 0, rows: r, cols: c, stride: c, t: false }, {}, null);
        }
        break;
      }
      case 'Conv':
      case 'ConvTranspose': {
        const w = constOf(n.inputs[1]);
        if (!w || w.transposed) break;
        const d = dims(w);
        if (d.length < 3) break;
        const group = int(n.attributes.get('group'), 1);
        const kernel = d.slice(2);
        const spatial = kernel.length;
        const strides = ints(n.attributes.get('strides'), kernel.map(() => 1));
        const dilations = ints(n.attributes.get('dilations'), kernel.map(() => 1));
        const inShape = shapes.get(n.inputs[0]);
        let inputSpatial = inShape && inShape.length === spatial + 2 && inShape.slice(2).every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0) ? (inShape.slice(2) as number[]) : null;
        // Budget of the exact conv spectrum (min(c_out, c_in)·H·W singular values, H·W eigenproblems):
        // an inferred input size past it is dropped, so that spectrum is skipped with a note.
        if (inputSpatial) {
          const pixels = inputSpatial.reduce((a, b) => a * b, 1);
          const channels = Math.min(d[0], (d[1] ?? 1) * Math.max(1, int(n.attributes.get('group'), 1)));
          if (pixels > LIMITS.maxConvPixels || channels * pixels > LIMITS.maxConvSingularValues) {
            warnings.push(`${nodeName(n)}: input ${showDims(inputSpatial)} is past the limit for the exact conv spectrum (${LIMITS.maxConvPixels} pixels, ${LIMITS.maxConvSingularValues} singular values); it is not computed`);
            inputSpatial = null;
          }
        }
        // Attributes come from the file: one positive integer stride and dilation per spatial axis, a positive group.
        const okInts = (a: unknown[], len: number, min: number) => a.length === len && a.every((x) => Number.isSafeInteger(x) && (x as number) >= min);
        if (!okInts(strides, spatial, 1) || !okInts(dilations, spatial, 1) || !(Number.isSafeInteger(group) && group >= 1 && d[0] % group === 0)) {
          warnings.push(`${nodeName(n)}: strides ${showDims(strides)}, dilations ${showDims(dilations)} or group ${group} do not fit its ${spatial}-d kernel ${showDims(d)}; not measured`);
          break;
        }
        let pads = resolvePads(n, kernel, strides, dilations, inputSpatial);
        if (pads && !okInts(pads, 2 * spatial, 0)) {
          warnings.push(`${nodeName(n)}: pads ${showDims(pads)} are not ${2 * spatial} non-negative integers; pads reported as 0`);
          pads = new Array(2 * spatial).fill(0);
        }
        if (!pads) warnings.push(`${nodeName(n)}: auto_pad ${String(n.attributes.get('auto_pad'))} with strides ${strides.join('×')} needs the input size, which shape inference could not find; pads reported as 0`);
        const rest = d.slice(1).reduce((x, y) => x * y, 1);
        const conv = {
          kernel, group, strides, pads: pads ?? new Array(2 * spatial).fill(0), dilations, inputSpatial,
          ...(n.opType === 'ConvTranspose' ? { outputPadding: ints(n.attributes.get('output_padding'), kernel.map(() => 0)) } : {}),
        };
        // Conv: [c_out, c_in/g·k…]; ConvTranspose W is [c_in, c_out/g, k…]: the map's matrix is the transpose.
        const block: Block = { offset: 0, rows: d[0], cols: rest, stride: rest, t: n.opType === 'ConvTranspose' };
        add(n, w, n.opType === 'Conv' ? 'conv' : 'convTranspose', block, { conv, batchNorm: followingBn(n.outputs[0]) }, biasOf(n.inputs[2]));
        break;
      }
      case 'Gather': {
        const table = constOf(n.inputs[0]);
        if (!table || constOf(n.inputs[1]) || dims(table).length !== 2 || int(n.attributes.get('axis'), 0) !== 0) break;
        const [vocab, dim] = dims(table);
        // one-hot(vocab) → dim: the matrix is the table transposed, [dim, vocab].
        add(n, table, 'embedding', { offset: 0, rows: vocab, cols: dim, stride: dim, t: true }, {}, null);
        break;
      }
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        // ONNX LSTM/GRU/RNN: W [dirs, G·h, in], R [dirs, G·h, h] with gate blocks stacked (LSTM i,o,f,c;
        // GRU z,r,h; RNN one), B [dirs, 2·G·h] = [Wb gates | Rb gates]. Each gate × direction is one layer.
        const gates = n.opType === 'LSTM' ? ['i', 'o', 'f', 'c'] : n.opType === 'GRU' ? ['z', 'r', 'h'] : ['h'];
        const G = gates.length;
        const hidden = int(n.attributes.get('hidden_size'), 0);
        const b = constOf(n.inputs[3] ?? '');
        for (const [idx, role, label] of [[1, 'recurrentInput', 'W'], [2, 'recurrentHidden', 'R']] as const) {
          const s = constOf(n.inputs[idx]);
          if (!s || s.transposed || dims(s).length !== 3) continue;
          const [dirs, gh, cols] = dims(s);
          const h = hidden || gh / G;
          // Budget: ONNX num_directions is 1 or 2; a larger first dimension would build dirs × G layers.
          if (dirs < 1 || dirs > LIMITS.maxDirections) {
            warnings.push(`${nodeName(n)}: ${label} has shape ${showDims(dims(s))}: ${dirs} directions (ONNX allows 1 or 2); not measured`);
            continue;
          }
          if (!(Number.isSafeInteger(h) && h > 0) || h * G !== gh) {
            warnings.push(`${nodeName(n)}: ${label} has ${gh} rows, not ${G} gates × hidden ${h}; not measured`);
            continue;
          }
          const bOk = b && !b.transposed && b.tensor.size === dirs * 2 * G * h;
          if (b && !bOk && idx === 1) warnings.push(`${nodeName(n)}: bias '${b.tensor.name}' has ${b.tensor.size} values, not ${dirs}·2·${G}·${h}; biases not attached`);
          for (let dir = 0; dir < dirs; dir++) {
            gates.forEach((g, gi) => {
              const offset = (dir * gh + gi * h) * cols;
              const part = `${label} gate=${g} dir=${dir}`;
              const bias = bOk ? b.tensor.slice(`${b.tensor.name}[${label}b gate=${g} dir=${dir}]`, dir * 2 * G * h + (idx === 2 ? G * h : 0) + gi * h, h) : null;
              add(n, s, role, { offset, rows: h, cols, stride: cols, t: false }, { part }, bias);
            });
          }
        }
        break;
      }
      case 'Attention': {
        if (n.domain !== 'com.microsoft') break;
        const s = constOf(n.inputs[1]);
        if (!s || s.transposed || dims(s).length !== 2) break;
        const [input, h3] = dims(s);
        const sizes = ints(n.attributes.get('qkv_hidden_sizes'), [h3 / 3, h3 / 3, h3 / 3]);
        // Budget: q, k, v widths are positive integers that add up to the weight's columns.
        if (sizes.length !== 3 || !sizes.every((x) => Number.isSafeInteger(x) && x > 0) || sizes[0] + sizes[1] + sizes[2] !== h3) {
          warnings.push(`${nodeName(n)}: qkv_hidden_sizes ${showDims(sizes)} do not split the ${h3} columns of ${quoteName(s.tensor.name)} into three positive widths; not measured`);
          break;
        }
        let col = 0;
        ['q', 'k', 'v'].forEach((p, i) => {
          add(n, s, 'dense', { offset: col, rows: input, cols: sizes[i], stride: h3, t: true }, { part: p }, null);
          col += sizes[i];
        });
        break;
      }
      default:
        break;
    }
  }
  if (graph.subgraphNodes.length) warnings.push(`weights inside subgraphs (If/Loop/Scan: ${graph.subgraphNodes.slice(0, 5).join(', ')}) are not measured`);
  return { layers, warnings };
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
