// A read-only custom editor for .onnx files ("Open With…" → Theory Lens Report; priority "option", so
// VS Code never picks it unasked, and users can make it their default). The document (the URI only:
// the bytes are read by the worker, never by the extension host) is separate from the provider.
import * as vscode from 'vscode';
import type { WorkerAnalysisService } from './analysisService';
import type { CheckpointStatus } from './checkpointStatus';
import { webviewHtml, webviewOptions } from './html';
import { ReportView } from './reportView';
import type { ReportViews } from './reportViews';

export class CheckpointDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class CheckpointEditorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument> {
  static readonly viewType = 'theoryLens.checkpoint';

  static register(context: vscode.ExtensionContext, analysis: WorkerAnalysisService, output: vscode.OutputChannel, views: ReportViews, status: CheckpointStatus): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(CheckpointEditorProvider.viewType, new CheckpointEditorProvider(context.extensionUri, analysis, output, views, status), {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly analysis: WorkerAnalysisService,
    private readonly output: vscode.OutputChannel,
    private readonly views: ReportViews,
    private readonly status: CheckpointStatus,
  ) {}

  openCustomDocument(uri: vscode.Uri): CheckpointDocument {
    return new CheckpointDocument(uri);
  }

  /** Resolves at once; the webview shows the analysis' progress, then the report. */
  resolveCustomEditor(document: CheckpointDocument, panel: vscode.WebviewPanel): void {
    const { retainContextWhenHidden: _, ...options } = webviewOptions(this.extensionUri);
    panel.webview.options = options;
    const name = document.uri.path.split('/').pop() ?? '';
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'report.js', 'report.css', `Theory Lens: ${name}`, name);
    const view = new ReportView(document.uri, panel.webview, this.analysis, this.output, this.status);
    const registration = this.views.add(view);
    this.status.setActive(document.uri);
    panel.onDidChangeViewState(({ webviewPanel }) => webviewPanel.active && this.status.setActive(document.uri));
    panel.onDidDispose(() => this.status.closed(document.uri));
    panel.onDidDispose(() => {
      registration.dispose();
      view.dispose();
    });
    void view.run();
  }
}
