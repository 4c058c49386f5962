// Gram matrix of the short side, k×k with k = min(rows, cols): W·Wᵀ when rows ≤ cols, else Wᵀ·W. Its
// eigenvalues are the squared singular values of W. Computed by an onnxruntime-node CPU session running
// a single Gemm(W, W) with transB=1 (W·Wᵀ) or transA=1 (Wᵀ·W) and dynamic dims — an optimised
// SGEMM/DGEMM at 60–100 GFLOP/s — with a WebAssembly-SIMD fallback (wasm.ts) where onnxruntime-node has
// no binary (darwin-x64) or fails to start, and for tiny matrices where a session call costs more.
import { isMainThread } from 'node:worker_threads';
import { ProtoWriter } from '../../onnx/protobuf';
import { loadOrt, type Ort } from '../runtime/ort';
import { assertFinite, checkShape } from './finite';
import { scratch, scratch64 } from './scratch';
import { gramWasm } from './wasm';

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
  /** Entries of a tall W (rows > cols) per onnxruntime call (default 2²², 16 MiB of float32); for tests. */
  chunk?: number;
  /** The caller has already checked every entry of W is finite: skip the pass over W that checks it. */
  finite?: boolean;
  /**
   * G (and the float64 sums of a tall W) in this thread's reused buffers (kernels/scratch.ts) instead of
   * fresh arrays, and only its lower triangle (with the diagonal) filled in — what the eigensolver reads:
   * the result is then valid only until the next such call (singularValues uses it at once).
   */
  scratch?: boolean;
}

let ort: Ort | null | undefined;
let ortError = '';
/** onnxruntime-node through the engine's one loader, or null (and why) where it cannot be loaded. */
function ortOrNull(): Ort | null {
  if (ort === undefined) {
    try {
      ort = loadOrt();
    } catch (e) {
      ort = null;
      ortError = (e as Error).message;
    }
  }
  return ort;
}

/** Which implementation gram() uses on this thread, and why when it is the fallback. */
export function gramBackend(): { backend: 'onnxruntime' | 'wasm'; reason?: string } {
  return ortOrNull() ? { backend: 'onnxruntime' } : { backend: 'wasm', reason: `onnxruntime-node unavailable: ${ortError}` };
}

/**
 * ONNX bytes (opset 13) of the Gram model for input A of dynamic shape [m, n] and element type float (1)
 * or double (11). One block: G = Gemm(A, A) with transA = 1 (AᵀA) or transB = 1 (AAᵀ). B > 1 blocks:
 * X = A (AAᵀ) or X = Transpose(A) (AᵀA) is cut into B row blocks X_0…X_{B−1} (Slice on axis 0, boundaries
 * s₀ = 0 < s₁ < … < s_B = k fed as int64 inputs b0…bB) and only the blocks on and below the diagonal are
 * computed: output G_i_j = Gemm(X_i, X_j, transB = 1) for j ≤ i holds rows s_i… and columns s_j… of G.
 * That is (B+1)/(2B) of the k² entries — the flops a BLAS syrk saves, which a Gemm alone cannot — for
 * one or two copies of A.
 */
export function gramModel(transA: boolean, elemType: 1 | 11, blocks = 1): Uint8Array {
  const typed = (w: ProtoWriter, elem: number, dims: (string | number)[]) =>
    w.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elem);
      tt.message(2, (sh) => { for (const d of dims) sh.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))); });
    }));
  const trans = (a: ProtoWriter) => a.string(1, transA ? 'transA' : 'transB').int(3, 1).int(20, 2); // AttributeProto: name, i, type INT
  const graph = new ProtoWriter();
  if (blocks === 1) {
    graph.message(1, (n) => n.string(1, 'A').string(1, 'A').string(2, 'G').string(3, 'gram').string(4, 'Gemm').message(5, trans));
  } else {
    // AᵀA: transpose once (X = Aᵀ), so that every block is a contiguous row slice and every product
    // X_i·X_jᵀ; slicing columns of A instead makes strided copies and skinny transA GEMMs (measured slower)
    const X = transA ? 'At' : 'A';
    if (transA) graph.message(1, (n) => n.string(1, 'A').string(2, 'At').string(3, 'transpose').string(4, 'Transpose').message(5, (a) => a.string(1, 'perm').packedVarints(8, [1, 0]).int(20, 7)));
    for (let i = 0; i < blocks; i++) {
      graph.message(1, (n) => n.string(1, X).string(1, `b${i}`).string(1, `b${i + 1}`).string(1, 'axes').string(2, `X${i}`).string(3, `slice${i}`).string(4, 'Slice'));
    }
    for (let i = 0; i < blocks; i++) {
      for (let j = 0; j <= i; j++) {
        graph.message(1, (n) => n.string(1, `X${i}`).string(1, `X${j}`).string(2, `G${i}_${j}`).string(3, `gram${i}_${j}`).string(4, 'Gemm')
          .message(5, (a) => a.string(1, 'transB').int(3, 1).int(20, 2)));
      }
    }
    // TensorProto 'axes' = [0]: dims (1), data_type (2) INT64 = 7, int64_data (7), name (8)
    graph.message(5, (t) => t.packedVarints(1, [1]).int(2, 7).packedVarints(7, [0]).string(8, 'axes'));
  }
  graph.string(2, 'gram');
  graph.message(11, (v) => { v.string(1, 'A'); typed(v, elemType, ['m', 'n']); });
  if (blocks === 1) graph.message(12, (v) => { v.string(1, 'G'); typed(v, elemType, ['k', 'k']); });
  else {
    for (let i = 0; i <= blocks; i++) graph.message(11, (v) => { v.string(1, `b${i}`); typed(v, 7, [1]); });
    for (let i = 0; i < blocks; i++) for (let j = 0; j <= i; j++) graph.message(12, (v) => { v.string(1, `G${i}_${j}`); typed(v, elemType, [`r${i}`, `c${j}`]); });
  }
  const m = new ProtoWriter();
  // ModelProto: ir_version (1) = 8, producer_name (2), opset_import (8) = { domain '', version 13 }, graph (7)
  m.int(1, 8).string(2, 'theory-lens').message(8, (o) => o.string(1, '').int(2, 13));
  m.message(7, (g) => { for (const p of graph.parts()) g.raw(p); });
  return m.finish();
}

/** Blocks of the Gram model for a short side k: one Gemm for small k, else 4 (62.5% of the flops) or 8 (56%). */
export function gramBlocks(k: number): number {
  return k < 192 ? 1 : k < 512 ? 4 : 8;
}

// Sessions per (W·Wᵀ or Wᵀ·W, element type, blocks, threads), created once per thread.
const sessions = new Map<string, Promise<Session>>();
let threadsSetting = 0;

/** Default onnxruntime intra-op threads for gram() on this thread (0 = the automatic choice). */
export function setGramThreads(n: number): void {
  threadsSetting = n;
}

function session(o: Ort, transA: boolean, elem: 1 | 11, blocks: number, threads: number): Promise<Session> {
  const key = `${transA}|${elem}|${blocks}|${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = o.InferenceSession.create(gramModel(transA, elem, blocks), {
      ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      graphOptimizationLevel: 'all',
      // no arena: the Gram's buffers (a transposed chunk, the blocks) go back to the system after each
      // run instead of staying reserved per worker for the largest layer seen
      enableCpuMemArena: false,
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
  if (!opts.finite) assertFinite(w, 'gram');
  const precision = opts.precision ?? 'float32';
  const k = Math.min(rows, cols);
  const L = Math.max(rows, cols);
  if (k === 0) return new Float64Array(0);
  const o = opts.backend === 'wasm' ? null : ortOrNull();
  if (!o || k * k * L < SMALL) return gramWasm(w, rows, cols, precision);
  const elem = precision === 'float64' ? 11 : 1;
  const data = elem === 11 ? (w instanceof Float64Array ? w : Float64Array.from(w)) : w instanceof Float32Array ? w : Float32Array.from(w);
  const threads = opts.threads ?? (threadsSetting > 0 ? threadsSetting : isMainThread ? 0 : 1);
  const blocks = gramBlocks(k);
  let s: Session;
  try {
    s = await session(o, rows > cols, elem, blocks, threads);
  } catch (e) {
    // the native binding loaded but cannot run here: use the WebAssembly Gram from now on
    ort = null;
    ortError = (e as Error).message;
    return gramWasm(w, rows, cols, precision);
  }
  const type = elem === 11 ? 'float64' : 'float32';
  if (blocks === 1) return (await s.run({ A: new o.Tensor(type, data, [rows, cols]) })).G.data as Float32Array | Float64Array;
  const bounds = Array.from({ length: blocks + 1 }, (_, i) => (i === blocks ? k : Math.round((k * i) / blocks / 16) * 16));
  const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
  bounds.forEach((b, i) => { feeds[`b${i}`] = new o.Tensor('int64', BigInt64Array.of(BigInt(b)), [1]); });
  const G = elem === 11 ? (opts.scratch ? scratch64('gram', k * k) : new Float64Array(k * k)) : opts.scratch ? scratch('gram', k * k) : new Float32Array(k * k);
  // WᵀW of a tall W is Σ over row chunks W_cᵀW_c: the model transposes one chunk at a time (≤ CHUNK
  // entries) instead of all of W (a second copy of the largest matrix); chunk sums add in float64
  const chunkRows = rows > cols ? Math.max(k, Math.floor((opts.chunk ?? CHUNK) / cols)) : rows;
  const acc = chunkRows < rows ? (opts.scratch ? scratch64('gramSum', k * k).fill(0) : new Float64Array(k * k)) : null;
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r1 = Math.min(rows, r0 + chunkRows);
    feeds.A = new o.Tensor(type, data.subarray(r0 * cols, r1 * cols), [r1 - r0, cols]);
    const out = await s.run(feeds);
    for (let i = 0; i < blocks; i++) {
      for (let j = 0; j <= i; j++) {
        const block = out[`G${i}_${j}`].data as Float32Array | Float64Array;
        const c = bounds[j + 1] - bounds[j];
        for (let r = 0; r < bounds[i + 1] - bounds[i]; r++) {
          const at = (bounds[i] + r) * k + bounds[j];
          if (acc) for (let q = 0; q < c; q++) acc[at + q] += block[r * c + q];
          else G.set(block.subarray(r * c, (r + 1) * c), at);
        }
      }
    }
  }
  if (acc) for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) G[i * k + j] = acc[i * k + j];
  if (!opts.scratch) for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) G[i * k + j] = G[j * k + i];
  return G;
}

/** Entries of W per Gram call of a tall W (rows > cols): 4 Mi (16 MiB of float32). */
const CHUNK = 1 << 22;
