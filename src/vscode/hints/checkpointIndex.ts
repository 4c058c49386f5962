// The .onnx files of the workspace with their modification times, kept current by a file watcher, so
// CodeLens and the comparison view never search the disk while the user types. One per extension
// host (shared by hints and the comparison view). A file being written (training saves a checkpoint
// over several writes) is reported once its size has stopped changing.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { CHECKPOINT_GLOB } from '../../checkpoint/formats';
import type { CheckpointFile } from './checkpointMatcher';

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.e2e-cache/**}';
const SETTLE_MS = 700;

export type IndexChange = { uri: vscode.Uri; kind: 'create' | 'change' | 'delete' };

export class CheckpointIndex implements vscode.Disposable {
  private static instance: CheckpointIndex | undefined;
  private readonly map = new Map<string, CheckpointFile & { size: number }>();
  private readonly emitter = new vscode.EventEmitter<IndexChange[]>();
  /** Fires (batched) when checkpoints appear, change or disappear; an empty batch after a full rescan. */
  readonly onDidChange = this.emitter.event;
  readonly ready: Promise<void>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private pending: IndexChange[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  /** The shared index, created on first use and disposed with the extension. */
  static shared(context: vscode.ExtensionContext): CheckpointIndex {
    if (!CheckpointIndex.instance) {
      const index = new CheckpointIndex();
      CheckpointIndex.instance = index;
      context.subscriptions.push(index, { dispose: () => (CheckpointIndex.instance = undefined) });
    }
    return CheckpointIndex.instance;
  }

  private constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(CHECKPOINT_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((u) => this.settle(u, 'create')),
      watcher.onDidChange((u) => this.settle(u, 'change')),
      watcher.onDidDelete((u) => this.remove(u)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan()),
      this.emitter,
    );
    this.ready = this.rescan();
  }

  /** Every known checkpoint. */
  files(): CheckpointFile[] {
    return [...this.map.values()];
  }

  async rescan(): Promise<void> {
    const uris = await vscode.workspace.findFiles(CHECKPOINT_GLOB, EXCLUDE, 50000);
    const seen = new Set<string>();
    await Promise.all(uris.map(async (u) => {
      seen.add(u.fsPath);
      const st = await fs.stat(u.fsPath).catch(() => null);
      if (st?.isFile()) this.map.set(u.fsPath, { path: u.fsPath, mtime: st.mtimeMs, size: st.size });
    }));
    for (const p of [...this.map.keys()]) if (!seen.has(p)) this.map.delete(p);
    this.queue(null);
  }

  private excluded(u: vscode.Uri): boolean {
    return /[\\/](node_modules|\.git|\.e2e-cache)[\\/]/.test(u.fsPath);
  }

  /** Waits until the file's size holds still for SETTLE_MS, then records it. */
  private settle(u: vscode.Uri, kind: 'create' | 'change'): void {
    if (this.excluded(u)) return;
    clearTimeout(this.settling.get(u.fsPath));
    let last = -1;
    const check = async () => {
      const st = await fs.stat(u.fsPath).catch(() => null);
      if (!st?.isFile()) {
        this.settling.delete(u.fsPath);
        return;
      }
      if (st.size !== last) {
        last = st.size;
        this.settling.set(u.fsPath, setTimeout(() => void check(), SETTLE_MS));
        return;
      }
      this.settling.delete(u.fsPath);
      const known = this.map.get(u.fsPath);
      if (known && known.mtime === st.mtimeMs && known.size === st.size) return;
      this.map.set(u.fsPath, { path: u.fsPath, mtime: st.mtimeMs, size: st.size });
      this.queue({ uri: u, kind: known ? 'change' : kind });
    };
    this.settling.set(u.fsPath, setTimeout(() => void check(), SETTLE_MS));
  }

  private remove(u: vscode.Uri): void {
    clearTimeout(this.settling.get(u.fsPath));
    if (this.map.delete(u.fsPath)) this.queue({ uri: u, kind: 'delete' });
  }

  private queue(c: IndexChange | null): void {
    if (c) this.pending.push(c);
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      const batch = this.pending;
      this.pending = [];
      this.emitter.fire(batch);
    }, 100);
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    for (const t of this.settling.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
