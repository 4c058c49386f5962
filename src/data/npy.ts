// NumPy's .npy format (versions 1–3): a magic string, a Python-dict header, then C-ordered data.
// Supported element types: float32/float64/float16, int8/16/32/64, uint8/16/32, bool, little-endian
// (or single-byte). Every problem is an error naming the file (and the array inside an .npz).

export class ProbeError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ProbeError';
  }
}

export interface NpyArray {
  dtype: string;
  shape: number[];
  /** Values as float64 (integers exact up to 2^53). */
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ProbeError(where, 'not a NumPy .npy array (bad magic bytes)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ProbeError(where, 'truncated .npy header');
    headerLen = dv.getUint32(8, true);
    offset = 12;
  } else throw new ProbeError(where, `unsupported .npy version ${major}`);
  if (offset + headerLen > bytes.length) throw new ProbeError(where, 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new ProbeError(where, `unreadable .npy header: ${header.trim().slice(0, 120)}`);
  if (fortran === 'True') throw new ProbeError(where, 'Fortran-ordered arrays are not supported: save with np.ascontiguousarray(x)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ProbeError(where, `invalid shape (${shapeText})`);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new ProbeError(where, `unsupported dtype '${descr}' (structured or object arrays cannot be read)`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  if (order === '>' && size > 1) throw new ProbeError(where, `big-endian dtype '${descr}' is not supported: save with x.astype('<${kind}${size}')`);
  const names: Record<string, string> = { f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64', u1: 'uint8', u2: 'uint16', u4: 'uint32', b1: 'bool' };
  const dtype = names[`${kind}${size}`];
  if (!dtype) throw new ProbeError(where, `unsupported dtype '${descr}'`);
  const n = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  if (bytes.length - start < n * size) throw new ProbeError(where, `truncated data: ${bytes.length - start} bytes for ${n} × ${dtype} (${n * size} needed)`);
  const d = new DataView(bytes.buffer, bytes.byteOffset + start, n * size);
  const out = new Float64Array(n);
  const half = (h: number) => {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    return e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  };
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float32': out[i] = d.getFloat32(4 * i, true); break;
      case 'float64': out[i] = d.getFloat64(8 * i, true); break;
      case 'float16': out[i] = half(d.getUint16(2 * i, true)); break;
      case 'int8': out[i] = d.getInt8(i); break;
      case 'uint8': case 'bool': out[i] = d.getUint8(i); break;
      case 'int16': out[i] = d.getInt16(2 * i, true); break;
      case 'uint16': out[i] = d.getUint16(2 * i, true); break;
      case 'int32': out[i] = d.getInt32(4 * i, true); break;
      case 'uint32': out[i] = d.getUint32(4 * i, true); break;
      case 'int64': out[i] = Number(d.getBigInt64(8 * i, true)); break;
    }
  }
  return { dtype, shape, data: out };
}
