// Binds one webview (a report panel beside the editor, or the read-only .onnx editor) to one checkpoint:
// runs its analysis with a progress notification (per layer / forward pass) and a working Cancel, posts
// the report, and answers the webview's requests (export, copy with citation, re-analyse, cancel, choose
// init/probe, open a setting). Never leaves a blank page: a failure is posted with its message and
// whatever could still be computed.
import { errorLine } from '../input/error';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../protocol/report';
import type { ExportFormat, FromWebview, ToWebview } from '../protocol/webview';
import { toCsv, toMarkdown } from '../report/format';
import type { WorkerAnalysisService } from './analysisService';
import type { CheckpointStatus } from './checkpointStatus';
import { cliCommand } from '../report/cliCommand';
import { ProgressTracker, progressFraction } from '../report/progressFraction';
import { Disposable } from './dispose';

export class ReportView extends Disposable {
  private report: Report | undefined;
  private ready = false;
  private pending: ToWebview[] = [];
  private cts: vscode.CancellationTokenSource | undefined;
  private running: Promise<void> | undefined;
  /** When each step of the first analysis this view showed happened (Date.now()); see ToWebview 'timeline'. */
  private readonly marks: Record<string, number>;

  constructor(
    readonly file: vscode.Uri,
    private readonly webview: vscode.Webview,
    private readonly analysis: WorkerAnalysisService,
    private readonly output: vscode.OutputChannel,
    private readonly status?: CheckpointStatus,
    /** When the user asked for this view (the command ran, the editor opened): the timeline's zero. */
    asked = Date.now(),
  ) {
    super();
    this.marks = { asked };
    this._register(webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m)));
    this._register(
      // another view (the comparison, hints, a second editor) analysed this file with the defaults
      analysis.onDidAnalyze((e) => {
        if (e.defaults && e.uri.fsPath === file.fsPath && e.report !== this.report) this.show(e.report);
      }),
    );
    // the analysis of this file (this view's or another's) reached a phase: show what exists now
    this._register(
      analysis.onDidPartial((e) => {
        if (e.uri.fsPath === file.fsPath) this.show(e.report);
      }),
    );
  }

  /** The report shown, if any. */
  get current(): Report | undefined {
    return this.report;
  }

  /**
   * Records the first time this view reached `step` and tells the page; at the final report, one line
   * in the Output channel says where the time went (from the user's request to the first numbers).
   */
  mark(step: string, at = Date.now()): void {
    if (step in this.marks) return;
    this.marks[step] = at;
    if (this.ready) void this.webview.postMessage({ type: 'timeline', marks: this.marks } satisfies ToWebview);
    if (step === 'final') {
      const at = (k: string) => (k in this.marks ? `${k} +${this.marks[k] - this.marks.asked} ms` : null);
      this.output.appendLine(`${basename(this.file.fsPath)}: ${['panel', 'ready', 'analysis', 'progress', 'numbers', 'final'].map(at).filter(Boolean).join(', ')} (from the request)`);
    }
  }

  private post(m: ToWebview): void {
    if (this.ready) void this.webview.postMessage(m);
    else this.pending.push(m);
  }

  /** Posts a report: a partial one (report.partial: phases still running) or the final one. */
  private show(report: Report): void {
    this.report = report;
    this.post({ type: 'report', report, cli: cliCommand(report) });
    this.mark('numbers');
    if (!report.partial?.pending?.length) this.mark('final');
    void vscode.commands.executeCommand('setContext', 'theoryLens.hasReport', true);
  }

  /**
   * Shows the cached report of the file (same size, mtime and settings) or analyses it, with a
   * cancellable progress notification. `force` re-analyses even when cached. Concurrent calls for the
   * same view share one run unless forced (a forced run cancels the one before).
   */
  run(force = false): Promise<void> {
    if (!force) {
      const cached = this.analysis.cachedDefault(this.file);
      if (cached) {
        this.show(cached);
        return Promise.resolve();
      }
      if (this.running) return this.running;
      // opened while another view's analysis of the file runs: its numbers so far, at once
      const partial = this.analysis.partial(this.file);
      if (partial) this.show(partial);
    }
    this.cts?.cancel();
    const cts = (this.cts = new vscode.CancellationTokenSource());
    const p = this.analyse(force, cts).finally(() => {
      if (this.running === p) this.running = undefined;
      cts.dispose();
      if (this.cts === cts) this.cts = undefined;
    });
    this.running = p;
    return p;
  }

  /**
   * The file changed on disk (its cached reports are gone): stop a run on the old contents and analyse
   * again. Not forced, so several views of the file share one analysis.
   */
  refresh(): Promise<void> {
    this.cts?.cancel();
    this.running = undefined;
    return this.run(false);
  }

  private async analyse(force: boolean, cts: vscode.CancellationTokenSource): Promise<void> {
    const name = basename(this.file.fsPath);
    this.mark('analysis');
    this.status?.setBusy(this.file, true);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Theory Lens: ${name}`, cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => cts.cancel());
          const bar = new ProgressTracker();
          try {
            const report = await this.analysis.analyze(this.file, {
              force,
              token: cts.token,
              onProgress: (p) => {
                this.mark('progress');
                this.post({ type: 'progress', progress: p, fraction: progressFraction(p) });
                progress.report({ message: p.message, increment: bar.next(p) });
              },
            });
            // (already shown when the analysis service announced it: onDidAnalyze)
            if (!cts.token.isCancellationRequested && report !== this.report) this.show(report);
          } catch (e) {
            if (e instanceof vscode.CancellationError || cts.token.isCancellationRequested) {
              // a newer run of this view replaced this one: nothing to say
              if (this.cts !== cts && this.cts) return;
              this.post({ type: 'error', file: this.file.fsPath, cancelled: true, message: 'Analysis cancelled.', ...(this.report ? { report: this.report } : {}) });
              return;
            }
            // One escaped line naming the file for the webview and the notification (the worker client has
            // already written the stack to the Output channel).
            const message = errorLine(e, this.file.fsPath);
            this.post({ type: 'error', file: this.file.fsPath, message, ...(this.report ? { report: this.report } : {}) });
            void vscode.window.showErrorMessage(`Theory Lens: ${message}`, 'Show Output').then((a) => a && this.output.show(true));
          } finally {
            sub.dispose();
          }
        },
      );
    } finally {
      this.status?.setBusy(this.file, false);
    }
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.mark('ready');
        void this.webview.postMessage({ type: 'init', file: this.file.fsPath, fileName: basename(this.file.fsPath) } satisfies ToWebview);
        void this.webview.postMessage({ type: 'timeline', marks: this.marks } satisfies ToWebview);
        for (const p of this.pending.splice(0)) void this.webview.postMessage(p);
        return;
      case 'reanalyze':
        return this.run(true);
      case 'cancel':
        this.cts?.cancel();
        return;
      case 'export':
        return this.export(m.format);
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage('$(check) Theory Lens: copied with its citation', 2500);
        return;
      case 'chooseInit':
        await vscode.commands.executeCommand('theoryLens.chooseInit', this.file);
        return;
      case 'chooseProbe':
        await vscode.commands.executeCommand('theoryLens.chooseProbe', this.file);
        return;
      case 'openSettings':
        if (/^theoryLens\.[\w.]+$/.test(m.query)) await vscode.commands.executeCommand('workbench.action.openSettings', m.query);
        return;
    }
  }

  /** Saves the report (JSON in the CLI's schema, CSV, or Markdown) where the user chooses. */
  async export(format: ExportFormat): Promise<void> {
    const r = this.report;
    if (!r) {
      void vscode.window.showWarningMessage('Theory Lens: there is no report to export yet.');
      return;
    }
    const ext = { json: 'json', csv: 'csv', markdown: 'md' }[format];
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(this.file.fsPath.replace(/\.onnx$/i, '') + `.theory-lens.${ext}`),
      filters: { [{ json: 'JSON', csv: 'CSV', markdown: 'Markdown' }[format]]: [ext] },
      title: `Export the Theory Lens report of ${basename(this.file.fsPath)}`,
    });
    if (!target) return;
    const text = format === 'json' ? JSON.stringify(r, null, 2) + '\n' : format === 'csv' ? toCsv(r) : toMarkdown(r);
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
      this.output.appendLine(`exported ${format} to ${target.fsPath}`);
      void vscode.window.showInformationMessage(`Theory Lens: report saved to ${target.fsPath}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Theory Lens: could not write ${target.fsPath}: ${(e as Error).message}`);
    }
  }

  override dispose(): void {
    this.cts?.cancel();
    super.dispose();
  }
}
