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
 * ONNX bytes (opset 13) of the Gram model for input A of dynamic shape [m, n] and element type float (1)
 * or double (11). One band: G = Gemm(A, A) with transA = 1 (AᵀA) or transB = 1 (AAᵀ). B > 1 bands: only
 * the lower triangle, in B column bands: with block boundaries s₀ = 0 < s₁ < … < s_B = k fed as int64
 * inputs b0…bB, output G_j = Gemm(A_{≥j}, A_j) holds rows s_j…k−1 and columns s_j…s_{j+1}−1 of G, where
 * A_j is the j-th block of A's short side and A_{≥j} everything from block j on (Slice on axis 0 for AAᵀ,
 * axis 1 for AᵀA). That is Σ_j (k − s_j)·c_j = (B+1)/(2B)·k² entries instead of k² — the flops a BLAS
 * syrk saves, which a Gemm alone cannot.
 */
export function gramModel(transA: boolean, elemType: 1 | 11, bands = 1): Uint8Array {
  const typed = (w: ProtoWriter, elem: number, dims: (string | number)[]) =>
    w.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elem);
      tt.message(2, (sh) => { for (const d of dims) sh.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))); });
    }));
  const trans = (a: ProtoWriter) => a.string(1, transA ? 'transA' : 'transB').int(3, 1).int(20, 2); // AttributeProto: name, i, type INT
  const graph = new ProtoWriter();
  if (bands === 1) {
    graph.message(1, (n) => n.string(1, 'A').string(1, 'A').string(2, 'G').string(3, 'gram').string(4, 'Gemm').message(5, trans));
  } else {
    for (let j = 0; j < bands; j++) {
      graph.message(1, (n) => n.string(1, 'A').string(1, `b${j}`).string(1, `b${bands}`).string(1, 'axes').string(2, `lo${j}`).string(3, `lo${j}`).string(4, 'Slice'));
      graph.message(1, (n) => n.string(1, 'A').string(1, `b${j}`).string(1, `b${j + 1}`).string(1, 'axes').string(2, `blk${j}`).string(3, `blk${j}`).string(4, 'Slice'));
      graph.message(1, (n) => n.string(1, `lo${j}`).string(1, `blk${j}`).string(2, `G${j}`).string(3, `gram${j}`).string(4, 'Gemm').message(5, trans));
    }
    // TensorProto 'axes' = [0] or [1]: dims (1), data_type (2) INT64 = 7, int64_data (7), name (8)
    graph.message(5, (t) => t.packedVarints(1, [1]).int(2, 7).packedVarints(7, [transA ? 1 : 0]).string(8, 'axes'));
  }
  graph.string(2, 'gram');
  graph.message(11, (v) => { v.string(1, 'A'); typed(v, elemType, ['m', 'n']); });
  if (bands === 1) graph.message(12, (v) => { v.string(1, 'G'); typed(v, elemType, ['k', 'k']); });
  else {
    for (let j = 0; j <= bands; j++) graph.message(11, (v) => { v.string(1, `b${j}`); typed(v, 7, [1]); });
    for (let j = 0; j < bands; j++) graph.message(12, (v) => { v.string(1, `G${j}`); typed(v, elemType, [`r${j}`, `c${j}`]); });
  }
  const m = new ProtoWriter();
  // ModelProto: ir_version (1) = 8, producer_name (2), opset_import (8) = { domain '', version 13 }, graph (7)
  m.int(1, 8).string(2, 'theory-lens').message(8, (o) => o.string(1, '').int(2, 13));
  m.message(7, (g) => { for (const p of graph.parts()) g.raw(p); });
  return m.finish();
}

/** Bands of the Gram model for a short side k: one Gemm for small k, else 4 or 8 bands (62% / 56% of the flops). */
export function gramBands(k: number): number {
  return k < 192 ? 1 : k < 512 ? 4 : 8;
}

// Sessions per (W·Wᵀ or Wᵀ·W, element type, bands, threads), created once per thread.
const sessions = new Map<string, Promise<Session>>();
let threadsSetting = 0;

/** Default onnxruntime intra-op threads for gram() on this thread (0 = the automatic choice). */
export function setGramThreads(n: number): void {
  threadsSetting = n;
}

function session(o: Ort, transA: boolean, elem: 1 | 11, bands: number, threads: number): Promise<Session> {
  const key = `${transA}|${elem}|${bands}|${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = o.InferenceSession.create(gramModel(transA, elem, bands), {
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
  const bands = gramBands(k);
  let s: Session;
  try {
    s = await session(o, rows > cols, elem, bands, threads);
  } catch (e) {
    // the native binding loaded but cannot run here: use the WebAssembly Gram from now on
    ort = null;
    ortError = (e as Error).message;
    return gramWasm(w, rows, cols, precision);
  }
  const A = new o.Tensor(elem === 11 ? 'float64' : 'float32', data, [rows, cols]);
  if (bands === 1) return (await s.run({ A })).G.data as Float32Array | Float64Array;
  const bounds = Array.from({ length: bands + 1 }, (_, j) => bandStart(k, bands, j));
  const feeds: Record<string, import('onnxruntime-node').Tensor> = { A };
  bounds.forEach((b, j) => { feeds[`b${j}`] = new o.Tensor('int64', BigInt64Array.of(BigInt(b)), [1]); });
  const out = await s.run(feeds);
  const G = elem === 11 ? new Float64Array(k * k) : new Float32Array(k * k);
  for (let j = 0; j < bands; j++) {
    const band = out[`G${j}`].data as Float32Array | Float64Array;
    const s0 = bounds[j];
    const c = bounds[j + 1] - s0;
    for (let r = 0; r < k - s0; r++) G.set(band.subarray(r * c, (r + 1) * c), (s0 + r) * k + s0);
  }
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) G[i * k + j] = G[j * k + i];
  return G;
}

/** Start of band j of B over k: equal widths (which minimize the computed upper-triangle waste Σ c_j²/2), multiples of 16. */
function bandStart(k: number, bands: number, j: number): number {
  return j === bands ? k : Math.round((k * j) / bands / 16) * 16;
}
