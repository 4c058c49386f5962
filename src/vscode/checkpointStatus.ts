// The status bar item of the active checkpoint: the checkpoint of the focused report panel or .onnx
// editor tab, else the last one the user analysed (background analyses for hints never take it over).
// Shows its headline number (statusText.ts) or that it is being analysed; a click opens its report.
import * as vscode from 'vscode';
import { isCheckpointPath } from '../checkpoint/formats';
import type { AnalysisService } from './services';
import { statusText } from './statusText';

export class CheckpointStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('theoryLens.checkpoint', vscode.StatusBarAlignment.Right, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private file: vscode.Uri | undefined;
  /** Runs in progress per file (a restarted run overlaps the end of the one it replaces). */
  private readonly busy = new Map<string, number>();

  constructor(private readonly analysis: AnalysisService) {
    this.item.name = 'Theory Lens checkpoint';
    this.disposables.push(
      analysis.onDidAnalyze(({ uri, background }) => {
        if (!background) this.file = uri;
        if (this.file?.fsPath === uri.fsPath) this.update();
      }),
      vscode.window.tabGroups.onDidChangeTabs(() => this.followActiveTab()),
    );
    this.followActiveTab();
  }

  /** A report panel or editor for `file` became active. */
  setActive(file: vscode.Uri): void {
    this.file = file;
    this.update();
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

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
