// NumPy's .npz: a zip archive of .npy files, stored or deflated (np.savez / np.savez_compressed).
// Read through the central directory; zip64 sizes are honoured.
import { inflateRawSync } from 'node:zlib';
import { parseNpy, ProbeError, type NpyArray } from './npy';

export function parseNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ProbeError(file, 'not a valid .npz (zip) file: no end-of-central-directory record (truncated or corrupt)');
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // zip64 end of central directory locator just before
    const loc = eocd - 20;
    if (loc >= 0 && dv.getUint32(loc, true) === 0x07064b50) {
      const rec = Number(dv.getBigUint64(loc + 8, true));
      if (rec + 56 <= bytes.length && dv.getUint32(rec, true) === 0x06064b50) {
        count = Number(dv.getBigUint64(rec + 32, true));
        cdOffset = Number(dv.getBigUint64(rec + 48, true));
      }
    }
  }
  const out = new Map<string, NpyArray>();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) throw new ProbeError(file, 'corrupt .npz: bad central directory entry');
    const method = dv.getUint16(p + 10, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff) { usize = Number(dv.getBigUint64(q, true)); q += 8; }
        if (csize === 0xffffffff) { csize = Number(dv.getBigUint64(q, true)); q += 8; }
        if (local === 0xffffffff) { local = Number(dv.getBigUint64(q, true)); q += 8; }
      }
      e += 4 + len;
    }
    p = eEnd + commentLen;
    if (local + 30 > bytes.length || dv.getUint32(local, true) !== 0x04034b50) throw new ProbeError(file, `corrupt .npz: bad local header for '${name}'`);
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + csize > bytes.length) throw new ProbeError(file, `corrupt .npz: '${name}' runs past the end of the file (truncated?)`);
    const comp = bytes.subarray(dataStart, dataStart + csize);
    let data: Uint8Array;
    if (method === 0) data = comp;
    else if (method === 8) {
      try {
        data = inflateRawSync(comp);
      } catch (err) {
        throw new ProbeError(file, `corrupt .npz: cannot inflate '${name}' (${(err as Error).message})`);
      }
    } else throw new ProbeError(file, `'${name}' uses zip compression method ${method}; only stored and deflated entries are supported`);
    if (data.length !== usize) throw new ProbeError(file, `corrupt .npz: '${name}' inflates to ${data.length} bytes, expected ${usize}`);
    const key = name.replace(/\.npy$/, '');
    out.set(key, parseNpy(data, `${file} [${key}]`));
  }
  return out;
}
