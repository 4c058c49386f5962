// Writes safetensors files (huggingface/safetensors format) for tests and benchmarks: the header
// JSON, then the tensors' bytes in order. Hostile variants are made by editing the header object or
// the bytes before writing (see `raw`).
import { closeSync, openSync, writeSync } from 'node:fs';
import { toBfloat16, toHalf } from './onnx-writer';

export type StDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'U16' | 'U32' | 'U64' | 'BOOL';
export const ST_BYTES: Record<StDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1 };

export interface StTensor {
  name: string;
  dtype: StDType;
  shape: number[];
  /** Element bytes, little-endian (see encode()). */
  data: Uint8Array;
}

/** Encodes numbers as `dtype` little-endian bytes (floats rounded to nearest even; f8 by table search). */
export function encode(values: ArrayLike<number>, dtype: StDType): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * ST_BYTES[dtype]);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (dtype) {
      case 'F64': dv.setFloat64(8 * i, v, true); break;
      case 'F32': dv.setFloat32(4 * i, v, true); break;
      case 'F16': dv.setUint16(2 * i, toHalf(v), true); break;
      case 'BF16': dv.setUint16(2 * i, toBfloat16(v), true); break;
      case 'I64': dv.setBigInt64(8 * i, BigInt(Math.trunc(v)), true); break;
      case 'U64': dv.setBigUint64(8 * i, BigInt(Math.trunc(v)), true); break;
      case 'I32': dv.setInt32(4 * i, v, true); break;
      case 'U32': dv.setUint32(4 * i, v, true); break;
      case 'I16': dv.setInt16(2 * i, v, true); break;
      case 'U16': dv.setUint16(2 * i, v, true); break;
      case 'I8': dv.setInt8(i, v); break;
      case 'U8': case 'BOOL': dv.setUint8(i, v); break;
      default: throw new Error(`encode: use raw bytes for ${dtype}`);
    }
  }
  return out;
}

export function tensor(name: string, dtype: StDType, shape: number[], values: ArrayLike<number>): StTensor {
  return { name, dtype, shape, data: encode(values, dtype) };
}

export interface StHeader {
  [name: string]: { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>;
}

/** The header object and data of a well-formed file. */
export function layout(tensors: StTensor[], metadata?: Record<string, string>): { header: StHeader; data: Uint8Array } {
  const header: StHeader = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.data.length] };
    off += t.data.length;
  }
  const data = new Uint8Array(off);
  off = 0;
  for (const t of tensors) {
    data.set(t.data, off);
    off += t.data.length;
  }
  return { header, data };
}

/** Header length + header JSON (space-padded to 8 bytes, as the library does) + data. */
export function raw(header: unknown, data: Uint8Array, headerLength?: bigint): Uint8Array {
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

export function safetensorsBytes(tensors: StTensor[], metadata?: Record<string, string>): Uint8Array {
  const { header, data } = layout(tensors, metadata);
  return raw(header, data);
}

/**
 * Streams a file tensor by tensor (for benchmark-sized checkpoints that must never be whole in memory):
 * `fill(i, chunk)` writes the i-th tensor's bytes into chunks.
 */
export function writeStreaming(path: string, specs: { name: string; dtype: StDType; shape: number[] }[], fill: (i: number, write: (bytes: Uint8Array) => void) => void, metadata?: Record<string, string>): void {
  const header: StHeader = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1) * ST_BYTES[s.dtype];
    header[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [off, off + n] };
    off += n;
  }
  const head = raw(header, new Uint8Array(0));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    specs.forEach((s, i) => {
      let written = 0;
      fill(i, (b) => {
        writeSync(fd, b);
        written += b.length;
      });
      const want = s.shape.reduce((a, b) => a * b, 1) * ST_BYTES[s.dtype];
      if (written !== want) throw new Error(`${s.name}: wrote ${written} bytes, header says ${want}`);
    });
  } finally {
    closeSync(fd);
  }
}
