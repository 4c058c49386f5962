// A small shape propagator: enough to know every convolution's input spatial size (exact conv
// spectra need it). Starts from graph inputs (or the sizes a user pins with --input-shape), stored
// tensors and value_info. It never invents a size: an unknown or symbolic dimension stays unknown (or
// symbolic) through every op, and where a value's shape cannot be inferred the op that stopped it is
// recorded (`origins`), so a layer can say why its input size is unknown.
import type { RawGraph } from './model';
import type { AttributeValue, Node } from './types';

export type Dim = number | string | null;
export type Shape = Dim[];

const isNum = (d: Dim): d is number => typeof d === 'number';
const ints = (v: AttributeValue | undefined): number[] | null => (Array.isArray(v) ? (v as number[]) : null);
const int = (v: AttributeValue | undefined, f: number): number => (typeof v === 'number' ? v : f);

/**
 * Numpy broadcasting over possibly unknown dims. Only a missing leading axis counts as 1 (an unknown
 * dim is not 1); a known size > 1 wins over an unknown one (the other must be 1 or equal); two
 * different unknowns stay unknown.
 */
export function broadcast(a: Shape, b: Shape): Shape | null {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const ia = a.length - n + i;
    const ib = b.length - n + i;
    const x: Dim = ia >= 0 ? a[ia] : 1;
    const y: Dim = ib >= 0 ? b[ib] : 1;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === y && x !== null) out.push(x);
    else if (isNum(x) && isNum(y)) return null;
    else if (isNum(x)) out.push(x);
    else if (isNum(y)) out.push(y);
    else out.push(null);
  }
  return out;
}

const product = (d: Shape): number | null => (d.every(isNum) ? (d as number[]).reduce((p, q) => p * q, 1) : null);

/** Output spatial size of a conv/pool window. */
function windowOut(input: Dim, k: number, s: number, d: number, padBegin: number, padEnd: number, ceil: boolean, auto: AttributeValue | undefined): Dim {
  if (!isNum(input)) return null;
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return Math.ceil(input / s);
  if (auto === 'VALID') return Math.floor((input - ((k - 1) * d + 1)) / s) + 1;
  const span = input + padBegin + padEnd - ((k - 1) * d + 1);
  if (!ceil) return Math.floor(span / s) + 1;
  // ceil_mode: a last window that would start in the end padding is dropped (PyTorch and onnxruntime).
  let out = Math.ceil(span / s) + 1;
  if ((out - 1) * s >= input + padBegin) out--;
  return out;
}

export interface ShapeOptions {
  /** Graph input name → pinned dims (replace the file's dims, which may be symbolic or unknown). */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Filled with: value name → why its shape (or some of its dims) is unknown. */
  origins?: Map<string, string>;
  /** Problems with inputShapes (names that are not inputs, rank or size mismatches). */
  warnings?: string[];
}

/** `NAME=1,3,640,640` (the --input-shape syntax) → name and dims; throws an Error saying what is wrong. */
export function parseInputShape(spec: string): [string, number[]] {
  const m = /^(.+)=([0-9]+(?:,[0-9]+)*)$/.exec(spec.trim());
  if (!m) throw new Error(`'${spec}' is not NAME=D1,D2,... (e.g. images=1,3,640,640)`);
  const dims = m[2].split(',').map(Number);
  if (!dims.every((d) => Number.isSafeInteger(d) && d > 0)) throw new Error(`'${spec}': every dimension must be a positive integer`);
  return [m[1], dims];
}

const nodeLabel = (n: Node) => `${n.opType} node '${n.name || `${n.opType}#${n.index}`}'`;

/**
 * Shapes of the graph's values. `order` may include the nodes of subgraphs (If/Loop/Scan bodies,
 * flattened after their parent): they read outer values by name like any other node.
 */
export function inferShapes(graph: RawGraph, order: readonly Node[], options: ShapeOptions = {}): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const origins = options.origins ?? new Map<string, string>();
  const pinned: Record<string, readonly number[]> = { ...(options.inputShapes ?? {}) };
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  for (const [name, dims] of Object.entries(options.inputShapes ?? {})) {
    if (!Array.isArray(dims) || !dims.length || !dims.every((d) => Number.isInteger(d) && d > 0)) {
      options.warnings?.push(`input shape given for '${name}' is not a list of positive integers (${JSON.stringify(dims)}); ignored`);
      delete pinned[name];
    } else if (!inputNames.has(name) || graph.tensors.has(name)) {
      const names = graph.inputs.filter((v) => !graph.tensors.has(v.name)).map((v) => v.name);
      options.warnings?.push(`input shape given for '${name}', which is not an input of the model (inputs: ${names.join(', ') || 'none'}); ignored`);
    }
  }
  for (const v of graph.inputs) {
    const pin = pinned[v.name];
    if (pin && !graph.tensors.has(v.name)) {
      const file = v.shape;
      const clash = file && (file.length !== pin.length || file.some((d, i) => isNum(d) && d !== pin[i]));
      if (clash) options.warnings?.push(`input shape ${pin.join('×')} given for '${v.name}' does not match the file's [${file!.map((d) => d ?? '?').join(', ')}]; the given shape is used`);
      shapes.set(v.name, [...pin]);
      continue;
    }
    if (v.shape) {
      shapes.set(v.name, v.shape);
      const dynamic = v.shape.map((d, i) => (isNum(d) ? null : typeof d === 'string' ? d : `dim ${i}`)).filter((d) => d !== null);
      if (dynamic.length) origins.set(v.name, `input '${v.name}' has dynamic dims (${dynamic.join(', ')}: [${v.shape.map((d) => d ?? '?').join(', ')}])`);
    } else if (!graph.tensors.has(v.name)) origins.set(v.name, `input '${v.name}' has no shape in the file`);
  }
  for (const [name, t] of graph.tensors) shapes.set(name, [...t.dims]);
  for (const [name, v] of graph.valueInfo) if (v.shape && !shapes.has(name)) shapes.set(name, v.shape);
  const value = (name: string): number[] | null => {
    const t = graph.tensors.get(name);
    if (!t || t.size > 64) return null;
    try {
      return t.toNumbers();
    } catch {
      return null;
    }
  };

  for (const n of order) {
    if (n.outputs.every((o) => !o || shapes.has(o))) continue;
    let out: Shape | null = null;
    try {
      out = infer(n, shapes, value);
    } catch {
      out = null;
    }
    // Why this value's shape is (partly) unknown: inherited from the first input that has a reason,
    // else this op stopped inference.
    const inherited = n.inputs.map((i) => (i ? origins.get(i) : undefined)).find((o) => o !== undefined);
    const first = n.outputs[0];
    if (out && first && !shapes.has(first)) {
      shapes.set(first, out);
      if (!out.every(isNum)) origins.set(first, inherited ?? `shape inference stopped at ${nodeLabel(n)} (its output has dims [${out.map((d) => d ?? '?').join(', ')}])`);
    }
    for (const o of n.outputs) {
      if (!o || shapes.has(o) || origins.has(o)) continue;
      origins.set(o, inherited ?? `shape inference stopped at ${nodeLabel(n)} (output shape not inferred for ${n.opType})`);
    }
  }
  return shapes;
}

function infer(n: Node, shapes: Map<string, Shape>, value: (name: string) => number[] | null): Shape | null {
  const s = (i: number) => (n.inputs[i] ? shapes.get(n.inputs[i]) ?? null : null);
  const x = s(0);
  const a = n.attributes;
  switch (n.opType) {
    case 'Relu': case 'LeakyRelu': case 'Tanh': case 'Sigmoid': case 'Elu': case 'Selu': case 'Gelu': case 'Erf':
    case 'Softmax': case 'LogSoftmax': case 'Identity': case 'Dropout': case 'BatchNormalization': case 'Cast':
    case 'Clip': case 'Neg': case 'Abs': case 'Sqrt': case 'Exp': case 'Log': case 'HardSigmoid': case 'HardSwish':
    case 'Softplus': case 'PRelu': case 'InstanceNormalization': case 'LayerNormalization': case 'LRN': case 'Mish':
    case 'DequantizeLinear': case 'QuantizeLinear': case 'Reciprocal': case 'Sign': case 'Floor': case 'Ceil':
      return x;
    case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Pow': case 'Max': case 'Min': case 'Where': case 'Equal':
    case 'Greater': case 'Less': case 'And': case 'Or': case 'Sum': case 'Mean': {
      let r: Shape | null = x;
      for (let i = 1; i < n.inputs.length && r; i++) {
        const y = s(i);
        r = y ? broadcast(r, y) : null;
      }
      return r;
    }
    case 'Conv': case 'ConvTranspose': case 'MaxPool': case 'AveragePool': case 'LpPool': {
      if (!x || x.length < 3) return null;
      const w = n.opType.startsWith('Conv') ? s(1) : null;
      const spatial = x.length - 2;
      const kernel = ints(a.get('kernel_shape')) ?? (w ? (w.slice(2) as number[]) : null);
      if (!kernel || kernel.length !== spatial || !kernel.every(isNum)) return null;
      const strides = ints(a.get('strides')) ?? kernel.map(() => 1);
      const dil = ints(a.get('dilations')) ?? kernel.map(() => 1);
      const pads = ints(a.get('pads')) ?? new Array(2 * spatial).fill(0);
      const ceil = int(a.get('ceil_mode'), 0) === 1;
      const auto = a.get('auto_pad');
      let channels: Dim = x[1];
      if (n.opType === 'Conv' && w) channels = w[0];
      if (n.opType === 'ConvTranspose' && w) channels = isNum(w[1]) ? w[1] * int(a.get('group'), 1) : null;
      const out: Shape = [x[0], channels];
      for (let i = 0; i < spatial; i++) {
        if (n.opType === 'ConvTranspose') {
          const xi = x[2 + i];
          const op = (ints(a.get('output_padding')) ?? [])[i] ?? 0;
          const explicit = ints(a.get('output_shape'));
          if (explicit) out.push(explicit[explicit.length - spatial + i]);
          else if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') out.push(isNum(xi) ? xi * strides[i] : null);
          else out.push(isNum(xi) ? strides[i] * (xi - 1) + op + ((kernel[i] - 1) * dil[i] + 1) - pads[i] - pads[i + spatial] : null);
        } else out.push(windowOut(x[2 + i], kernel[i], strides[i], dil[i], pads[i], pads[i + spatial], ceil, auto));
      }
      return out;
    }
    case 'Resize': case 'Upsample': {
      // Resize(X, roi, scales, sizes) (opset ≥ 11), Resize(X, scales) (10), Upsample(X, scales) / scales attribute.
      if (!x) return null;
      const sizes = n.opType === 'Resize' && n.inputs[3] ? value(n.inputs[3]) : null;
      if (sizes && sizes.length === x.length) return [...sizes];
      const scaleName = n.opType === 'Resize' ? (n.inputs.length >= 3 ? n.inputs[2] : n.inputs[1]) : n.inputs[1];
      const scales = (scaleName ? value(scaleName) : null) ?? ints(a.get('scales'));
      if (!scales || scales.length !== x.length) return null;
      return x.map((d, i) => (scales[i] === 1 ? d : isNum(d) ? Math.floor(d * scales[i]) : null));
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool':
      return x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : null;
    case 'Flatten': {
      if (!x) return null;
      const axis = int(a.get('axis'), 1);
      const ax = axis < 0 ? axis + x.length : axis;
      // A single leading dim keeps its name (batch); a product with an unknown factor is unknown.
      return [ax === 1 ? x[0] : product(x.slice(0, ax)), ax === x.length - 1 ? x[ax] : product(x.slice(ax))];
    }
    case 'Reshape': {
      const target = value(n.inputs[1]);
      if (!target) return null;
      const out: Shape = target.map((d, i) => (d === 0 ? (x ? x[i] ?? null : null) : d));
      const known = x ? product(x) : null;
      const neg = out.indexOf(-1);
      if (neg >= 0) {
        const rest = out.filter((_, i) => i !== neg);
        out[neg] = known !== null && rest.every(isNum) ? known / (rest as number[]).reduce((p, q) => p * q, 1) : null;
      }
      return out;
    }
    case 'Transpose': {
      if (!x) return null;
      const perm = ints(a.get('perm')) ?? x.map((_, i) => x.length - 1 - i);
      return perm.map((p) => x[p]);
    }
    case 'Squeeze': case 'Unsqueeze': {
      if (!x) return null;
      const axes = ints(a.get('axes')) ?? (n.inputs[1] ? value(n.inputs[1]) : null);
      if (n.opType === 'Squeeze') {
        if (!axes) return x.every(isNum) ? x.filter((d) => d !== 1) : null;
        const norm = axes.map((v) => (v < 0 ? v + x.length : v));
        return x.filter((_, i) => !norm.includes(i));
      }
      if (!axes) return null;
      const rank = x.length + axes.length;
      const norm = axes.map((v) => (v < 0 ? v + rank : v));
      const out: Shape = [];
      let j = 0;
      for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x[j++]);
      return out;
    }
    case 'Concat': {
      const all = n.inputs.map((_, i) => s(i));
      if (all.some((v) => !v)) return null;
      const axis = int(a.get('axis'), 0);
      const ax = axis < 0 ? axis + all[0]!.length : axis;
      const out = [...all[0]!];
      out[ax] = all.every((v) => isNum(v![ax])) ? all.reduce((p, v) => p + (v![ax] as number), 0) : null;
      return out;
    }
    case 'Gemm': {
      const b = s(1);
      if (!x || !b) return null;
      const m = int(a.get('transA'), 0) ? x[1] : x[0];
      const nn = int(a.get('transB'), 0) ? b[0] : b[1];
      return [m, nn];
    }
    case 'MatMul': {
      const b = s(1);
      if (!x || !b) return null;
      if (x.length === 1 || b.length === 1) return null;
      const batch = broadcast(x.slice(0, -2), b.slice(0, -2));
      return batch ? [...batch, x[x.length - 2], b[b.length - 1]] : null;
    }
    case 'Pad': {
      if (!x) return null;
      const pads = ints(a.get('pads')) ?? (n.inputs[1] ? value(n.inputs[1]) : null);
      if (!pads || pads.length !== 2 * x.length) return null;
      return x.map((d, i) => (isNum(d) ? d + pads[i] + pads[i + x.length] : null));
    }
    case 'Gather': {
      const idx = s(1);
      if (!x || !idx) return null;
      const axis = int(a.get('axis'), 0);
      const ax = axis < 0 ? axis + x.length : axis;
      return [...x.slice(0, ax), ...idx, ...x.slice(ax + 1)];
    }
    case 'ReduceMean': case 'ReduceSum': case 'ReduceMax': {
      if (!x) return null;
      const axes = ints(a.get('axes')) ?? (n.inputs[1] ? value(n.inputs[1]) : null) ?? x.map((_, i) => i);
      const keep = int(a.get('keepdims'), 1) === 1;
      const norm = axes.map((v) => (v < 0 ? v + x.length : v));
      return keep ? x.map((d, i) => (norm.includes(i) ? 1 : d)) : x.filter((_, i) => !norm.includes(i));
    }
    default:
      return null;
  }
}
