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

export type PoolMessage = { type: 'layer'; id: number; task: LayerTask } | { type: 'warm' } | { type: 'trim' };
export type PoolReply = { type: 'layerResult'; id: number; result: LayerResult } | { type: 'layerError'; id: number; message: string } | { type: 'warmed' };

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
  private warmRequested = false;

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

  /** Whether close() was called (a closed pool runs nothing). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Has every worker load onnxruntime (creating a Gram session) and compile its WebAssembly kernels now,
   * before the first layer needs them. A warming worker is busy until it answers 'warmed': layers wait
   * for it, and close() does not terminate it inside an onnxruntime call.
   */
  warm(): void {
    if (this.warmRequested) return;
    this.warmRequested = true;
    for (const s of this.slots) {
      if (s.busy) continue;
      s.busy = true;
      s.worker.postMessage({ type: 'warm' } satisfies PoolMessage);
    }
  }

  /** Asks every worker to drop the buffers it reuses between layers (kernels/scratch.ts): the pool is kept idle. */
  trim(): void {
    for (const s of this.slots) s.worker.postMessage({ type: 'trim' } satisfies PoolMessage);
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
    if (m.type === 'warmed') {
      slot.busy = false;
      this.pump();
      return;
    }
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

// ── a pool kept between analyses ─────────────────────────────────────────────────────────────────
// Starting a pool costs each worker its thread, the worker bundle, onnxruntime and its first session,
// and the WebAssembly kernels: about a second on a busy 2-core machine, before the first layer. The
// extension's long-lived analysis worker keeps its pool for a while after an analysis (keepPools) and
// can start one before the first (warmPool); the CLI closes its pool when the layers are done.

let keepMs = 0;
let kept: { pool: LayerPool; timer: NodeJS.Timeout } | null = null;

/** From now on, pools are kept `ms` after their last analysis (0: closed at once, the default). */
export function keepPools(ms: number): void {
  keepMs = ms;
}

/** A pool of `threads` workers: the kept one when it has that many, else a new one (inline for one thread). */
export function acquirePool(threads: number): LayerPool {
  if (threads > 1 && kept && !kept.pool.isClosed && kept.pool.threads === threads) {
    const { pool, timer } = kept;
    clearTimeout(timer);
    kept = null;
    return pool;
  }
  return new LayerPool(threads);
}

/** Gives a pool back after an analysis: kept for the next one (closed after keepMs unused), or closed. */
export async function releasePool(pool: LayerPool): Promise<void> {
  if (!keepMs || pool.isClosed || pool.inline) return pool.close();
  if (kept && kept.pool !== pool) void kept.pool.close();
  clearTimeout(kept?.timer);
  pool.trim();
  const timer = setTimeout(() => {
    if (kept?.pool !== pool) return;
    kept = null;
    void pool.close();
  }, keepMs);
  kept = { pool, timer };
}

/** Starts the kept pool of `threads` workers (warmed: onnxruntime and WebAssembly loaded) unless one is kept. */
export function warmPool(threads = defaultThreads()): void {
  if (threads <= 1 || (kept && !kept.pool.isClosed)) return;
  const pool = new LayerPool(threads);
  pool.warm();
  void releasePool(pool);
}
