// Minimal protocol-buffers wire-format reader and writer.
//
// The reader walks a message without decoding what it is not asked for: a length-delimited field is
// returned as a (start, end) span into the same buffer, so weight bytes are never copied here. Every
// length and varint is checked against the end of the enclosing message; a malformed message throws
// a ProtobufError that names the byte offset, never reads past the end and never loops forever.

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

export class ProtobufError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'ProtobufError';
  }
}

/** One field as it appears on the wire. For length-delimited fields `start`/`end` delimit the payload. */
export interface Field {
  readonly number: number;
  readonly wireType: WireType;
  /** Varint value (as a JS number; exact up to 2^53) for wire type 0; undefined otherwise. */
  readonly value: number;
  /** Low and high 32 bits of a varint or fixed64 value, for int64 fields that may exceed 2^53. */
  readonly lo: number;
  readonly hi: number;
  /** Payload span (wire types 1, 2 and 5). */
  readonly start: number;
  readonly end: number;
}

/** A cursor over one message: bytes[pos, end). */
export class ProtoReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    if (start < 0 || end > bytes.length || start > end) throw new ProtobufError('message span outside the buffer', start);
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads an unsigned varint of up to 64 bits; returns [lo32, hi32]. */
  varint64(): [number, number] {
    const b = this.bytes;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint', start);
      const byte = b[this.pos++];
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >>> 4;
      } else hi |= (byte & 0x7f) << (shift - 32);
      if ((byte & 0x80) === 0) return [lo >>> 0, hi >>> 0];
      shift += 7;
    }
    throw new ProtobufError('varint longer than 10 bytes', start);
  }

  /** Unsigned varint as a number (exact below 2^53). */
  uint(): number {
    const [lo, hi] = this.varint64();
    return hi * 4294967296 + lo;
  }

  /** Next field, or null at the end of the message. */
  next(): Field | null {
    if (this.pos >= this.end) return null;
    const at = this.pos;
    const key = this.uint();
    const number = Math.floor(key / 8);
    const wireType = key & 7;
    if (number === 0) throw new ProtobufError('field number 0', at);
    switch (wireType) {
      case WireType.Varint: {
        const [lo, hi] = this.varint64();
        return { number, wireType, value: hi * 4294967296 + lo, lo, hi, start: at, end: this.pos };
      }
      case WireType.Fixed64: {
        const start = this.pos;
        if (this.end - start < 8) throw new ProtobufError(`truncated fixed64 field ${number}`, at);
        this.pos += 8;
        const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset + start, 8);
        return { number, wireType, value: NaN, lo: dv.getUint32(0, true), hi: dv.getUint32(4, true), start, end: this.pos };
      }
      case WireType.LengthDelimited: {
        const len = this.uint();
        const start = this.pos;
        if (len > this.end - start) {
          throw new ProtobufError(`field ${number} has length ${len}, but only ${this.end - start} bytes remain`, at);
        }
        this.pos = start + len;
        return { number, wireType, value: len, lo: 0, hi: 0, start, end: this.pos };
      }
      case WireType.Fixed32: {
        const start = this.pos;
        if (this.end - start < 4) throw new ProtobufError(`truncated fixed32 field ${number}`, at);
        this.pos += 4;
        return { number, wireType, value: NaN, lo: 0, hi: 0, start, end: this.pos };
      }
      case WireType.StartGroup:
      case WireType.EndGroup:
        throw new ProtobufError(`unsupported wire type ${wireType} (groups) in field ${number}`, at);
      default:
        throw new ProtobufError(`invalid wire type ${wireType} in field ${number}`, at);
    }
  }

  /** A reader over a length-delimited field's payload. */
  sub(f: Field): ProtoReader {
    if (f.wireType !== WireType.LengthDelimited) throw new ProtobufError(`field ${f.number} is not a message`, f.start);
    return new ProtoReader(this.bytes, f.start, f.end);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function fieldString(bytes: Uint8Array, f: Field): string {
  if (f.wireType !== WireType.LengthDelimited) throw new ProtobufError(`field ${f.number} is not a string`, f.start);
  return utf8.decode(bytes.subarray(f.start, f.end));
}

/** Signed int64 varint field as a number (exact in ±2^53). */
export function fieldInt64(f: Field): number {
  if (f.wireType !== WireType.Varint) throw new ProtobufError(`field ${f.number} is not a varint`, f.start);
  if (f.hi & 0x80000000) {
    // two's complement negative
    const lo = ~f.lo >>> 0;
    const hi = ~f.hi >>> 0;
    return -(hi * 4294967296 + lo + 1);
  }
  return f.hi * 4294967296 + f.lo;
}

export function fieldFloat32(bytes: Uint8Array, f: Field): number {
  if (f.wireType !== WireType.Fixed32) throw new ProtobufError(`field ${f.number} is not a float`, f.start);
  return new DataView(bytes.buffer, bytes.byteOffset + f.start, 4).getFloat32(0, true);
}

export function fieldFloat64(bytes: Uint8Array, f: Field): number {
  if (f.wireType !== WireType.Fixed64) throw new ProtobufError(`field ${f.number} is not a double`, f.start);
  return new DataView(bytes.buffer, bytes.byteOffset + f.start, 8).getFloat64(0, true);
}

/**
 * Reads a repeated scalar field that may be packed (one length-delimited field) or not (one field per
 * value), calling `push` for every value. `kind` says how to decode each element.
 */
export function readRepeated(
  bytes: Uint8Array,
  f: Field,
  kind: 'varint' | 'sint' | 'float' | 'double',
  push: (v: number) => void,
): void {
  if (f.wireType === WireType.LengthDelimited) {
    if (kind === 'float') {
      if ((f.end - f.start) % 4) throw new ProtobufError(`packed float field ${f.number} length not a multiple of 4`, f.start);
      const dv = new DataView(bytes.buffer, bytes.byteOffset + f.start, f.end - f.start);
      for (let o = 0; o < f.end - f.start; o += 4) push(dv.getFloat32(o, true));
      return;
    }
    if (kind === 'double') {
      if ((f.end - f.start) % 8) throw new ProtobufError(`packed double field ${f.number} length not a multiple of 8`, f.start);
      const dv = new DataView(bytes.buffer, bytes.byteOffset + f.start, f.end - f.start);
      for (let o = 0; o < f.end - f.start; o += 8) push(dv.getFloat64(o, true));
      return;
    }
    const r = new ProtoReader(bytes, f.start, f.end);
    while (!r.done) {
      const at = r.pos;
      const [lo, hi] = r.varint64();
      const v: Field = { number: f.number, wireType: WireType.Varint, value: hi * 4294967296 + lo, lo, hi, start: at, end: r.pos };
      push(kind === 'sint' ? fieldInt64(v) : v.value);
    }
    return;
  }
  if (kind === 'float') push(fieldFloat32(bytes, f));
  else if (kind === 'double') push(fieldFloat64(bytes, f));
  else if (kind === 'sint') push(fieldInt64(f));
  else if (f.wireType === WireType.Varint) push(f.value);
  else throw new ProtobufError(`field ${f.number}: unexpected wire type ${f.wireType}`, f.start);
}

/**
 * Protocol-buffers writer. Nested messages are written with `message(number, w => ...)`; raw spans
 * of an existing message can be copied with `raw`, which is how a graph is rewritten without
 * re-encoding (or copying more than once) the weights it keeps.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private pos = 0;
  private total = 0;

  get length(): number {
    return this.total + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.total += this.pos;
    this.buf = new Uint8Array(Math.max(256, Math.min(1 << 20, this.buf.length * 2)));
    this.pos = 0;
  }

  /** Unsigned varint; negative numbers are written as 64-bit two's complement (int64/int32 style). */
  varint(v: number): this {
    this.ensure(10);
    if (v < 0) {
      // 64-bit two's complement
      let lo = Number(BigInt.asUintN(32, BigInt(v)));
      let hi = Number(BigInt.asUintN(32, BigInt(v) >> 32n));
      for (let i = 0; i < 9; i++) {
        this.buf[this.pos++] = (lo & 0x7f) | 0x80;
        lo = (lo >>> 7) | ((hi & 0x7f) << 25);
        hi >>>= 7;
      }
      this.buf[this.pos++] = lo & 0x01;
      return this;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  tag(number: number, wireType: WireType): this {
    return this.varint(number * 8 + wireType);
  }

  int(number: number, v: number): this {
    return this.tag(number, WireType.Varint).varint(v);
  }

  float(number: number, v: number): this {
    this.tag(number, WireType.Fixed32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).setFloat32(0, v, true);
    this.pos += 4;
    return this;
  }

  double(number: number, v: number): this {
    this.tag(number, WireType.Fixed64);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, v, true);
    this.pos += 8;
    return this;
  }

  bytes(number: number, data: Uint8Array): this {
    this.tag(number, WireType.LengthDelimited).varint(data.length);
    return this.raw(data);
  }

  string(number: number, s: string): this {
    return this.bytes(number, new TextEncoder().encode(s));
  }

  /** Packed repeated varints (int64 dims, etc.). */
  packedVarints(number: number, values: ArrayLike<number>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    return this.bytes(number, inner.finish());
  }

  packedFloats(number: number, values: ArrayLike<number>): this {
    const a = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) a[i] = values[i];
    return this.bytes(number, new Uint8Array(a.buffer));
  }

  message(number: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    this.tag(number, WireType.LengthDelimited).varint(inner.length);
    for (const c of inner.parts()) this.raw(c);
    return this;
  }

  /** Appends bytes verbatim (large spans are referenced, not copied, until finish()). */
  raw(data: Uint8Array): this {
    if (data.length > 4096) {
      this.flush();
      this.chunks.push(data);
      this.total += data.length;
      return this;
    }
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  parts(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  finish(): Uint8Array {
    const parts = this.parts();
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
