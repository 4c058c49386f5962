// The status bar item of the active checkpoint: the checkpoint of the focused report panel or .onnx
// editor tab, else the last one the user analysed while its report or editor is still open (background
// analyses for hints never take it over; closing the last view of it hides the item).
// Shows its headline number (statusText.ts) or that it is being analysed; a click opens its report.
import * as vscode from 'vscode';
import { isCheckpointPath } from '../checkpoint/formats';
import type { AnalysisService } from './services';
import { statusText } from '../report/statusText';
import { Disposable } from './dispose';

export class CheckpointStatus extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('theoryLens.checkpoint', vscode.StatusBarAlignment.Right, 50));
  private file: vscode.Uri | undefined;
  /** Runs in progress per file (a restarted run overlaps the end of the one it replaces). */
  private readonly busy = new Map<string, number>();

  constructor(private readonly analysis: AnalysisService) {
    super();
    this.item.name = 'Theory Lens checkpoint';
    this._register(analysis.onDidAnalyze(({ uri, background }) => {
      if (!background) this.file = uri;
      if (this.file?.fsPath === uri.fsPath) this.update();
    }));
    this._register(vscode.window.tabGroups.onDidChangeTabs(() => this.followActiveTab()));
    this.followActiveTab();
  }

  /** A report panel or editor for `file` became active. */
  setActive(file: vscode.Uri): void {
    this.file = file;
    this.update();
  }

  /** A report panel or editor of `file` closed: the item stops showing it unless another view of it is open. */
  closed(file: vscode.Uri): void {
    if (this.file?.fsPath !== file.fsPath) return;
    setTimeout(() => {
      // the panel's tab is gone by now; another editor tab of the same file keeps it
      const open = vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => {
        const uri = (t.input as { uri?: unknown } | undefined)?.uri;
        return uri instanceof vscode.Uri && uri.fsPath === file.fsPath;
      }));
      if (!open && this.file?.fsPath === file.fsPath) {
        this.file = undefined;
        this.update();
      }
    }, 0);
  }

  /** Marks `file` as being analysed (spinner) or done. */
  setBusy(file: vscode.Uri, busy: boolean): void {
    const n = (this.busy.get(file.fsPath) ?? 0) + (busy ? 1 : -1);
    if (n > 0) this.busy.set(file.fsPath, n);
    else this.busy.delete(file.fsPath);
    if (this.file?.fsPath === file.fsPath) this.update();
  }

  private followActiveTab(): void {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
    const uri = input?.uri;
    if (uri instanceof vscode.Uri && isCheckpointPath(uri.path) && uri.fsPath !== this.file?.fsPath) this.setActive(uri);
  }

  private update(): void {
    const file = this.file;
    if (!file) {
      this.item.hide();
      return;
    }
    const name = file.path.split('/').pop();
    const report = this.analysis.cached(file);
    if (this.busy.has(file.fsPath)) {
      this.item.text = `$(sync~spin) ${name}`;
      this.item.tooltip = `Theory Lens is analysing ${file.fsPath}`;
    } else if (report) {
      const s = statusText(report);
      this.item.text = s.text;
      this.item.tooltip = s.tooltip;
    } else {
      this.item.text = `$(graph) ${name}`;
      this.item.tooltip = `Theory Lens — analyse ${file.fsPath}`;
    }
    this.item.command = { title: 'Open report', command: 'theoryLens.analyze', arguments: [file] };
    this.item.show();
  }
}
