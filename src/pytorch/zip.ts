// The central directory of a zip archive read with positional reads (torch.save archives are stored,
// uncompressed, so each tensor's bytes are a span of the file that is read only when measured).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { CheckpointError } from '../onnx/types';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header. */
  local: number;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const r = readSync(fd, b, got, len - got, pos + got);
    if (r <= 0) break;
    got += r;
  }
  return got === len ? b : b.subarray(0, got);
}

export class ZipFile {
  readonly entries = new Map<string, ZipEntry>();
  readonly size: number;

  constructor(readonly file: string) {
    const fd = openSync(file, 'r');
    try {
      this.size = fstatSync(fd).size;
      this.readDirectory(fd);
    } finally {
      closeSync(fd);
    }
  }

  private bad(problem: string): never {
    throw new CheckpointError(this.file, `not a valid torch.save zip archive: ${problem}`);
  }

  private readDirectory(fd: number): void {
    const size = this.size;
    if (size < 22) this.bad(`only ${size} bytes`);
    const tailLen = Math.min(size, 65557);
    const tail = readAt(fd, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.bad('no end-of-central-directory record (truncated or corrupt)');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || count === 0xffff || cdSize === 0xffffffff) {
      const locAbs = size - tailLen + eocd - 20;
      const loc = locAbs >= 0 ? readAt(fd, locAbs, 20) : Buffer.alloc(0);
      if (loc.length < 20 || loc.readUInt32LE(0) !== 0x07064b50) this.bad('zip64 sizes announced but no zip64 locator');
      const rec = Number(loc.readBigUInt64LE(8));
      const r = rec + 56 <= size ? readAt(fd, rec, 56) : Buffer.alloc(0);
      if (r.length < 56 || r.readUInt32LE(0) !== 0x06064b50) this.bad('bad zip64 end-of-central-directory record');
      count = Number(r.readBigUInt64LE(32));
      cdSize = Number(r.readBigUInt64LE(40));
      cdOffset = Number(r.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > size || cdSize > 1 << 28) this.bad(`central directory [${cdOffset}, +${cdSize}) lies outside the file (${size} bytes)`);
    if (count > cdSize / 46) this.bad(`${count} entries cannot fit a ${cdSize}-byte central directory`);
    const cd = readAt(fd, cdOffset, cdSize);
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) this.bad(`bad central directory entry ${k + 1} of ${count}`);
      const method = cd.readUInt16LE(p + 10);
      let csize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let local = cd.readUInt32LE(p + 42);
      if (p + 46 + nameLen + extraLen + commentLen > cd.length) this.bad('central directory entry runs past its end');
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          const next = () => {
            if (q + 8 > e + 4 + len) this.bad(`short zip64 field for '${name}'`);
            const v = Number(cd.readBigUInt64LE(q));
            q += 8;
            return v;
          };
          if (usize === 0xffffffff) usize = next();
          if (csize === 0xffffffff) csize = next();
          if (local === 0xffffffff) local = next();
        }
        e += 4 + len;
      }
      p = eEnd + commentLen;
      if (local + 30 > size || local + csize > size) this.bad(`member '${name}' lies outside the file (truncated?)`);
      this.entries.set(name, { name, method, compressedSize: csize, size: usize, local });
    }
  }

  /** Offset of a member's data (after its local header), checked against the file size. */
  dataOffset(entry: ZipEntry): number {
    const fd = openSync(this.file, 'r');
    try {
      const h = readAt(fd, entry.local, 30);
      if (h.length < 30 || h.readUInt32LE(0) !== 0x04034b50) this.bad(`bad local header for '${entry.name}'`);
      const start = entry.local + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
      if (start + entry.compressedSize > this.size) this.bad(`member '${entry.name}' runs past the end of the file (truncated?)`);
      return start;
    } finally {
      closeSync(fd);
    }
  }

  /** A small member's bytes (stored or deflated), at most `limit` bytes. */
  read(entry: ZipEntry, limit: number): Uint8Array {
    if (entry.size > limit || entry.compressedSize > limit) this.bad(`member '${entry.name}' is ${entry.size} bytes, over the ${limit}-byte limit`);
    const start = this.dataOffset(entry);
    const fd = openSync(this.file, 'r');
    let raw: Buffer;
    try {
      raw = readAt(fd, start, entry.compressedSize);
    } finally {
      closeSync(fd);
    }
    if (entry.method === 0) return raw;
    if (entry.method !== 8) this.bad(`member '${entry.name}' uses compression method ${entry.method}`);
    try {
      return inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (e) {
      this.bad(`cannot inflate '${entry.name}': ${(e as Error).message}`);
    }
  }
}
