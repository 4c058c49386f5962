// Gram matrix of the short side, k×k with k = min(rows, cols): W·Wᵀ when rows ≤ cols, else Wᵀ·W. Its
// eigenvalues are the squared singular values of W. Computed by an onnxruntime-node CPU session running
// a single Gemm(W, W) with transB=1 (W·Wᵀ) or transA=1 (Wᵀ·W) and dynamic dims — an optimised
// SGEMM/DGEMM at 60–100 GFLOP/s — with a WebAssembly-SIMD fallback (wasm.ts) where onnxruntime-node has
// no binary (darwin-x64) or fails to start, and for tiny matrices where a session call costs more.
import { isMainThread } from 'node:worker_threads';
import { ProtoWriter } from '../../onnx/protobuf';
import { assertFinite, checkShape } from './finite';
import { gramWasm } from './wasm';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

export type GramPrecision = 'float32' | 'float64';

export interface GramOptions {
  /**
   * 'float32' (default): float32 GEMM, as LAPACK-backed tools see float32 weights; 'float64': the
   * weights are widened and multiplied in double.
   */
  precision?: GramPrecision;
  /**
   * onnxruntime intra-op threads for this call. Default: setGramThreads()'s value if set, else 1 in a
   * worker thread (a pool already keeps the cores busy) and onnxruntime's default on the main thread.
   */
  threads?: number;
  /** Force the WebAssembly Gram (for tests and benchmarks). */
  backend?: 'auto' | 'wasm';
}

let ort: Ort | null | undefined;
let ortError = '';
function loadOrt(): Ort | null {
  if (ort === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ort = require('onnxruntime-node') as Ort;
    } catch (e) {
      ort = null;
      ortError = (e as Error).message;
    }
  }
  return ort;
}

/** Which implementation gram() uses on this thread, and why when it is the fallback. */
export function gramBackend(): { backend: 'onnxruntime' | 'wasm'; reason?: string } {
  return loadOrt() ? { backend: 'onnxruntime' } : { backend: 'wasm', reason: `onnxruntime-node unavailable: ${ortError}` };
}

/**
 * ONNX bytes of a one-node model G = Gemm(A, A, transA|transB = 1) with input A of dynamic shape [m, n]
 * and element type float (1) or double (11); opset 13.
 */
export function gramModel(transA: boolean, elemType: 1 | 11): Uint8Array {
  const typed = (w: ProtoWriter, dims: string[]) =>
    w.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elemType);
      tt.message(2, (sh) => { for (const d of dims) sh.message(1, (dim) => dim.string(2, d)); });
    }));
  const graph = new ProtoWriter();
  graph.message(1, (n) => {
    n.string(1, 'A').string(1, 'A').string(2, 'G').string(3, 'gram').string(4, 'Gemm');
    // AttributeProto: name (1), i (3), type (20) = INT (2)
    n.message(5, (a) => a.string(1, transA ? 'transA' : 'transB').int(3, 1).int(20, 2));
  });
  graph.string(2, 'gram');
  graph.message(11, (v) => { v.string(1, 'A'); typed(v, ['m', 'n']); });
  graph.message(12, (v) => { v.string(1, 'G'); typed(v, ['k', 'k']); });
  const m = new ProtoWriter();
  // ModelProto: ir_version (1) = 8, producer_name (2), opset_import (8) = { domain '', version 13 }, graph (7)
  m.int(1, 8).string(2, 'theory-lens').message(8, (o) => o.string(1, '').int(2, 13));
  m.message(7, (g) => { for (const p of graph.parts()) g.raw(p); });
  return m.finish();
}

// Two sessions per element type and thread setting (W·Wᵀ and Wᵀ·W), created once per thread.
const sessions = new Map<string, Promise<Session>>();
let threadsSetting = 0;

/** Default onnxruntime intra-op threads for gram() on this thread (0 = the automatic choice). */
export function setGramThreads(n: number): void {
  threadsSetting = n;
}

function session(o: Ort, transA: boolean, elem: 1 | 11, threads: number): Promise<Session> {
  const key = `${transA}|${elem}|${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = o.InferenceSession.create(gramModel(transA, elem), {
      ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      graphOptimizationLevel: 'all',
    });
    sessions.set(key, s);
  }
  return s;
}

/** Products below this count (k·k·L) go to the WebAssembly Gram: a session call costs ~0.1 ms. */
const SMALL = 1 << 16;

/**
 * The k×k Gram matrix of the short side of the row-major rows×cols matrix `w`, k = min(rows, cols):
 * W·Wᵀ when rows ≤ cols, else Wᵀ·W, full (both triangles), row-major. Float32Array from the float32
 * onnxruntime path, Float64Array otherwise (the WebAssembly fallback always returns float64).
 * Throws a RangeError for a wrong size and a NonFiniteError for NaN/±Inf weights.
 */
export async function gram(w: Float32Array | Float64Array, rows: number, cols: number, opts: GramOptions = {}): Promise<Float32Array | Float64Array> {
  checkShape(w, rows, cols, 'gram');
  assertFinite(w, 'gram');
  const precision = opts.precision ?? 'float32';
  const k = Math.min(rows, cols);
  const L = Math.max(rows, cols);
  if (k === 0) return new Float64Array(0);
  const o = opts.backend === 'wasm' ? null : loadOrt();
  if (!o || k * k * L < SMALL) return gramWasm(w, rows, cols, precision);
  const elem = precision === 'float64' ? 11 : 1;
  const data = elem === 11 ? (w instanceof Float64Array ? w : Float64Array.from(w)) : w instanceof Float32Array ? w : Float32Array.from(w);
  const threads = opts.threads ?? (threadsSetting > 0 ? threadsSetting : isMainThread ? 0 : 1);
  let s: Session;
  try {
    s = await session(o, rows > cols, elem, threads);
  } catch (e) {
    // the native binding loaded but cannot run here: use the WebAssembly Gram from now on
    ort = null;
    ortError = (e as Error).message;
    return gramWasm(w, rows, cols, precision);
  }
  const out = await s.run({ A: new o.Tensor(elem === 11 ? 'float64' : 'float32', data, [rows, cols]) });
  return out.G.data as Float32Array | Float64Array;
}
