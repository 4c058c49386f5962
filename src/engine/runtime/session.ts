// onnxruntime sessions with a provider choice. `run()` blocks the calling thread: sessions are only
// created by the analysis (CLI process or the extension's analysis worker), never on the extension host.
//  - 'cpu': the CPU provider.
//  - 'auto': ['cuda', 'cpu'] when the CUDA provider is installed; on any failure to create the CUDA
//    session, the CPU one, with a note saying why (the report shows it).
//  - 'cuda': the same, but the note says CUDA was requested (the analysis still completes on CPU).
// A model that onnxruntime cannot load at all (unknown op, custom domain, bad graph) is a
// RuntimeLoadError; the caller keeps the weight-only report and shows the message.
import type { Provider } from '../../protocol/worker';
import { cudaLibraries, loadOrt } from './ort';

export type Session = import('onnxruntime-node').InferenceSession;

export class RuntimeLoadError extends Error {
  constructor(readonly detail: string) {
    super(`onnxruntime cannot load this model: ${detail}`);
    this.name = 'RuntimeLoadError';
  }
}

export interface SessionOptions {
  provider?: Provider;
  /** Intra-op threads (0 or absent: onnxruntime's default, one per physical core). */
  threads?: number;
  /**
   * False: intra-op threads wait without spinning between parallel sections (onnxruntime's
   * session.intra_op.allow_spinning = 0). Costs a little latency per op on an idle machine, saves the CPU
   * that spinning threads burn (and take from other processes) on a busy one. Absent: onnxruntime's default (spin).
   */
  spinning?: boolean;
  /** External-data files of the model, for a model created from bytes. */
  externalData?: { path: string; data: Uint8Array }[];
}

export interface OpenedSession {
  session: Session;
  provider: 'cpu' | 'cuda';
  /** Why CUDA was not used when it was asked for (auto/cuda). */
  note?: string;
}

const INSTALL_HINT = 'for GPUs install the CUDA build: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node (needs CUDA 12 and cuDNN 9)';

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();

export async function createSession(bytes: Uint8Array, opts: SessionOptions = {}): Promise<OpenedSession> {
  const ort = loadOrt();
  const provider = opts.provider ?? 'auto';
  const base: import('onnxruntime-node').InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(opts.threads && opts.threads > 0 ? { intraOpNumThreads: opts.threads } : {}),
    ...(opts.externalData?.length ? { externalData: opts.externalData } : {}),
    ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
  const cpu = async (note?: string): Promise<OpenedSession> => {
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
      return { session, provider: 'cpu', ...(note ? { note } : {}) };
    } catch (e) {
      throw new RuntimeLoadError(firstLine(e));
    }
  };
  if (provider === 'cpu') return cpu();
  const asked = provider === 'cuda' ? 'CUDA was requested, but ' : '';
  const libs = cudaLibraries();
  if (!libs.ok) return cpu(`${asked}CUDA not used: ${libs.why}; ran on CPU (${INSTALL_HINT})`);
  try {
    const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda', 'cpu'] });
    return { session, provider: 'cuda' };
  } catch (e) {
    return cpu(`${asked}the CUDA execution provider failed (${firstLine(e)}); ran on CPU (${INSTALL_HINT})`);
  }
}
