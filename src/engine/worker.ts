// Entry point of dist/worker.js. Two roles:
//  - analysis worker (started by the extension host): runs analyze() off the host's thread, posts
//    progress and the report, and stops at the next layer / forward pass when cancelled;
//  - layer worker (started by LayerPool): measures one layer at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { errorDetail, errorLine } from '../input/error';
import type { FromWorker, ToWorker } from '../protocol/worker';
import { analyze } from './analyze';
import { gram, gramBackend, setGramThreads, wasmAvailable } from './kernels';
import { measureLayer } from './layers/measureLayer';
import { enableScratch, releaseScratch, trimScratch } from './kernels/scratch';
import { CancelledError } from '../protocol/cancelled';
import { keepPools, warmPool, type PoolMessage, type PoolReply } from './pool';

/** How long the analysis worker keeps its layer pool after an analysis (or after warming it): 10 minutes. */
const KEEP_POOL_MS = 10 * 60_000;

/** Loads onnxruntime and creates a Gram session, and compiles the WebAssembly kernels (a layer worker's first-layer costs). */
async function warmKernels(): Promise<void> {
  wasmAvailable();
  if (gramBackend().backend === 'onnxruntime') await gram(new Float32Array(64 * 1100).fill(0.5), 64, 1100);
}

const port = parentPort;
if (!port) throw new Error('worker.js must be started as a worker thread');

if ((workerData as { role?: string } | undefined)?.role === 'layers') {
  // one BLAS thread per layer worker: the pool already uses the cores, and results stay reproducible
  setGramThreads(1);
  // one layer at a time here: the matrix, init and shuffled copy reuse their buffers from layer to layer
  enableScratch();
  port.on('message', async (m: PoolMessage) => {
    if (m.type === 'trim') {
      releaseScratch();
      return;
    }
    if (m.type === 'warm') {
      // a failure here is met again, and reported, by the first layer
      await warmKernels().catch(() => {});
      port.postMessage({ type: 'warmed' } satisfies PoolReply);
      return;
    }
    if (m.type !== 'layer') return;
    let reply: PoolReply;
    try {
      reply = { type: 'layerResult', id: m.id, result: await measureLayer(m.task) };
    } catch (e) {
      reply = { type: 'layerError', id: m.id, message: `${m.task.name}: ${(e as Error).message}` };
    }
    trimScratch();
    port.postMessage(reply);
  });
} else {
  const running = new Map<number, AbortController>();
  const post = (m: FromWorker) => port.postMessage(m);
  // this worker lives as long as the extension: keep the layer pool between analyses for a while
  keepPools(KEEP_POOL_MS);
  port.on('message', async (m: ToWorker) => {
    if (m.type === 'warm') {
      warmPool();
      return;
    }
    if (m.type === 'cancel') {
      running.get(m.id)?.abort();
      return;
    }
    if (m.type !== 'analyze') return;
    const ac = new AbortController();
    running.set(m.id, ac);
    try {
      const report = await analyze(m.options, {
        signal: ac.signal,
        progress: (progress) => post({ type: 'progress', id: m.id, progress }),
        partial: (partial) => post({ type: 'partial', id: m.id, report: partial }),
      });
      post({ type: 'result', id: m.id, report });
    } catch (e) {
      const cancelled = e instanceof CancelledError || ac.signal.aborted;
      // One line naming the file for the webview; the stack travels separately, for the Output channel.
      post({ type: 'error', id: m.id, message: cancelled ? 'analysis cancelled' : errorLine(e, m.options.model), ...(cancelled ? { cancelled } : { detail: errorDetail(e) }) });
    } finally {
      running.delete(m.id);
    }
  });
}
