// NumPy's .npz: a zip archive of .npy members (np.savez: stored; np.savez_compressed: deflated).
// Read through the central directory (zip64 sizes and offsets honoured); members are decompressed and
// parsed only when asked for, and their CRC-32 is checked so a corrupt archive is an error, not data.
import * as zlib from 'node:zlib';
import { quoteName } from '../input/error';
import { LIMITS } from '../input/limits';
import { parseNpy, ProbeError, type NpyArray } from './npy';

export interface NpzMember {
  /** Array name: the member's file name without `.npy`. */
  name: string;
  compressedSize: number;
  size: number;
  /** Decompresses, verifies and parses the member. */
  load(): NpyArray;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, the zip checksum). node:zlib's crc32 where the runtime has it. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The members of an .npz archive, in central-directory order. */
export function readNpz(bytes: Uint8Array, file: string): Map<string, NpzMember> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (problem: string): never => {
    throw new ProbeError(file, problem);
  };
  if (bytes.length < 22) bad(`not a valid .npz (zip) file: only ${bytes.length} bytes`);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes (comment ≤ 65535).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('not a valid .npz (zip) file: no end-of-central-directory record (truncated or corrupt)');
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20; // zip64 end-of-central-directory locator
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50) bad('corrupt .npz: zip64 sizes announced but no zip64 locator');
    const rec = Number(dv.getBigUint64(loc + 8, true));
    if (!Number.isSafeInteger(rec) || rec + 56 > bytes.length || dv.getUint32(rec, true) !== 0x06064b50) bad('corrupt .npz: bad zip64 end-of-central-directory record');
    count = Number(dv.getBigUint64(rec + 32, true));
    cdOffset = Number(dv.getBigUint64(rec + 48, true));
  }
  // Each central-directory entry takes at least 46 bytes: a count the file cannot hold is corrupt.
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(cdOffset) || cdOffset + count * 46 > bytes.length) {
    bad(`corrupt .npz: the directory announces ${count} members at byte ${cdOffset}, more than the ${bytes.length}-byte file holds`);
  }
  const out = new Map<string, NpzMember>();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) bad(`corrupt .npz: bad central directory entry ${k + 1} of ${count}`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > bytes.length) bad('corrupt .npz: central directory runs past the end of the file');
    const fileName = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    const shown = quoteName(fileName);
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        // zip64 extended information: only the fields whose 32-bit value is 0xFFFFFFFF, in this order
        let q = e + 4;
        const read = () => {
          if (q + 8 > e + 4 + len) bad(`corrupt .npz: short zip64 field for ${shown}`);
          const v = Number(dv.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = read();
        if (csize === 0xffffffff) csize = read();
        if (local === 0xffffffff) local = read();
      }
      e += 4 + len;
    }
    p = eEnd + commentLen;
    if (flags & 1) bad(`${shown} is encrypted`);
    if (method !== 0 && method !== 8) bad(`${shown} uses zip compression method ${method}; only stored and deflated members (np.savez / np.savez_compressed) are supported`);
    const name = fileName.replace(/\.npy$/, '');
    out.set(name, {
      name, compressedSize: csize, size: usize,
      load: () => {
        // Budget, before anything is read or inflated: the declared size must be plausible (within the
        // probe limit, stored = compressed size, deflate at most 1032:1) and the inflater is capped at it.
        if (!Number.isSafeInteger(usize) || usize > LIMITS.maxProbeBytes) {
          bad(`${shown} declares ${usize} bytes uncompressed, more than the probe limit of ${LIMITS.maxProbeBytes} bytes (256 MiB); save a smaller probe`);
        }
        if (method === 0 ? usize !== csize : usize > csize * LIMITS.maxDeflateRatio + 1024) {
          bad(`corrupt .npz: ${shown} declares ${usize} bytes from ${csize} ${method === 0 ? 'stored' : 'compressed'} bytes, which ${method === 0 ? 'must be equal' : 'deflate cannot produce'}`);
        }
        if (local + 30 > bytes.length || dv.getUint32(local, true) !== 0x04034b50) bad(`corrupt .npz: bad local header for ${shown}`);
        const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
        if (start + csize > bytes.length) bad(`corrupt .npz: ${shown} runs past the end of the file (truncated?)`);
        const comp = bytes.subarray(start, start + csize);
        let data: Uint8Array = comp;
        if (method === 8) {
          try {
            // maxOutputLength stops the inflater as soon as it would pass the declared size.
            data = zlib.inflateRawSync(comp, { maxOutputLength: Math.max(1, usize) });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ERR_BUFFER_TOO_LARGE') bad(`corrupt .npz: ${shown} inflates to more than the ${usize} bytes its directory declares`);
            bad(`corrupt .npz: cannot inflate ${shown} (${code ?? (err as Error).message})`);
          }
        }
        if (data.length !== usize) bad(`corrupt .npz: ${shown} has ${data.length} bytes, the directory says ${usize}`);
        if (crc32(data) !== crc) bad(`corrupt .npz: CRC-32 mismatch in ${shown}`);
        return parseNpy(data, `${file} [${name}]`);
      },
    });
  }
  return out;
}
