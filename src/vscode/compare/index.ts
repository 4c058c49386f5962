// The "Checkpoints" side view: every .onnx in the workspace grouped by folder (a run), ordered by
// epoch number or time; each analysed in the background (weights only, one at a time, cancellable;
// checkpoint k against checkpoint k−1 so froDist is the distance between consecutive checkpoints).
// New checkpoints written during training appear and are analysed (debounced).
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import * as vscode from 'vscode';
import type { CompareEntry, FromWebview, ToWebview } from '../../protocol/webview';
import { webviewHtml, webviewOptions } from '../html';
import { epochOf } from '../hints/python';
import type { TheoryLensServices } from '../services';
import { orderCheckpoints, parseMetricsFile } from './kendall';

export class ComparisonView implements vscode.WebviewViewProvider {
  static readonly viewType = 'theoryLens.compare';
  private view: vscode.WebviewView | undefined;
  private entries = new Map<string, CompareEntry>();
  private metrics: { file: string; values: Record<string, number>; column: string } | null = null;
  private cts = new vscode.CancellationTokenSource();
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly services: TheoryLensServices) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.services.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.services.extensionUri, 'compare.js', 'compare.css', 'Theory Lens: checkpoints');
    view.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m));
    view.onDidDispose(() => (this.view = undefined));
  }

  private post(): void {
    const entries = [...this.entries.values()];
    const m: ToWebview = { type: 'checkpoints', entries, metrics: this.metrics };
    void this.view?.webview.postMessage(m);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    if (m.type === 'ready' || m.type === 'refresh') {
      await this.scan();
      this.post();
      this.loadMetricsSetting();
      void this.analyzeAll();
    } else if (m.type === 'openReport') {
      await this.services.openReport(vscode.Uri.file(m.path));
    } else if (m.type === 'chooseMetrics') {
      await vscode.commands.executeCommand('theoryLens.chooseMetricsFile');
    }
  }

  private loadMetricsSetting(): void {
    const f = vscode.workspace.getConfiguration('theoryLens.compare').get<string>('metricsFile', '');
    if (!f) return;
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    this.setMetricsFile(ws && !f.startsWith('/') ? `${ws}/${f}` : f);
  }

  setMetricsFile(path: string): void {
    try {
      const parsed = parseMetricsFile(readFileSync(path, 'utf8'), path);
      this.metrics = { file: path, ...parsed };
    } catch (e) {
      void vscode.window.showErrorMessage(`Theory Lens: ${(e as Error).message}`);
    }
    this.post();
  }

  private entryFor(uri: vscode.Uri): CompareEntry {
    const ws = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? '';
    let mtime = 0;
    try {
      mtime = statSync(uri.fsPath).mtimeMs;
    } catch {
      /* deleted */
    }
    const name = basename(uri.fsPath, '.onnx');
    return { path: uri.fsPath, label: name, group: relative(ws, dirname(uri.fsPath)) || '.', epoch: epochOf(name), mtime, state: 'pending' };
  }

  async scan(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/*.onnx', '**/node_modules/**', 5000);
    for (const f of files) {
      if (/\.init\.onnx$/i.test(f.fsPath) || this.entries.has(f.fsPath)) continue;
      this.entries.set(f.fsPath, this.entryFor(f));
    }
  }

  /** The checkpoint before `e` in its run (same folder), in epoch order. */
  private previous(e: CompareEntry): CompareEntry | undefined {
    const run = orderCheckpoints([...this.entries.values()].filter((x) => x.group === e.group));
    const i = run.findIndex((x) => x.path === e.path);
    return i > 0 ? run[i - 1] : undefined;
  }

  private async analyzeAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const next = orderCheckpoints([...this.entries.values()]).find((e) => e.state === 'pending');
        if (!next || this.cts.token.isCancellationRequested) break;
        next.state = 'running';
        this.post();
        const prev = this.previous(next);
        try {
          next.report = await this.services.analysis.analyze(vscode.Uri.file(next.path), {
            background: true, token: this.cts.token,
            overrides: { weightsOnly: true, ...(prev ? { init: prev.path } : {}) },
          });
          next.state = 'done';
        } catch (e) {
          next.state = 'error';
          next.error = (e as Error).message;
        }
        this.post();
      }
    } finally {
      this.running = false;
    }
  }

  /** A checkpoint was written or changed: (re)analyse it after the writes settle. */
  onFileChanged(uri: vscode.Uri): void {
    if (!vscode.workspace.getConfiguration('theoryLens.compare').get('watch', true) || /\.init\.onnx$/i.test(uri.fsPath)) return;
    this.entries.set(uri.fsPath, this.entryFor(uri));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.post();
      void this.analyzeAll();
    }, 1500);
  }

  onFileDeleted(uri: vscode.Uri): void {
    this.entries.delete(uri.fsPath);
    this.post();
  }

  dispose(): void {
    this.cts.cancel();
    clearTimeout(this.timer);
  }
}

export function registerComparison(context: vscode.ExtensionContext, services: TheoryLensServices): ComparisonView {
  const view = new ComparisonView(services);
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.onnx');
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(ComparisonView.viewType, view, { webviewOptions: { retainContextWhenHidden: true } }),
    watcher,
    watcher.onDidCreate((u) => view.onFileChanged(u)),
    watcher.onDidChange((u) => view.onFileChanged(u)),
    watcher.onDidDelete((u) => view.onFileDeleted(u)),
    view,
    vscode.commands.registerCommand('theoryLens.openComparison', () => vscode.commands.executeCommand('theoryLens.compare.focus')),
    vscode.commands.registerCommand('theoryLens.chooseMetricsFile', async () => {
      const pick = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Metrics (CSV, JSON)': ['csv', 'json'] }, title: 'Per-checkpoint test accuracy or loss' });
      if (pick?.[0]) view.setMetricsFile(pick[0].fsPath);
    }),
  );
  return view;
}
