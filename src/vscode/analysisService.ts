// The AnalysisService of services.ts: options from settings and conventions (options.ts), analyses in
// the worker thread (workerClient.ts: parsing, spectra and onnxruntime never run on the extension
// host's thread), reports cached per (file, size, mtime, options) (reportCache.ts), one analysis per
// (file, options) in flight however many views ask for it, timings and errors in the Output channel.
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../protocol/report';
import { CancelledError } from '../protocol/cancelled';
import type { AnalyzeOptions } from '../protocol/worker';
import { optionsFor, settingsFrom, type Settings } from '../workspace/options';
import { cacheKey, ReportCache, stamp } from '../workspace/reportCache';
import type { AnalysisService, AnalyzeRequest } from './services';
import { type JobRequest, WorkerClient } from '../workspace/workerClient';
import { Disposable } from './dispose';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('theoryLens');
  return settingsFrom((key, fallback) => c.get(key, fallback));
}

type AnalyzedEvent = { uri: vscode.Uri; report: Report; defaults: boolean; background: boolean };

export class WorkerAnalysisService extends Disposable implements AnalysisService {
  private readonly client: WorkerClient;
  private readonly cache = new ReportCache();
  private readonly inflight = new Map<string, Promise<Report>>();
  private readonly emitter = this._register(new vscode.EventEmitter<AnalyzedEvent>());
  readonly onDidAnalyze = this.emitter.event;
  private readonly partials = new Map<string, Report>();
  private readonly partialEmitter = this._register(new vscode.EventEmitter<{ uri: vscode.Uri; report: Report }>());
  /** Every partial report of a default-option analysis (weight-only numbers first, then each forward phase). */
  readonly onDidPartial = this.partialEmitter.event;
  /** Per-file choices of the user (Choose Init Checkpoint…, Choose Probe Data…); part of the defaults. */
  private readonly overrides = new Map<string, Partial<AnalyzeOptions>>();
  /**
   * Default options per file with their cache key and the file's (size, mtime), resolved once and
   * again only when something they depend on changes (a checkpoint or probe file, a setting, the
   * user's choice): the hints ask `cached()` for many files on every CodeLens/inlay pass, and
   * resolving reads directories and stats files.
   */
  private readonly resolved = new Map<string, { options: AnalyzeOptions; key: string; model: [number, number] | null }>();

  constructor(extensionUri: vscode.Uri, private readonly output: vscode.OutputChannel) {
    super();
    const client = new WorkerClient(join(extensionUri.fsPath, 'dist', 'worker.js'), (line) => output.appendLine(line));
    this.client = client;
    this._register({ dispose: () => void client.dispose() });
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.{onnx,npz,npy}'));
    const forget = () => this.resolved.clear();
    this._register(watcher.onDidCreate(forget));
    this._register(watcher.onDidChange(forget));
    this._register(watcher.onDidDelete(forget));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('theoryLens') && forget()));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(forget));
  }

  /** Starts the analysis worker and its layer pool before the first analysis needs them (WorkerClient.warm). */
  warm(): void {
    this.client.warm();
  }

  /** The user's choice of init checkpoint or probe data for a file (Choose Init Checkpoint…, Choose Probe Data…). */
  setOverrides(file: string, o: Partial<AnalyzeOptions>): void {
    this.overrides.set(file, { ...this.overrides.get(file), ...o });
    this.resolved.delete(file);
  }

  private resolve(file: vscode.Uri) {
    const hit = this.resolved.get(file.fsPath);
    if (hit) return hit;
    const ws = vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const options = optionsFor(file.fsPath, readSettings(), ws, this.overrides.get(file.fsPath));
    const value = { options, key: cacheKey(options), model: stamp(file.fsPath) };
    this.resolved.set(file.fsPath, value);
    return value;
  }

  /** Settings + conventions + the user's choices for this file (resolved once per change of the files and settings). */
  defaultOptions(file: vscode.Uri): AnalyzeOptions {
    return this.resolve(file).options;
  }

  /** The report for the file's current contents and the current settings, exactly; else undefined. */
  cachedDefault(file: vscode.Uri): Report | undefined {
    return this.cache.getByKey(file.fsPath, this.resolve(file).key);
  }

  /** The report of the default options when cached, else any report of the file as it is on disk now. */
  cached(file: vscode.Uri): Report | undefined {
    return this.cachedDefault(file) ?? this.cache.latest(file.fsPath, this.resolve(file).model);
  }

  /** The latest partial report of a default-option analysis of the file still running, if any. */
  partial(file: vscode.Uri): Report | undefined {
    return this.partials.get(file.fsPath);
  }

  /** Forget a file's cached reports (it changed on disk, or the user asked to re-analyse). */
  invalidate(file: vscode.Uri): void {
    this.cache.delete(file.fsPath);
    this.resolved.delete(file.fsPath);
  }

  async analyze(file: vscode.Uri, request: AnalyzeRequest = {}): Promise<Report> {
    const defaults = !request.overrides || Object.keys(request.overrides).length === 0;
    const options = { ...this.defaultOptions(file), ...request.overrides };
    if (!request.force) {
      const hit = this.cache.get(file.fsPath, options);
      if (hit) return hit;
    }
    const key = cacheKey(options);
    const existing = this.inflight.get(key);
    if (existing && !request.force) return existing;
    const p = this.runJob(file, options, request, defaults);
    this.inflight.set(key, p);
    p.finally(() => this.inflight.get(key) === p && this.inflight.delete(key)).catch(() => {});
    return p;
  }

  private async runJob(file: vscode.Uri, options: AnalyzeOptions, request: AnalyzeRequest, defaults: boolean): Promise<Report> {
    const ac = new AbortController();
    const sub = request.token?.onCancellationRequested(() => ac.abort());
    if (request.token?.isCancellationRequested) ac.abort();
    const t0 = Date.now();
    const when = () => new Date().toISOString().slice(11, 19);
    this.output.appendLine(`[${when()}] analysing ${file.fsPath}${request.background ? ' (background)' : ''}: ${describe(options)}`);
    try {
      // partial reports (report.partial set) come before the result: kept for views that open mid-run and announced
      const onPartial = (r: Report) => {
        if (!defaults || ac.signal.aborted) return;
        this.partials.set(file.fsPath, r);
        this.partialEmitter.fire({ uri: file, report: r });
      };
      const job: JobRequest = { onProgress: request.onProgress, onPartial, background: request.background, signal: ac.signal };
      const report = await this.client.run(options, job);
      this.cache.set(file.fsPath, options, report, defaults);
      const phases = Object.entries(report.timings ?? {}).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
      this.output.appendLine(`[${when()}] analysed ${file.fsPath} in ${Date.now() - t0} ms (engine ${report.elapsedMs.toFixed(0)} ms${phases ? `: ${phases}` : ''}; provider ${report.runtime?.provider ?? 'none'})`);
      if (report.runtime?.error) this.output.appendLine(`  forward passes failed: ${report.runtime.error}`);
      for (const w of report.warnings) this.output.appendLine(`  warning: ${w}`);
      this.emitter.fire({ uri: file, report, defaults, background: !!request.background });
      return report;
    } catch (e) {
      if (e instanceof CancelledError) {
        this.output.appendLine(`[${when()}] cancelled ${file.fsPath} after ${Date.now() - t0} ms`);
        throw new vscode.CancellationError();
      }
      this.output.appendLine(`[${when()}] ${file.fsPath} failed after ${Date.now() - t0} ms: ${(e as Error).message}`);
      throw e;
    } finally {
      sub?.dispose();
      if (defaults) this.partials.delete(file.fsPath);
    }
  }

}

/** One line for the Output channel: what the analysis uses besides the checkpoint. */
function describe(o: AnalyzeOptions): string {
  const parts = [`init ${o.init ?? 'none'}`, `probe ${o.data ?? 'none'}`];
  if (o.testData) parts.push(`test probe ${o.testData}`);
  parts.push(`m ${o.trainSize ?? 'unknown'}`, `provider ${o.provider ?? 'auto'}`, `precision ${o.precision ?? 'float32'}`);
  return parts.join(', ');
}
