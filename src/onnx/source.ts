// Where a model's bytes come from. The reader walks the protobuf through a ByteSource with positional
// reads, so weight payloads (raw_data) are recorded as (offset, length) spans and never read during the
// parse: metadata of a multi-GB file costs milliseconds and no memory, files over 2 GB work, and each
// tensor is read from disk only when its layer is measured.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteSource {
  readonly size: number;
  /** Bytes [offset, offset + length), possibly a view shared with the source: read it, never keep or change it. */
  read(offset: number, length: number): Uint8Array;
  /** Bytes [offset, offset + length) in a fresh buffer the caller owns, starting at byte 0 of it (aligned for any typed view). */
  readOwned(offset: number, length: number): Uint8Array;
  close(): void;
}

export class MemorySource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) throw new RangeError(`read [${offset}, +${length}) past the end (${this.bytes.length})`);
    return this.bytes.subarray(offset, offset + length);
  }
  readOwned(offset: number, length: number): Uint8Array {
    return this.read(offset, length).slice();
  }
  close(): void {}
}

const CHUNK = 1 << 16;

/** Positional reads of a file; small reads are served from a 64 KiB read-ahead window. */
export class FileSource implements ByteSource {
  private fd: number | null;
  readonly size: number;
  private win = Buffer.alloc(0);
  private winStart = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`read [${offset}, +${length}) past the end (${this.size})`);
    if (offset >= this.winStart && offset + length <= this.winStart + this.win.length) {
      return this.win.subarray(offset - this.winStart, offset - this.winStart + length);
    }
    if (length <= CHUNK / 4) {
      const n = Math.min(CHUNK, this.size - offset);
      const buf = Buffer.allocUnsafe(n);
      this.readInto(buf, offset);
      this.win = buf;
      this.winStart = offset;
      return buf.subarray(0, length);
    }
    return this.readOwned(offset, length);
  }

  readOwned(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`read [${offset}, +${length}) past the end (${this.size})`);
    const out = new Uint8Array(length);
    this.readInto(out, offset);
    return out;
  }

  /** Reads with the open descriptor (during a parse), or opens and closes the file around the read. */
  private readInto(buf: Uint8Array, offset: number): void {
    const own = this.fd === null;
    const fd = own ? openSync(this.path, 'r') : this.fd!;
    try {
      let done = 0;
      while (done < buf.length) {
        const n = readSync(fd, buf, done, Math.min(buf.length - done, 1 << 30), offset + done);
        if (n <= 0) throw new RangeError(`file ended at byte ${offset + done} (expected ${buf.length - done} more bytes)`);
        done += n;
      }
    } finally {
      if (own) closeSync(fd);
    }
  }

  /** Releases the descriptor kept open for parsing; later reads open the file for each read. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.win = Buffer.alloc(0);
  }
}
