// Groups the workspace's checkpoints into runs for the comparison view: one group per folder, the
// folder's checkpoints ordered by epoch number (checkpointOrder.ts); `X.init.onnx` beside a run folder
// `X/` joins that run as its first checkpoint (the weights before training). Pure.
import { posix } from 'node:path';
import { epochOf, naturalCompare, orderCheckpoints } from './checkpointOrder';

export interface GroupedFile {
  path: string;
  mtime: number;
  /** Path relative to its workspace folder, `/`-separated. */
  rel: string;
  label: string;
  epoch: number | null;
}

export interface FileGroup {
  id: string;
  files: GroupedFile[];
}

/** `roots`: workspace folders; a file outside all of them keeps its absolute folder as group id. */
export function groupCheckpoints(files: readonly { path: string; mtime: number }[], roots: readonly string[]): FileGroup[] {
  const slash = (p: string) => p.replace(/\\/g, '/');
  const rs = roots.map(slash).sort((a, b) => b.length - a.length);
  const rel = (p: string) => {
    const s = slash(p);
    const r = rs.find((x) => s === x || s.startsWith(`${x}/`));
    return r ? posix.relative(r, s) : s;
  };
  const groups = new Map<string, GroupedFile[]>();
  const dirs = new Set(files.map((f) => posix.dirname(rel(f.path))));
  for (const f of files) {
    const r = rel(f.path);
    let id = posix.dirname(r);
    const init = /^(.+)\.init\.onnx$/i.exec(posix.basename(r));
    if (init) {
      const runDir = id === '.' ? init[1] : `${id}/${init[1]}`;
      if (dirs.has(runDir)) id = runDir;
    }
    const base = posix.basename(r).replace(/\.onnx$/i, '');
    const g: GroupedFile = { path: f.path, mtime: f.mtime, rel: r, label: base, epoch: /\.init$/i.test(base) ? 0 : epochOf(base) };
    groups.set(id, [...(groups.get(id) ?? []), g]);
  }
  return [...groups.entries()]
    .map(([id, fs]) => ({ id, files: orderCheckpoints(fs) }))
    .sort((a, b) => (a.id === '.' ? -1 : b.id === '.' ? 1 : naturalCompare(a.id, b.id)));
}

/** The group to show first: the largest numbered series (a training run), else the largest group. */
export function defaultGroup(groups: readonly FileGroup[]): FileGroup | undefined {
  const score = (g: FileGroup) => g.files.filter((f) => f.epoch !== null && !/\.init$/i.test(f.label)).length * 1000 + g.files.length;
  return groups.slice().sort((a, b) => score(b) - score(a) || naturalCompare(a.id, b.id))[0];
}
