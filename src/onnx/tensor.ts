// TensorProto → a lazily decoded Tensor. Parsing records where the values are (a raw_data span in the
// model file, typed repeated fields, an external data file, a sparse tensor's values and indices);
// nothing is read or decoded until a measure asks for the values, and then only that tensor's bytes.
import { realpathSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { quoteName } from '../input/error';
import { LIMITS, shapeProblem, showDims } from '../input/limits';
import { SPAN_DTYPES } from '../input/span';
import { DTYPES, bfloat16ToFloat, halfToFloat } from './dtypes';
import { fieldInt64, ProtobufError, readRepeated, WireType, type Field } from './protobuf';
import { FileSource, MemorySource, type ByteSource } from './source';
import { CheckpointError, type DType, type Tensor, type TensorSource } from './types';
import { SourceWalker } from './walker';

type Storage =
  | { kind: 'raw'; src: ByteSource; offset: number; length: number }
  | { kind: 'typed'; src: ByteSource; field: number; spans: Field[] }
  | { kind: 'external'; path: string; offset: number; length: number }
  | { kind: 'values'; values: Float64Array }
  | { kind: 'sparse'; values: TensorImpl; indices: TensorImpl }
  | { kind: 'slice'; base: TensorImpl; offset: number };

export interface TensorContext {
  /** The model file (for messages). */
  file: string;
  /** Folder external data must resolve inside. */
  baseDir: string;
}

/** Which repeated TensorProto field holds the values, and how its elements are encoded on the wire. */
const TYPED_FIELDS: Record<number, 'float' | 'double' | 'sint' | 'varint'> = {
  4: 'float', // float_data
  5: 'sint', // int32_data: int8/16/32 (negative values are 10-byte two's-complement varints), uint8/16, bool, float16/bfloat16 bits
  7: 'sint', // int64_data
  10: 'double', // double_data
  11: 'varint', // uint64_data: uint32, uint64
};

const LITTLE_ENDIAN = endianness() === 'LE';

export class TensorImpl implements Tensor {
  quant?: { scale: Float32Array; zeroPoint: Float32Array | null; axis: number };
  constructor(
    readonly name: string,
    readonly dataType: number,
    readonly dims: readonly number[],
    readonly source: TensorSource,
    private readonly storage: Storage,
    private readonly file: string,
  ) {}

  /** The same data under another name and source (a Constant node's output, a dequantized view). */
  renamed(name: string, source: TensorSource): TensorImpl {
    const t = new TensorImpl(name, this.dataType, this.dims, source, this.storage, this.file);
    if (this.quant) t.quant = this.quant;
    return t;
  }

  /** `length` consecutive elements from `offset` (a gate's block of an LSTM bias), decoded on demand. */
  slice(name: string, offset: number, length: number): TensorImpl {
    return new TensorImpl(name, this.dataType, [length], this.source, { kind: 'slice', base: this, offset }, this.file);
  }

  get dtype(): DType {
    return DTYPES[this.dataType]?.name ?? ('unknown' as DType);
  }

  get size(): number {
    return this.dims.reduce((a, b) => a * b, 1);
  }

  private fail(problem: string): never {
    throw new CheckpointError(this.file, problem, this.name);
  }

  /** Runs a decoding step; anything but a CheckpointError becomes one naming the file and this tensor. */
  private guard<T>(what: () => T): T {
    try {
      return what();
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      if (e instanceof RangeError && /allocation|Invalid typed array length|Array buffer/i.test(e.message)) {
        this.fail(`its shape ${showDims(this.dims)} (${this.size} elements) is too large to decode in memory`);
      }
      this.fail(`cannot read its data: ${(e as Error).message}`);
    }
  }

  /** Checks the element type before any decoding; returns its byte size. */
  private checkDecodable(): number {
    const info = DTYPES[this.dataType];
    if (!info) this.fail(`unknown data type ${this.dataType}`);
    if (info.name === 'string' || info.name.startsWith('complex') || info.name.startsWith('float8') || info.bytes < 1) {
      this.fail(`data type ${info.name} cannot be read as real numbers (supported: float32, float16, bfloat16, float64 and integer types)`);
    }
    return info.bytes;
  }

  /** The stored bytes of raw or external storage, in a buffer this call owns (byte 0 aligned). */
  private ownedBytes(): Uint8Array {
    const s = this.storage;
    if (s.kind === 'raw') return s.src.readOwned(s.offset, s.length);
    if (s.kind !== 'external') throw new Error('not raw storage');
    const f = new FileSource(s.path);
    try {
      if (s.offset + s.length > f.size) this.fail(`external data ${s.path}: offset ${s.offset} + length ${s.length} is past its end (${f.size} bytes)`);
      return f.readOwned(s.offset, s.length);
    } finally {
      f.close();
    }
  }

  /**
   * Where the stored elements lie in a file, for a reader on another thread: raw_data of a model read
   * from a file, or external data, of a float type a span carries and with no dequantization; else null.
   */
  fileSpan(): { file: string; offset: number; bytes: number; dtype: DType } | null {
    const s = this.storage;
    const dtype = DTYPES[this.dataType]?.name;
    if (this.quant || !dtype || !SPAN_DTYPES.has(dtype)) return null;
    if (s.kind === 'raw' && s.src instanceof FileSource) return { file: s.src.path, offset: s.offset, bytes: s.length, dtype };
    if (s.kind === 'external') return { file: s.path, offset: s.offset, bytes: s.length, dtype };
    return null;
  }

  /** The stored bytes (little-endian elements) for raw_data or external storage, else null. */
  storedBytes(): Uint8Array | null {
    const k = this.storage.kind;
    return k === 'raw' || k === 'external' ? this.guard(() => this.ownedBytes()) : null;
  }

  /** Raw element values as numbers, before dequantization. A fresh array. */
  private decode(): Float64Array {
    return this.guard(() => this.decodeUnguarded());
  }

  private decodeUnguarded(): Float64Array {
    const elemBytes = this.checkDecodable();
    const name = DTYPES[this.dataType].name;
    const n = this.size;
    const s = this.storage;
    const needs = (have: number, unit: string) => this.fail(`has ${have} ${unit} of data but its shape ${showDims(this.dims)} × ${name} needs ${unit === 'bytes' ? n * elemBytes : n}`);
    switch (s.kind) {
      case 'values':
        if (s.values.length !== n) needs(s.values.length, 'values');
        return s.values.slice();
      case 'slice': {
        const all = s.base.toFloat64();
        if (s.offset + n > all.length) this.fail(`slice [${s.offset}, +${n}) is outside ${quoteName(s.base.name)} (${all.length} elements)`);
        return all.slice(s.offset, s.offset + n);
      }
      case 'sparse':
        return this.densify(s.values, s.indices);
      case 'typed':
        return this.decodeTyped(s.src, s.field, s.spans, n, name);
      default: {
        // raw_data or external: check the length before allocating anything of the shape's size.
        const length = s.length;
        if (length !== n * elemBytes) needs(length, 'bytes');
        const bytes = this.ownedBytes();
        const view = LITTLE_ENDIAN ? typedView(bytes, name) : null;
        if (view) return Float64Array.from(view as ArrayLike<number>);
        return decodeLittleEndian(bytes, name, n);
      }
    }
  }

  /** Typed repeated fields (float_data, int32_data, int64_data, double_data, uint64_data). */
  private decodeTyped(src: ByteSource, field: number, spans: Field[], n: number, name: DType): Float64Array {
    const kind = TYPED_FIELDS[field];
    // Count before allocating: a corrupted shape must not allocate gigabytes.
    const payloads = spans.map((f) => (f.wireType === WireType.Varint ? null : src.read(f.start, f.end - f.start)));
    let count = 0;
    spans.forEach((f, i) => {
      const p = payloads[i];
      if (!p) count++;
      else if (f.wireType !== WireType.LengthDelimited) count++; // one fixed32/fixed64 element
      else if (kind === 'float') count += p.length / 4;
      else if (kind === 'double') count += p.length / 8;
      else for (let k = 0; k < p.length; k++) count += p[k] < 0x80 ? 1 : 0;
    });
    if (count !== n) this.fail(`has ${count} values but its shape ${showDims(this.dims)} needs ${n}`);
    const out = new Float64Array(n);
    let i = 0;
    const push = (v: number) => {
      if (i < n) out[i] = v;
      i++;
    };
    spans.forEach((f, k) => {
      const p = payloads[k];
      if (!p) readRepeated(new Uint8Array(0), f, kind, push); // a varint element: the value is in the field itself
      else readRepeated(p, { ...f, start: 0, end: p.length }, kind, push);
    });
    if (i !== n) this.fail(`has ${i} values but its shape ${showDims(this.dims)} needs ${n}`);
    // int32_data holds 16-bit floats as their bit patterns.
    if (name === 'float16') for (let k = 0; k < n; k++) out[k] = halfToFloat(out[k] & 0xffff);
    else if (name === 'bfloat16') for (let k = 0; k < n; k++) out[k] = bfloat16ToFloat(out[k] & 0xffff);
    return out;
  }

  /** A sparse tensor made dense: indices are linear [NNZ] or coordinates [NNZ, rank] (ONNX SparseTensorProto). */
  private densify(valuesT: TensorImpl, indicesT: TensorImpl): Float64Array {
    const dims = this.dims;
    const n = this.size;
    // The dense size is the file's word only (one value can declare any shape): cap it before allocating.
    if (n > LIMITS.maxSparseDense) {
      this.fail(`sparse tensor of shape ${showDims(dims)} would expand to ${n} dense elements, more than the limit of ${LIMITS.maxSparseDense} (2^24), from ${valuesT.size} stored values`);
    }
    const v = valuesT.decode();
    const idx = indicesT.decode();
    const rank = dims.length;
    const coordinate = indicesT.dims.length === 2;
    if (coordinate ? indicesT.dims[0] !== v.length || indicesT.dims[1] !== rank : idx.length !== v.length) {
      this.fail(`sparse tensor has ${v.length} values but indices of shape ${showDims(indicesT.dims)}`);
    }
    const dense = new Float64Array(n);
    for (let k = 0; k < v.length; k++) {
      let lin = 0;
      if (coordinate) {
        for (let d = 0; d < rank; d++) {
          const c = idx[k * rank + d];
          if (!(c >= 0 && c < dims[d])) this.fail(`sparse index ${c} outside dimension ${d} of ${showDims(dims)}`);
          lin = lin * dims[d] + c;
        }
      } else lin = idx[k];
      if (!(Number.isInteger(lin) && lin >= 0 && lin < n)) this.fail(`sparse index ${lin} outside the shape ${showDims(dims)}`);
      dense[lin] = v[k];
    }
    return dense;
  }

  toFloat64(): Float64Array {
    const v = this.decode();
    const q = this.quant;
    if (!q) return v;
    // DequantizeLinear (ONNX operators): y = (x − zero_point) · scale, per tensor or along `axis`.
    const dims = this.dims;
    const axis = q.axis < 0 ? q.axis + dims.length : q.axis;
    const perAxis = q.scale.length > 1;
    if (perAxis && (axis < 0 || axis >= dims.length)) this.fail(`DequantizeLinear axis ${q.axis} is outside the weight's rank ${dims.length}`);
    const inner = perAxis ? dims.slice(axis + 1).reduce((a, b) => a * b, 1) : 1;
    const channels = perAxis ? dims[axis] : 1;
    if (perAxis && q.scale.length !== channels) this.fail(`DequantizeLinear has ${q.scale.length} scales but axis ${q.axis} has ${channels} channels`);
    if (q.zeroPoint && q.zeroPoint.length !== q.scale.length) this.fail(`DequantizeLinear has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
    for (let k = 0; k < v.length; k++) {
      const c = perAxis ? Math.floor(k / inner) % channels : 0;
      v[k] = (v[k] - (q.zeroPoint ? q.zeroPoint[c] : 0)) * q.scale[c];
    }
    return v;
  }

  toFloat32(): Float32Array {
    const s = this.storage;
    if (!this.quant && (s.kind === 'raw' || s.kind === 'external') && this.dataType === 1 && LITTLE_ENDIAN) {
      // float32 raw data: the one read of its bytes is the result (a fresh, aligned buffer; no second copy).
      return this.guard(() => {
        this.checkDecodable();
        if (s.length !== this.size * 4) this.fail(`has ${s.length} bytes of data but its shape ${showDims(this.dims)} × float32 needs ${this.size * 4}`);
        const bytes = this.ownedBytes();
        return new Float32Array(bytes.buffer, bytes.byteOffset, this.size);
      });
    }
    return Float32Array.from(this.toFloat64());
  }

  toNumbers(): number[] {
    return Array.from(this.decode());
  }
}

/** A typed-array view of little-endian element bytes (the buffer is owned and starts aligned). */
function typedView(bytes: Uint8Array, name: DType): ArrayLike<number> | null {
  const b = bytes.buffer;
  const o = bytes.byteOffset;
  const l = bytes.byteLength;
  switch (name) {
    case 'float32': return new Float32Array(b, o, l / 4);
    case 'float64': return new Float64Array(b, o, l / 8);
    case 'int8': return new Int8Array(b, o, l);
    case 'uint8': case 'bool': return bytes;
    case 'int16': return new Int16Array(b, o, l / 2);
    case 'uint16': return new Uint16Array(b, o, l / 2);
    case 'int32': return new Int32Array(b, o, l / 4);
    case 'uint32': return new Uint32Array(b, o, l / 4);
    default: return null;
  }
}

/** Element-by-element decoding (16-bit floats, 64-bit integers, big-endian hosts). */
function decodeLittleEndian(bytes: Uint8Array, name: DType, n: number): Float64Array {
  const out = new Float64Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (name) {
    case 'float32': for (let k = 0; k < n; k++) out[k] = dv.getFloat32(4 * k, true); break;
    case 'float64': for (let k = 0; k < n; k++) out[k] = dv.getFloat64(8 * k, true); break;
    case 'float16': for (let k = 0; k < n; k++) out[k] = halfToFloat(dv.getUint16(2 * k, true)); break;
    case 'bfloat16': for (let k = 0; k < n; k++) out[k] = bfloat16ToFloat(dv.getUint16(2 * k, true)); break;
    case 'int8': for (let k = 0; k < n; k++) out[k] = dv.getInt8(k); break;
    case 'uint8': case 'bool': for (let k = 0; k < n; k++) out[k] = dv.getUint8(k); break;
    case 'int16': for (let k = 0; k < n; k++) out[k] = dv.getInt16(2 * k, true); break;
    case 'uint16': for (let k = 0; k < n; k++) out[k] = dv.getUint16(2 * k, true); break;
    case 'int32': for (let k = 0; k < n; k++) out[k] = dv.getInt32(4 * k, true); break;
    case 'uint32': for (let k = 0; k < n; k++) out[k] = dv.getUint32(4 * k, true); break;
    case 'int64': for (let k = 0; k < n; k++) out[k] = Number(dv.getBigInt64(8 * k, true)); break;
    case 'uint64': for (let k = 0; k < n; k++) out[k] = Number(dv.getBigUint64(8 * k, true)); break;
    default: throw new RangeError(`no decoder for ${name}`);
  }
  return out;
}

/** Rejects negative or absurd dimensions and ranks (LIMITS in src/input/limits.ts). */
function checkDims(dims: number[], ctx: TensorContext, name: string): void {
  const problem = shapeProblem(dims);
  if (problem) throw new CheckpointError(ctx.file, problem, name);
}

const inside = (base: string, p: string): boolean => {
  const rel = relative(base, p);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel);
};

/**
 * Resolves an external data location, refusing an absolute path, anything that resolves outside the
 * model's folder (also through symbolic links), a missing file and a folder.
 */
export function resolveExternal(location: string, ctx: TensorContext, name: string): string {
  const fail = (problem: string): never => {
    throw new CheckpointError(ctx.file, problem, name);
  };
  if (!location) fail('external data has no location');
  if (location.includes('\0')) fail(`external data location ${quoteName(location)} contains a NUL character`);
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\\\')) {
    fail(`external data location ${quoteName(location)} is an absolute path; only paths inside the model's folder are read`);
  }
  const base = resolve(ctx.baseDir);
  const p = resolve(base, location);
  if (!inside(base, p)) fail(`external data location ${quoteName(location)} points outside the model's folder ${base}; refusing to read it`);
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    return fail(`external data file ${quoteName(location)} is missing from the model's folder ${base}`);
  }
  let realBase = base;
  try {
    realBase = realpathSync(base);
  } catch {
    /* the folder itself vanished: the check below fails */
  }
  if (!inside(realBase, real)) fail(`external data location ${quoteName(location)} is a link to ${real}, outside the model's folder ${realBase}; refusing to read it`);
  if (!statSync(real).isFile()) fail(`external data location ${quoteName(location)} is not a file`);
  return real;
}

/**
 * Parses a TensorProto whose payload is [f.start, f.end) of `walker.src`. raw_data and typed fields
 * are recorded as spans, not read.
 */
export function parseTensor(walker: SourceWalker, f: Field, ctx: TensorContext, source: TensorSource, fallbackName = ''): TensorImpl {
  const w = walker.sub(f);
  let name = fallbackName;
  let dataType = 0;
  const dims: number[] = [];
  let raw: { offset: number; length: number } | null = null;
  const typed = new Map<number, Field[]>();
  let external = false;
  const ext: Record<string, string> = {};
  let segment = false;
  for (let g; (g = w.next()); ) {
    switch (g.number) {
      case 1: {
        // Budget: stop at the rank limit instead of collecting a megabyte of dims.
        const push = (v: number) => {
          if (dims.length >= LIMITS.maxRank) throw new CheckpointError(ctx.file, `shape has more than ${LIMITS.maxRank} dimensions (the rank limit)`, name || fallbackName);
          dims.push(v);
        };
        if (g.wireType === WireType.LengthDelimited) {
          const { bytes } = w.load(g);
          readRepeated(bytes, { ...g, start: 0, end: bytes.length }, 'sint', push);
        } else push(fieldInt64(g));
        break;
      }
      case 2:
        if (g.wireType !== WireType.Varint) throw new ProtobufError('data_type is not a varint', g.start);
        dataType = g.value;
        break;
      case 3:
        segment = true;
        break;
      case 8:
        name = w.string(g);
        break;
      case 9:
        if (g.wireType !== WireType.LengthDelimited) throw new ProtobufError('raw_data is not bytes', g.start);
        raw = { offset: g.start, length: g.end - g.start };
        break;
      case 4: case 5: case 7: case 10: case 11: {
        const list = typed.get(g.number) ?? [];
        list.push(g);
        typed.set(g.number, list);
        break;
      }
      case 13: {
        if (g.wireType !== WireType.LengthDelimited) throw new ProtobufError('external_data entry is not a message', g.start);
        const e = w.sub(g);
        let key = '';
        let value = '';
        for (let h; (h = e.next()); ) {
          if (h.number === 1) key = e.string(h);
          else if (h.number === 2) value = e.string(h);
        }
        ext[key] = value;
        break;
      }
      case 14:
        external = g.wireType === WireType.Varint && g.value === 1;
        break;
      default:
        break; // string_data, doc_string, metadata_props: not weights
    }
  }
  checkDims(dims, ctx, name);
  if (segment) throw new CheckpointError(ctx.file, 'segmented tensors are not supported', name);
  if (!DTYPES[dataType]) throw new CheckpointError(ctx.file, `unknown data type ${dataType}`, name);
  if (typed.size > 1) throw new CheckpointError(ctx.file, `values stored in several typed fields (${[...typed.keys()].join(', ')})`, name);
  let storage: Storage;
  let kind = source;
  if (external) {
    const path = resolveExternal(ext.location ?? '', ctx, name);
    const offset = ext.offset !== undefined ? Number(ext.offset) : 0;
    const size = statSync(path).size;
    const info = DTYPES[dataType];
    const length = ext.length !== undefined ? Number(ext.length) : Math.ceil(dims.reduce((a, b) => a * b, 1) * info.bytes);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new CheckpointError(ctx.file, `external data has an invalid offset ${quoteName(ext.offset ?? '')}`, name);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new CheckpointError(ctx.file, ext.length !== undefined ? `external data has an invalid length ${quoteName(ext.length)}` : `external data length for shape ${showDims(dims)} is not a valid byte count`, name);
    }
    if (offset + length > size) {
      throw new CheckpointError(ctx.file, `external data ${quoteName(ext.location ?? '')} is ${size} bytes, but offset ${offset} + length ${length} runs past its end`, name);
    }
    storage = { kind: 'external', path, offset, length };
    kind = 'external';
  } else if (raw) {
    storage = { kind: 'raw', src: walker.src, ...raw };
  } else if (typed.size) {
    const [field, spans] = [...typed.entries()][0];
    storage = { kind: 'typed', src: walker.src, field, spans };
  } else {
    storage = { kind: 'values', values: new Float64Array(0) };
  }
  return new TensorImpl(name, dataType, dims, kind, storage, ctx.file);
}

/** A tensor made of known values (Constant value_float(s)/value_int(s)). */
export function valuesTensor(name: string, dataType: number, dims: number[], values: Float64Array, source: TensorSource, file: string): TensorImpl {
  return new TensorImpl(name, dataType, dims, source, { kind: 'values', values }, file);
}

/**
 * A SparseTensorProto (values [NNZ], indices [NNZ] linear or [NNZ, rank] coordinates, dense dims),
 * densified only when its values are asked for. Named after its values tensor, as ONNX specifies.
 */
export function sparseTensor(values: TensorImpl, indices: TensorImpl, dims: number[], ctx: TensorContext): TensorImpl {
  checkDims(dims, ctx, values.name);
  const nnz = values.size;
  const okIndices = indices.dims.length === 1 ? indices.dims[0] === nnz : indices.dims.length === 2 && indices.dims[0] === nnz && indices.dims[1] === dims.length;
  if (values.dims.length !== 1 || !okIndices) {
    throw new CheckpointError(ctx.file, `sparse initializer: values of shape ${showDims(values.dims)} and indices of shape ${showDims(indices.dims)} do not match the dense shape ${showDims(dims)}`, values.name);
  }
  return new TensorImpl(values.name, values.dataType, dims, 'sparse', { kind: 'sparse', values, indices }, ctx.file);
}

/** A tensor over bytes already in memory. */
export function parseTensorBytes(bytes: Uint8Array, ctx: TensorContext, source: TensorSource, fallbackName = ''): TensorImpl {
  const src = new MemorySource(bytes);
  const w = new SourceWalker(src, 0, bytes.length);
  return parseTensor(w, { number: 0, wireType: WireType.LengthDelimited, value: bytes.length, lo: 0, hi: 0, start: 0, end: bytes.length }, ctx, source, fallbackName);
}
