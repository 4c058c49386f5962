// Feeds the vscode-free CheckpointIndex (src/workspace/checkpointIndex.ts) from VS Code: the initial
// search with `workspace.findFiles`, then a file-system watcher and workspace-folder changes.
import * as vscode from 'vscode';
import { CHECKPOINT_GLOB } from '../checkpoint/formats';
import { CheckpointIndex } from '../workspace/checkpointIndex';
import { Disposable } from './dispose';

const PATTERN = CHECKPOINT_GLOB;
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.e2e-cache/**}';

export class CheckpointIndexWatcher extends Disposable {
  readonly index: CheckpointIndex;

  constructor() {
    super();
    this.index = new CheckpointIndex({
      list: async () => (await vscode.workspace.findFiles(PATTERN, EXCLUDE, 50000)).map((u) => u.fsPath),
    });
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(PATTERN));
    this._register(watcher.onDidCreate((u) => this.index.created(u.fsPath)));
    this._register(watcher.onDidChange((u) => this.index.changed(u.fsPath)));
    this._register(watcher.onDidDelete((u) => this.index.deleted(u.fsPath)));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.index.rescan()));
    this._register({ dispose: () => this.index.dispose() });
  }
}
