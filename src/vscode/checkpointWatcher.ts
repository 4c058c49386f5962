// Re-analysis when a checkpoint changes on disk: a FileSystemWatcher on **/*.onnx (changes, and creations
// for writers that replace the file by renaming a temporary one), debounced per file; the cached reports
// of the file are dropped and every open view of it (panel or editor) analyses it again.
import * as vscode from 'vscode';
import { CHECKPOINT_GLOB } from '../checkpoint/formats';
import type { WorkerAnalysisService } from './analysisService';
import { KeyedDebouncer } from '../workspace/keyedDebouncer';
import type { ReportViews } from './reportViews';
import { Disposable } from './dispose';

export class CheckpointWatcher extends Disposable {
  constructor(analysis: WorkerAnalysisService, views: ReportViews, output: vscode.OutputChannel, delayMs = 1500) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(CHECKPOINT_GLOB, false, false, true));
    const debouncer = this._register(new KeyedDebouncer<string>(delayMs, (path) => {
      const uri = vscode.Uri.file(path);
      analysis.invalidate(uri);
      const open = views.for(uri);
      if (!open.length) return;
      output.appendLine(`${path} changed on disk: re-analysing`);
      for (const v of open) void v.refresh();
    }));
    const changed = (uri: vscode.Uri) => debouncer.trigger(uri.fsPath);
    this._register(watcher.onDidChange(changed));
    this._register(watcher.onDidCreate(changed));
  }
}
