// A worker-thread pool over layers. Each worker is dist/worker.js with its own WebAssembly instance
// and onnxruntime session; matrices travel as transferables (moved, not copied). When the bundled
// worker is not available (running from sources) or one thread is asked for, layers run inline.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULTS } from '../defaults';
import { CancelledError } from '../protocol/cancelled';
import { measureLayer, type LayerResult, type LayerTask } from './layers/measureLayer';

export type PoolMessage = { type: 'layer'; id: number; task: LayerTask };
export type PoolReply = { type: 'layerResult'; id: number; result: LayerResult } | { type: 'layerError'; id: number; message: string };

/** The bundled worker script: next to the running bundle (dist/), or <repo>/dist when running from sources. */
export function workerScript(): string | null {
  const candidates = [join(__dirname, 'worker.js'), join(__dirname, '..', '..', 'dist', 'worker.js')];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), DEFAULTS.maxThreads));
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

export class LayerPool {
  private slots: Slot[] = [];
  private queue: { task: LayerTask; resolve(r: LayerResult): void; reject(e: Error): void }[] = [];
  private pending = new Map<number, { slot: Slot; resolve(r: LayerResult): void; reject(e: Error): void }>();
  private nextId = 1;
  private closed = false;

  constructor(threads: number, script: string | null = workerScript()) {
    if (threads > 1 && script) {
      for (let i = 0; i < threads; i++) {
        const worker = new Worker(script, { workerData: { role: 'layers' } });
        const slot: Slot = { worker, busy: false };
        worker.on('message', (m: PoolReply) => this.onReply(slot, m));
        worker.on('error', (e) => this.onWorkerError(slot, e));
        this.slots.push(slot);
      }
    }
  }

  get inline(): boolean {
    return this.slots.length === 0;
  }

  get threads(): number {
    return Math.max(1, this.slots.length);
  }

  run(task: LayerTask): Promise<LayerResult> {
    if (this.closed) return Promise.reject(new CancelledError());
    if (this.inline) return measureLayer(task);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || !this.queue.length) continue;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = true;
      this.pending.set(id, { slot, resolve: job.resolve, reject: job.reject });
      // Move the matrices; a view into a larger buffer (e.g. the model file) is copied first so that
      // transferring it never detaches memory someone else holds.
      const own = (a: Float32Array) => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice());
      job.task.matrix = own(job.task.matrix);
      if (job.task.init) job.task.init = own(job.task.init);
      const transfer = [job.task.matrix.buffer as ArrayBuffer];
      if (job.task.init) transfer.push(job.task.init.buffer as ArrayBuffer);
      slot.worker.postMessage({ type: 'layer', id, task: job.task } satisfies PoolMessage, transfer);
    }
  }

  private onReply(slot: Slot, m: PoolReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    slot.busy = false;
    if (m.type === 'layerResult') p.resolve(m.result);
    else p.reject(new Error(m.message));
    this.pump();
  }

  private onWorkerError(slot: Slot, e: Error): void {
    for (const [id, p] of this.pending) {
      if (p.slot === slot) {
        this.pending.delete(id);
        p.reject(new Error(`layer worker failed: ${e.message}`));
      }
    }
    slot.busy = false;
  }

  /**
   * Stops the workers; queued and running tasks are rejected as cancelled at once. Idle workers are
   * terminated now. A worker in the middle of a layer may be inside an onnxruntime call (a Gram product,
   * a session being created): terminating its thread then aborts the whole process (onnxruntime-node
   * throws a Napi::Error into a torn-down environment — in the editor that is the extension host). So a
   * busy worker is terminated as soon as its layer returns (its result is dropped), or after
   * BUSY_GRACE_MS if it never does; the cancel itself does not wait for it.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue) q.reject(new CancelledError());
    this.queue = [];
    for (const p of this.pending.values()) p.reject(new CancelledError());
    this.pending.clear();
    const slots = this.slots;
    this.slots = [];
    for (const s of slots.filter((x) => x.busy)) {
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        s.worker.terminate().catch(() => {});
      };
      const timer = setTimeout(stop, BUSY_GRACE_MS);
      timer.unref();
      s.worker.once('message', stop);
      s.worker.once('error', stop);
      s.worker.once('exit', stop);
    }
    await Promise.all(slots.filter((x) => !x.busy).map((x) => x.worker.terminate()));
  }
}

/** How long a cancelled pool waits for a busy worker's layer before terminating it anyway. */
export const BUSY_GRACE_MS = 10 * 60_000;
