// The "Checkpoints" side view: the workspace's .onnx checkpoints grouped by run (folder), ordered by
// epoch; the selected ones compared side by side (comparison.ts). Each selected checkpoint is
// analysed in the background through the shared service — one at a time, cancellable (Stop), default
// options first (shared with the report panel and the hints), then against the previous selected
// checkpoint as init, which gives the distance between consecutive checkpoints. Checkpoints written
// while training appear (CheckpointIndex watches the disk) and join the comparison when their run is
// fully selected. A per-checkpoint metrics file (setting, file picker, or metrics.csv/json beside the
// run) adds Kendall τ of every measure against it.
import { errorDetail, errorLine } from '../../input/error';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointGroup, CheckpointItem, CheckpointState, ComparisonColumn, FromCompareView, MetricsSource, ToCompareView } from '../../protocol/compare';
import type { Report } from '../../protocol/report';
import { webviewHtml } from '../html';
import type { CheckpointIndex } from '../../workspace/checkpointIndex';
import type { TheoryLensServices } from '../services';
import { defaultGroup, groupCheckpoints, type FileGroup, type GroupedFile } from '../../workspace/checkpointGroups';
import { buildComparison } from '../../report/comparison';
import { defaultColumn, parseMetricsFile, type MetricsTable } from '../../workspace/metricsFile';

interface Status {
  state: CheckpointState;
  error?: string;
  progress?: string;
}

interface Job {
  path: string;
  /** Set for the consecutive-distance run: the previous checkpoint used as init. */
  prev?: string;
}

const jobKey = (j: Job) => `${j.path}|${j.prev ?? ''}`;
const mtimeOf = (p: string) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
};

export class ComparisonView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'theoryLens.compare';
  private view: vscode.WebviewView | undefined;
  private groups: FileGroup[] = [];
  private readonly selected = new Set<string>();
  /** Runs whose every checkpoint is selected: new checkpoints of theirs join the selection. */
  private readonly following = new Set<string>();
  private initialised = false;
  /** Results per job key, valid while the files' mtimes are the ones recorded. */
  private readonly results = new Map<string, { mtimes: string; report?: Report; error?: string }>();
  private readonly status = new Map<string, Status>();
  private running: Job | null = null;
  private stopped = false;
  private cts = new vscode.CancellationTokenSource();
  private picked: string | null = null;
  private metricsCache: { file: string; mtime: number; table?: MetricsTable; error?: string } | null = null;
  private metricColumn: string | null = null;
  private postTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: TheoryLensServices, private readonly index: CheckpointIndex) {
    this.disposables.push(
      index.onDidChange((changes) => this.onIndexChange(changes.map((c) => c.kind === 'create' ? c.path : '').filter(Boolean))),
      services.analysis.onDidAnalyze(() => this.postSoon()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('theoryLens.compare')) this.postSoon();
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const ext = this.services.extensionUri;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(ext, 'dist', 'webview'), vscode.Uri.joinPath(ext, 'media')] };
    view.webview.html = webviewHtml(view.webview, ext, 'compare.js', 'compare.css', 'Theory Lens: checkpoints');
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: FromCompareView) => void this.onMessage(m)),
      view.onDidDispose(() => (this.view = undefined)),
    );
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
        this.stopped = false;
        for (const [k, r] of this.results) if (r.error) this.results.delete(k);
        await this.index.rescan();
        this.regroup();
        this.post();
        this.pump();
        break;
      case 'toggle':
        if (m.selected) this.selected.add(m.path);
        else this.selected.delete(m.path);
        this.updateFollowing();
        this.changedSelection();
        break;
      case 'selectGroup': {
        const g = this.groups.find((x) => x.id === m.group);
        for (const f of g?.files ?? []) {
          if (m.selected) this.selected.add(f.path);
          else this.selected.delete(f.path);
        }
        this.updateFollowing();
        this.changedSelection();
        break;
      }
      case 'openReport':
        await this.services.openReport(vscode.Uri.file(m.path));
        break;
      case 'chooseMetrics':
        await vscode.commands.executeCommand('theoryLens.chooseMetricsFile');
        break;
      case 'clearMetrics':
        this.picked = null;
        this.metricsCache = null;
        if (vscode.workspace.getConfiguration('theoryLens.compare').get<string>('metricsFile')) {
          void vscode.window.showInformationMessage('Theory Lens: the metrics file comes from the setting theoryLens.compare.metricsFile; clear the setting to stop using it.');
        }
        this.post();
        break;
      case 'metricColumn':
        this.metricColumn = m.column;
        this.post();
        break;
      case 'stop':
        this.stop();
        break;
    }
  }

  /** Select exactly these checkpoints (CodeLens "compare"), revealing the view. */
  async show(paths?: string[]): Promise<void> {
    if (paths?.length) {
      await this.index.ready;
      this.regroup();
      this.selected.clear();
      for (const p of paths) this.selected.add(p);
      this.initialised = true;
      this.updateFollowing();
      this.changedSelection();
    }
    await vscode.commands.executeCommand(`${ComparisonView.viewType}.focus`);
  }

  setMetricsFile(path: string): void {
    this.picked = path;
    this.metricsCache = null;
    this.metricColumn = null;
    this.post();
  }

  private stop(): void {
    this.stopped = true;
    this.cts.cancel();
    this.cts.dispose();
    this.cts = new vscode.CancellationTokenSource();
    this.post();
  }

  private changedSelection(): void {
    this.stopped = false;
    this.post();
    this.pump();
  }

  private regroup(): void {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    this.groups = groupCheckpoints(this.index.files(), roots);
    const known = new Set(this.groups.flatMap((g) => g.files.map((f) => f.path)));
    for (const p of [...this.selected]) if (!known.has(p)) this.selected.delete(p);
    // the default selection (the largest run) is made once the view is shown, not before
    if (!this.initialised && this.view && this.groups.length) {
      this.initialised = true;
      for (const f of defaultGroup(this.groups)?.files ?? []) this.selected.add(f.path);
      this.updateFollowing();
    }
  }

  private updateFollowing(): void {
    this.following.clear();
    for (const g of this.groups) if (g.files.length && g.files.every((f) => this.selected.has(f.path))) this.following.add(g.id);
  }

  private onIndexChange(created: string[]): void {
    const before = new Map(this.groups.map((g) => [g.id, g]));
    this.regroup();
    const watch = vscode.workspace.getConfiguration('theoryLens.compare').get('watch', true);
    for (const p of watch ? created : []) {
      const g = this.groups.find((x) => x.files.some((f) => f.path === p));
      // a run the user follows (all selected), or a new run when nothing is selected
      if (g && (this.following.has(g.id) || (!before.has(g.id) && this.selected.size === 0))) this.selected.add(p);
    }
    this.updateFollowing();
    this.post();
    this.pump();
  }

  /** Selected checkpoints, in group then epoch order: the comparison's columns. */
  private columns(): GroupedFile[] {
    return this.groups.flatMap((g) => g.files.filter((f) => this.selected.has(f.path)));
  }

  private groupOf(path: string): string {
    return this.groups.find((g) => g.files.some((f) => f.path === path))?.id ?? '';
  }

  private result(j: Job): { report?: Report; error?: string } | undefined {
    const r = this.results.get(jobKey(j));
    const mtimes = `${mtimeOf(j.path)}|${j.prev ? mtimeOf(j.prev) : ''}`;
    return r && r.mtimes === mtimes ? r : undefined;
  }

  /** The next analysis the comparison needs: default reports of every column first, then consecutive distances. */
  private nextJob(): Job | undefined {
    const cols = this.columns();
    for (const c of cols) if (!this.result({ path: c.path })) return { path: c.path };
    for (let k = 1; k < cols.length; k++) {
      const j = { path: cols[k].path, prev: cols[k - 1].path };
      if (!this.result(j)) return j;
    }
    return undefined;
  }

  private pump(): void {
    // nothing runs for a view that was never shown
    if (this.running || this.stopped || !this.view) return;
    const job = this.nextJob();
    if (!job) {
      this.postSoon();
      return;
    }
    this.running = job;
    const token = this.cts.token;
    const mtimes = `${mtimeOf(job.path)}|${job.prev ? mtimeOf(job.prev) : ''}`;
    if (!job.prev) this.status.set(job.path, { state: 'running' });
    this.postSoon();
    const uri = vscode.Uri.file(job.path);
    const request = job.prev
      ? { background: true, token, overrides: { init: job.prev, weightsOnly: true } }
      : {
          background: true, token,
          onProgress: (p: { phase: string; done: number; total: number }) => {
            this.status.set(job.path, { state: 'running', progress: `${p.phase} ${p.done}/${p.total}` });
            this.postSoon();
          },
        };
    this.services.analysis.analyze(uri, request).then(
      (report) => {
        this.results.set(jobKey(job), { mtimes, report });
        if (!job.prev) this.status.set(job.path, { state: 'done' });
      },
      (e: Error) => {
        if (token.isCancellationRequested) {
          if (!job.prev) this.status.set(job.path, { state: 'idle', progress: 'stopped' });
          return;
        }
        const line = errorLine(e, job.path);
        this.results.set(jobKey(job), { mtimes, error: line });
        if (!job.prev) this.status.set(job.path, { state: 'error', error: line });
        this.services.output.appendLine(`comparison: ${job.path}${job.prev ? ` against ${job.prev}` : ''}: ${errorDetail(e)}`);
      },
    ).finally(() => {
      this.running = null;
      this.postSoon();
      this.pump();
    });
  }

  private metrics(cols: GroupedFile[]): { source: MetricsSource; table?: MetricsTable } | null {
    const setting = vscode.workspace.getConfiguration('theoryLens.compare').get<string>('metricsFile', '').trim();
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let file: string | null = null;
    let origin: MetricsSource['origin'] = 'picked';
    if (this.picked) file = this.picked;
    else if (setting) {
      file = isAbsolute(setting) ? setting : ws ? resolve(ws, setting) : setting;
      origin = 'setting';
    } else if (cols.length) {
      const dir = dirname(cols[cols.length - 1].path);
      file = ['metrics.csv', 'metrics.json'].map((n) => join(dir, n)).find((p) => mtimeOf(p) >= 0) ?? null;
      origin = 'beside';
    }
    if (!file) return null;
    const mtime = mtimeOf(file);
    if (!this.metricsCache || this.metricsCache.file !== file || this.metricsCache.mtime !== mtime) {
      try {
        if (mtime < 0) throw new Error(`${file}: not found`);
        this.metricsCache = { file, mtime, table: parseMetricsFile(readFileSync(file, 'utf8'), file) };
      } catch (e) {
        this.metricsCache = { file, mtime, error: (e as Error).message };
      }
    }
    const t = this.metricsCache.table;
    const column = t ? (this.metricColumn && t.columns.includes(this.metricColumn) ? this.metricColumn : defaultColumn(t)) : '';
    return { source: { file, origin, columns: t?.columns ?? [], column, ...(this.metricsCache.error ? { error: this.metricsCache.error } : {}) }, table: t };
  }

  private state(): ToCompareView {
    const cols = this.columns();
    const statusOf = (p: string): Status => {
      const s = this.status.get(p);
      const r = this.result({ path: p });
      if (r?.report) return { state: 'done' };
      if (r?.error) return { state: 'error', error: r.error };
      if (s?.state === 'running' && this.running?.path === p && !this.running.prev) return s;
      return { state: this.selected.has(p) && !this.stopped ? 'queued' : 'idle', progress: s?.progress === 'stopped' ? 'stopped' : undefined };
    };
    const groups: CheckpointGroup[] = this.groups.map((g) => ({
      id: g.id,
      label: g.id === '.' ? '(workspace root)' : g.id,
      items: g.files.map((f): CheckpointItem => ({ path: f.path, rel: f.rel, label: f.label, epoch: f.epoch, mtime: f.mtime, selected: this.selected.has(f.path), ...statusOf(f.path) })),
    }));
    const columns: ComparisonColumn[] = cols.map((c) => {
      const st = statusOf(c.path);
      return { path: c.path, label: c.label, group: this.groupOf(c.path), epoch: c.epoch, state: st.state, ...(st.error ? { error: st.error } : {}) };
    });
    const m = this.metrics(cols);
    const comparison = buildComparison({
      columns,
      reports: cols.map((c) => this.result({ path: c.path })?.report),
      steps: cols.map((c, k) => (k ? this.result({ path: c.path, prev: cols[k - 1].path })?.report : undefined)),
      metrics: m?.table ? { table: m.table, column: m.source.column } : null,
    });
    return { type: 'state', groups, comparison, metrics: m?.source ?? null, busy: !!this.running };
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

  dispose(): void {
    clearTimeout(this.postTimer);
    this.cts.cancel();
    this.cts.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
