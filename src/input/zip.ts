// One ZIP reader for every zip-based input (NumPy .npz probes, torch.save archives): the central
// directory (zip64 sizes and offsets honoured) read through positional reads, every offset and count
// checked against the file before it is used, and members read on demand with a budget — the declared
// size within the caller's limit and plausible for its method (stored: equal to the compressed size;
// deflate: at most LIMITS.maxDeflateRatio : 1), the inflater capped at the declared size, the CRC-32
// verified. Nothing here trusts a size from the file. Errors go through the caller's `fail`, so each
// format keeps its own error type and wording.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { quoteName } from './error';
import { LIMITS } from './limits';

/** Positional reads of an archive: a file on disk or bytes in memory. */
export interface ZipSource {
  readonly size: number;
  /** Up to `len` bytes at `pos` (fewer only at the end of the source). */
  read(pos: number, len: number): Uint8Array;
}

/** Bytes in memory as a source (no copy). */
export function bytesSource(bytes: Uint8Array): ZipSource {
  return { size: bytes.length, read: (pos, len) => bytes.subarray(pos, Math.min(bytes.length, pos + len)) };
}

/** A file on disk as a source: each read opens, reads positionally and closes (no descriptor held). */
export function fileSource(file: string): ZipSource {
  const fd = openSync(file, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  return {
    size,
    read(pos, len) {
      const n = Math.max(0, Math.min(len, size - pos));
      const b = Buffer.alloc(n);
      const fd = openSync(file, 'r');
      try {
        let got = 0;
        while (got < n) {
          const r = readSync(fd, b, got, n - got, pos + got);
          if (r <= 0) break;
          got += r;
        }
        return got === n ? b : b.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * How a format reports a problem: `notZip` when the bytes are not a zip archive at all (too short, no
 * end record), `corrupt` for a damaged or hostile archive. Must throw.
 */
export type ZipFail = (problem: string, kind: 'notZip' | 'corrupt') => never;

export interface ZipEntry {
  /** The member's path inside the archive. */
  name: string;
  /** The name as shown in messages (quoted, control characters escaped). */
  shown: string;
  flags: number;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header. */
  local: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

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

export class ZipArchive {
  /** The members, in central-directory order. */
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    private readonly source: ZipSource,
    private readonly fail: ZipFail,
  ) {
    this.readDirectory();
  }

  get size(): number {
    return this.source.size;
  }

  private corrupt(problem: string): never {
    return this.fail(problem, 'corrupt');
  }

  private readDirectory(): void {
    const size = this.source.size;
    if (size < 22) this.fail(`only ${size} bytes`, 'notZip');
    // End of central directory: its signature within the last 64 KiB + 22 bytes (comment ≤ 65535).
    const tailStart = Math.max(0, size - 65557);
    const tail = this.source.read(tailStart, size - tailStart);
    const tv = dv(tail);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.fail('no end-of-central-directory record (truncated or corrupt)', 'notZip');
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (cdOffset === 0xffffffff || count === 0xffff || cdSize === 0xffffffff) {
      const locAbs = tailStart + eocd - 20; // zip64 end-of-central-directory locator
      const loc = locAbs >= 0 ? this.source.read(locAbs, 20) : new Uint8Array(0);
      if (loc.length < 20 || dv(loc).getUint32(0, true) !== SIG_ZIP64_LOCATOR) this.corrupt('zip64 sizes announced but no zip64 locator');
      const rec = Number(dv(loc).getBigUint64(8, true));
      const r = Number.isSafeInteger(rec) && rec + 56 <= size ? this.source.read(rec, 56) : new Uint8Array(0);
      if (r.length < 56 || dv(r).getUint32(0, true) !== SIG_ZIP64_EOCD) this.corrupt('bad zip64 end-of-central-directory record');
      count = Number(dv(r).getBigUint64(32, true));
      cdSize = Number(dv(r).getBigUint64(40, true));
      cdOffset = Number(dv(r).getBigUint64(48, true));
    }
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(cdSize) || !Number.isSafeInteger(cdOffset) || cdOffset + cdSize > size || cdSize > LIMITS.maxZipDirectoryBytes) {
      this.corrupt(`the central directory [${cdOffset}, +${cdSize}) lies outside the ${size}-byte file`);
    }
    // Each central-directory entry takes at least 46 bytes: a count the directory cannot hold is corrupt.
    if (count * 46 > cdSize) this.corrupt(`the directory announces ${count} members in ${cdSize} bytes, more than it can hold`);
    const cd = this.source.read(cdOffset, cdSize);
    const v = dv(cd);
    const decoder = new TextDecoder();
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || v.getUint32(p, true) !== SIG_CENTRAL) this.corrupt(`bad central directory entry ${k + 1} of ${count}`);
      const flags = v.getUint16(p + 8, true);
      const method = v.getUint16(p + 10, true);
      const crc = v.getUint32(p + 16, true);
      let compressedSize = v.getUint32(p + 20, true);
      let usize = v.getUint32(p + 24, true);
      const nameLen = v.getUint16(p + 28, true);
      const extraLen = v.getUint16(p + 30, true);
      const commentLen = v.getUint16(p + 32, true);
      let local = v.getUint32(p + 42, true);
      if (p + 46 + nameLen + extraLen + commentLen > cd.length) this.corrupt('the central directory runs past its end');
      const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
      const shown = quoteName(name);
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = v.getUint16(e, true);
        const len = v.getUint16(e + 2, true);
        if (id === 0x0001) {
          // zip64 extended information: only the fields whose 32-bit value is 0xFFFFFFFF, in this order
          let q = e + 4;
          const next = () => {
            if (q + 8 > Math.min(e + 4 + len, eEnd)) this.corrupt(`short zip64 field for ${shown}`);
            const x = Number(v.getBigUint64(q, true));
            q += 8;
            return x;
          };
          if (usize === 0xffffffff) usize = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (local === 0xffffffff) local = next();
        }
        e += 4 + len;
      }
      p = eEnd + commentLen;
      if (!Number.isSafeInteger(usize) || !Number.isSafeInteger(compressedSize) || !Number.isSafeInteger(local) || local + 30 > size || local + compressedSize > size) {
        this.corrupt(`member ${shown} lies outside the file (truncated?)`);
      }
      this.entries.set(name, { name, shown, flags, method, crc, compressedSize, size: usize, local });
    }
  }

  /** Offset of a member's data (after its local header), checked against the file size. */
  dataOffset(entry: ZipEntry): number {
    const h = this.source.read(entry.local, 30);
    if (h.length < 30 || dv(h).getUint32(0, true) !== SIG_LOCAL) this.corrupt(`bad local header for ${entry.shown}`);
    const start = entry.local + 30 + dv(h).getUint16(26, true) + dv(h).getUint16(28, true);
    if (start + entry.compressedSize > this.source.size) this.corrupt(`${entry.shown} runs past the end of the file (truncated?)`);
    return start;
  }

  /**
   * A member's bytes, decompressed and verified. The caller checks `entry.size` against its own limit
   * first (and says what the limit is); here the declared size must be plausible for the method, the
   * inflater stops at it, and the CRC-32 must match.
   */
  read(entry: ZipEntry): Uint8Array {
    const { shown, method, size: usize, compressedSize: csize } = entry;
    if (entry.flags & 1) this.corrupt(`${shown} is encrypted`);
    if (method !== 0 && method !== 8) this.corrupt(`${shown} uses zip compression method ${method}; only stored and deflated members are read`);
    if (method === 0 ? usize !== csize : usize > csize * LIMITS.maxDeflateRatio + 1024) {
      this.corrupt(`${shown} declares ${usize} bytes from ${csize} ${method === 0 ? 'stored' : 'compressed'} bytes, which ${method === 0 ? 'must be equal' : 'deflate cannot produce'}`);
    }
    const start = this.dataOffset(entry);
    const comp = this.source.read(start, csize);
    if (comp.length !== csize) this.corrupt(`${shown} runs past the end of the file (truncated?)`);
    let data: Uint8Array = comp;
    if (method === 8) {
      try {
        // maxOutputLength stops the inflater as soon as it would pass the declared size.
        data = zlib.inflateRawSync(comp, { maxOutputLength: Math.max(1, usize) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') this.corrupt(`${shown} inflates to more than the ${usize} bytes its directory declares`);
        this.corrupt(`cannot inflate ${shown} (${code ?? (err as Error).message})`);
      }
    }
    if (data.length !== usize) this.corrupt(`${shown} has ${data.length} bytes, the directory says ${usize}`);
    if (crc32(data) !== entry.crc) this.corrupt(`CRC-32 mismatch in ${shown}`);
    return data;
  }
}
