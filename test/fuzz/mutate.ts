// Seeded, structure-aware mutations. ONNX inputs are parsed into a protobuf field tree (a length-
// delimited payload is taken as a nested message when it parses as one) and mutated there: varints set
// to boundary values (0, −1, 2^30, 2^31, 10^6, 2^53 …), payloads replaced by hostile dims lists or
// names (control characters, spreadsheet formulas, 1 MiB strings), fields duplicated, dropped, swapped,
// renumbered; then re-encoded. Raw-byte mutations (flips, truncation, insertion, overwritten integers)
// run on every kind of input, probe files included.
import { ProtoReader, ProtoWriter, WireType } from '../../src/onnx/protobuf';

/** mulberry32: a small seeded generator (same sequence on every machine). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)];

interface PNode {
  number: number;
  wire: WireType;
  /** Varint / fixed values as a BigInt (64-bit), payload bytes, or children. */
  big?: bigint;
  bytes?: Uint8Array;
  children?: PNode[];
}

function parseTree(bytes: Uint8Array, depth: number): PNode[] | null {
  const out: PNode[] = [];
  try {
    const r = new ProtoReader(bytes);
    for (let f; (f = r.next()); ) {
      if (f.number > 64) return null; // ONNX messages use small field numbers: this is not a message
      if (f.wireType === WireType.Varint) out.push({ number: f.number, wire: f.wireType, big: (BigInt(f.hi) << 32n) | BigInt(f.lo) });
      else if (f.wireType === WireType.LengthDelimited) {
        const payload = bytes.subarray(f.start, f.end);
        const kids = depth < 10 && payload.length > 1 ? parseTree(payload, depth + 1) : null;
        out.push(kids && kids.length ? { number: f.number, wire: f.wireType, children: kids } : { number: f.number, wire: f.wireType, bytes: payload });
      } else out.push({ number: f.number, wire: f.wireType, bytes: bytes.subarray(f.start, f.end) });
    }
  } catch {
    return null;
  }
  return out;
}

function writeTree(nodes: PNode[], w: ProtoWriter): void {
  for (const n of nodes) {
    if (n.wire === WireType.Varint) {
      const v = BigInt.asUintN(64, n.big ?? 0n);
      // ProtoWriter.varint takes a number; write 64-bit values byte by byte
      w.tag(n.number, WireType.Varint);
      let x = v;
      const b: number[] = [];
      do {
        let byte = Number(x & 0x7fn);
        x >>= 7n;
        if (x) byte |= 0x80;
        b.push(byte);
      } while (x);
      w.raw(Uint8Array.from(b));
    } else if (n.children) w.message(n.number, (c) => writeTree(n.children!, c));
    else if (n.wire === WireType.LengthDelimited) w.bytes(n.number, n.bytes ?? new Uint8Array(0));
    else {
      w.tag(n.number, n.wire);
      w.raw(n.bytes ?? new Uint8Array(n.wire === WireType.Fixed32 ? 4 : 8));
    }
  }
}

const BOUNDARY: bigint[] = [0n, 1n, 2n, 3n, 4n, 7n, 8n, 16n, 255n, 16384n, 65535n, 1000000n, 1n << 29n, 1n << 30n, (1n << 31n) - 1n, 1n << 31n, 1n << 32n, 1n << 40n, 1n << 48n, 1n << 53n, (1n << 63n) - 1n, -1n, -4n, -(1n << 31n)];

const packed = (vals: bigint[]): Uint8Array => {
  const w = new ProtoWriter();
  for (const v of vals) writeTree([{ number: 1, wire: WireType.Varint, big: v }], w);
  // strip the tags: each value was written as key(1 byte) + varint; rebuild as a packed payload
  const all = w.finish();
  const out: number[] = [];
  for (let i = 0; i < all.length; ) {
    i++; // key
    while (all[i] & 0x80) out.push(all[i++]);
    out.push(all[i++]);
  }
  return Uint8Array.from(out);
};

/** Hostile payloads: the dims of the repros, names that are formulas or terminal escapes, long strings. */
function hostilePayload(r: Rand): Uint8Array {
  const enc = (s: string) => new TextEncoder().encode(s);
  switch (Math.floor(r() * 10)) {
    case 0: return packed([16384n, 16384n]);
    case 1: return packed([1n << 30n]);
    case 2: return packed([1000000n, 4n, 1n]);
    case 3: return packed([1n << 31n, 1n, 1n]);
    case 4: return packed([-4n, 1n, 1n]);
    case 5: return packed([1n << 29n]);
    case 6: return enc(pick(r, ["=cmd|' /C calc'!A0", '+1+1', '-2', '@SUM(A1)', '\tx', '\x1b[31mred\x1b[0m\x07', 'a\r\nb', 'undefined', '../../etc/passwd', '/etc/passwd', 'w.bin\0x']));
    case 7: return enc('n'.repeat(1 + Math.floor(r() * 4096)));
    case 8: return packed(Array.from({ length: 1 + Math.floor(r() * 64) }, () => pick(r, BOUNDARY)));
    default: return Uint8Array.from({ length: Math.floor(r() * 32) }, () => Math.floor(r() * 256));
  }
}

function collect(nodes: PNode[], parent: PNode[] | null, out: { node: PNode; siblings: PNode[] }[]): void {
  for (const n of nodes) {
    out.push({ node: n, siblings: nodes });
    if (n.children) collect(n.children, nodes, out);
  }
  void parent;
}

/** One structure-aware mutation of an ONNX model (null when the bytes do not parse as a message). */
export function mutateTree(bytes: Uint8Array, r: Rand, steps = 1 + Math.floor(r() * 3)): Uint8Array | null {
  const tree = parseTree(bytes, 0);
  if (!tree) return null;
  const all: { node: PNode; siblings: PNode[] }[] = [];
  collect(tree, null, all);
  if (!all.length) return null;
  for (let s = 0; s < steps; s++) {
    const { node, siblings } = pick(r, all);
    if (!siblings.includes(node)) continue; // removed by an earlier step of this mutation
    const op = Math.floor(r() * 9);
    if (op <= 2 && node.wire === WireType.Varint) node.big = pick(r, BOUNDARY);
    else if (op <= 3 && (node.bytes || node.children)) {
      node.children = undefined;
      node.bytes = hostilePayload(r);
    } else if (op === 4) siblings.splice(siblings.indexOf(node) + 1, 0, structuredClone(node));
    else if (op === 5 && siblings.length > 1) siblings.splice(siblings.indexOf(node), 1);
    else if (op === 6 && siblings.length > 1) {
      const i = siblings.indexOf(node);
      const j = Math.floor(r() * siblings.length);
      [siblings[i], siblings[j]] = [siblings[j], siblings[i]];
    } else if (op === 7) node.number = 1 + Math.floor(r() * 24);
    else if (node.bytes && node.bytes.length) {
      const b = Uint8Array.from(node.bytes);
      b[Math.floor(r() * b.length)] ^= 1 + Math.floor(r() * 255);
      node.bytes = r() < 0.3 ? b.subarray(0, Math.floor(r() * b.length)) : b;
    } else if (node.wire === WireType.Varint) node.big = (node.big ?? 0n) + BigInt(Math.floor(r() * 5) - 2);
  }
  const w = new ProtoWriter();
  writeTree(tree, w);
  return w.finish();
}

/** Raw-byte mutations: flips, truncation, insertion, deletion, integers overwritten with boundary values. */
export function mutateBytes(bytes: Uint8Array, r: Rand): Uint8Array {
  let b = Uint8Array.from(bytes);
  const steps = 1 + Math.floor(r() * 4);
  for (let s = 0; s < steps && b.length; s++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 6)) {
      case 0: b[at] ^= 1 + Math.floor(r() * 255); break;
      case 1: b = b.subarray(0, at); break;
      case 2: {
        const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 16) }, () => (r() < 0.3 ? pick(r, [0, 0x0a, 0x0d, 0x1b, 0x07, 0x7f, 0xff]) : Math.floor(r() * 256)));
        const n = new Uint8Array(b.length + ins.length);
        n.set(b.subarray(0, at)); n.set(ins, at); n.set(b.subarray(at), at + ins.length);
        b = n;
        break;
      }
      case 3: {
        const len = Math.min(1 + Math.floor(r() * 16), b.length - at);
        const n = new Uint8Array(b.length - len);
        n.set(b.subarray(0, at));
        n.set(b.subarray(at + len), at);
        b = n;
        break;
      }
      default: {
        // a little-endian integer (16, 32 or 64 bits) replaced by a boundary value: sizes, counts, offsets
        const width = pick(r, [2, 4, 8]);
        if (at + width > b.length) break;
        const v = BigInt.asUintN(width * 8, pick(r, BOUNDARY));
        for (let k = 0; k < width; k++) b[at + k] = Number((v >> BigInt(8 * k)) & 0xffn);
      }
    }
  }
  return b;
}

/** Probe-aware mutation: rewrites the .npy header's shape or dtype text when it finds one, else raw bytes. */
export function mutateProbe(bytes: Uint8Array, r: Rand): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const hits = [...text.matchAll(/'shape': \(([^)]*)\)|'descr': '([^']*)'/g)];
  if (hits.length && r() < 0.4) {
    const h = pick(r, hits);
    const repl = h[1] !== undefined
      ? `'shape': (${pick(r, ['1000000000000,', '4, 1073741824', '-1,', '4, 3, 0', '4294967296, 4294967296', '4,\x1b[31m', '', '4, 3, 2, 1, 1, 1, 1, 1'])})`
      : `'descr': '${pick(r, ['<i8', '<f8', '>f4', '|O', '<c8', '<u8', '<f2', '|b1', "<f4\r\n"])}'`;
    const out = text.slice(0, h.index) + repl + text.slice(h.index! + h[0].length);
    return mutateBytesMaybe(Buffer.from(out, 'latin1'), r);
  }
  return mutateBytes(bytes, r);
}

function mutateBytesMaybe(b: Uint8Array, r: Rand): Uint8Array {
  return r() < 0.5 ? Uint8Array.from(b) : mutateBytes(b, r);
}

/**
 * State-dict-aware mutation. safetensors: a number or dtype of the JSON header rewritten (shapes and
 * data_offsets that lie, overlap or overflow), the 8-byte header length kept consistent or not. Zip
 * archives (torch.save): raw mutations aimed at the central directory and end records (the last
 * quarter) or at the first members (data.pkl's local header and pickle). Else raw bytes anywhere.
 */
export function mutateCheckpoint(bytes: Uint8Array, r: Rand): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length > 8 && r() < 0.6) {
    const n = Number(dv.getBigUint64(0, true));
    if (bytes[8] === 0x7b && n <= bytes.length - 8) {
      const header = Buffer.from(bytes.subarray(8, 8 + n)).toString('latin1');
      const hits = [...header.matchAll(/\d+|"(F64|F32|F16|BF16|I64|I32|I16|I8|U8|BOOL|F8_E4M3|F8_E5M2)"/g)];
      if (hits.length) {
        const h = pick(r, hits);
        const repl = h[1] !== undefined
          ? `"${pick(r, ['F64', 'F16', 'I64', 'BOOL', 'F8_E5M2', 'C64', 'XX', ''])}"`
          : pick(r, ['0', '1', '-1', '4294967296', '18446744073709551615', '99999999999999999999', '1e30', '2147483648', String(bytes.length)]);
        let text = header.slice(0, h.index) + repl + header.slice(h.index! + h[0].length);
        if (r() < 0.3) text = text.slice(0, Math.floor(r() * text.length));
        const body = Buffer.from(text, 'latin1');
        const out = new Uint8Array(8 + body.length + bytes.length - 8 - n);
        new DataView(out.buffer).setBigUint64(0, BigInt(r() < 0.8 ? body.length : n), true);
        out.set(body, 8);
        out.set(bytes.subarray(8 + n), 8 + body.length);
        return out;
      }
    }
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && r() < 0.6) {
    const tail = r() < 0.6;
    const at = tail ? Math.floor(bytes.length * 0.75) : 0;
    const end = tail ? bytes.length : Math.min(bytes.length, 512);
    const region = mutateBytes(bytes.subarray(at, end), r);
    const out = new Uint8Array(at + region.length + bytes.length - end);
    out.set(bytes.subarray(0, at));
    out.set(region, at);
    out.set(bytes.subarray(end), at + region.length);
    return out;
  }
  return mutateBytes(bytes, r);
}
