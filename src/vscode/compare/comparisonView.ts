// The "Checkpoints" side view: the workspace's checkpoints grouped by run (folder), ordered by epoch;
// the selected ones compared side by side (src/report/comparison.ts). This file is the view's plumbing:
// the webview, its messages, and the state posted to it. What is selected and which runs are followed:
// src/workspace/checkpointSelection.ts; the background analyses (default reports, then distances
// between consecutive checkpoints, one at a time, Stop): comparisonAnalyses.ts; the metrics file
// Kendall τ ranks against: comparisonMetrics.ts. Checkpoints written while training appear
// (CheckpointIndex watches the disk) and join the comparison when their run is fully selected.
import * as vscode from 'vscode';
import type { CheckpointGroup, CheckpointItem, ComparisonColumn, FromCompareView, ToCompareView } from '../../protocol/compare';
import { buildComparison } from '../../report/comparison';
import type { CheckpointIndex } from '../../workspace/checkpointIndex';
import { Disposable } from '../dispose';
import { webviewHtml } from '../html';
import type { TheoryLensServices } from '../services';
import { ComparisonAnalyses } from './comparisonAnalyses';
import { ComparisonMetrics } from './comparisonMetrics';
import { CheckpointSelection } from '../../workspace/checkpointSelection';

export class ComparisonView extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewType = 'theoryLens.compare';
  private view: vscode.WebviewView | undefined;
  private readonly selection = new CheckpointSelection();
  private readonly analyses: ComparisonAnalyses;
  private readonly metrics = new ComparisonMetrics();
  private postTimer: NodeJS.Timeout | undefined;

  constructor(private readonly services: TheoryLensServices, private readonly index: CheckpointIndex) {
    super();
    this.analyses = this._register(new ComparisonAnalyses(services, () => this.postSoon()));
    this._register({ dispose: () => clearTimeout(this.postTimer) });
    this._register(index.onDidChange((changes) => this.onIndexChange(changes.map((c) => c.kind === 'create' ? c.path : '').filter(Boolean))));
    this._register(services.analysis.onDidAnalyze(() => this.postSoon()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('theoryLens.compare')) this.postSoon();
    }));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const ext = this.services.extensionUri;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(ext, 'dist', 'webview'), vscode.Uri.joinPath(ext, 'media')] };
    view.webview.html = webviewHtml(view.webview, ext, 'compare.js', 'compare.css', 'Theory Lens: checkpoints');
    this._register(view.webview.onDidReceiveMessage((m: FromCompareView) => void this.onMessage(m)));
    this._register(view.onDidDispose(() => (this.view = undefined)));
  }

  private async onMessage(m: FromCompareView): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.index.ready;
        this.regroup();
        this.post();
        this.pump();
        break;
      case 'refresh':
        this.analyses.resume(true);
        await this.index.rescan();
        this.regroup();
        this.post();
        this.pump();
        break;
      case 'toggle':
        this.selection.toggle(m.path, m.selected);
        this.changedSelection();
        break;
      case 'selectGroup':
        this.selection.selectGroup(m.group, m.selected);
        this.changedSelection();
        break;
      case 'openReport':
        await this.services.openReport(vscode.Uri.file(m.path));
        break;
      case 'chooseMetrics':
        await vscode.commands.executeCommand('theoryLens.chooseMetricsFile');
        break;
      case 'clearMetrics':
        this.metrics.clear();
        this.post();
        break;
      case 'metricColumn':
        this.metrics.chooseColumn(m.column);
        this.post();
        break;
      case 'stop':
        this.analyses.stop();
        this.post();
        break;
    }
  }

  /** Select exactly these checkpoints (CodeLens "compare"), revealing the view. */
  async show(paths?: string[]): Promise<void> {
    if (paths?.length) {
      await this.index.ready;
      this.regroup();
      this.selection.selectOnly(paths);
      this.changedSelection();
    }
    await vscode.commands.executeCommand(`${ComparisonView.viewType}.focus`);
  }

  setMetricsFile(path: string): void {
    this.metrics.pick(path);
    this.post();
  }

  private changedSelection(): void {
    this.analyses.resume();
    this.post();
    this.pump();
  }

  private regroup(): void {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    // the default selection (the largest run) is made once the view is shown, not before
    this.selection.regroup(this.index.files(), roots, !!this.view);
  }

  private onIndexChange(created: string[]): void {
    const before = this.selection.groups;
    this.regroup();
    const watch = vscode.workspace.getConfiguration('theoryLens.compare').get('watch', true);
    this.selection.addCreated(watch ? created : [], before);
    this.post();
    this.pump();
  }

  private pump(): void {
    // nothing runs for a view that was never shown
    if (this.view) this.analyses.pump(() => this.selection.columns());
  }

  private state(): ToCompareView {
    const sel = this.selection;
    const cols = sel.columns();
    const groups: CheckpointGroup[] = sel.groups.map((g) => ({
      id: g.id,
      label: g.id === '.' ? '(workspace root)' : g.id,
      items: g.files.map((f): CheckpointItem => ({ path: f.path, rel: f.rel, label: f.label, epoch: f.epoch, mtime: f.mtime, selected: sel.has(f.path), ...this.analyses.statusOf(f.path, sel.has(f.path)) })),
    }));
    const columns: ComparisonColumn[] = cols.map((c) => {
      const st = this.analyses.statusOf(c.path, true);
      return { path: c.path, label: c.label, group: sel.groupOf(c.path), epoch: c.epoch, state: st.state, ...(st.error ? { error: st.error } : {}) };
    });
    const m = this.metrics.read(cols);
    const comparison = buildComparison({
      columns,
      reports: cols.map((c) => this.analyses.result(c.path)?.report),
      steps: cols.map((c, k) => (k ? this.analyses.result(c.path, cols[k - 1].path)?.report : undefined)),
      metrics: m?.table ? { table: m.table, column: m.source.column } : null,
    });
    return { type: 'state', groups, comparison, metrics: m?.source ?? null, busy: this.analyses.busy };
  }

  private post(): void {
    clearTimeout(this.postTimer);
    this.postTimer = undefined;
    if (!this.view) return;
    void this.view.webview.postMessage(this.state());
  }

  /** Coalesces bursts of updates (progress, several analyses finishing) into one message per 200 ms. */
  private postSoon(): void {
    if (this.postTimer) return;
    this.postTimer = setTimeout(() => this.post(), 200);
  }
}
