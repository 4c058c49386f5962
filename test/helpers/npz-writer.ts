// Writes NumPy .npz archives (stored entries with their CRC-32, numpy's .npy v1 headers) for tests.
import { crc32 } from '../../src/data/npz';

/** A tiny uncompressed .npz writer (numpy's format) for tests. */
export function npz(arrays: Record<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>): Uint8Array {
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
  for (const [name, data] of files) {
    const nb = new TextEncoder().encode(name);
    const local = new Uint8Array(30 + nb.length);
    const dv = new DataView(local.buffer);
    const crc = crc32(data);
    dv.setUint32(0, 0x04034b50, true); dv.setUint16(4, 20, true); dv.setUint32(14, crc, true); dv.setUint32(18, data.length, true); dv.setUint32(22, data.length, true);
    dv.setUint16(26, nb.length, true); local.set(nb, 30);
    const cd = new Uint8Array(46 + nb.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint32(16, crc, true); cv.setUint32(20, data.length, true); cv.setUint32(24, data.length, true);
    cv.setUint16(28, nb.length, true); cv.setUint32(42, offset, true); cd.set(nb, 46);
    parts.push(local, data);
    central.push(cd);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, files.length, true); ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of all) { out.set(c, o); o += c.length; }
  return out;
}
