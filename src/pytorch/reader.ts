// torch.save zip archives (.pt .pth .bin .ckpt): `<archive>/data.pkl` is read with the restricted
// unpickler (unpickler.ts: nothing is executed, unknown globals are refused); tensors become spans of
// the stored `<archive>/data/<key>` members, read only when their layer is measured. The state dict is
// found inside common wrappers (Lightning's `state_dict`, `model`, `module`, `model_state_dict`, …).
// A folder or `pytorch_model.bin.index.json` opens a sharded checkpoint as one model.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ELEMENT_BYTES, FileTensor } from '../checkpoint/fileTensor';
import type { RoleRule } from '../checkpoint/roles';
import { stateDictCheckpoint, type StateEntry } from '../checkpoint/stateDict';
import { CheckpointError, type Checkpoint, type DType } from '../onnx/types';
import { PickleError, PickleRefused, STORAGE_DTYPES, unpickle, type StorageRef, type TensorRef } from './unpickler';
import { fileSource, ZipArchive, type ZipEntry } from '../input/zip';

/** data.pkl larger than this is refused (state-dict pickles are kilobytes to a few megabytes). */
export const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

export const RESAVE_HINT = 'it is a legacy (pre-1.6, non-zip) torch.save file: re-save it with a current torch (torch.save(torch.load(path), path)) and open the new file';

const isTensor = (x: unknown): x is TensorRef => !!x && typeof x === 'object' && (x as TensorRef).kind === 'tensor';

/** Keys under which wrappers keep the state dict, in the order they are tried. */
const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'model_state', 'net', 'network', 'state', 'params', 'ema', 'weights'];

function tensorCount(m: Map<unknown, unknown>): number {
  let n = 0;
  for (const v of m.values()) if (isTensor(v)) n++;
  return n;
}

/** The state dict inside a loaded object, and where it was found. */
export function findStateDict(root: unknown, file: string): { dict: Map<unknown, unknown>; where: string | null } {
  if (!(root instanceof Map)) {
    throw new CheckpointError(file, `holds a ${Array.isArray(root) ? 'list' : isTensor(root) ? 'single tensor' : typeof root}, not a state dict (a dict of tensors)`);
  }
  if (tensorCount(root) > 0) return { dict: root, where: null };
  const search = (m: Map<unknown, unknown>, path: string, depth: number): { dict: Map<unknown, unknown>; where: string } | null => {
    for (const k of WRAPPER_KEYS) {
      const v = m.get(k);
      if (v instanceof Map) {
        if (tensorCount(v) > 0) return { dict: v, where: `${path}${k}` };
        if (depth < 3) {
          const r = search(v, `${path}${k}.`, depth + 1);
          if (r) return r;
        }
      }
    }
    return null;
  };
  const found = search(root, '', 0);
  if (found) return found;
  const keys = [...root.keys()].slice(0, 8).map(String);
  throw new CheckpointError(file, `no state dict found: the top-level keys are ${keys.join(', ')}${root.size > 8 ? ', …' : ''} and none of ${WRAPPER_KEYS.join('/')} holds tensors`);
}

function isContiguous(t: TensorRef): boolean {
  let expect = 1;
  for (let i = t.size.length - 1; i >= 0; i--) {
    if (t.size[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.size[i];
  }
  return true;
}

/** Reads one torch.save zip file into named tensors. */
export function readTorchFile(file: string): { entries: StateEntry[]; warnings: string[]; producer: string | null } {
  const fd = openSync(file, 'r');
  const head = new Uint8Array(4);
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) throw new CheckpointError(file, RESAVE_HINT);
  if (!(head[0] === 0x50 && head[1] === 0x4b)) throw new CheckpointError(file, 'is not a torch.save zip archive (no zip signature) nor a legacy torch pickle');
  const zip = new ZipArchive(fileSource(file), (problem) => {
    throw new CheckpointError(file, `not a valid torch.save zip archive: ${problem}`);
  });
  /** A small member (data.pkl, byteorder), read whole within `limit` bytes. */
  const small = (e: ZipEntry, limit: number) => {
    if (e.size > limit) throw new CheckpointError(file, `not a valid torch.save zip archive: member ${e.shown} is ${e.size} bytes, over the ${limit}-byte limit`);
    return zip.read(e);
  };
  const names = [...zip.entries.keys()];
  const pkl = names.find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pkl) {
    if (names.some((n) => /(^|\/)(code|constants\.pkl)/.test(n))) throw new CheckpointError(file, 'is a TorchScript archive without data.pkl: save model.state_dict() with torch.save instead');
    throw new CheckpointError(file, `is a zip archive without data.pkl (members: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): not a torch.save file`);
  }
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  if (names.some((n) => n.startsWith(`${prefix}code/`))) throw new CheckpointError(file, 'is a TorchScript archive (torch.jit.save): save model.state_dict() with torch.save instead');
  const bo = zip.entries.get(`${prefix}byteorder`);
  if (bo && new TextDecoder().decode(small(bo, 16)).trim() === 'big') throw new CheckpointError(file, 'was saved on a big-endian machine: only little-endian archives are read');
  const storages = new Map<string, { offset: number; bytes: number }>();
  const storageAt = (key: string) => {
    let s = storages.get(key);
    if (!s) {
      const e = zip.entries.get(`${prefix}data/${key}`);
      if (!e) throw new CheckpointError(file, `storage '${key}' is named in data.pkl but missing from the archive`);
      if (e.method !== 0) throw new CheckpointError(file, `storage '${key}' is compressed (method ${e.method}); torch.save stores storages uncompressed`);
      if (e.size !== e.compressedSize) throw new CheckpointError(file, `not a valid torch.save zip archive: storage '${key}' declares ${e.size} bytes stored in ${e.compressedSize}`);
      s = { offset: zip.dataOffset(e), bytes: e.size };
      storages.set(key, s);
    }
    return s;
  };
  let root: unknown;
  try {
    root = unpickle(small(zip.entries.get(pkl)!, MAX_PICKLE_BYTES), {
      persistentLoad: (pid): StorageRef => {
        if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new PickleError(`unknown persistent id ${JSON.stringify(pid)?.slice(0, 80)}`);
        const [, type, key, , numel] = pid as [string, { name?: string }, unknown, unknown, unknown];
        const dtype = STORAGE_DTYPES[type?.name ?? ''];
        if (!dtype) throw new PickleError(`unknown storage type in persistent id`);
        if (typeof key !== 'string' && typeof key !== 'number') throw new PickleError('storage key is not a string');
        return { kind: 'storage', dtype, key: String(key), numel: Number(numel) };
      },
    });
  } catch (e) {
    if (e instanceof PickleRefused) throw new CheckpointError(file, e.message);
    if (e instanceof PickleError) throw new CheckpointError(file, `data.pkl is not a valid pickle: ${e.message}`);
    throw e;
  }
  const warnings: string[] = [];
  const { dict, where } = findStateDict(root, file);
  let producer: string | null = null;
  if (root instanceof Map && root.has('pytorch-lightning_version')) producer = `PyTorch Lightning ${String(root.get('pytorch-lightning_version'))}`;
  if (where) warnings.push(`state dict found under '${where}'${producer ? ` (${producer} checkpoint)` : ''}`);
  const entries: StateEntry[] = [];
  let skipped = 0;
  for (const [k, v] of dict) {
    if (!isTensor(v)) {
      skipped++;
      continue;
    }
    const name = String(k);
    const dtype = v.storage.dtype as DType;
    const eb = ELEMENT_BYTES[dtype]!;
    const st = storageAt(v.storage.key);
    if (!isContiguous(v)) throw new CheckpointError(file, `stored as a non-contiguous view (stride [${v.stride.join(', ')}] for shape [${v.size.join(', ')}]): save tensor.contiguous()`, name);
    const numel = v.size.reduce((a, b) => a * b, 1);
    const begin = v.offset * eb;
    if (!Number.isSafeInteger(numel) || begin + numel * eb > st.bytes) {
      throw new CheckpointError(file, `shape [${v.size.join(', ')}] at storage offset ${v.offset} needs bytes [${begin}, ${begin + numel * eb}) but storage '${v.storage.key}' has ${st.bytes}`, name);
    }
    entries.push({ name, tensor: new FileTensor(name, dtype, v.size, file, st.offset + begin, numel * eb, `${file}#${v.storage.key}@${v.offset}`) });
  }
  if (skipped) warnings.push(`${skipped} non-tensor entr${skipped === 1 ? 'y' : 'ies'} of the state dict skipped`);
  if (!entries.length) throw new CheckpointError(file, 'the state dict holds no tensors');
  return { entries, warnings, producer };
}

function shards(path: string): { files: string[]; index: string | null } {
  const p = resolve(path);
  const st = statSync(p);
  const fromIndex = (index: string) => {
    let json: { weight_map?: Record<string, unknown> };
    try {
      json = JSON.parse(readFileSync(index, 'utf8'));
    } catch (e) {
      throw new CheckpointError(index, `not a valid index file: ${(e as Error).message}`);
    }
    if (!json?.weight_map || typeof json.weight_map !== 'object') throw new CheckpointError(index, 'index file has no "weight_map" object');
    const files = [...new Set(Object.values(json.weight_map))].map((f) => {
      if (typeof f !== 'string' || /[\\/]/.test(f) || f === '..') throw new CheckpointError(index, `weight_map names ${JSON.stringify(f)}, not a file beside the index`);
      const full = join(dirname(index), f);
      if (!existsSync(full)) throw new CheckpointError(index, `shard ${f} listed in weight_map is missing`);
      return full;
    });
    return { files, index };
  };
  if (st.isDirectory()) {
    const idx = readdirSync(p).find((n) => n.endsWith('.bin.index.json'));
    if (!idx) throw new CheckpointError(p, 'folder has no *.bin.index.json');
    return fromIndex(join(p, idx));
  }
  return p.endsWith('.json') ? fromIndex(p) : { files: [p], index: null };
}

/** A torch.save file, or a sharded pytorch_model.bin folder / index → one Checkpoint. */
export function loadTorch(path: string, options: { rules?: readonly RoleRule[] } = {}): Checkpoint {
  const p = resolve(path);
  const { files, index } = shards(p);
  const entries: StateEntry[] = [];
  const warnings: string[] = [];
  let fileSize = 0;
  let producer: string | null = null;
  for (const f of files) {
    const r = readTorchFile(f);
    fileSize += statSync(f).size;
    entries.push(...r.entries);
    warnings.push(...r.warnings.map((w) => (files.length > 1 ? `${basename(f)}: ${w}` : w)));
    producer ??= r.producer;
  }
  if (files.length > 1) warnings.push(`sharded checkpoint: ${files.length} shards${index ? ` listed in ${basename(index)}` : ''} read as one model`);
  return stateDictCheckpoint({
    path: p, fileSize, format: 'pytorch', producer: producer ?? 'torch.save', entries, warnings, rules: options.rules ?? [],
    baseDir: statSync(p).isDirectory() ? p : dirname(p),
  });
}
