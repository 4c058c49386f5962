// Binds one webview (a panel beside the editor, or the read-only .onnx editor) to one checkpoint:
// runs the analysis with progress and cancellation, posts the report, answers the webview's requests
// (export, copy with citation, re-analyse, choose init/probe). Never leaves a blank page: failures are
// posted with what could still be computed.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { Report } from '../protocol/report';
import type { FromWebview, ToWebview } from '../protocol/webview';
import { toCsv, toMarkdown } from '../report/format';
import type { WorkerAnalysisService } from './analysisService';

export class ReportView implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private report: Report | undefined;
  private ready = false;
  private pending: ToWebview[] = [];
  private cts: vscode.CancellationTokenSource | undefined;

  constructor(
    readonly file: vscode.Uri,
    private readonly webview: vscode.Webview,
    private readonly analysis: WorkerAnalysisService,
    private readonly output: vscode.OutputChannel,
  ) {
    this.disposables.push(webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)));
    this.disposables.push(analysis.onDidAnalyze((e) => {
      if (e.defaults && e.uri.fsPath === file.fsPath && e.report !== this.report) this.show(e.report);
    }));
  }

  private post(m: ToWebview): void {
    if (this.ready) void this.webview.postMessage(m);
    else this.pending.push(m);
  }

  private show(report: Report): void {
    this.report = report;
    const cli = `theory-lens analyze ${JSON.stringify(report.model.path)}${report.init ? ` --init ${JSON.stringify(report.init.path)}` : ''}${report.data ? ` --data ${JSON.stringify(report.data.path)}` : ''}${report.trainSize ? ` --train-size ${report.trainSize}` : ''} --json`;
    this.post({ type: 'report', report, cli });
    void vscode.commands.executeCommand('setContext', 'theoryLens.hasReport', true);
  }

  /** Analyses the file with a progress notification (per-layer) and a working Cancel. */
  async run(force = false): Promise<void> {
    const cached = !force ? this.analysis.cached(this.file) : undefined;
    if (cached) {
      this.show(cached);
      return;
    }
    this.cts?.cancel();
    const cts = (this.cts = new vscode.CancellationTokenSource());
    const name = basename(this.file.fsPath);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Theory Lens: ${name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => cts.cancel());
        let last = 0;
        try {
          const report = await this.analysis.analyze(this.file, {
            force, token: cts.token,
            onProgress: (p) => {
              this.post({ type: 'progress', file: this.file.fsPath, progress: p });
              const pct = p.total ? (100 * p.done) / p.total : 0;
              const weight = p.phase === 'layers' ? 0.5 : 0;
              const inc = Math.max(0, pct * weight - last);
              last += inc;
              progress.report({ message: p.message, increment: inc });
            },
          });
          this.show(report);
        } catch (e) {
          if (e instanceof vscode.CancellationError) {
            this.post({ type: 'error', file: this.file.fsPath, message: 'Analysis cancelled. Use “Re-analyze” to run it again.' });
            return;
          }
          const message = (e as Error).message;
          this.output.appendLine(`${this.file.fsPath}: ${message}`);
          this.post({ type: 'error', file: this.file.fsPath, message });
          void vscode.window.showErrorMessage(`Theory Lens: ${message}`);
        }
      },
    );
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const p of this.pending.splice(0)) void this.webview.postMessage(p);
        return;
      case 'reanalyze':
        return this.run(true);
      case 'export':
        return this.export(m.format);
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        void vscode.window.setStatusBarMessage('Theory Lens: copied with its citation', 2500);
        return;
      case 'chooseInit':
        return vscode.commands.executeCommand('theoryLens.chooseInit', this.file);
      case 'chooseProbe':
        return vscode.commands.executeCommand('theoryLens.chooseProbe', this.file);
      case 'openSettings':
        return vscode.commands.executeCommand('workbench.action.openSettings', m.query);
      default:
        return;
    }
  }

  async export(format: 'json' | 'csv' | 'markdown'): Promise<void> {
    const r = this.report;
    if (!r) return;
    const ext = { json: 'json', csv: 'csv', markdown: 'md' }[format];
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(this.file.fsPath.replace(/\.onnx$/, `.theory-lens.${ext}`)),
      filters: { [format.toUpperCase()]: [ext] },
    });
    if (!target) return;
    const text = format === 'json' ? JSON.stringify(r, null, 2) + '\n' : format === 'csv' ? toCsv(r) : toMarkdown(r);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    void vscode.window.showInformationMessage(`Theory Lens: report saved to ${target.fsPath}`);
  }

  dispose(): void {
    this.cts?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}
