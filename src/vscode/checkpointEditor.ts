// A read-only custom editor for .onnx files (priority "option": offered by "Open With…", and users can
// make it their default). The document holds only the URI; the report is computed in the worker.
import * as vscode from 'vscode';
import type { WorkerAnalysisService } from './analysisService';
import { webviewHtml, webviewOptions } from './html';
import { ReportView } from './reportView';

class CheckpointDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class CheckpointEditorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument> {
  static readonly viewType = 'theoryLens.checkpoint';

  static register(context: vscode.ExtensionContext, analysis: WorkerAnalysisService, output: vscode.OutputChannel): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(CheckpointEditorProvider.viewType, new CheckpointEditorProvider(context.extensionUri, analysis, output), {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly analysis: WorkerAnalysisService,
    private readonly output: vscode.OutputChannel,
  ) {}

  openCustomDocument(uri: vscode.Uri): CheckpointDocument {
    return new CheckpointDocument(uri);
  }

  async resolveCustomEditor(document: CheckpointDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'report.js', 'report.css', 'Theory Lens');
    const view = new ReportView(document.uri, panel.webview, this.analysis, this.output);
    panel.onDidDispose(() => view.dispose());
    await view.run();
  }
}
