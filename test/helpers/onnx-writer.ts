// Writes ONNX models in TypeScript (with the project's protobuf writer) so every reader and runtime
// path is tested without downloads: tiny MLPs, convs with BatchNorm, LSTMs, embeddings, fp16/int8
// weights, Constant-node weights, sparse and external data.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProtoWriter } from '../../src/onnx/protobuf';

export type DTypeName = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64';
const DT: Record<DTypeName, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, float16: 10, float64: 11, bfloat16: 16 };

export interface TensorSpec {
  name: string;
  dtype?: DTypeName;
  dims: number[];
  /** Values (for float16/bfloat16: the real values, encoded here; int64 may be a BigInt64Array). */
  data: ArrayLike<number> | BigInt64Array;
  /** 'raw' (raw_data, default) or 'typed' (float_data / int32_data / int64_data / double_data). */
  encoding?: 'raw' | 'typed';
  /** Store in an external file instead: location relative to the model, optional offset. */
  external?: { location: string; offset?: number; length?: number; refOnly?: boolean };
}

/**
 * An attribute: a number is INT, number[] INTS, a string STRING; a Float32Array or { floats } FLOATS,
 * { float } FLOAT, { strings } STRINGS, { tensor } TENSOR.
 */
export type Attr = number | number[] | string | Float32Array | { floats: ArrayLike<number> } | { float: number } | { strings: string[] } | { tensor: TensorSpec };

export interface NodeSpec {
  op: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
  domain?: string;
}

export interface ValueSpec {
  name: string;
  dtype?: DTypeName;
  /** Dimensions (numbers or symbolic names); null leaves the shape out (unknown rank). */
  shape: (number | string)[] | null;
}

export interface ModelSpec {
  opset?: number;
  irVersion?: number;
  producer?: string;
  producerVersion?: string;
  graphName?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  nodes: NodeSpec[];
  valueInfo?: ValueSpec[];
  /** Sparse initializers: `indices` linear [NNZ], or coordinates [NNZ, rank] flattened when `coordinates`. */
  sparse?: { values: TensorSpec; indices: number[]; dims: number[]; coordinates?: boolean }[];
  extraOpsets?: { domain: string; version: number }[];
}

/** float → IEEE half bits (round to nearest even). */
export function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  e = h >>> 10;
  return sign | h;
}

/** float → bfloat16 bits (round to nearest even). */
export function toBfloat16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Little-endian element bytes of a tensor. */
export function tensorBytes(t: TensorSpec): Uint8Array {
  const dtype = t.dtype ?? 'float32';
  const n = t.data.length;
  const buf = new ArrayBuffer(n * ({ float32: 4, float16: 2, bfloat16: 2, float64: 8, int8: 1, uint8: 1, int32: 4, int64: 8 } as const)[dtype]);
  const dv = new DataView(buf);
  for (let i = 0; i < n; i++) {
    const raw = t.data[i];
    const v = Number(raw);
    switch (dtype) {
      case 'float32': dv.setFloat32(4 * i, v, true); break;
      case 'float64': dv.setFloat64(8 * i, v, true); break;
      case 'float16': dv.setUint16(2 * i, toHalf(v), true); break;
      case 'bfloat16': dv.setUint16(2 * i, toBfloat16(v), true); break;
      case 'int8': dv.setInt8(i, v); break;
      case 'uint8': dv.setUint8(i, v); break;
      case 'int32': dv.setInt32(4 * i, v, true); break;
      case 'int64': dv.setBigInt64(8 * i, typeof raw === 'bigint' ? raw : BigInt(v), true); break;
    }
  }
  return new Uint8Array(buf);
}

function writeTensor(w: ProtoWriter, t: TensorSpec, externalFiles: Map<string, Uint8Array>): void {
  const dtype = t.dtype ?? 'float32';
  w.packedVarints(1, t.dims).int(2, DT[dtype]).string(8, t.name);
  if (t.external) {
    const bytes = tensorBytes(t);
    const prev = externalFiles.get(t.external.location) ?? new Uint8Array(0);
    const offset = t.external.offset ?? prev.length;
    // refOnly: only the reference is written (the test places the bytes itself, e.g. in a sparse file past 2 GB)
    if (!t.external.refOnly) {
      const merged = new Uint8Array(Math.max(prev.length, offset + bytes.length));
      merged.set(prev);
      merged.set(bytes, offset);
      externalFiles.set(t.external.location, merged);
    }
    const kv = (k: string, v: string) => w.message(13, (e) => e.string(1, k).string(2, v));
    kv('location', t.external.location);
    kv('offset', String(offset));
    kv('length', String(t.external.length ?? bytes.length));
    w.int(14, 1);
    return;
  }
  if ((t.encoding ?? 'raw') === 'raw') {
    w.bytes(9, tensorBytes(t));
    return;
  }
  const nums = Array.from(t.data as ArrayLike<number | bigint>, Number);
  switch (dtype) {
    case 'float32': w.packedFloats(4, nums); break;
    case 'float64': {
      const a = new Float64Array(t.data.length);
      for (let i = 0; i < a.length; i++) a[i] = Number(t.data[i]);
      w.bytes(10, new Uint8Array(a.buffer));
      break;
    }
    case 'int64': w.packedVarints(7, nums); break;
    case 'float16': w.packedVarints(5, nums.map(toHalf)); break;
    case 'bfloat16': w.packedVarints(5, nums.map(toBfloat16)); break;
    default: w.packedVarints(5, nums); break; // int32_data: int8/uint8/int32 (negatives as 64-bit two's complement)
  }
}

function writeValue(w: ProtoWriter, field: number, v: ValueSpec): void {
  w.message(field, (m) => {
    m.string(1, v.name);
    m.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, DT[v.dtype ?? 'float32']);
      const shape = v.shape;
      if (shape) tt.message(2, (sh) => { for (const d of shape) sh.message(1, (dd) => (typeof d === 'number' ? dd.int(1, d) : dd.string(2, d))); });
    }));
  });
}

function writeAttr(w: ProtoWriter, name: string, a: Attr, ext: Map<string, Uint8Array>): void {
  w.message(5, (m) => {
    m.string(1, name);
    if (typeof a === 'number') m.int(3, a).int(20, 2);
    else if (typeof a === 'string') m.string(4, a).int(20, 3);
    else if (Array.isArray(a)) m.packedVarints(8, a).int(20, 7);
    else if (a instanceof Float32Array) m.packedFloats(7, a).int(20, 6);
    else if ('floats' in a) m.packedFloats(7, a.floats).int(20, 6);
    else if ('strings' in a) {
      for (const x of a.strings) m.string(9, x);
      m.int(20, 8);
    }
    else if ('float' in a) m.float(2, a.float).int(20, 1);
    else m.message(5, (t) => writeTensor(t, a.tensor, ext)).int(20, 4);
  });
}

/** The model's bytes and the contents of the external data files it refers to. */
export function buildModel(spec: ModelSpec): { bytes: Uint8Array; externalFiles: Map<string, Uint8Array> } {
  const ext = new Map<string, Uint8Array>();
  const g = new ProtoWriter();
  spec.nodes.forEach((n, i) => {
    g.message(1, (m) => {
      for (const x of n.inputs) m.string(1, x);
      for (const x of n.outputs) m.string(2, x);
      m.string(3, n.name ?? `${n.op}_${i}`).string(4, n.op);
      for (const [k, v] of Object.entries(n.attrs ?? {})) writeAttr(m, k, v, ext);
      if (n.domain) m.string(7, n.domain);
    });
  });
  g.string(2, spec.graphName ?? 'test');
  for (const t of spec.initializers ?? []) g.message(5, (m) => writeTensor(m, t, ext));
  for (const s of spec.sparse ?? []) {
    g.message(15, (m) => {
      m.message(1, (v) => writeTensor(v, s.values, ext));
      const idxDims = s.coordinates ? [s.indices.length / s.dims.length, s.dims.length] : [s.indices.length];
      m.message(2, (v) => writeTensor(v, { name: `${s.values.name}_idx`, dtype: 'int64', dims: idxDims, data: s.indices }, ext));
      m.packedVarints(3, s.dims);
    });
  }
  for (const v of spec.inputs) writeValue(g, 11, v);
  for (const v of spec.outputs) writeValue(g, 12, v);
  for (const v of spec.valueInfo ?? []) writeValue(g, 13, v);
  const w = new ProtoWriter();
  w.int(1, spec.irVersion ?? 8).string(2, spec.producer ?? 'theory-lens-tests').string(3, spec.producerVersion ?? '1');
  w.message(7, (m) => { for (const p of g.parts()) m.raw(p); });
  w.message(8, (o) => o.string(1, '').int(2, spec.opset ?? 13));
  for (const o of spec.extraOpsets ?? []) w.message(8, (x) => x.string(1, o.domain).int(2, o.version));
  return { bytes: w.finish(), externalFiles: ext };
}

/** Deterministic pseudo-random values in [−1, 1). */
export function values(n: number, seed = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** x[N, inF] → Gemm(transB=1) → Relu → … → logits[N, out]. Weights named fcK.weight / fcK.bias. */
export function mlp(widths: number[], opts: { seed?: number; softmax?: boolean } = {}): ModelSpec {
  const initializers: TensorSpec[] = [];
  const nodes: NodeSpec[] = [];
  let x = 'input';
  for (let k = 0; k + 1 < widths.length; k++) {
    const [i, o] = [widths[k], widths[k + 1]];
    initializers.push({ name: `fc${k}.weight`, dims: [o, i], data: values(o * i, (opts.seed ?? 1) + k) });
    initializers.push({ name: `fc${k}.bias`, dims: [o], data: values(o, 100 + k) });
    const last = k + 2 === widths.length;
    const y = last && !opts.softmax ? 'logits' : `h${k}`;
    nodes.push({ op: 'Gemm', name: `/fc${k}/Gemm`, inputs: [x, `fc${k}.weight`, `fc${k}.bias`], outputs: [last ? (opts.softmax ? 'z' : 'logits') : `${y}_pre`], attrs: { transB: 1 } });
    if (!last) {
      nodes.push({ op: 'Relu', name: `/act${k}/Relu`, inputs: [`${y}_pre`], outputs: [y] });
      x = y;
    }
  }
  if (opts.softmax) nodes.push({ op: 'Softmax', name: '/softmax', inputs: ['z'], outputs: ['logits'], attrs: { axis: 1 } });
  return {
    inputs: [{ name: 'input', shape: ['N', widths[0]] }],
    outputs: [{ name: 'logits', shape: ['N', widths[widths.length - 1]] }],
    initializers,
    nodes,
  };
}

/**
 * x[N, c, H, W] → Conv(3×3, pad 1) → BatchNormalization → Relu → MaxPool(2) → Flatten → Gemm(transB=1)
 * → logits[N, classes]. Weights named conv.weight / conv.bias / bn.* / fc.weight / fc.bias.
 */
export function cnnWithBatchNorm(opts: { channels?: number; filters?: number; size?: number; classes?: number; seed?: number } = {}): ModelSpec {
  const c = opts.channels ?? 1;
  const f = opts.filters ?? 4;
  const s = opts.size ?? 8;
  const k = opts.classes ?? 3;
  const seed = opts.seed ?? 7;
  const flat = f * (s / 2) * (s / 2);
  return {
    inputs: [{ name: 'input', shape: ['N', c, s, s] }],
    outputs: [{ name: 'logits', shape: ['N', k] }],
    initializers: [
      { name: 'conv.weight', dims: [f, c, 3, 3], data: values(f * c * 9, seed) },
      { name: 'conv.bias', dims: [f], data: values(f, seed + 1) },
      { name: 'bn.weight', dims: [f], data: Array.from(values(f, seed + 2), (v) => 1 + 0.5 * v) },
      { name: 'bn.bias', dims: [f], data: values(f, seed + 3) },
      { name: 'bn.running_mean', dims: [f], data: values(f, seed + 4) },
      { name: 'bn.running_var', dims: [f], data: Array.from(values(f, seed + 5), (v) => 1.5 + v) },
      { name: 'fc.weight', dims: [k, flat], data: values(k * flat, seed + 6) },
      { name: 'fc.bias', dims: [k], data: values(k, seed + 7) },
    ],
    nodes: [
      { op: 'Conv', name: '/conv/Conv', inputs: ['input', 'conv.weight', 'conv.bias'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', name: '/bn/BatchNormalization', inputs: ['c', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var'], outputs: ['b'], attrs: { epsilon: { float: 1e-5 } } },
      { op: 'Relu', name: '/act/Relu', inputs: ['b'], outputs: ['r'] },
      { op: 'MaxPool', name: '/pool/MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Flatten', name: '/Flatten', inputs: ['p'], outputs: ['flat'], attrs: { axis: 1 } },
      { op: 'Gemm', name: '/fc/Gemm', inputs: ['flat', 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
  };
}

/** Writes a model (and its external data files) into `folder`; returns the model's path. */
export function saveModel(spec: ModelSpec, folder: string, file = 'model.onnx'): string {
  const { bytes, externalFiles } = buildModel(spec);
  mkdirSync(folder, { recursive: true });
  const p = join(folder, file);
  writeFileSync(p, bytes);
  for (const [loc, data] of externalFiles) {
    const target = join(folder, loc);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  return p;
}
