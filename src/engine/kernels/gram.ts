// Gram matrix of the short side, k×k with k = min(rows, cols): W·Wᵀ when rows ≤ cols, else Wᵀ·W. Its
// eigenvalues are the squared singular values of W. Computed by an onnxruntime-node CPU session running
// Gemms with dynamic dims — an optimised SGEMM/DGEMM at 60–100 GFLOP/s — over the lower triangle only
// (gramModel's trapezoid: B row blocks against their prefixes, ≈ half the flops), with a WebAssembly-SIMD
// fallback (wasm.ts) where onnxruntime-node has no binary (darwin-x64) or fails to start, and for tiny
// matrices where a session call costs more.
import { isMainThread } from 'node:worker_threads';
import { ProtoWriter } from '../../onnx/protobuf';
import { loadOrt, type Ort } from '../runtime/ort';
import { assertFinite, checkShape } from './finite';
import { scratch, scratch64 } from './scratch';
import { gramWasm, transposeWasm, wasmAvailable } from './wasm';

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
 * ONNX bytes (opset 13) of the Gram model for element type float (1) or double (11), with dynamic dims.
 * One block: input A [m, n], G = Gemm(A, A) with transA = 1 (AᵀA) or transB = 1 (AAᵀ). B > 1 blocks (the
 * trapezoid): X [k, L] is fed as B row blocks X_i (rows s_i…s_{i+1}, s₀ = 0 < s₁ < … < s_B = k) and their
 * prefixes P_i (rows 0…s_{i+1}), all views of X's one buffer, and G_i = Gemm(X_i, P_i, transB = 1) holds rows
 * s_i… and columns 0…s_{i+1} of G = XXᵀ: the lower triangle and the diagonal blocks, (B+1)/(2B) of the k²
 * entries — the flops a BLAS syrk saves, which a Gemm alone cannot — in B products without a copy. (The
 * square-block layout before it, B(B+1)/2 Gemms of sliced copies, was 10–20% slower.) A tall W's X = Wᵀ
 * comes from transposeModel. `transA` applies to one block only.
 */
export function gramModel(transA: boolean, elemType: 1 | 11, blocks = 1): Uint8Array {
  const graph = new ProtoWriter();
  if (blocks === 1) {
    const trans = (a: ProtoWriter) => a.string(1, transA ? 'transA' : 'transB').int(3, 1).int(20, 2); // AttributeProto: name, i, type INT
    graph.message(1, (n) => n.string(1, 'A').string(1, 'A').string(2, 'G').string(3, 'gram').string(4, 'Gemm').message(5, trans));
    graph.string(2, 'gram');
    graph.message(11, (v) => { v.string(1, 'A'); valueType(v, elemType, ['m', 'n']); });
    graph.message(12, (v) => { v.string(1, 'G'); valueType(v, elemType, ['k', 'k']); });
    return modelBytes(graph);
  }
  for (let i = 0; i < blocks; i++) {
    graph.message(1, (n) => n.string(1, `X${i}`).string(1, `P${i}`).string(2, `G${i}`).string(3, `gram${i}`).string(4, 'Gemm')
      .message(5, (a) => a.string(1, 'transB').int(3, 1).int(20, 2)));
  }
  graph.string(2, 'gram');
  for (let i = 0; i < blocks; i++) {
    graph.message(11, (v) => { v.string(1, `X${i}`); valueType(v, elemType, [`r${i}`, 'L']); });
    graph.message(11, (v) => { v.string(1, `P${i}`); valueType(v, elemType, [`p${i}`, 'L']); });
  }
  for (let i = 0; i < blocks; i++) graph.message(12, (v) => { v.string(1, `G${i}`); valueType(v, elemType, [`r${i}`, `p${i}`]); });
  return modelBytes(graph);
}

/** ONNX bytes of At = Transpose(A) for A [m, n] of element type float (1) or double (11). */
export function transposeModel(elemType: 1 | 11): Uint8Array {
  const graph = new ProtoWriter();
  graph.message(1, (n) => n.string(1, 'A').string(2, 'At').string(3, 'transpose').string(4, 'Transpose').message(5, (a) => a.string(1, 'perm').packedVarints(8, [1, 0]).int(20, 7)));
  graph.string(2, 'transpose');
  graph.message(11, (v) => { v.string(1, 'A'); valueType(v, elemType, ['m', 'n']); });
  graph.message(12, (v) => { v.string(1, 'At'); valueType(v, elemType, ['n', 'm']); });
  return modelBytes(graph);
}

/** ValueInfoProto.type: a tensor of `elem` with these dims (numbers fixed, strings symbolic). */
function valueType(w: ProtoWriter, elem: number, dims: (string | number)[]): void {
  w.message(2, (t) => t.message(1, (tt) => {
    tt.int(1, elem);
    tt.message(2, (sh) => { for (const d of dims) sh.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))); });
  }));
}

function modelBytes(graph: ProtoWriter): Uint8Array {
  const m = new ProtoWriter();
  // ModelProto: ir_version (1) = 8, producer_name (2), opset_import (8) = { domain '', version 13 }, graph (7)
  m.int(1, 8).string(2, 'theory-lens').message(8, (o) => o.string(1, '').int(2, 13));
  m.message(7, (g) => { for (const p of graph.parts()) g.raw(p); });
  return m.finish();
}

/** Blocks of the Gram model for a short side k: one Gemm for small k, else 4 (62.5% of the flops) or 8 (56%). */
export function gramBlocks(k: number): number {
  return k < 192 ? 1 : k < 384 ? 4 : 8;
}

// Sessions per (model: Gram of one block (W·Wᵀ or Wᵀ·W) or B blocks, or the transpose; element type;
// threads), created once per thread.
const sessions = new Map<string, Promise<Session>>();
let threadsSetting = 0;

/** Default onnxruntime intra-op threads for gram() on this thread (0 = the automatic choice). */
export function setGramThreads(n: number): void {
  threadsSetting = n;
}

function session(o: Ort, key: string, model: () => Uint8Array, threads: number): Promise<Session> {
  key = `${key}|${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = o.InferenceSession.create(model(), {
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
  const type = elem === 11 ? 'float64' : 'float32';
  const tall = rows > cols;
  let s: Session;
  let t: Session | null = null;
  try {
    s = await session(o, `gram|${blocks === 1 && tall}|${elem}|${blocks}`, () => gramModel(tall, elem, blocks), threads);
    // a tall W's chunks are transposed in WebAssembly (1.1 ns an entry, onnxruntime’s Transpose 2.5–3.4)
    if (blocks > 1 && tall && !wasmAvailable()) t = await session(o, `transpose|${elem}`, () => transposeModel(elem), threads);
  } catch (e) {
    // the native binding loaded but cannot run here: use the WebAssembly Gram from now on
    ort = null;
    ortError = (e as Error).message;
    return gramWasm(w, rows, cols, precision);
  }
  if (blocks === 1) return (await s.run({ A: new o.Tensor(type, data, [rows, cols]) })).G.data as Float32Array | Float64Array;
  const bounds = Array.from({ length: blocks + 1 }, (_, i) => (i === blocks ? k : Math.round((k * i) / blocks / 16) * 16));
  const G = elem === 11 ? (opts.scratch ? scratch64('gram', k * k) : new Float64Array(k * k)) : opts.scratch ? scratch('gram', k * k) : new Float32Array(k * k);
  // WᵀW of a tall W is Σ over row chunks W_cᵀW_c: one chunk at a time (≤ CHUNK entries) is transposed
  // instead of all of W (a second copy of the largest matrix); chunk sums add in float64
  const chunkRows = tall ? Math.max(k, Math.floor((opts.chunk ?? CHUNK) / cols)) : rows;
  const acc = chunkRows < rows ? (opts.scratch ? scratch64('gramSum', k * k).fill(0) : new Float64Array(k * k)) : null;
  const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r1 = Math.min(rows, r0 + chunkRows);
    // X [k, n]: W itself (wide) or this chunk of rows transposed (tall)
    const n = tall ? r1 - r0 : cols;
    const chunk = data.subarray(r0 * cols, r1 * cols);
    const X = !tall
      ? data
      : t
        ? ((await t.run({ A: new o.Tensor(type, chunk, [r1 - r0, cols]) })).At.data as Float32Array | Float64Array)
        : transposeWasm(chunk, r1 - r0, cols, chunk instanceof Float64Array ? scratch64('gramX', chunk.length) : scratch('gramX', chunk.length));
    for (let i = 0; i < blocks; i++) {
      feeds[`X${i}`] = new o.Tensor(type, X.subarray(bounds[i] * n, bounds[i + 1] * n), [bounds[i + 1] - bounds[i], n]);
      feeds[`P${i}`] = new o.Tensor(type, X.subarray(0, bounds[i + 1] * n), [bounds[i + 1], n]);
    }
    const out = await s.run(feeds);
    for (let i = 0; i < blocks; i++) {
      const block = out[`G${i}`].data as Float32Array | Float64Array;
      const c = bounds[i + 1];
      for (let r = 0; r < bounds[i + 1] - bounds[i]; r++) {
        const at = (bounds[i] + r) * k;
        if (acc) for (let q = 0; q < c; q++) acc[at + q] += block[r * c + q];
        else G.set(block.subarray(r * c, (r + 1) * c), at);
      }
    }
  }
  if (acc) for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) G[i * k + j] = acc[i * k + j];
  if (!opts.scratch) for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) G[i * k + j] = G[j * k + i];
  return G;
}

/** Entries of W per Gram call of a tall W (rows > cols): 4 Mi (16 MiB of float32). */
const CHUNK = 1 << 22;
