// NumPy's .npy format (format versions 1.0, 2.0 and 3.0; numpy/lib/format.py): the magic string
// "\x93NUMPY", a major/minor version, a little-endian header length (uint16 for v1, uint32 for v2/v3),
// a Python-literal dict header {'descr', 'fortran_order', 'shape'} (latin-1 for v1/v2, UTF-8 for v3),
// then the elements. Supported element types: float16/32/64, int8/16/32/64, uint8/16/32, bool,
// little-endian (or single-byte). Fortran-ordered arrays are transposed to C order. Every problem is a
// ProbeError naming the file (and the array inside an .npz).

import { InputError } from '../input/error';
import { LIMITS, showDims } from '../input/limits';
import { halfToFloat } from '../onnx/dtypes';

/** A problem with a probe file (.npz/.npy): one escaped line naming the file (see InputError). */
export class ProbeError extends InputError {
  constructor(file: string, problem: string) {
    super(file, problem);
    this.name = 'ProbeError';
  }
}

export type NpyDtype = 'float16' | 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'bool';

/** Element storage: float16 is decoded to float32; int64 kept as BigInt64Array (exact). */
export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Elements in C (row-major) order. */
  data: NpyData;
  /** True when the file stored the array in Fortran order (the data above has been transposed). */
  transposed: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, [NpyDtype, number]> = {
  f2: ['float16', 2], f4: ['float32', 4], f8: ['float64', 8],
  i1: ['int8', 1], i2: ['int16', 2], i4: ['int32', 4], i8: ['int64', 8],
  u1: ['uint8', 1], u2: ['uint16', 2], u4: ['uint32', 4], b1: ['bool', 1],
};

/** Parses the header dict and returns [dtype, element size, shape, fortran order, data offset]. */
function header(bytes: Uint8Array, where: string): { dtype: NpyDtype; size: number; shape: number[]; fortran: boolean; offset: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ProbeError(where, 'not a NumPy .npy array (bad magic bytes)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let len: number;
  let offset: number;
  if (major === 1) {
    len = dv.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ProbeError(where, 'truncated .npy header');
    len = dv.getUint32(8, true);
    offset = 12;
  } else throw new ProbeError(where, `unsupported .npy format version ${major}.${bytes[7]}`);
  if (offset + len > bytes.length) throw new ProbeError(where, `truncated .npy header (${len} header bytes announced, ${bytes.length - offset} present)`);
  // NumPy itself refuses headers over 10 000 bytes by default (max_header_size); allow some slack.
  if (len > 65536) throw new ProbeError(where, `.npy header of ${len} bytes is larger than the limit of 65536`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + len));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new ProbeError(where, 'structured (record) arrays are not supported: save plain numeric arrays');
    throw new ProbeError(where, `unreadable .npy header: ${text.trim().slice(0, 120)}`); // escaped by ProbeError
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.length > LIMITS.maxRank || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ProbeError(where, `invalid shape (${shapeText.slice(0, 120)})`);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new ProbeError(where, `unsupported dtype '${descr}' (strings, objects and structured arrays cannot be read)`);
  const [, order, kind, sizeText] = m;
  const t = DTYPES[`${kind}${sizeText}`];
  if (!t) throw new ProbeError(where, `unsupported dtype '${descr}' (need float16/32/64, int8–64, uint8–32 or bool)`);
  if (order === '>' && t[1] > 1) throw new ProbeError(where, `big-endian dtype '${descr}' is not supported: save with x.astype('<${kind}${sizeText}')`);
  return { dtype: t[0], size: t[1], shape, fortran: fortran === 'True', offset: offset + len };
}

export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  const h = header(bytes, where);
  const n = h.shape.reduce((a, b) => a * b, 1);
  const need = n * h.size;
  const have = bytes.length - h.offset;
  // Budget: the shape's bytes must be present (so nothing larger than the file is allocated).
  if (have < need) throw new ProbeError(where, `truncated data: ${have} bytes for ${n} × ${h.dtype} (${need} needed; shape ${showDims(h.shape)})`);
  // A copy: aligned for the typed array, and independent of the (possibly large) file buffer. (Node's
  // Buffer#slice returns a view, so Uint8Array's own slice is called.)
  const raw = Uint8Array.prototype.slice.call(bytes, h.offset, h.offset + need).buffer;
  let data: NpyData;
  switch (h.dtype) {
    case 'float16': {
      const u = new Uint16Array(raw);
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = halfToFloat(u[i]);
      break;
    }
    case 'float32': data = new Float32Array(raw); break;
    case 'float64': data = new Float64Array(raw); break;
    case 'int8': data = new Int8Array(raw); break;
    case 'int16': data = new Int16Array(raw); break;
    case 'int32': data = new Int32Array(raw); break;
    case 'int64': data = new BigInt64Array(raw); break;
    case 'uint16': data = new Uint16Array(raw); break;
    case 'uint32': data = new Uint32Array(raw); break;
    default: data = new Uint8Array(raw); break; // uint8, bool
  }
  if (h.fortran && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { dtype: h.dtype, shape: h.shape, data, transposed: h.fortran && h.shape.length > 1 };
}

/** Reorders column-major (Fortran) elements of `shape` into row-major order. */
function fortranToC<T extends NpyData>(src: T, shape: number[]): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const rank = shape.length;
  // Fortran strides: stride[0] = 1, stride[k] = stride[k−1]·shape[k−1].
  const fstride = new Array<number>(rank);
  fstride[0] = 1;
  for (let k = 1; k < rank; k++) fstride[k] = fstride[k - 1] * shape[k - 1];
  const idx = new Array<number>(rank).fill(0);
  let f = 0;
  for (let c = 0; c < src.length; c++) {
    out[c] = src[f];
    // increment the C-order multi-index (last axis fastest), keeping the Fortran offset in step
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      f += fstride[k];
      if (idx[k] < shape[k]) break;
      f -= fstride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/** Element i as a JS number (int64 exact up to 2^53). */
export function elementAt(a: NpyArray, i: number): number {
  return Number(a.data[i]);
}
