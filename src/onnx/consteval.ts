// A small, lazy constant evaluator for weight chains: the ops exporters put between a stored tensor and
// the op that uses it (PyTorch's LSTM gate reordering Slice → Concat → Unsqueeze, weight norm g·v/‖v‖,
// scale folding, reshapes, dequantization). Resolving a value computes only its shape; the values are
// computed when a measure asks for them (one layer at a time), within a size cap.
import { showDims } from '../input/limits';
import { CHAIN_OPS } from './ops';
import { TensorImpl } from './tensor';
import { CheckpointError, type Node, type TensorSource } from './types';

/** Largest chain result evaluated, in elements (float64: 512 MiB). */
export const MAX_EVAL_ELEMENTS = 1 << 26;

/** What a graph value is when it is (a view of, or a function of) stored tensors. */
export interface ConstSource {
  tensor: TensorImpl;
  /** A 2-D Transpose between the stored tensor and the consumer (kept as a view, not computed). */
  transposed: boolean;
  /** The ops between the stored tensor(s) and the consumer, in order. */
  via: string[];
}

/** A tensor whose values are computed from other tensors on demand. */
export class ComputedTensor extends TensorImpl {
  constructor(
    name: string,
    dataType: number,
    dims: readonly number[],
    source: TensorSource,
    private readonly fileName: string,
    private readonly compute: () => Float64Array,
    /** The stored tensors it is computed from. */
    readonly sources: readonly string[],
  ) {
    super(name, dataType, dims, source, { kind: 'values', values: new Float64Array(0) }, fileName);
  }
  override renamed(name: string, source: TensorSource): TensorImpl {
    return new ComputedTensor(name, this.dataType, this.dims, source, this.fileName, this.compute, this.sources);
  }
  override storedBytes(): Uint8Array | null {
    return null;
  }
  override toFloat64(): Float64Array {
    const v = this.compute();
    if (v.length !== this.size) throw new CheckpointError(this.fileName, `computed ${v.length} values for shape [${this.dims.join(', ')}]`, this.name);
    return v;
  }
  override toFloat32(): Float32Array {
    return Float32Array.from(this.toFloat64());
  }
  override toNumbers(): number[] {
    return Array.from(this.toFloat64());
  }
}

const FLOAT_TYPES = new Set([1, 10, 11, 16]);
const prod = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
const strides = (d: readonly number[]) => {
  const s = new Array(d.length).fill(1);
  for (let i = d.length - 2; i >= 0; i--) s[i] = s[i + 1] * d[i + 1];
  return s;
};
const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

interface Lazy {
  dims: number[];
  dataType: number;
  values: () => Float64Array;
  sources: string[];
  via: string[];
}

/**
 * Resolves graph values to constants. `small(name)` gives the values of small integer tensors (shapes,
 * axes, indices) eagerly; everything else stays lazy.
 */
export class ConstEvaluator {
  private readonly cache = new Map<string, ConstSource | null>();
  private readonly lazyCache = new Map<string, Lazy | null>();
  /** Values the evaluator refused, with why (size cap, unsupported attribute): for the layer's notes. */
  readonly refused = new Map<string, string>();

  constructor(
    private readonly tensors: ReadonlyMap<string, TensorImpl>,
    private readonly producers: ReadonlyMap<string, Node>,
    private readonly file: string,
    private readonly maxElements = MAX_EVAL_ELEMENTS,
  ) {}

  /** The value as a (view of a) stored tensor or a computed one; null when it is not a constant. */
  resolve(name: string): ConstSource | null {
    if (!name) return null;
    if (this.cache.has(name)) return this.cache.get(name)!;
    this.cache.set(name, null); // cycle guard
    const r = this.resolveUncached(name);
    this.cache.set(name, r);
    return r;
  }

  private resolveUncached(name: string): ConstSource | null {
    const stored = this.tensors.get(name);
    // An initializer that is also a graph input can be overridden at run time, but it is still the
    // checkpoint's weight: measure it.
    if (stored) return { tensor: stored, transposed: false, via: [] };
    const p = this.producers.get(name);
    if (!p || (p.domain !== '' && p.domain !== 'ai.onnx')) return null;
    // Views that keep the stored tensor (no copy, no evaluation).
    if (p.opType === 'Identity' || (p.opType === 'Cast' && FLOAT_TYPES.has(Number(p.attributes.get('to'))))) {
      const s = this.resolve(p.inputs[0]);
      return s ? { ...s, via: [...s.via, p.opType] } : null;
    }
    if (p.opType === 'Transpose') {
      const s = this.resolve(p.inputs[0]);
      const perm = p.attributes.get('perm');
      if (s && s.tensor.dims.length === 2 && (perm === null || perm === undefined || (Array.isArray(perm) && perm[0] === 1 && perm[1] === 0))) {
        return { ...s, transposed: !s.transposed, via: [...s.via, 'Transpose'] };
      }
    }
    if (p.opType === 'DequantizeLinear') {
      const s = this.resolve(p.inputs[0]);
      const scale = this.resolve(p.inputs[1]);
      const zp = p.inputs[2] ? this.resolve(p.inputs[2]) : null;
      if (s && scale && !s.transposed && !(s.tensor instanceof ComputedTensor) && !s.tensor.quant && (!p.inputs[2] || zp)) {
        // Budget: a scale (and zero point) holds one value, or one per channel of the weight along the
        // axis; anything else is refused before it is decoded (a sparse scale can declare any size).
        const ax = p.attributes.get('axis');
        const wd = s.tensor.dims;
        const channels = wd[normAxis(typeof ax === 'number' ? ax : 1, wd.length)];
        const fits = (q: ConstSource | null) => !q || q.tensor.size === 1 || q.tensor.size === channels;
        if (!fits(scale) || !fits(zp)) {
          this.refused.set(name, `DequantizeLinear scale of shape ${showDims(scale.tensor.dims)}${zp ? ` (zero point ${showDims(zp.tensor.dims)})` : ''} is neither per-tensor nor one per channel of the weight ${showDims(wd)}`);
          return null;
        }
        const t = s.tensor.renamed(s.tensor.name, s.tensor.source);
        const axis = p.attributes.get('axis');
        t.quant = { scale: scale.tensor.toFloat32(), zeroPoint: zp ? zp.tensor.toFloat32() : null, axis: typeof axis === 'number' ? axis : 1 };
        return { tensor: t, transposed: false, via: [...s.via, 'DequantizeLinear'] };
      }
    }
    // Anything else: evaluate the chain (lazily).
    const lazy = this.lazy(name);
    if (!lazy) return null;
    const floats = lazy.sources.filter((s) => FLOAT_TYPES.has(this.tensors.get(s)?.dataType ?? 0) || this.tensors.get(s)?.quant);
    const main = floats.length ? floats : lazy.sources;
    // Named after its one stored source (a reordered LSTM weight keeps `lstm.weight_ih_l0`), else after the value.
    const tensorName = main.length === 1 ? main[0] : name;
    const t = new ComputedTensor(tensorName, lazy.dataType, lazy.dims, 'computed', this.file, lazy.values, lazy.sources);
    return { tensor: t, transposed: false, via: lazy.via };
  }

  /** Small integer inputs (shapes, axes, starts, indices): their values now. */
  private ints(name: string | undefined): number[] | null {
    if (!name) return null;
    const l = this.lazy(name);
    if (!l || prod(l.dims) > 4096) return null;
    try {
      return Array.from(l.values());
    } catch {
      return null;
    }
  }

  private lazy(name: string, depth = 0): Lazy | null {
    if (!name) return null;
    if (this.lazyCache.has(name)) return this.lazyCache.get(name)!;
    this.lazyCache.set(name, null);
    let r: Lazy | null = null;
    try {
      r = this.lazyUncached(name, depth);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      this.refused.set(name, (e as Error).message);
      r = null;
    }
    if (r && prod(r.dims) > this.maxElements) {
      this.refused.set(name, `${prod(r.dims)} elements, over the evaluator's cap of ${this.maxElements}`);
      r = null;
    }
    this.lazyCache.set(name, r);
    return r;
  }

  private lazyUncached(name: string, depth: number): Lazy | null {
    if (depth > 256) return null;
    const stored = this.tensors.get(name);
    if (stored) {
      return { dims: [...stored.dims], dataType: stored.dataType, values: () => stored.toFloat64(), sources: [stored.name], via: [] };
    }
    const n = this.producers.get(name);
    // Only the chain ops: anything else (an activation) ends the walk before its inputs are visited.
    if (!n || (n.domain !== '' && n.domain !== 'ai.onnx') || !CHAIN_OPS.has(n.opType)) return null;
    const a = n.attributes;
    const attrInts = (k: string): number[] | null => (Array.isArray(a.get(k)) ? (a.get(k) as number[]) : null);
    const attrInt = (k: string, f: number): number => (typeof a.get(k) === 'number' ? (a.get(k) as number) : f);
    const inputs = (k: number) => this.lazy(n.inputs[k], depth + 1);
    const x = inputs(0);
    if (!x) return null;
    const via = (...ls: Lazy[]) => [...new Set(ls.flatMap((l) => l.via))].concat(n.opType);
    const sources = (...ls: Lazy[]) => [...new Set(ls.flatMap((l) => l.sources))];
    const same = (dims: number[], values: () => Float64Array, more: Lazy[] = []): Lazy => ({
      dims, dataType: x.dataType, values, sources: sources(x, ...more), via: via(x, ...more),
    });
    const rank = x.dims.length;
    switch (n.opType) {
      case 'Identity':
        return same(x.dims, x.values);
      case 'Cast': {
        const to = attrInt('to', 1);
        const integer = !FLOAT_TYPES.has(to);
        return { ...same(x.dims, integer ? () => x.values().map((v) => Math.trunc(v)) : x.values), dataType: to };
      }
      case 'Reshape': {
        const shape = this.ints(n.inputs[1]) ?? attrInts('shape');
        if (!shape) return null;
        const out = shape.map((d, i) => (d === 0 && attrInt('allowzero', 0) === 0 ? x.dims[i] : d));
        const neg = out.indexOf(-1);
        if (neg >= 0) out[neg] = prod(x.dims) / prod(out.filter((_, i) => i !== neg));
        if (prod(out) !== prod(x.dims) || out.some((d) => !Number.isInteger(d) || d < 0)) return null;
        return same(out, x.values);
      }
      case 'Flatten': {
        const ax = normAxis(attrInt('axis', 1), rank);
        return same([prod(x.dims.slice(0, ax)), prod(x.dims.slice(ax))], x.values);
      }
      case 'Squeeze': {
        const axes = (attrInts('axes') ?? this.ints(n.inputs[1]))?.map((v) => normAxis(v, rank));
        return same(x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)), x.values);
      }
      case 'Unsqueeze': {
        const axes = attrInts('axes') ?? this.ints(n.inputs[1]);
        if (!axes) return null;
        const outRank = rank + axes.length;
        const norm = axes.map((v) => normAxis(v, outRank));
        const out: number[] = [];
        for (let i = 0, j = 0; i < outRank; i++) out.push(norm.includes(i) ? 1 : x.dims[j++]);
        return same(out, x.values);
      }
      case 'Transpose': {
        const perm = attrInts('perm') ?? x.dims.map((_, i) => rank - 1 - i);
        const out = perm.map((p) => x.dims[p]);
        return same(out, () => transpose(x.values(), x.dims, perm));
      }
      case 'Slice': {
        const starts = attrInts('starts') ?? this.ints(n.inputs[1]);
        const ends = attrInts('ends') ?? this.ints(n.inputs[2]);
        if (!starts || !ends) return null;
        const axes = (attrInts('axes') ?? (n.inputs[3] ? this.ints(n.inputs[3]) : null) ?? starts.map((_, i) => i)).map((v) => normAxis(v, rank));
        const steps = (n.inputs[4] ? this.ints(n.inputs[4]) : null) ?? starts.map(() => 1);
        const begin = x.dims.map(() => 0);
        const step = x.dims.map(() => 1);
        const count = [...x.dims];
        axes.forEach((ax, i) => {
          const d = x.dims[ax];
          const s = steps[i];
          if (s === 0) throw new Error('Slice step 0');
          const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
          let b = starts[i] < 0 ? starts[i] + d : starts[i];
          let e = ends[i] < 0 ? ends[i] + d : ends[i];
          if (s > 0) {
            b = clamp(b, 0, d);
            e = clamp(e, 0, d);
            count[ax] = Math.max(0, Math.ceil((e - b) / s));
          } else {
            b = clamp(b, -1, d - 1);
            e = clamp(e, -1, d - 1);
            count[ax] = Math.max(0, Math.ceil((e - b) / s));
          }
          begin[ax] = b;
          step[ax] = s;
        });
        return same(count, () => gatherStrided(x.values(), x.dims, begin, step, count));
      }
      case 'Split': {
        const ax = normAxis(attrInt('axis', 0), rank);
        const k = n.outputs.indexOf(name);
        const parts = attrInts('split') ?? (n.inputs[1] ? this.ints(n.inputs[1]) : null) ?? evenSplit(x.dims[ax], attrInt('num_outputs', n.outputs.length));
        if (k < 0 || !parts || k >= parts.length) return null;
        const offset = parts.slice(0, k).reduce((p, q) => p + q, 0);
        const begin = x.dims.map((_, i) => (i === ax ? offset : 0));
        const count = x.dims.map((d, i) => (i === ax ? parts[k] : d));
        return same(count, () => gatherStrided(x.values(), x.dims, begin, x.dims.map(() => 1), count));
      }
      case 'Concat': {
        const all = n.inputs.map((i) => this.lazy(i, depth + 1));
        if (all.some((l) => !l)) return null;
        const ls = all as Lazy[];
        const ax = normAxis(attrInt('axis', 0), rank);
        const out = [...x.dims];
        out[ax] = ls.reduce((p, l) => p + l.dims[ax], 0);
        return same(out, () => concat(ls.map((l) => [l.values(), l.dims] as const), ax, out), ls.slice(1));
      }
      case 'Gather': {
        const idx = this.lazy(n.inputs[1], depth + 1);
        const indices = this.ints(n.inputs[1]);
        if (!idx || !indices) return null;
        const ax = normAxis(attrInt('axis', 0), rank);
        const out = [...x.dims.slice(0, ax), ...idx.dims, ...x.dims.slice(ax + 1)];
        return same(out, () => gather(x.values(), x.dims, indices.map((i) => (i < 0 ? i + x.dims[ax] : i)), ax));
      }
      case 'DequantizeLinear': {
        const scale = inputs(1);
        const zp = n.inputs[2] ? inputs(2) : null;
        if (!scale || (n.inputs[2] && !zp)) return null;
        const ax = normAxis(attrInt('axis', 1), rank);
        return {
          ...same(x.dims, () => {
            const v = x.values();
            const s = scale.values();
            const z = zp ? zp.values() : null;
            const inner = s.length > 1 ? prod(x.dims.slice(ax + 1)) : 1;
            for (let i = 0; i < v.length; i++) {
              const c = s.length > 1 ? Math.floor(i / inner) % s.length : 0;
              v[i] = (v[i] - (z ? z[c] : 0)) * s[c];
            }
            return v;
          }, [scale, ...(zp ? [zp] : [])]),
          dataType: 1,
        };
      }
      case 'Mul': case 'Div': case 'Add': case 'Sub': case 'Pow': {
        const y = inputs(1);
        if (!y) return null;
        const out = broadcastDims(x.dims, y.dims);
        if (!out) return null;
        const f = n.opType === 'Mul' ? (p: number, q: number) => p * q : n.opType === 'Div' ? (p: number, q: number) => p / q
          : n.opType === 'Add' ? (p: number, q: number) => p + q : n.opType === 'Sub' ? (p: number, q: number) => p - q : Math.pow;
        const dataType = FLOAT_TYPES.has(x.dataType) ? x.dataType : y.dataType;
        return { ...same(out, () => binary(x.values(), x.dims, y.values(), y.dims, out, f), [y]), dataType };
      }
      case 'Sqrt': case 'Neg': case 'Reciprocal': case 'Abs': {
        const f = n.opType === 'Sqrt' ? Math.sqrt : n.opType === 'Neg' ? (v: number) => -v : n.opType === 'Abs' ? Math.abs : (v: number) => 1 / v;
        return same(x.dims, () => x.values().map(f));
      }
      case 'ReduceL2': case 'ReduceSum': case 'ReduceSumSquare': {
        const axes = (attrInts('axes') ?? (n.inputs[1] ? this.ints(n.inputs[1]) : null) ?? x.dims.map((_, i) => i)).map((v) => normAxis(v, rank));
        const keep = attrInt('keepdims', 1) === 1;
        const outKeep = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
        const out = keep ? outKeep : x.dims.filter((_, i) => !axes.includes(i));
        const square = n.opType !== 'ReduceSum';
        return same(out, () => {
          const v = x.values();
          const r = new Float64Array(prod(outKeep));
          const st = strides(x.dims);
          const ost = strides(outKeep);
          for (let i = 0; i < v.length; i++) {
            let o = 0;
            for (let d = 0; d < rank; d++) if (!axes.includes(d)) o += (Math.floor(i / st[d]) % x.dims[d]) * ost[d];
            r[o] += square ? v[i] * v[i] : v[i];
          }
          return n.opType === 'ReduceL2' ? r.map(Math.sqrt) : r;
        });
      }
      default:
        return null;
    }
  }
}

function evenSplit(d: number, k: number): number[] | null {
  if (k <= 0) return null;
  const size = Math.ceil(d / k);
  return Array.from({ length: k }, (_, i) => Math.max(0, Math.min(size, d - i * size)));
}

export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
    const y = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function binary(
  x: Float64Array, xd: readonly number[], y: Float64Array, yd: readonly number[], out: number[], f: (p: number, q: number) => number,
): Float64Array {
  const r = new Float64Array(prod(out));
  const n = out.length;
  const os = strides(out);
  const pad = (d: readonly number[]) => [...new Array(n - d.length).fill(1), ...d];
  const xp = pad(xd);
  const yp = pad(yd);
  const xs = strides(xp).map((s, i) => (xp[i] === 1 ? 0 : s));
  const ys = strides(yp).map((s, i) => (yp[i] === 1 ? 0 : s));
  for (let i = 0; i < r.length; i++) {
    let xi = 0;
    let yi = 0;
    for (let d = 0; d < n; d++) {
      const c = Math.floor(i / os[d]) % out[d];
      xi += c * xs[d];
      yi += c * ys[d];
    }
    r[i] = f(x[xi], y[yi]);
  }
  return r;
}

export function transpose(v: Float64Array, dims: readonly number[], perm: readonly number[]): Float64Array {
  const out = perm.map((p) => dims[p]);
  const is = strides(dims);
  const os = strides(out);
  const r = new Float64Array(v.length);
  for (let i = 0; i < r.length; i++) {
    let src = 0;
    for (let d = 0; d < out.length; d++) src += (Math.floor(i / os[d]) % out[d]) * is[perm[d]];
    r[i] = v[src];
  }
  return r;
}

function gatherStrided(v: Float64Array, dims: readonly number[], begin: number[], step: number[], count: number[]): Float64Array {
  const is = strides(dims);
  const os = strides(count);
  const r = new Float64Array(prod(count));
  for (let i = 0; i < r.length; i++) {
    let src = 0;
    for (let d = 0; d < count.length; d++) src += (begin[d] + (Math.floor(i / os[d]) % count[d]) * step[d]) * is[d];
    r[i] = v[src];
  }
  return r;
}

function concat(parts: (readonly [Float64Array, readonly number[]])[], ax: number, out: number[]): Float64Array {
  const r = new Float64Array(prod(out));
  const outer = prod(out.slice(0, ax));
  const inner = prod(out.slice(ax + 1));
  let o = 0;
  for (let b = 0; b < outer; b++) {
    for (const [v, d] of parts) {
      const chunk = d[ax] * inner;
      r.set(v.subarray(b * chunk, (b + 1) * chunk), o);
      o += chunk;
    }
  }
  return r;
}

function gather(v: Float64Array, dims: readonly number[], indices: number[], ax: number): Float64Array {
  const outer = prod(dims.slice(0, ax));
  const inner = prod(dims.slice(ax + 1));
  const r = new Float64Array(outer * indices.length * inner);
  let o = 0;
  for (let b = 0; b < outer; b++) {
    for (const k of indices) {
      if (!(k >= 0 && k < dims[ax])) throw new Error(`Gather index ${k} outside 0..${dims[ax] - 1}`);
      r.set(v.subarray((b * dims[ax] + k) * inner, (b * dims[ax] + k + 1) * inner), o);
      o += inner;
    }
  }
  return r;
}
