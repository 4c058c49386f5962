// The extension host's side of the analysis worker (dist/worker.js, protocol in src/protocol/worker.ts):
// one worker thread, started on the first job (so activation loads neither it nor onnxruntime), one job
// at a time, user jobs ahead of background ones, cancellation of a queued job (dropped) or of the running
// one (the worker stops at its next layer / forward pass). No `vscode` import: unit-tested in plain Node.
import { Worker } from 'node:worker_threads';
import type { Report } from '../protocol/report';
import type { AnalyzeOptions, FromWorker, Progress, ToWorker } from '../protocol/worker';
import { CancelledError } from '../protocol/cancelled';

export interface JobRequest {
  onProgress?(p: Progress): void;
  /** A complete report before the end (report.partial says which phases are still running). */
  onPartial?(r: Report): void;
  /** Lower priority: queued behind every user job. */
  background?: boolean;
  signal?: AbortSignal;
}

interface Job {
  id: number;
  options: AnalyzeOptions;
  request: JobRequest;
  resolve(r: Report): void;
  reject(e: Error): void;
}

export class WorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private queue: Job[] = [];
  private running: Job | null = null;
  private disposed = false;

  /** @param script path of dist/worker.js; @param log receives worker failures. */
  constructor(private readonly script: string, private readonly log: (line: string) => void = () => {}) {}

  /** Whether the worker thread has been started (it is not until the first job). */
  get started(): boolean {
    return this.worker !== null;
  }

  /** Jobs waiting, not counting the running one. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Starts the worker thread and has it start its layer pool (onnxruntime and the WebAssembly kernels
   * loaded in each pool worker), so that the first analysis waits for none of them. Nothing when the
   * worker runs already (it keeps its pool between analyses).
   */
  warm(): void {
    if (this.disposed || this.worker) return;
    this.ensureWorker().postMessage({ type: 'warm' } satisfies ToWorker);
  }

  run(options: AnalyzeOptions, request: JobRequest = {}): Promise<Report> {
    if (this.disposed) return Promise.reject(new CancelledError());
    if (request.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<Report>((resolve, reject) => {
      const job: Job = { id: this.nextId++, options, request, resolve, reject };
      request.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      if (request.background) this.queue.push(job);
      else {
        // ahead of background jobs, behind earlier user jobs
        const i = this.queue.findIndex((j) => j.request.background);
        if (i < 0) this.queue.push(job);
        else this.queue.splice(i, 0, job);
      }
      this.pump();
    });
  }

  private cancel(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.reject(new CancelledError());
    } else if (this.running === job) {
      this.worker?.postMessage({ type: 'cancel', id: job.id } satisfies ToWorker);
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (e) => this.onWorkerGone(w, `the analysis worker failed: ${e.message}`, e.stack));
    w.on('exit', (code) => this.onWorkerGone(w, `the analysis worker exited (code ${code})`));
    this.worker = w;
    return w;
  }

  /** A crashed worker fails its running job only; the next job starts a fresh worker. */
  private onWorkerGone(w: Worker, message: string, detail?: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    if (this.disposed) return;
    this.log(detail ?? message);
    const job = this.running;
    this.running = null;
    job?.reject(new Error(message));
    this.pump();
  }

  private pump(): void {
    if (this.running || !this.queue.length || this.disposed) return;
    const job = this.queue.shift()!;
    this.running = job;
    this.ensureWorker().postMessage({ type: 'analyze', id: job.id, options: job.options } satisfies ToWorker);
  }

  private onMessage(m: FromWorker): void {
    const job = this.running;
    if (!job || m.id !== job.id) return;
    if (m.type === 'progress' || m.type === 'partial') {
      try {
        if (m.type === 'progress') job.request.onProgress?.(m.progress);
        else job.request.onPartial?.(m.report);
      } catch (e) {
        this.log(`${m.type} listener failed: ${(e as Error).message}`);
      }
      return;
    }
    this.running = null;
    if (m.type === 'result') job.resolve(m.report);
    else {
      if (!m.cancelled && m.detail) this.log(m.detail);
      job.reject(m.cancelled ? new CancelledError() : new Error(m.message));
    }
    this.pump();
  }

  /** Rejects every job as cancelled and stops the worker thread. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const jobs = [...this.queue, ...(this.running ? [this.running] : [])];
    this.queue = [];
    this.running = null;
    for (const j of jobs) j.reject(new CancelledError());
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}
