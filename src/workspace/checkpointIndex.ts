// The checkpoint files of the workspace with their modification times, kept current from file-system
// events, so CodeLens, inlay hints and the comparison view never search the disk while the user types.
// One per extension host, created in activate() and passed to whoever needs it. A file being written
// (training saves a checkpoint over several writes) is reported once its size has stopped changing.
// No vscode import: the host's file search and watcher arrive through `CheckpointSource`
// (src/vscode/checkpointIndexWatcher.ts feeds `created`/`changed`/`deleted`).
import { promises as fs } from 'node:fs';
import type { CheckpointFile } from './checkpointMatcher';

export const SETTLE_MS = 700;
const FLUSH_MS = 100;

export interface IndexChange {
  path: string;
  kind: 'create' | 'change' | 'delete';
}

export interface CheckpointSource {
  /** Every checkpoint file of the workspace now (absolute paths). */
  list(): Promise<string[]>;
  /** Size and mtime, or null when the path is no longer a file. Defaults to fs.stat. */
  stat?(path: string): Promise<{ size: number; mtime: number } | null>;
}

type Listener = (changes: IndexChange[]) => void;

const statFile = async (p: string) => {
  const st = await fs.stat(p).catch(() => null);
  return st?.isFile() ? { size: st.size, mtime: st.mtimeMs } : null;
};

/** Folders whose files are never checkpoints of the user's (dependencies, VCS, the e2e cache). */
export const isExcluded = (path: string): boolean => /[\\/](node_modules|\.git|\.e2e-cache)[\\/]/.test(path);

export class CheckpointIndex {
  private readonly map = new Map<string, CheckpointFile & { size: number }>();
  private readonly listeners = new Set<Listener>();
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private pending: IndexChange[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly stat: (path: string) => Promise<{ size: number; mtime: number } | null>;
  readonly ready: Promise<void>;

  constructor(private readonly source: CheckpointSource, private readonly settleMs = SETTLE_MS) {
    this.stat = source.stat?.bind(source) ?? statFile;
    this.ready = this.rescan();
  }

  /** Fires (batched) when checkpoints appear, change or disappear; an empty batch after a full rescan. */
  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Every known checkpoint. */
  files(): CheckpointFile[] {
    return [...this.map.values()].map(({ path, mtime }) => ({ path, mtime }));
  }

  has(path: string): boolean {
    return this.map.has(path);
  }

  /** The recorded mtime of a checkpoint, or -1 when the index does not know it (no disk access). */
  mtime(path: string): number {
    return this.map.get(path)?.mtime ?? -1;
  }

  async rescan(): Promise<void> {
    const paths = (await this.source.list()).filter((p) => !isExcluded(p));
    const seen = new Set<string>();
    await Promise.all(paths.map(async (p) => {
      seen.add(p);
      const st = await this.stat(p);
      if (st) this.map.set(p, { path: p, mtime: st.mtime, size: st.size });
    }));
    for (const p of [...this.map.keys()]) if (!seen.has(p)) this.map.delete(p);
    this.queue(null);
  }

  created(path: string): void {
    this.settle(path);
  }

  changed(path: string): void {
    this.settle(path);
  }

  deleted(path: string): void {
    clearTimeout(this.settling.get(path));
    this.settling.delete(path);
    if (this.map.delete(path)) this.queue({ path, kind: 'delete' });
  }

  /**
   * Waits until the file's size holds still for `settleMs`, then records it: a `create` when the index
   * did not know it (also when the watcher's create was followed by changes while it was written).
   */
  private settle(path: string): void {
    if (isExcluded(path)) return;
    clearTimeout(this.settling.get(path));
    let last = -1;
    const check = async () => {
      const st = await this.stat(path);
      if (!st) {
        this.settling.delete(path);
        return;
      }
      if (st.size !== last) {
        last = st.size;
        this.settling.set(path, setTimeout(() => void check(), this.settleMs));
        return;
      }
      this.settling.delete(path);
      const known = this.map.get(path);
      if (known && known.mtime === st.mtime && known.size === st.size) return;
      this.map.set(path, { path, mtime: st.mtime, size: st.size });
      this.queue({ path, kind: known ? 'change' : 'create' });
    };
    this.settling.set(path, setTimeout(() => void check(), this.settleMs));
  }

  private queue(c: IndexChange | null): void {
    if (c) this.pending.push(c);
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      const batch = this.pending;
      this.pending = [];
      for (const l of [...this.listeners]) l(batch);
    }, FLUSH_MS);
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    for (const t of this.settling.values()) clearTimeout(t);
    this.settling.clear();
    this.listeners.clear();
  }
}
