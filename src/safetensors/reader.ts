// safetensors (huggingface/safetensors format): 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data.
// Only the header is read here; tensors are positional reads of their own span, decoded per layer.
// Nothing from the file is trusted: the header length against the file size, every offset inside the
// data area, spans non-overlapping, dtype × shape = byte length, all before any allocation.
// A folder or a `*.safetensors.index.json` (save_pretrained's sharding) opens every shard as one model.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileTensor } from '../checkpoint/fileTensor';
import type { RoleRule } from '../checkpoint/roles';
import { stateDictCheckpoint, type StateEntry } from '../checkpoint/stateDict';
import { CheckpointError, type Checkpoint, type DType } from '../onnx/types';

/** safetensors dtype → our DType. */
export const SAFETENSORS_DTYPES: Record<string, DType> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', F8_E4M3: 'float8e4m3fn', F8_E5M2: 'float8e5m2',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U64: 'uint64', U32: 'uint32', U16: 'uint16', U8: 'uint8', BOOL: 'bool',
};

/** The safetensors library refuses headers over 100 MB; so do we (before reading them). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsHeader {
  entries: StateEntry[];
  metadata: Record<string, string>;
  dataStart: number;
  fileSize: number;
}

/** Reads and validates one file's header. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new CheckpointError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be opened: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const bad = (problem: string): never => {
      throw new CheckpointError(file, `not a valid safetensors file: ${problem}`);
    };
    if (size < 8) bad(`only ${size} bytes (the 8-byte header length is missing)`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES)) bad(`header length ${n} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
    const headerLen = Number(n);
    if (8 + headerLen > size) bad(`header length ${headerLen} bytes runs past the end of the file (${size} bytes; truncated?)`);
    if (headerLen < 2) bad(`header length ${headerLen} is too short for a JSON object`);
    const buf = Buffer.alloc(headerLen);
    let got = 0;
    while (got < headerLen) {
      const r = readSync(fd, buf, got, headerLen - got, 8 + got);
      if (r <= 0) bad('file ended inside the header');
      got += r;
    }
    let json: unknown;
    try {
      json = JSON.parse(buf.toString('utf8'));
    } catch (e) {
      bad(`header is not valid JSON (${(e as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) bad('header is not a JSON object');
    const dataStart = 8 + headerLen;
    const dataSize = size - dataStart;
    const metadata: Record<string, string> = {};
    const entries: StateEntry[] = [];
    const spans: { name: string; b: number; e: number }[] = [];
    for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') metadata[k] = x;
        } else bad('__metadata__ is not an object of strings');
        continue;
      }
      const info = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const tbad = (problem: string): never => {
        throw new CheckpointError(file, problem, name);
      };
      if (!info || typeof info !== 'object') tbad('header entry is not an object');
      const dtype = typeof info.dtype === 'string' ? SAFETENSORS_DTYPES[info.dtype] : undefined;
      if (!dtype) tbad(`${info.dtype === undefined ? 'has no dtype' : `unknown dtype ${JSON.stringify(info.dtype)}`} (known: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
      if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) tbad(info.shape === undefined ? 'has no shape' : `shape ${JSON.stringify(info.shape)} is not a list of non-negative integers`);
      const off = info.data_offsets;
      if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0) || off[0] > off[1]) {
        tbad(off === undefined ? 'has no data_offsets' : `data_offsets ${JSON.stringify(off)} are not [begin, end] with 0 ≤ begin ≤ end`);
      }
      const [b, e] = off as number[];
      if (e > dataSize) tbad(`data_offsets [${b}, ${e}] run past the end of the data (${dataSize} bytes after the header; truncated?)`);
      spans.push({ name, b, e });
      // FileTensor checks dtype × shape against the span's length before anything is allocated.
      entries.push({ name, tensor: new FileTensor(name, dtype!, info.shape as number[], file, dataStart + b, e - b) });
    }
    spans.sort((x, y) => x.b - y.b || x.e - y.e);
    for (let i = 1; i < spans.length; i++) {
      const p = spans[i - 1];
      const c = spans[i];
      if (c.b < p.e) throw new CheckpointError(file, `data_offsets [${c.b}, ${c.e}] overlap those of '${p.name}' [${p.b}, ${p.e}]`, c.name);
    }
    // Header order is alphabetical in files written by the library; measure in data order (the model's order).
    const at = new Map(spans.map((s, i) => [s.name, i]));
    entries.sort((x, y) => at.get(x.name)! - at.get(y.name)!);
    return { entries, metadata, dataStart, fileSize: size };
  } finally {
    closeSync(fd);
  }
}

/** The shard files of a sharded checkpoint: from an index's weight_map, or every *.safetensors in a folder. */
export function safetensorsShards(path: string): { files: string[]; index: string | null } {
  const p = resolve(path);
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new CheckpointError(p, 'no such file or folder');
  }
  if (!st.isDirectory()) {
    if (!p.endsWith('.json')) return { files: [p], index: null };
    return { files: shardsFromIndex(p), index: p };
  }
  const names = readdirSync(p);
  const index = names.find((n) => n.endsWith('.safetensors.index.json'));
  if (index) return { files: shardsFromIndex(join(p, index)), index: join(p, index) };
  const files = names.filter((n) => n.endsWith('.safetensors')).sort().map((n) => join(p, n));
  if (!files.length) throw new CheckpointError(p, 'folder holds no .safetensors file and no *.safetensors.index.json');
  return { files, index: null };
}

function shardsFromIndex(index: string): string[] {
  let json: { weight_map?: Record<string, unknown> };
  try {
    json = JSON.parse(readFileSync(index, 'utf8'));
  } catch (e) {
    throw new CheckpointError(index, `not a valid index file: ${(e as Error).message}`);
  }
  const map = json?.weight_map;
  if (!map || typeof map !== 'object') throw new CheckpointError(index, 'index file has no "weight_map" object');
  const dir = dirname(index);
  const files: string[] = [];
  for (const [name, f] of Object.entries(map)) {
    if (typeof f !== 'string' || f.includes('/') || f.includes('\\') || f === '..' || f === '.') {
      throw new CheckpointError(index, `weight_map entry for '${name}' is not a file name beside the index: ${JSON.stringify(f)}`);
    }
    const full = join(dir, f);
    if (!files.includes(full)) files.push(full);
  }
  for (const f of files) if (!existsSync(f)) throw new CheckpointError(index, `shard ${basename(f)} listed in weight_map is missing`);
  return files;
}

export interface SafetensorsOptions {
  rules?: readonly RoleRule[];
}

/** A safetensors file, a folder of shards, or an index.json → one Checkpoint. */
export function loadSafetensors(path: string, options: SafetensorsOptions = {}): Checkpoint {
  const { files, index } = safetensorsShards(path);
  const entries: StateEntry[] = [];
  const metadata: Record<string, string> = {};
  const seen = new Map<string, string>();
  let fileSize = 0;
  for (const f of files) {
    const h = readSafetensorsHeader(f);
    fileSize += h.fileSize;
    for (const e of h.entries) {
      const prev = seen.get(e.name);
      if (prev) throw new CheckpointError(f, `tensor '${e.name}' is also in shard ${basename(prev)}`);
      seen.set(e.name, f);
      entries.push(e);
    }
    for (const [k, v] of Object.entries(h.metadata)) if (!(k in metadata)) metadata[k] = v;
  }
  const warnings: string[] = [];
  if (files.length > 1) warnings.push(`sharded checkpoint: ${files.length} shards${index ? ` listed in ${basename(index)}` : ''} read as one model`);
  const p = resolve(path);
  return stateDictCheckpoint({
    path: p, fileSize, format: 'safetensors', producer: 'safetensors', entries, metadata, warnings, rules: options.rules ?? [],
    baseDir: statSync(p).isDirectory() ? p : dirname(p),
  });
}
