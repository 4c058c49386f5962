// onnxruntime-node sessions. `run()` blocks the thread it is called on: this module is only used by
// analyze(), which runs in the CLI's process or in the extension's analysis worker — never on the
// extension host's thread. Provider 'auto' tries CUDA and falls back to CPU, saying why.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Provider } from '../../protocol/worker';

export type Ort = typeof import('onnxruntime-node');
export type Session = import('onnxruntime-node').InferenceSession;

let cached: Ort | null = null;
export function loadOrt(): Ort {
  if (!cached) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require('onnxruntime-node') as Ort;
    } catch (e) {
      throw new Error(`onnxruntime-node could not be loaded on this platform (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return cached;
}

/**
 * Whether onnxruntime-node's CUDA provider libraries are installed next to its binding (they are only
 * when the package was installed with ONNXRUNTIME_NODE_INSTALL=cuda12). Checked before asking for the
 * provider so a CPU-only install does not print onnxruntime's own load error.
 */
export function cudaLibraries(): { ok: boolean; why?: string } {
  if (process.platform !== 'linux' && process.platform !== 'win32') return { ok: false, why: `onnxruntime-node has no CUDA build for ${process.platform}` };
  try {
    const dir = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(dir, lib)) ? { ok: true } : { ok: false, why: `the CUDA provider library ${lib} is not installed (CPU-only build of onnxruntime-node)` };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

export interface OpenedSession {
  session: Session;
  provider: 'cpu' | 'cuda';
  note?: string;
}

/** Creates a session for model bytes with the requested provider; 'auto' falls back to CPU with a note. */
export async function openSession(bytes: Uint8Array, provider: Provider = 'auto', threads = 0): Promise<OpenedSession> {
  const ort = loadOrt();
  const base = { graphOptimizationLevel: 'all' as const, ...(threads > 0 ? { intraOpNumThreads: threads } : {}) };
  const cuda = provider === 'cpu' ? { ok: false } : cudaLibraries();
  if ((provider === 'cuda' || provider === 'auto') && !cuda.ok) {
    const note = `CUDA not used: ${cuda.why}; ran on CPU. For GPUs: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node (CUDA 12 and cuDNN 9 on the machine)`;
    return { session: await createCpu(ort, bytes, base), provider: 'cpu', note: provider === 'cuda' ? `requested CUDA, but: ${note}` : note };
  }
  if (provider === 'cuda' || provider === 'auto') {
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda'] });
      return { session, provider: 'cuda' };
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      const note = `CUDA execution provider unavailable (${why}); ran on CPU. Install the CUDA build: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node`;
      const session = await createCpu(ort, bytes, base);
      return { session, provider: 'cpu', note: provider === 'cuda' ? `requested CUDA, but: ${note}` : note };
    }
  }
  return { session: await createCpu(ort, bytes, base), provider: 'cpu' };
}

async function createCpu(ort: Ort, bytes: Uint8Array, base: object): Promise<Session> {
  try {
    return await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
  } catch (e) {
    throw new Error(`onnxruntime cannot load this model: ${(e as Error).message.split('\n')[0]}`);
  }
}
