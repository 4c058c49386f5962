// A tensor stored as a contiguous little-endian span of a file (safetensors shards, torch.save zip
// members). Nothing is read until values are asked for; then only that span, in bounded chunks that
// decode straight into the float32 result, so a layer costs its float32 copy and one chunk, never a
// float64 or whole-file copy.
import { closeSync, openSync, readSync } from 'node:fs';
import { DTYPES, bfloat16ToFloat, halfToFloat } from '../onnx/dtypes';
import { CheckpointError, type DType, type Tensor } from '../onnx/types';

/** Bytes of one element for the dtypes these readers decode. */
export const ELEMENT_BYTES: Partial<Record<DType, number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, float8e4m3fn: 1, float8e5m2: 1,
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
};
export const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16', 'float8e4m3fn', 'float8e5m2']);

const DATA_TYPE = new Map<DType, number>(Object.entries(DTYPES).map(([k, v]) => [v.name, Number(k)]));

/** Largest tensor decoded into one float32 array (V8's typed-array limit, ~16 GiB). */
export const MAX_DECODE_ELEMENTS = 2 ** 32 - 1;

/** float8 E4M3FN (OCP FP8: bias 7, no infinities, S.1111.111 = NaN) → number. */
export function float8e4m3fnToFloat(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 0xf;
  const m = b & 7;
  if (e === 15 && m === 7) return NaN;
  if (e === 0) return s * (m / 8) * 2 ** -6;
  return s * (1 + m / 8) * 2 ** (e - 7);
}

/** float8 E5M2 (IEEE-like: bias 15, infinities and NaN) → number. */
export function float8e5m2ToFloat(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 2) & 0x1f;
  const m = b & 3;
  if (e === 31) return m ? NaN : s * Infinity;
  if (e === 0) return s * (m / 4) * 2 ** -14;
  return s * (1 + m / 4) * 2 ** (e - 15);
}

const F8E4M3 = Float32Array.from({ length: 256 }, (_, b) => float8e4m3fnToFloat(b));
const F8E5M2 = Float32Array.from({ length: 256 }, (_, b) => float8e5m2ToFloat(b));

/** Decodes `n` little-endian elements of `bytes` into out[at…]. */
export function decodeInto(bytes: Uint8Array, dtype: DType, n: number, out: Float32Array | Float64Array, at: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32': for (let k = 0; k < n; k++) out[at + k] = dv.getFloat32(4 * k, true); break;
    case 'float64': for (let k = 0; k < n; k++) out[at + k] = dv.getFloat64(8 * k, true); break;
    case 'float16': for (let k = 0; k < n; k++) out[at + k] = halfToFloat(dv.getUint16(2 * k, true)); break;
    case 'bfloat16': for (let k = 0; k < n; k++) out[at + k] = bfloat16ToFloat(dv.getUint16(2 * k, true)); break;
    case 'float8e4m3fn': for (let k = 0; k < n; k++) out[at + k] = F8E4M3[bytes[k]]; break;
    case 'float8e5m2': for (let k = 0; k < n; k++) out[at + k] = F8E5M2[bytes[k]]; break;
    case 'int8': for (let k = 0; k < n; k++) out[at + k] = dv.getInt8(k); break;
    case 'uint8': case 'bool': for (let k = 0; k < n; k++) out[at + k] = bytes[k]; break;
    case 'int16': for (let k = 0; k < n; k++) out[at + k] = dv.getInt16(2 * k, true); break;
    case 'uint16': for (let k = 0; k < n; k++) out[at + k] = dv.getUint16(2 * k, true); break;
    case 'int32': for (let k = 0; k < n; k++) out[at + k] = dv.getInt32(4 * k, true); break;
    case 'uint32': for (let k = 0; k < n; k++) out[at + k] = dv.getUint32(4 * k, true); break;
    case 'int64': for (let k = 0; k < n; k++) out[at + k] = Number(dv.getBigInt64(8 * k, true)); break;
    case 'uint64': for (let k = 0; k < n; k++) out[at + k] = Number(dv.getBigUint64(8 * k, true)); break;
    default: throw new RangeError(`no decoder for ${dtype}`);
  }
}

/** Number of elements of a shape, refusing negative, fractional or absurd dimensions (never allocates). */
export function shapeSize(dims: readonly number[], file: string, name: string): number {
  let size = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new CheckpointError(file, `invalid dimension ${String(d)} in shape [${dims.join(', ')}]`, name);
    size *= d;
    if (size > 2 ** 50) throw new CheckpointError(file, `shape [${dims.join(', ')}] has more elements than any file can hold`, name);
  }
  return size;
}

const CHUNK_BYTES = 1 << 22;

export class FileTensor implements Tensor {
  readonly source = 'external' as const;
  readonly size: number;
  readonly dataType: number;

  constructor(
    readonly name: string,
    readonly dtype: DType,
    readonly dims: readonly number[],
    /** The file holding the bytes, its byte offset and length (checked against dims × dtype by the reader). */
    readonly file: string,
    readonly offset: number,
    readonly length: number,
    /** Where the bytes are shared with another tensor (tied weights): file + offset + storage id. */
    readonly storageKey = `${file}@${offset}`,
  ) {
    this.size = shapeSize(dims, file, name);
    this.dataType = DATA_TYPE.get(dtype) ?? 0;
    const eb = ELEMENT_BYTES[dtype];
    if (eb === undefined) throw new CheckpointError(file, `data type ${dtype} is not supported`, name);
    if (this.size * eb !== length) {
      throw new CheckpointError(file, `shape [${dims.join(', ')}] × ${dtype} needs ${this.size * eb} bytes but the file gives it ${length}`, name);
    }
  }

  private fail(problem: string): never {
    throw new CheckpointError(this.file, problem, this.name);
  }

  /** Streams elements [start, start + count) in chunks: fn(chunkBytes, elementsInChunk, firstElementIndex). */
  forEachChunk(start: number, count: number, fn: (bytes: Uint8Array, n: number, first: number) => void): void {
    const eb = ELEMENT_BYTES[this.dtype]!;
    if (start < 0 || start + count > this.size) this.fail(`element range [${start}, +${count}) outside its ${this.size} elements`);
    const per = Math.max(1, Math.floor(CHUNK_BYTES / eb));
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (e) {
      this.fail(`cannot open its data: ${(e as Error).message}`);
    }
    try {
      const buf = new Uint8Array(Math.min(count, per) * eb);
      for (let i = 0; i < count; i += per) {
        const n = Math.min(per, count - i);
        const want = n * eb;
        const pos = this.offset + (start + i) * eb;
        let got = 0;
        while (got < want) {
          const r = readSync(fd, buf, got, want - got, pos + got);
          if (r <= 0) this.fail(`file ends at byte ${pos + got}, inside this tensor's data (truncated?)`);
          got += r;
        }
        fn(buf.subarray(0, want), n, start + i);
      }
    } finally {
      closeSync(fd);
    }
  }

  private alloc<T>(make: () => T): T {
    if (this.size > MAX_DECODE_ELEMENTS) this.fail(`shape [${this.dims.join(', ')}] (${this.size} elements) is too large to decode in memory`);
    try {
      return make();
    } catch (e) {
      this.fail(`shape [${this.dims.join(', ')}] (${this.size} elements) is too large to decode in memory (${(e as Error).message})`);
    }
  }

  toFloat32(): Float32Array {
    const out = this.alloc(() => new Float32Array(this.size));
    this.forEachChunk(0, this.size, (b, n, first) => decodeInto(b, this.dtype, n, out, first));
    return out;
  }

  toFloat64(): Float64Array {
    const out = this.alloc(() => new Float64Array(this.size));
    this.forEachChunk(0, this.size, (b, n, first) => decodeInto(b, this.dtype, n, out, first));
    return out;
  }

  storedBytes(): Uint8Array {
    const out = this.alloc(() => new Uint8Array(this.length));
    let at = 0;
    this.forEachChunk(0, this.size, (b) => {
      out.set(b, at);
      at += b.length;
    });
    return out;
  }

  toNumbers(): number[] {
    return Array.from(this.toFloat64());
  }
}
