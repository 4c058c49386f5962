// Worker-thread body for wasm.test.ts: solves seeded problems with the kernels of its own thread and
// posts the results (not a test file itself).
import { parentPort, workerData } from 'node:worker_threads';
import { eigvalsSym, gramWasm, spectralNormLanczos } from '../../src/engine/kernels';
import { randomMatrix, randomSymmetric } from './helpers';

const { sizes } = workerData as { sizes: number[] };
const out = sizes.map((n) => {
  const w = Float32Array.from(randomMatrix(n, n + 7, n));
  return {
    eig: Array.from(eigvalsSym(randomSymmetric(n, n), n)),
    gram: Array.from(gramWasm(w, n, n + 7, 'float64').subarray(0, 5)),
    sigma: spectralNormLanczos(w, n, n + 7).sigmaMax,
  };
});
parentPort!.postMessage(out);
