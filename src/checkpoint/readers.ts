// The checkpoint reader registry: one small object per format (id, name, extensions, a content
// sniffer, what it supports, load). `loadCheckpoint(path)` picks the reader by content first (the
// first bytes of the file, or a folder's contents), then by extension, and falls back to ONNX, whose
// reader names any other recognisable format in its error.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { loadCheckpoint as loadOnnx } from '../onnx/reader';
import { CheckpointError, type Checkpoint, type CheckpointFormat, type LoadOptions } from '../onnx/types';
import { FORMAT_EXTENSIONS } from './formats';
import type { RoleRule } from './roles';

export interface ReaderOptions extends LoadOptions {
  /** Role overrides for state dicts (a roles file, see roles.ts). */
  rules?: readonly RoleRule[];
}

/** What the engine can do with a reader's checkpoints. */
export interface ReaderSupport {
  /** A graph onnxruntime can run: forward-pass measures, bounds, landscapes. */
  forward: boolean;
  /** Conv input sizes are known (exact conv operator norms). */
  shapes: boolean;
  /** Layer roles decided from names and shapes (a state dict), rather than from the graph. */
  rolesFromNames: boolean;
}

/** What the first bytes of a file (or a folder's listing) are. */
export interface Probe {
  path: string;
  isDirectory: boolean;
  /** The first 64 bytes (empty for a folder). */
  head: Uint8Array;
  size: number;
  /** File names in the folder (only for a folder). */
  entries: readonly string[];
}

export interface CheckpointReader {
  readonly id: CheckpointFormat;
  readonly name: string;
  /** Lower-case extensions, with the dot. Folders: see `sniff`. */
  readonly extensions: readonly string[];
  readonly supports: ReaderSupport;
  /** One line saying how to get from this format to what forward passes need (only when !supports.forward). */
  readonly forwardHint?: string;
  /** True when the content is this format (the decisive test; extensions only break ties). */
  sniff(probe: Probe): boolean;
  load(path: string, options: ReaderOptions): Promise<Checkpoint>;
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const starts = (b: Uint8Array, m: number[]) => b.length >= m.length && m.every((x, i) => b[i] === x);

/** 8-byte little-endian length N ≤ size − 8, then '{': a safetensors header. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = dv.getBigUint64(0, true);
  return n >= 2n && n <= BigInt(Math.max(0, size - 8));
}

export const ONNX_READER: CheckpointReader = {
  id: 'onnx', name: 'ONNX', extensions: FORMAT_EXTENSIONS.onnx,
  supports: { forward: true, shapes: true, rolesFromNames: false },
  // A protobuf ModelProto starts with field 1 (ir_version, varint): tag 0x08.
  sniff: (p) => !p.isDirectory && p.head[0] === 0x08 && extname(p.path).toLowerCase() === '.onnx',
  load: (path, o) => loadOnnx(path, o),
};

export const SAFETENSORS_READER: CheckpointReader = {
  id: 'safetensors', name: 'safetensors', extensions: FORMAT_EXTENSIONS.safetensors,
  supports: { forward: false, shapes: false, rolesFromNames: true },
  forwardHint: 'forward-pass measures need an ONNX export of the model: torch.onnx.export(model, example_input, "model.onnx"), then analyse the .onnx with --data',
  sniff: (p) =>
    p.isDirectory
      ? p.entries.some((n) => n.endsWith('.safetensors') || n.endsWith('.safetensors.index.json'))
      : p.path.endsWith('.safetensors.index.json') || looksLikeSafetensors(p.head, p.size),
  load: async (path, o) => (await import('../safetensors/reader')).loadSafetensors(path, { rules: o.rules, inputShapes: o.inputShapes }),
};

export const PYTORCH_READER: CheckpointReader = {
  id: 'pytorch', name: 'PyTorch (torch.save)', extensions: FORMAT_EXTENSIONS.pytorch,
  supports: { forward: false, shapes: false, rolesFromNames: true },
  forwardHint: SAFETENSORS_READER.forwardHint,
  sniff: (p) => {
    if (p.isDirectory) return p.entries.some((n) => n.endsWith('.bin.index.json'));
    if (p.path.endsWith('.bin.index.json')) return true;
    const zip = starts(p.head, ascii('PK\x03\x04'));
    // Legacy (non-zip) torch.save files are pickles (0x80 protocol); the reader explains how to re-save.
    const pickle = p.head.length >= 2 && p.head[0] === 0x80 && p.head[1] >= 2 && p.head[1] <= 5;
    return (zip || pickle) && PYTORCH_READER.extensions.includes(extname(p.path).toLowerCase());
  },
  load: async (path, o) => (await import('../pytorch/reader')).loadTorch(path, { rules: o.rules, inputShapes: o.inputShapes }),
};

/** Every reader, most specific sniffer first. */
export const READERS: readonly CheckpointReader[] = [SAFETENSORS_READER, PYTORCH_READER, ONNX_READER];

/** Extensions (with the dot) of every format a reader is registered for. */
export { CHECKPOINT_EXTENSIONS } from './formats';

export function readerById(id: CheckpointFormat | undefined): CheckpointReader {
  return READERS.find((r) => r.id === (id ?? 'onnx')) ?? ONNX_READER;
}

export function probe(path: string): Probe {
  const p = resolve(path);
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    throw new CheckpointError(p, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read: ${(e as Error).message}`);
  }
  if (st.isDirectory()) return { path: p, isDirectory: true, head: new Uint8Array(0), size: 0, entries: readdirSync(p) };
  const head = new Uint8Array(Math.min(64, st.size));
  if (head.length) {
    const fd = openSync(p, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  }
  return { path: p, isDirectory: false, head, size: st.size, entries: [] };
}

/** The reader for a path: by content, then by extension, else ONNX (whose errors name other formats). */
export function readerFor(path: string): CheckpointReader {
  const pr = probe(path);
  const byContent = READERS.find((r) => r.sniff(pr));
  if (byContent) return byContent;
  if (pr.isDirectory) throw new CheckpointError(pr.path, 'is a folder without .safetensors shards or a *.bin.index.json: not a checkpoint');
  const ext = extname(pr.path).toLowerCase();
  return READERS.find((r) => r.extensions.includes(ext)) ?? ONNX_READER;
}

/** Reads any supported checkpoint. Every problem is a CheckpointError naming the file. */
export async function loadCheckpoint(path: string, options: ReaderOptions = {}): Promise<Checkpoint> {
  return readerFor(path).load(path, options);
}
