// TensorProto → a lazily decoded Tensor. Parsing records where the values are (a raw_data span in the
// model file, typed repeated fields, or an external data file); values are decoded on demand.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DTYPES, bfloat16ToFloat, halfToFloat } from './dtypes';
import { fieldInt64, fieldString, ProtobufError, readRepeated, WireType, type Field } from './protobuf';
import { FileSource, MemorySource, type ByteSource } from './source';
import { CheckpointError, type DType, type Tensor, type TensorSource } from './types';
import { SourceWalker } from './walker';

type Storage =
  | { kind: 'raw'; src: ByteSource; offset: number; length: number }
  | { kind: 'typed'; src: ByteSource; field: number; spans: Field[] }
  | { kind: 'external'; path: string; offset: number; length: number }
  | { kind: 'values'; values: Float64Array };

export interface TensorContext {
  /** The model file (for messages). */
  file: string;
  /** Folder external data must resolve inside. */
  baseDir: string;
}

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

  /** The same data under another name and source (a Constant node's output). */
  renamed(name: string, source: TensorSource): TensorImpl {
    const t = new TensorImpl(name, this.dataType, this.dims, source, this.storage, this.file);
    if (this.quant) t.quant = this.quant;
    return t;
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

  /** The stored bytes of raw or external storage. */
  private rawBytes(): Uint8Array {
    const s = this.storage;
    try {
      if (s.kind === 'raw') return s.src.read(s.offset, s.length);
      if (s.kind === 'external') {
        const f = new FileSource(s.path);
        try {
          if (s.offset + s.length > f.size) this.fail(`external data ${s.path}: offset ${s.offset} + length ${s.length} is past its end (${f.size} bytes)`);
          return f.read(s.offset, s.length);
        } finally {
          f.close();
        }
      }
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      this.fail(`cannot read its data: ${(e as Error).message}`);
    }
    throw new Error('not raw storage');
  }

  /** The stored bytes (little-endian elements) for raw_data or external storage, else null. */
  storedBytes(): Uint8Array | null {
    return this.storage.kind === 'raw' || this.storage.kind === 'external' ? this.rawBytes() : null;
  }

  /** Raw element values as numbers, before dequantization. */
  private decode(): Float64Array {
    const n = this.size;
    const s = this.storage;
    const info = DTYPES[this.dataType];
    if (!info || info.bytes === 0 || info.bytes < 1) this.fail(`data type ${this.dtype === ('unknown' as DType) ? this.dataType : this.dtype} cannot be read as numbers`);
    if (['complex64', 'complex128'].includes(info.name) || info.name.startsWith('float8')) this.fail(`data type ${info.name} is not supported for weights`);
    const out = new Float64Array(n);
    if (s.kind === 'values') {
      if (s.values.length !== n) this.fail(`has ${s.values.length} values but its shape [${this.dims.join(', ')}] needs ${n}`);
      out.set(s.values);
      return out;
    }
    if (s.kind === 'typed') {
      let i = 0;
      const push = (v: number) => {
        if (i < n) out[i] = v;
        i++;
      };
      const kind = s.field === 4 ? 'float' : s.field === 10 ? 'double' : s.field === 7 ? 'sint' : 'varint';
      for (const f of s.spans) {
        if (f.wireType === WireType.Varint) {
          readRepeated(new Uint8Array(0), f, kind, push); // the value is in the field itself
          continue;
        }
        // packed (length-delimited) or a single fixed32/fixed64 element: decode from its bytes
        const bytes = s.src.read(f.start, f.end - f.start);
        readRepeated(bytes, { ...f, start: 0, end: bytes.length }, kind, push);
      }
      if (i !== n) this.fail(`has ${i} values but its shape [${this.dims.join(', ')}] needs ${n}`);
      // int32_data holds 16-bit floats as their bit patterns, and int8/16 values sign-extended.
      if (info.name === 'float16') for (let k = 0; k < n; k++) out[k] = halfToFloat(out[k]);
      else if (info.name === 'bfloat16') for (let k = 0; k < n; k++) out[k] = bfloat16ToFloat(out[k]);
      else if (info.name === 'int32' || info.name === 'int8' || info.name === 'int16') for (let k = 0; k < n; k++) out[k] = out[k] | 0;
      return out;
    }
    const bytes = this.rawBytes();
    if (bytes.length !== n * info.bytes) this.fail(`has ${bytes.length} bytes of data but its shape [${this.dims.join(', ')}] × ${info.name} needs ${n * info.bytes}`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (info.name) {
      case 'float32':
        for (let k = 0; k < n; k++) out[k] = dv.getFloat32(4 * k, true);
        break;
      case 'float64':
        for (let k = 0; k < n; k++) out[k] = dv.getFloat64(8 * k, true);
        break;
      case 'float16':
        for (let k = 0; k < n; k++) out[k] = halfToFloat(dv.getUint16(2 * k, true));
        break;
      case 'bfloat16':
        for (let k = 0; k < n; k++) out[k] = bfloat16ToFloat(dv.getUint16(2 * k, true));
        break;
      case 'int8':
        for (let k = 0; k < n; k++) out[k] = dv.getInt8(k);
        break;
      case 'uint8':
      case 'bool':
        for (let k = 0; k < n; k++) out[k] = dv.getUint8(k);
        break;
      case 'int16':
        for (let k = 0; k < n; k++) out[k] = dv.getInt16(2 * k, true);
        break;
      case 'uint16':
        for (let k = 0; k < n; k++) out[k] = dv.getUint16(2 * k, true);
        break;
      case 'int32':
        for (let k = 0; k < n; k++) out[k] = dv.getInt32(4 * k, true);
        break;
      case 'uint32':
        for (let k = 0; k < n; k++) out[k] = dv.getUint32(4 * k, true);
        break;
      case 'int64':
        for (let k = 0; k < n; k++) out[k] = Number(dv.getBigInt64(8 * k, true));
        break;
      case 'uint64':
        for (let k = 0; k < n; k++) out[k] = Number(dv.getBigUint64(8 * k, true));
        break;
      default:
        this.fail(`data type ${info.name} is not supported`);
    }
    return out;
  }

  toFloat64(): Float64Array {
    const v = this.decode();
    const q = this.quant;
    if (!q) return v;
    // Dequantize: (q − zero_point) · scale, per tensor or along `axis`.
    const dims = this.dims;
    const axis = q.axis < 0 ? q.axis + dims.length : q.axis;
    const perAxis = q.scale.length > 1;
    const inner = perAxis ? dims.slice(axis + 1).reduce((a, b) => a * b, 1) : 1;
    const channels = perAxis ? dims[axis] : 1;
    if (perAxis && q.scale.length !== channels) this.fail(`DequantizeLinear has ${q.scale.length} scales but axis ${q.axis} has ${channels} channels`);
    for (let k = 0; k < v.length; k++) {
      const c = perAxis ? Math.floor(k / inner) % channels : 0;
      v[k] = (v[k] - (q.zeroPoint ? q.zeroPoint[c] : 0)) * q.scale[c];
    }
    return v;
  }

  toFloat32(): Float32Array {
    const s = this.storage;
    if (!this.quant && (s.kind === 'raw' || s.kind === 'external') && this.dataType === 1) {
      // Fast path: float32 raw data, copied once into an aligned array.
      const bytes = this.rawBytes();
      if (bytes.length !== this.size * 4) this.fail(`has ${bytes.length} bytes of data but its shape [${this.dims.join(', ')}] × float32 needs ${this.size * 4}`);
      const out = new Float32Array(this.size);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    return Float32Array.from(this.toFloat64());
  }

  toNumbers(): number[] {
    return Array.from(this.decode());
  }
}

/** Splits `dims` of a TensorProto; rejects negative or absurd values. */
function checkDims(dims: number[], ctx: TensorContext, name: string): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 2 ** 40) throw new CheckpointError(ctx.file, `invalid dimension ${d}`, name);
  }
}

/** Resolves an external data location, refusing anything outside the model's folder. */
export function resolveExternal(location: string, ctx: TensorContext, name: string): string {
  if (!location) throw new CheckpointError(ctx.file, 'external data has no location', name);
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location)) {
    throw new CheckpointError(ctx.file, `external data location '${location}' is an absolute path; only paths inside the model's folder are read`, name);
  }
  const base = resolve(ctx.baseDir);
  const p = resolve(base, location);
  const rel = relative(base, p);
  if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
    throw new CheckpointError(ctx.file, `external data location '${location}' points outside the model's folder ${base}; refusing to read it`, name);
  }
  if (!existsSync(p)) throw new CheckpointError(ctx.file, `external data file '${location}' is missing (looked for ${p})`, name);
  if (!statSync(p).isFile()) throw new CheckpointError(ctx.file, `external data location '${location}' is not a file`, name);
  return p;
}

/**
 * Parses a TensorProto whose payload is [f.start, f.end) of `walker.src`. raw_data and large typed
 * fields are recorded as spans, not read.
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
        const { bytes } = g.wireType === WireType.LengthDelimited ? w.load(g) : { bytes: walker.src.read(g.start, g.end - g.start) };
        if (g.wireType === WireType.LengthDelimited) readRepeated(bytes, { ...g, start: 0, end: bytes.length }, 'sint', (v) => dims.push(v));
        else dims.push(fieldInt64(g));
        break;
      }
      case 2:
        if (g.wireType !== WireType.Varint) throw new ProtobufError('data_type is not a varint', g.start);
        dataType = g.value;
        break;
      case 3:
        segment = true;
        break;
      case 8: {
        const { bytes } = w.load(g);
        name = fieldString(bytes, { ...g, start: 0, end: bytes.length });
        break;
      }
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
        const { reader, bytes } = w.load(g);
        let key = '';
        let value = '';
        for (let e; (e = reader.next()); ) {
          if (e.number === 1) key = fieldString(bytes, e);
          else if (e.number === 2) value = fieldString(bytes, e);
        }
        ext[key] = value;
        break;
      }
      case 14:
        external = g.value === 1;
        break;
      default:
        break; // doc_string, string_data, metadata: not needed
    }
  }
  checkDims(dims, ctx, name);
  if (segment) throw new CheckpointError(ctx.file, 'segmented tensors are not supported', name);
  if (!DTYPES[dataType]) throw new CheckpointError(ctx.file, `unknown data type ${dataType}`, name);
  let storage: Storage;
  let kind = source;
  if (external) {
    const path = resolveExternal(ext.location ?? '', ctx, name);
    const offset = ext.offset !== undefined ? Number(ext.offset) : 0;
    const size = statSync(path).size;
    const info = DTYPES[dataType];
    const length = ext.length !== undefined ? Number(ext.length) : Math.ceil(dims.reduce((a, b) => a * b, 1) * info.bytes);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0) {
      throw new CheckpointError(ctx.file, `external data has an invalid offset '${ext.offset}' or length '${ext.length}'`, name);
    }
    if (offset + length > size) {
      throw new CheckpointError(ctx.file, `external data '${ext.location}' is ${size} bytes, but offset ${offset} + length ${length} runs past its end`, name);
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

/** A tensor made of known values (Constant value_float(s)/value_int(s), densified sparse tensors). */
export function valuesTensor(name: string, dataType: number, dims: number[], values: Float64Array, source: TensorSource, file: string): TensorImpl {
  return new TensorImpl(name, dataType, dims, source, { kind: 'values', values }, file);
}

/** A tensor over bytes already in memory (used for Constant nodes' attributes). */
export function parseTensorBytes(bytes: Uint8Array, ctx: TensorContext, source: TensorSource, fallbackName = ''): TensorImpl {
  const src = new MemorySource(bytes);
  const w = new SourceWalker(src, 0, bytes.length);
  return parseTensor(w, { number: 0, wireType: WireType.LengthDelimited, value: bytes.length, lo: 0, hi: 0, start: 0, end: bytes.length }, ctx, source, fallbackName);
}
