// Writes NumPy .npz archives (stored or deflated entries with their CRC-32, numpy's .npy v1 headers,
// optionally zip64 records as numpy writes for large members) for tests.
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/data/npz';

export interface NpzOptions {
  /** Deflate members (np.savez_compressed) instead of storing them (np.savez). */
  deflate?: boolean;
  /** Sizes and offsets in zip64 extra fields and a zip64 end-of-central-directory record. */
  zip64?: boolean;
}

/** A tiny .npz writer (numpy's format) for tests. */
export function npz(arrays: Record<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>, opts: NpzOptions = {}): Uint8Array {
  const files: [string, Uint8Array][] = [];
  for (const [k, a] of Object.entries(arrays)) {
    let header = `{'descr': '${a.dtype}', 'fortran_order': False, 'shape': (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''}), }`;
    while ((10 + header.length + 1) % 64) header += ' ';
    header += '\n';
    const size = Number(a.dtype.slice(2));
    const body = new Uint8Array(a.data.length * size);
    const dv = new DataView(body.buffer);
    for (let i = 0; i < a.data.length; i++) {
      const v = Number(a.data[i]);
      if (a.dtype === '<f4') dv.setFloat32(4 * i, v, true);
      else if (a.dtype === '<f8') dv.setFloat64(8 * i, v, true);
      else if (a.dtype === '<i8') dv.setBigInt64(8 * i, BigInt(v), true);
      else if (a.dtype === '<i4') dv.setInt32(4 * i, v, true);
      else if (a.dtype === '|u1') dv.setUint8(i, v);
    }
    const npy = new Uint8Array(10 + header.length + body.length);
    npy.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(npy.buffer).setUint16(8, header.length, true);
    npy.set(new TextEncoder().encode(header), 10);
    npy.set(body, 10 + header.length);
    files.push([`${k}.npy`, npy]);
  }
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const z64 = !!opts.zip64;
  for (const [name, data] of files) {
    const nb = new TextEncoder().encode(name);
    const body = opts.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const method = opts.deflate ? 8 : 0;
    const local = new Uint8Array(30 + nb.length);
    const dv = new DataView(local.buffer);
    const crc = crc32(data);
    dv.setUint32(0, 0x04034b50, true); dv.setUint16(4, 20, true); dv.setUint16(8, method, true); dv.setUint32(14, crc, true);
    dv.setUint32(18, body.length, true); dv.setUint32(22, data.length, true);
    dv.setUint16(26, nb.length, true); local.set(nb, 30);
    const extra = z64 ? 4 + 24 : 0;
    const cd = new Uint8Array(46 + nb.length + extra);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(10, method, true); cv.setUint32(16, crc, true);
    cv.setUint32(20, z64 ? 0xffffffff : body.length, true); cv.setUint32(24, z64 ? 0xffffffff : data.length, true);
    cv.setUint16(28, nb.length, true); cv.setUint16(30, extra, true); cv.setUint32(42, z64 ? 0xffffffff : offset, true); cd.set(nb, 46);
    if (z64) {
      // zip64 extended information: uncompressed size, compressed size, local header offset
      const e = 46 + nb.length;
      cv.setUint16(e, 0x0001, true); cv.setUint16(e + 2, 24, true);
      cv.setBigUint64(e + 4, BigInt(data.length), true); cv.setBigUint64(e + 12, BigInt(body.length), true); cv.setBigUint64(e + 20, BigInt(offset), true);
    }
    parts.push(local, body);
    central.push(cd);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const tail: Uint8Array[] = [];
  if (z64) {
    const rec = new Uint8Array(56);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, 0x06064b50, true); rv.setBigUint64(4, 44n, true); rv.setUint16(12, 45, true); rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(files.length), true); rv.setBigUint64(32, BigInt(files.length), true);
    rv.setBigUint64(40, BigInt(cdSize), true); rv.setBigUint64(48, BigInt(offset), true);
    const loc = new Uint8Array(20);
    const lv = new DataView(loc.buffer);
    lv.setUint32(0, 0x07064b50, true); lv.setBigUint64(8, BigInt(offset + cdSize), true); lv.setUint32(16, 1, true);
    tail.push(rec, loc);
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, z64 ? 0xffff : files.length, true); ev.setUint16(10, z64 ? 0xffff : files.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, z64 ? 0xffffffff : offset, true);
  const all = [...parts, ...central, ...tail, end];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of all) { out.set(c, o); o += c.length; }
  return out;
}
