// Entry point of dist/worker.js. Two roles:
//  - analysis worker (started by the extension host): runs analyze() off the host's thread, posts
//    progress and the report, and stops at the next layer / forward pass when cancelled;
//  - layer worker (started by LayerPool): measures one layer at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { errorDetail, errorLine } from '../input/error';
import type { FromWorker, ToWorker } from '../protocol/worker';
import { analyze } from './analyze';
import { setGramThreads } from './kernels';
import { measureLayer } from './layers/measureLayer';
import { CancelledError, type PoolMessage, type PoolReply } from './pool';

const port = parentPort;
if (!port) throw new Error('worker.js must be started as a worker thread');

if ((workerData as { role?: string } | undefined)?.role === 'layers') {
  // one BLAS thread per layer worker: the pool already uses the cores, and results stay reproducible
  setGramThreads(1);
  port.on('message', async (m: PoolMessage) => {
    if (m.type !== 'layer') return;
    let reply: PoolReply;
    try {
      reply = { type: 'layerResult', id: m.id, result: await measureLayer(m.task) };
    } catch (e) {
      reply = { type: 'layerError', id: m.id, message: `${m.task.name}: ${(e as Error).message}` };
    }
    port.postMessage(reply);
  });
} else {
  const running = new Map<number, AbortController>();
  const post = (m: FromWorker) => port.postMessage(m);
  port.on('message', async (m: ToWorker) => {
    if (m.type === 'cancel') {
      running.get(m.id)?.abort();
      return;
    }
    if (m.type !== 'analyze') return;
    const ac = new AbortController();
    running.set(m.id, ac);
    try {
      const report = await analyze(m.options, { signal: ac.signal, progress: (progress) => post({ type: 'progress', id: m.id, progress }) });
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
