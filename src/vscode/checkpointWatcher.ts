// Re-analysis when a checkpoint changes on disk: a FileSystemWatcher on **/*.onnx (changes, and creations
// for writers that replace the file by renaming a temporary one), debounced per file; the cached reports
// of the file are dropped and every open view of it (panel or editor) analyses it again.
import * as vscode from 'vscode';
import { CHECKPOINT_GLOB } from '../checkpoint/formats';
import type { WorkerAnalysisService } from './analysisService';
import { KeyedDebouncer } from '../workspace/keyedDebouncer';
import type { ReportViews } from './reportViews';

export class CheckpointWatcher implements vscode.Disposable {
  private readonly watcher = vscode.workspace.createFileSystemWatcher(CHECKPOINT_GLOB, false, false, true);
  private readonly debouncer: KeyedDebouncer<string>;
  private readonly disposables: vscode.Disposable[];

  constructor(analysis: WorkerAnalysisService, views: ReportViews, output: vscode.OutputChannel, delayMs = 1500) {
    this.debouncer = new KeyedDebouncer(delayMs, (path) => {
      const uri = vscode.Uri.file(path);
      analysis.invalidate(uri);
      const open = views.for(uri);
      if (!open.length) return;
      output.appendLine(`${path} changed on disk: re-analysing`);
      for (const v of open) void v.refresh();
    });
    const changed = (uri: vscode.Uri) => this.debouncer.trigger(uri.fsPath);
    this.disposables = [this.watcher, this.watcher.onDidChange(changed), this.watcher.onDidCreate(changed)];
  }

  dispose(): void {
    this.debouncer.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
