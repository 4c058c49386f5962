// A small shape propagator: enough to know every convolution's input spatial size (exact conv
// spectra need it). Starts from graph inputs, stored tensors and value_info; unknown stays unknown.
import type { RawGraph } from './model';
import type { AttributeValue, Node } from './types';

export type Dim = number | string | null;
export type Shape = Dim[];

const isNum = (d: Dim): d is number => typeof d === 'number';
const ints = (v: AttributeValue | undefined): number[] | null => (Array.isArray(v) ? (v as number[]) : null);
const int = (v: AttributeValue | undefined, f: number): number => (typeof v === 'number' ? v : f);

function broadcast(a: Shape, b: Shape): Shape | null {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === y) out.push(x);
    else if (isNum(x) && isNum(y)) return null;
    else out.push(isNum(x) ? x : isNum(y) ? y : x);
  }
  return out;
}

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

export function inferShapes(graph: RawGraph, order: readonly Node[]): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const v of graph.inputs) if (v.shape) shapes.set(v.name, v.shape);
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
    if (n.outputs.every((o) => shapes.has(o))) continue;
    let out: Shape | null = null;
    try {
      out = infer(n, shapes, value);
    } catch {
      out = null;
    }
    if (out && n.outputs[0] && !shapes.has(n.outputs[0])) shapes.set(n.outputs[0], out);
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
    case 'GlobalAveragePool': case 'GlobalMaxPool':
      return x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : null;
    case 'Flatten': {
      if (!x) return null;
      const axis = int(a.get('axis'), 1);
      const ax = axis < 0 ? axis + x.length : axis;
      const prod = (d: Shape) => (d.every(isNum) ? (d as number[]).reduce((p, q) => p * q, 1) : null);
      return [prod(x.slice(0, ax)) ?? x[0], prod(x.slice(ax))];
    }
    case 'Reshape': {
      const target = value(n.inputs[1]);
      if (!target) return null;
      const out: Shape = target.map((d, i) => (d === 0 && x ? x[i] : d));
      const known = x && x.every(isNum) ? (x as number[]).reduce((p, q) => p * q, 1) : null;
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
        if (!axes) return x.filter((d) => d !== 1);
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
