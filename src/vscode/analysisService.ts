// Runs analyses in a worker thread (dist/worker.js) — parsing, spectra and onnxruntime never run on
// the extension host's thread — one at a time, and caches reports per (file, size, mtime, options).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { Report } from '../protocol/report';
import type { AnalyzeOptions, FromWorker, Progress, ToWorker } from '../protocol/worker';
import { optionsFor, type Settings } from './options';
import type { AnalysisService, AnalyzeRequest } from './services';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('theoryLens');
  return {
    executionProvider: c.get('executionProvider', 'auto'),
    precision: c.get('precision', 'float32'),
    probeData: c.get('probeData', ''),
    testData: c.get('testData', ''),
    probeKeys: c.get('probeKeys', ''),
    trainSize: c.get('trainSize', 0),
    initPattern: c.get('initPattern', ''),
    convExact: c.get('convExact', true),
    seed: c.get('seed', 0),
    delta: c.get('delta', 0.05),
    mcDraws: c.get('mcDraws', 10),
    landscapePoints: c.get('landscapePoints', 21),
    forwardPasses: c.get('forwardPasses', true),
    randomize: c.get('randomize', true),
  };
}

interface Job {
  id: number;
  options: AnalyzeOptions;
  resolve(r: Report): void;
  reject(e: Error): void;
  onProgress?(p: Progress): void;
}

export class WorkerAnalysisService implements AnalysisService {
  private worker: Worker | null = null;
  private nextId = 1;
  private queue: Job[] = [];
  private running: Job | null = null;
  /** Per file, the reports of each option set (the default options' first when present). */
  private cache = new Map<string, { key: string; report: Report; defaults: boolean }[]>();
  private inflight = new Map<string, Promise<Report>>();
  private readonly emitter = new vscode.EventEmitter<{ uri: vscode.Uri; report: Report; defaults: boolean; background: boolean }>();
  readonly onDidAnalyze = this.emitter.event;
  /** Per-file overrides chosen by the user (init, probe). */
  readonly overrides = new Map<string, Partial<AnalyzeOptions>>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.OutputChannel,
  ) {}

  async optionsFor(file: vscode.Uri): Promise<AnalyzeOptions> {
    const ws = vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return optionsFor(file.fsPath, readSettings(), ws, this.overrides.get(file.fsPath));
  }

  private cacheKey(options: AnalyzeOptions): string {
    const st = statSync(options.model);
    return JSON.stringify([st.size, st.mtimeMs, options]);
  }

  /** The cached report of the file as it is on disk now: the default options' if cached, else any. */
  cached(file: vscode.Uri): Report | undefined {
    const list = this.cache.get(file.fsPath);
    if (!list?.length) return undefined;
    let st: { size: number; mtimeMs: number };
    try {
      st = statSync(file.fsPath);
    } catch {
      return undefined;
    }
    const fresh = list.filter((c) => {
      const [size, mtime] = JSON.parse(c.key) as [number, number];
      return size === st.size && mtime === st.mtimeMs;
    });
    return (fresh.find((c) => c.defaults) ?? fresh[0])?.report;
  }

  /** Forget a file's cached report (it changed on disk). */
  invalidate(file: vscode.Uri): void {
    this.cache.delete(file.fsPath);
  }

  async analyze(file: vscode.Uri, request: AnalyzeRequest = {}): Promise<Report> {
    const options = { ...(await this.optionsFor(file)), ...request.overrides };
    const key = this.cacheKey(options);
    const defaults = !request.overrides || Object.keys(request.overrides).length === 0;
    const hit = this.cache.get(file.fsPath)?.find((c) => c.key === key);
    if (!request.force && hit) return hit.report;
    const flightKey = `${file.fsPath}|${key}`;
    const existing = this.inflight.get(flightKey);
    if (existing && !request.force) return existing;
    const t0 = Date.now();
    const p = new Promise<Report>((resolve, reject) => {
      const job: Job = { id: this.nextId++, options, resolve, reject, onProgress: request.onProgress };
      request.token?.onCancellationRequested(() => this.cancel(job));
      if (request.background) this.queue.push(job);
      else this.queue.unshift(job);
      this.pump();
    });
    this.inflight.set(flightKey, p);
    try {
      const report = await p;
      const list = (this.cache.get(file.fsPath) ?? []).filter((c) => c.key !== key).slice(-3);
      list.push({ key, report, defaults });
      this.cache.set(file.fsPath, list);
      this.output.appendLine(`[${new Date().toISOString()}] analysed ${file.fsPath} in ${Date.now() - t0} ms (engine ${report.elapsedMs.toFixed(0)} ms; ${Object.entries(report.timings ?? {}).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})`);
      for (const w of report.warnings) this.output.appendLine(`  warning: ${w}`);
      this.emitter.fire({ uri: file, report, defaults, background: !!request.background });
      return report;
    } catch (e) {
      this.output.appendLine(`[${new Date().toISOString()}] ${file.fsPath}: ${(e as Error).message}`);
      throw e;
    } finally {
      this.inflight.delete(flightKey);
    }
  }

  private cancel(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.reject(new vscode.CancellationError());
    } else if (this.running === job) {
      this.worker?.postMessage({ type: 'cancel', id: job.id } satisfies ToWorker);
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const script = join(this.extensionUri.fsPath, 'dist', 'worker.js');
    const w = new Worker(script);
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (e) => {
      this.output.appendLine(`analysis worker failed: ${e.stack ?? e.message}`);
      this.running?.reject(new Error(`the analysis worker failed: ${e.message}`));
      this.running = null;
      this.worker = null;
      this.pump();
    });
    w.on('exit', () => {
      if (this.worker === w) this.worker = null;
    });
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.running || !this.queue.length) return;
    const job = this.queue.shift()!;
    this.running = job;
    this.ensureWorker().postMessage({ type: 'analyze', id: job.id, options: job.options } satisfies ToWorker);
  }

  private onMessage(m: FromWorker): void {
    const job = this.running;
    if (!job || m.id !== job.id) return;
    if (m.type === 'progress') {
      job.onProgress?.(m.progress);
      return;
    }
    this.running = null;
    if (m.type === 'result') job.resolve(m.report);
    else job.reject(m.cancelled ? new vscode.CancellationError() : new Error(m.message));
    this.pump();
  }

  dispose(): void {
    for (const j of this.queue) j.reject(new vscode.CancellationError());
    this.queue = [];
    void this.worker?.terminate();
    this.worker = null;
    this.emitter.dispose();
  }
}
