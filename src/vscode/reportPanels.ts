// Report panels. Placement policy: one panel per checkpoint. The first opens beside the editor the user
// is in (ViewColumn.Beside) without taking focus, so the training code stays in view; further
// checkpoints open as tabs in the column the report panels are in (wherever the user has moved them),
// not in a new column each; a checkpoint whose panel is open is revealed there, not duplicated. Panels
// survive a window reload: ReportPanels is the view type's WebviewPanelSerializer.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { WorkerAnalysisService } from './analysisService';
import type { CheckpointStatus } from './checkpointStatus';
import { webviewHtml, webviewOptions } from './html';
import { ReportView } from './reportView';
import type { ReportViews } from './reportViews';

export class ReportPanels implements vscode.Disposable, vscode.WebviewPanelSerializer {
  static readonly viewType = 'theoryLens.report';
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; view: ReportView }>();
  private column: vscode.ViewColumn | undefined;
  /** When the extension was activated (Date.now()), for the report views' timeline. */
  activatedAt: number | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly analysis: WorkerAnalysisService,
    private readonly output: vscode.OutputChannel,
    private readonly views: ReportViews,
    private readonly status: CheckpointStatus,
  ) {}

  /** The view of the focused report panel, if any. */
  get active(): ReportView | undefined {
    for (const { panel, view } of this.panels.values()) if (panel.active) return view;
    return undefined;
  }

  /** Opens or reveals the panel of `file`; `force` re-analyses even when a report is cached. */
  async open(file: vscode.Uri, force = false): Promise<void> {
    const asked = Date.now();
    const existing = this.panels.get(file.fsPath);
    if (existing) {
      existing.panel.reveal(existing.panel.viewColumn, true);
      this.status.setActive(file);
      await existing.view.run(force);
      return;
    }
    const column = this.panels.size && this.column ? this.column : vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(ReportPanels.viewType, `θ ${basename(file.fsPath)}`, { viewColumn: column, preserveFocus: true }, webviewOptions(this.extensionUri));
    await this.adopt(panel, file, force, asked);
  }

  /**
   * Restores a report panel after a window reload (VS Code keeps the panel and the webview's state,
   * which carries the checkpoint's path; see webview/report.ts). A state without a path — written by
   * an older version — closes the panel rather than showing an empty one.
   */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const file = typeof (state as { file?: unknown } | undefined)?.file === 'string' ? (state as { file: string }).file : undefined;
    if (!file || this.panels.has(file)) {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.extensionUri);
    await this.adopt(panel, vscode.Uri.file(file), false);
  }

  /** Binds a (new or restored) panel to `file`: its HTML, its ReportView, the placement and status bookkeeping. */
  private async adopt(panel: vscode.WebviewPanel, file: vscode.Uri, force: boolean, asked = Date.now()): Promise<void> {
    const name = basename(file.fsPath);
    panel.title = `θ ${name}`;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'lens.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'report.js', 'report.css', `Theory Lens: ${name}`, name);
    const view = new ReportView(file, panel.webview, this.analysis, this.output, this.status, asked);
    if (this.activatedAt) view.mark('activated', this.activatedAt);
    view.mark('panel');
    const registration = this.views.add(view);
    this.panels.set(file.fsPath, { panel, view });
    this.column = panel.viewColumn;
    if (panel.active || this.panels.size === 1) this.status.setActive(file);
    panel.onDidChangeViewState(({ webviewPanel }) => {
      if (webviewPanel.viewColumn) this.column = webviewPanel.viewColumn;
      if (webviewPanel.active) this.status.setActive(file);
    });
    panel.onDidDispose(() => {
      registration.dispose();
      view.dispose();
      this.panels.delete(file.fsPath);
      this.status.closed(file);
    });
    await view.run(force);
  }

  dispose(): void {
    for (const { panel } of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
