// Gram matrix of the short side, k×k with k = min(rows, cols): WWᵀ when rows ≤ cols, else WᵀW. Its
// non-zero eigenvalues are the squared singular values of W. Computed by an onnxruntime-node CPU session
// running one Gemm (an optimised SGEMM/DGEMM, 60–100 GFLOP/s here) with a plain-JS fallback when
// onnxruntime is not available on the platform.
import { ProtoWriter } from '../../onnx/protobuf';
import type { Precision } from '../../protocol/worker';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

let ort: Ort | null | undefined;
function loadOrt(): Ort | null {
  if (ort === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ort = require('onnxruntime-node') as Ort;
    } catch {
      ort = null;
    }
  }
  return ort;
}

/** A one-node model: G = Gemm(A, A) with transA (AᵀA) or transB (AAᵀ), dynamic dims, float or double. */
function gramModel(transA: boolean, elemType: 1 | 11): Uint8Array {
  const dims = (w: ProtoWriter, names: string[]) =>
    w.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elemType);
      tt.message(2, (sh) => { for (const n of names) sh.message(1, (d) => d.string(2, n)); });
    }));
  const graph = new ProtoWriter();
  graph.message(1, (n) => {
    n.string(1, 'A').string(1, 'A').string(2, 'G').string(3, 'gram').string(4, 'Gemm');
    n.message(5, (a) => a.string(1, transA ? 'transA' : 'transB').int(3, 1).int(20, 2));
  });
  graph.string(2, 'gram');
  graph.message(11, (v) => { v.string(1, 'A'); dims(v, ['m', 'n']); });
  graph.message(12, (v) => { v.string(1, 'G'); dims(v, ['k', 'k']); });
  const m = new ProtoWriter();
  m.int(1, 8).string(2, 'theory-lens').message(8, (o) => o.string(1, '').int(2, 13));
  m.message(7, (g) => { for (const p of graph.parts()) g.raw(p); });
  return m.finish();
}

const sessions = new Map<string, Promise<Session>>();
let threadsSetting = 0;

/** Threads onnxruntime may use for a Gemm (0 = its default). Pool workers set 1. */
export function setGramThreads(n: number): void {
  threadsSetting = n;
  sessions.clear();
}

function session(o: Ort, transA: boolean, elem: 1 | 11): Promise<Session> {
  const key = `${transA}|${elem}`;
  let s = sessions.get(key);
  if (!s) {
    s = o.InferenceSession.create(gramModel(transA, elem), {
      ...(threadsSetting > 0 ? { intraOpNumThreads: threadsSetting, interOpNumThreads: 1 } : {}),
      graphOptimizationLevel: 'all',
    });
    sessions.set(key, s);
  }
  return s;
}

/** Plain-JS Gram (float64 accumulation) for when onnxruntime is unavailable, and for tiny matrices. */
export function gramJs(w: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (rows <= cols) {
    const g = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        const a = i * cols;
        const b = j * cols;
        for (let c = 0; c < cols; c++) s += w[a + c] * w[b + c];
        g[i * rows + j] = s;
        g[j * rows + i] = s;
      }
    }
    return g;
  }
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let i = 0; i < cols; i++) {
      const wi = w[o + i];
      if (wi === 0) continue;
      const gi = i * cols;
      for (let j = 0; j <= i; j++) g[gi + j] += wi * w[o + j];
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) g[j * cols + i] = g[i * cols + j];
  return g;
}

/**
 * The k×k Gram matrix of the short side. precision 'float32': single-precision GEMM (f32 storage and
 * accumulation, as LAPACK-backed tools do); 'float64': the weights are widened and multiplied in double.
 */
export async function gram(w: Float32Array | Float64Array, rows: number, cols: number, opts: { precision?: Precision } = {}): Promise<Float32Array | Float64Array> {
  const precision = opts.precision ?? 'float32';
  const k = Math.min(rows, cols);
  const o = loadOrt();
  if (!o || k * Math.max(rows, cols) < 4096) return gramJs(w, rows, cols);
  const elem = precision === 'float64' ? 11 : 1;
  const data = elem === 11 ? (w instanceof Float64Array ? w : Float64Array.from(w)) : w instanceof Float32Array ? w : Float32Array.from(w);
  const s = await session(o, rows > cols, elem);
  const out = await s.run({ A: new o.Tensor(elem === 11 ? 'float64' : 'float32', data, [rows, cols]) });
  return out.G.data as Float32Array | Float64Array;
}
