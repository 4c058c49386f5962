// One report panel per checkpoint, opened beside the editor the user is in (ViewColumn.Beside, focus
// kept on the code) and revealed — not duplicated — when that checkpoint is opened again. A second
// checkpoint opens a second panel in the same column as the first, as a tab.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { WorkerAnalysisService } from './analysisService';
import { webviewHtml, webviewOptions } from './html';
import { ReportView } from './reportView';

export class ReportPanels implements vscode.Disposable {
  private panels = new Map<string, { panel: vscode.WebviewPanel; view: ReportView }>();
  private column: vscode.ViewColumn | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly analysis: WorkerAnalysisService,
    private readonly output: vscode.OutputChannel,
  ) {}

  /** The view showing `file`, if a panel is open for it. */
  viewFor(file: vscode.Uri): ReportView | undefined {
    return this.panels.get(file.fsPath)?.view;
  }

  get active(): ReportView | undefined {
    for (const { panel, view } of this.panels.values()) if (panel.active) return view;
    return undefined;
  }

  async open(file: vscode.Uri, force = false): Promise<void> {
    const existing = this.panels.get(file.fsPath);
    if (existing) {
      existing.panel.reveal(undefined, true);
      if (force) await existing.view.run(true);
      return;
    }
    const column = this.column && [...this.panels.values()].length ? this.column : vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel('theoryLens.report', `θ ${basename(file.fsPath)}`, { viewColumn: column, preserveFocus: true }, webviewOptions(this.extensionUri));
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'lens.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'report.js', 'report.css', `Theory Lens: ${basename(file.fsPath)}`);
    const view = new ReportView(file, panel.webview, this.analysis, this.output);
    this.panels.set(file.fsPath, { panel, view });
    this.column = panel.viewColumn;
    panel.onDidChangeViewState(() => {
      if (panel.viewColumn) this.column = panel.viewColumn;
    });
    panel.onDidDispose(() => {
      view.dispose();
      this.panels.delete(file.fsPath);
    });
    await view.run(force);
  }

  dispose(): void {
    for (const { panel } of this.panels.values()) panel.dispose();
    this.panels.clear();
  }
}
