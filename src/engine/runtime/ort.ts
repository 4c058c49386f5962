// Loading onnxruntime-node, and whether its CUDA provider is installed. The package ships a CPU build;
// the CUDA provider libraries are only present when it was installed with ONNXRUNTIME_NODE_INSTALL=cuda12
// (downloaded by its install script), so they are looked for before asking onnxruntime for CUDA.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Ort = typeof import('onnxruntime-node');

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

/** Whether onnxruntime-node's CUDA provider library sits next to its native binding, and why not. */
export function cudaLibraries(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux' && process.platform !== 'win32') return { ok: false, why: `onnxruntime-node has no CUDA build for ${process.platform}` };
  if (process.arch !== 'x64') return { ok: false, why: `onnxruntime-node's CUDA build is x64 only (this is ${process.arch})` };
  try {
    const dir = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(dir, lib)) ? { ok: true } : { ok: false, why: `the CUDA provider library ${lib} is not installed (CPU-only build of onnxruntime-node)` };
  } catch (e) {
    return { ok: false, why: (e as Error).message.split('\n')[0] };
  }
}
