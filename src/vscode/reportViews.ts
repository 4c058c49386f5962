// Every live ReportView (report panels and read-only .onnx editors), so that a checkpoint that changes
// on disk is re-analysed in every view showing it.
import type * as vscode from 'vscode';
import type { ReportView } from './reportView';

export class ReportViews {
  private readonly views = new Set<ReportView>();

  add(view: ReportView): vscode.Disposable {
    this.views.add(view);
    return { dispose: () => this.views.delete(view) };
  }

  /** The views showing `file`. */
  for(file: vscode.Uri): ReportView[] {
    return [...this.views].filter((v) => v.file.fsPath === file.fsPath);
  }

  get size(): number {
    return this.views.size;
  }
}
