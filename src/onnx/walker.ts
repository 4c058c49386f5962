// A protobuf field walker over a ByteSource with absolute offsets: like ProtoReader, but it reads only
// the keys and lengths, so a caller can skip (and remember the span of) a large payload.
import { ProtobufError, ProtoReader, WireType, type Field } from './protobuf';
import type { ByteSource } from './source';

const utf8 = new TextDecoder('utf-8');

export class SourceWalker {
  pos: number;
  constructor(
    readonly src: ByteSource,
    start: number,
    readonly end: number,
  ) {
    if (start < 0 || end > src.size || start > end) throw new ProtobufError('message span outside the file', start);
    this.pos = start;
  }

  /** Next field (payload spans are absolute offsets into the source), or null at the end. */
  next(): Field | null {
    if (this.pos >= this.end) return null;
    // A key and a length are at most 20 bytes; read that much (or up to the end) and parse in memory.
    const head = this.src.read(this.pos, Math.min(20, this.end - this.pos));
    const r = new ProtoReader(head);
    const at = this.pos;
    const key = r.uint();
    const number = Math.floor(key / 8);
    const wireType = key & 7;
    if (number === 0) throw new ProtobufError('field number 0', at);
    switch (wireType) {
      case WireType.Varint: {
        const [lo, hi] = r.varint64();
        this.pos = at + r.pos;
        return { number, wireType, value: hi * 4294967296 + lo, lo, hi, start: at, end: this.pos };
      }
      case WireType.Fixed64:
      case WireType.Fixed32: {
        const n = wireType === WireType.Fixed64 ? 8 : 4;
        const start = at + r.pos;
        if (this.end - start < n) throw new ProtobufError(`truncated fixed${n * 8} field ${number}`, at);
        this.pos = start + n;
        return { number, wireType, value: NaN, lo: 0, hi: 0, start, end: this.pos };
      }
      case WireType.LengthDelimited: {
        const len = r.uint();
        const start = at + r.pos;
        if (len > this.end - start) throw new ProtobufError(`field ${number} has length ${len}, but only ${this.end - start} bytes remain`, at);
        this.pos = start + len;
        return { number, wireType, value: len, lo: 0, hi: 0, start, end: this.pos };
      }
      default:
        throw new ProtobufError(`invalid or unsupported wire type ${wireType} in field ${number}`, at);
    }
  }

  /** A walker over a length-delimited field's payload. */
  sub(f: Field): SourceWalker {
    if (f.wireType !== WireType.LengthDelimited) throw new ProtobufError(`field ${f.number} is not a message`, f.start);
    return new SourceWalker(this.src, f.start, f.end);
  }

  /** The payload of a (small) field in memory, with a ProtoReader over it (a view: read it, do not keep it). */
  load(f: Field): { bytes: Uint8Array; reader: ProtoReader } {
    const bytes = this.src.read(f.start, f.end - f.start);
    return { bytes, reader: new ProtoReader(bytes) };
  }

  /** A length-delimited field decoded as UTF-8. */
  string(f: Field): string {
    if (f.wireType !== WireType.LengthDelimited) throw new ProtobufError(`field ${f.number} is not a string`, f.start);
    return utf8.decode(this.src.read(f.start, f.end - f.start));
  }
}
