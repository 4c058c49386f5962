// Loader of the WebAssembly kernels (assembly/*.ts → dist/eig.wasm, built by `npm run build`) and the
// typed-array wrappers around them. Each thread that imports this module (the extension host, the CLI,
// every pool worker) instantiates its own module; its linear memory grows to the largest problem seen
// and is reused by later calls (WebAssembly memory cannot shrink). Calls are synchronous, so buffers
// laid out from heapBase() are never shared between two calls in flight.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { timed } from './profile';

// The WebAssembly global of the JS engine, typed here (the project's lib settings do not include it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

type Kernel = (...offsetsAndSizes: number[]) => void;
interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  tridiag32: Kernel;
  tridiag64: Kernel;
  sterf(d: number, e: number, n: number): number;
  gramFill32: Kernel;
  gramFill64: Kernel;
  gramFill64from32: Kernel;
  gramBand32: Kernel;
  gramBand64: Kernel;
  normalApply32: Kernel;
  normalApply64: Kernel;
  fisherYates32(off: number, len: number, a: number): number;
  fisherYates64(off: number, len: number, a: number): number;
  scatterChunk32(inOff: number, len: number, stageOff: number, room: number, sizeOff: number, a: number): number;
  scatterChunk64(inOff: number, len: number, stageOff: number, room: number, sizeOff: number, a: number): number;
  transpose32(inOff: number, rows: number, cols: number, outOff: number): void;
  transpose64(inOff: number, rows: number, cols: number, outOff: number): void;
  entryStatsBand32(inOff: number, nRows: number, C: number, mode: number, accOff: number, outOff: number): void;
}

export const WASM_FILE = 'eig.wasm';

/**
 * Where dist/eig.wasm is: next to the running bundle (dist/*.js), or in `<repo>/dist/` for code run
 * from sources (tsx, tests), found by walking up from this file to the folder holding package.json.
 */
export function wasmCandidates(): string[] {
  const out = [join(__dirname, WASM_FILE)];
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      out.push(join(dir, 'dist', WASM_FILE));
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return out;
}

export function wasmPath(): string | null {
  return wasmCandidates().find((p) => existsSync(p)) ?? null;
}

let instance: Exports | undefined;

/** The module of this thread, instantiated on first use. Throws a clear error when it is not built. */
function kernels(): Exports {
  if (instance) return instance;
  const p = wasmPath();
  if (!p) {
    throw new Error(`the WebAssembly kernels (${WASM_FILE}) are not built: looked in ${wasmCandidates().join(', ')}; run npm run build`);
  }
  try {
    const mod = new WA.Module(readFileSync(p));
    instance = new WA.Instance(mod, {}).exports as Exports;
  } catch (e) {
    throw new Error(`cannot load the WebAssembly kernels ${p}: ${(e as Error).message}; rebuild them with npm run build`);
  }
  return instance;
}

/** True when dist/eig.wasm can be loaded (it is then instantiated for this thread). */
export function wasmAvailable(): boolean {
  try {
    kernels();
    return true;
  } catch {
    return false;
  }
}

/**
 * Byte offsets of consecutive 16-byte-aligned buffers of the given sizes (bytes) from heapBase(),
 * growing the memory when they do not fit. The buffers are valid until the next call.
 */
function layout(x: Exports, sizes: number[]): number[] {
  const offsets: number[] = [];
  let at = x.heapBase();
  for (const s of sizes) {
    offsets.push(at);
    at += Math.ceil(s / 16) * 16;
  }
  const need = at - x.memory.buffer.byteLength;
  if (need > 0) {
    if (at > 2 ** 32) throw new RangeError(`a WebAssembly kernel needs ${(at / 2 ** 30).toFixed(1)} GiB, above the 4 GiB of 32-bit WebAssembly memory`);
    try {
      x.memory.grow(Math.ceil(need / 65536));
    } catch (e) {
      throw new RangeError(`cannot grow the WebAssembly memory to ${(at / 2 ** 20).toFixed(0)} MiB: ${(e as Error).message}`);
    }
  }
  return offsets;
}

/** A float32 (f32) or float64 view of n elements at byte offset `off` of the module's memory (valid until it grows). */
function floatView(x: Exports, off: number, n: number, f32: boolean): Float32Array | Float64Array {
  return f32 ? new Float32Array(x.memory.buffer, off, n) : new Float64Array(x.memory.buffer, off, n);
}

/** Runs the reduction of the matrix already at aOff, one call per step (see tridiagonalizeWasm). */
function reduce(x: Exports, aOff: number, n: number, dOff: number, eOff: number, state: number, vecs: number[], f32: boolean): void {
  new Uint32Array(x.memory.buffer, state, 5).set([...vecs, 0]);
  const step = f32 ? x.tridiag32 : x.tridiag64;
  const last = Math.max(n - 2, 0);
  let k = 0;
  do {
    step(aOff, n, dOff, eOff, state, k, Math.min(k + 1, last));
    k++;
  } while (k < last);
}

/**
 * Householder tridiagonalization of the symmetric n×n matrix `a` (row-major, lower triangle read; `a`
 * itself is not modified). f32: float32 storage and 4-lane SIMD; otherwise float64 and 2 lanes.
 * Returns the diagonal d (n) and sub-diagonal e (n−1) in float64. The steps are driven from here one
 * call per step: V8 swaps in optimized code between calls (should the module run on baseline code),
 * which a single long call would never see.
 */
export function tridiagonalizeWasm(a: Float32Array | Float64Array, n: number, f32: boolean): { d: Float64Array; e: Float64Array } {
  const x = kernels();
  const el = f32 ? 4 : 8;
  const [aOff, dOff, eOff, state, ...vecs] = layout(x, [n * n * el, n * 8, n * 8, 32, n * el, n * el, n * el, n * el]);
  const buf = x.memory.buffer;
  floatView(x, aOff, n * n, f32).set(a);
  reduce(x, aOff, n, dOff, eOff, state, vecs, f32);
  return {
    d: new Float64Array(buf.slice(dOff, dOff + n * 8)),
    e: new Float64Array(buf.slice(eOff, eOff + Math.max(n - 1, 0) * 8)),
  };
}

/**
 * Eigenvalues (ascending) of the tridiagonal (d, e) by root-free QL/QR in WebAssembly (assembly/sterf.ts).
 * Throws if it does not converge (not seen for finite input).
 */
export function tridiagonalEigenvaluesWasm(d: ArrayLike<number>, e: ArrayLike<number>): Float64Array {
  const n = d.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(d[i]) || (i + 1 < n && !Number.isFinite(e[i]))) throw new RangeError('tridiagonalEigenvalues: non-finite entry in the tridiagonal matrix');
  }
  const x = kernels();
  const [dOff, eOff] = layout(x, [n * 8, n * 8]);
  const buf = x.memory.buffer;
  new Float64Array(buf, dOff, n).set(d);
  const ev = new Float64Array(buf, eOff, n);
  ev.fill(0);
  ev.set(Array.prototype.slice.call(e, 0, Math.max(n - 1, 0)) as number[]);
  return solveTridiagonal(x, dOff, eOff, n);
}

function solveTridiagonal(x: Exports, dOff: number, eOff: number, n: number): Float64Array {
  if (x.sterf(dOff, eOff, n) !== 0) throw new Error(`the tridiagonal QL/QR did not converge in ${30 * n} sweeps (n = ${n})`);
  return new Float64Array(x.memory.buffer.slice(dOff, dOff + n * 8)).sort();
}

/** All eigenvalues (ascending) of the symmetric n×n matrix `a`: reduction and QL/QR both in WebAssembly. */
export function eigvalsSymWasm(a: Float32Array | Float64Array, n: number, f32: boolean): Float64Array {
  const x = kernels();
  const el = f32 ? 4 : 8;
  const [aOff, dOff, eOff, state, ...vecs] = layout(x, [n * n * el, n * 8, n * 8, 32, n * el, n * el, n * el, n * el]);
  timed('tridiagonalize', () => {
    floatView(x, aOff, n * n, f32).set(a);
    reduce(x, aOff, n, dOff, eOff, state, vecs, f32);
  });
  return timed('ql', () => solveTridiagonal(x, dOff, eOff, n));
}

/** Elements of the inner dimension per Gram panel: about 1 MiB of panel, at least 64, a multiple of 16. */
function panelChunk(kp: number, el: number, inner: number): number {
  const ch = Math.max(64, Math.floor((1 << 20) / (kp * el)) & ~15);
  return Math.min(ch, Math.ceil(inner / 16) * 16);
}

/**
 * The k×k Gram matrix of the short side (W·Wᵀ when rows ≤ cols, else Wᵀ·W) in WebAssembly SIMD, full
 * and row-major in float64. float32: f32 products summed in f32 within chunks of a few hundred terms,
 * chunk sums in f64; float64: products of the (widened) weights summed in f64.
 */
export function gramWasm(w: Float32Array | Float64Array, rows: number, cols: number, precision: 'float32' | 'float64'): Float64Array {
  if (w instanceof Float64Array && precision === 'float32') {
    // float64 weights, float32 arithmetic: round the weights once (what an f32 GEMM would see)
    return gramWasm(Float32Array.from(w), rows, cols, 'float32');
  }
  const x = kernels();
  const k = Math.min(rows, cols);
  const inner = Math.max(rows, cols);
  const kp = Math.ceil(k / 4) * 4;
  const wEl = w instanceof Float32Array ? 4 : 8;
  const el = precision === 'float32' ? 4 : 8;
  const ch = panelChunk(kp, el, inner);
  const [wOff, gOff, pOff] = layout(x, [rows * cols * wEl, k * k * 8, kp * ch * el]);
  const buf = x.memory.buffer;
  (wEl === 4 ? new Float32Array(buf, wOff, rows * cols) : new Float64Array(buf, wOff, rows * cols)).set(w);
  const G = new Float64Array(buf, gOff, k * k);
  G.fill(0);
  const fill = wEl === 8 ? x.gramFill64 : el === 4 ? x.gramFill32 : x.gramFill64from32;
  const band = el === 4 ? x.gramBand32 : x.gramBand64;
  // bands of row blocks with about equal work (rows i cost ∝ i): boundaries at kp·√(b/B)
  const B = Math.min(16, kp / 4);
  const bounds = Array.from({ length: B + 1 }, (_, b) => Math.min(kp, Math.ceil((kp * Math.sqrt(b / B)) / 4) * 4));
  for (let c0 = 0; c0 < inner; c0 += ch) {
    fill(wOff, rows, cols, c0, Math.min(ch, inner - c0), pOff, kp, ch);
    for (let b = 0; b < B; b++) if (bounds[b + 1] > bounds[b]) band(pOff, ch, bounds[b], bounds[b + 1], gOff, k);
  }
  const out = Float64Array.from(G);
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) out[j * k + i] = out[i * k + j];
  return out;
}

/**
 * The operator z = Wᵀ(W·x) of a row-major rows×cols matrix, for Lanczos: W is copied into the module's
 * memory once; `apply` then streams it once per call (f64 arithmetic). Valid until the next kernel call
 * on this thread (all calls are synchronous).
 */
export function normalOperatorWasm(w: Float32Array | Float64Array, rows: number, cols: number): (v: Float64Array, out: Float64Array) => void {
  const x = kernels();
  const wEl = w instanceof Float32Array ? 4 : 8;
  const [wOff, vOff, zOff] = layout(x, [rows * cols * wEl, cols * 8, cols * 8]);
  const buf = x.memory.buffer;
  (wEl === 4 ? new Float32Array(buf, wOff, rows * cols) : new Float64Array(buf, wOff, rows * cols)).set(w);
  const v = new Float64Array(buf, vOff, cols);
  const z = new Float64Array(buf, zOff, cols);
  const kernel = wEl === 4 ? x.normalApply32 : x.normalApply64;
  return (input, out) => {
    v.set(input);
    kernel(wOff, rows, cols, vOff, zOff);
    out.set(z);
  };
}

/**
 * Fisher–Yates on out[from, to) with mulberry32 state `a` in WebAssembly (assembly/shuffle.ts): the same
 * draws and swaps as random.ts' TypeScript loop, about twice as fast. Returns the state after the last draw.
 */
export function fisherYatesWasm(out: Float32Array | Float64Array, from: number, to: number, a: number): number {
  const x = kernels();
  const len = to - from;
  const f32 = out instanceof Float32Array;
  const [off] = layout(x, [len * (f32 ? 4 : 8)]);
  const view = floatView(x, off, len, f32);
  view.set(out.subarray(from, to));
  const next = (f32 ? x.fisherYates32 : x.fisherYates64)(off, len, a) | 0;
  out.set(view, from);
  return next;
}

/** Entries per chunk of scatterBucketsWasm (a multiple of 4: a draw's four labels never straddle two chunks). */
export const SCATTER_CHUNK = 1 << 16;

/**
 * random.ts' scatter8 through WebAssembly (assembly/shuffle.ts scatterChunk), chunk by chunk: each
 * SCATTER_CHUNK entries of `w` are copied in, labelled with the draws that follow state `a` and laid out by
 * bucket in a staging area, and the runs of buckets 0 … buckets − 1 are appended to `out` at next[b]
 * (advanced); the other buckets' entries are dropped. Both the chunk and the stage stay in L2, where a
 * scatter into a whole layer-sized buffer misses the cache and the TLB on every write of a large layer.
 * The same entries in the same order as scatter8. Returns the state after the last draw, or null (out
 * left partly written) when a chunk's bucket outgrows its staging room (8 standard deviations) or a
 * bucket's run would pass the end of its room in `out`, (b + 1)·outRoom (bucket b's room starts at b·outRoom).
 */
export function scatterBucketsWasm(w: Float32Array | Float64Array, out: Float32Array | Float64Array, next: Int32Array, outRoom: number, buckets: number, a: number): number | null {
  const x = kernels();
  const n = w.length;
  const f32 = w instanceof Float32Array;
  const bytes = f32 ? 4 : 8;
  const room = Math.ceil(SCATTER_CHUNK / 256 + 8 * Math.sqrt(SCATTER_CHUNK / 256) + 8);
  const [inOff, stageOff, sizeOff] = layout(x, [SCATTER_CHUNK * bytes, 256 * room * bytes, 1024]);
  const buf = x.memory.buffer;
  const input = floatView(x, inOff, SCATTER_CHUNK, f32);
  const stage = floatView(x, stageOff, 256 * room, f32);
  const sizes = new Int32Array(buf, sizeOff, 256);
  const kernel = f32 ? x.scatterChunk32 : x.scatterChunk64;
  for (let i0 = 0; i0 < n; i0 += SCATTER_CHUNK) {
    const len = Math.min(SCATTER_CHUNK, n - i0);
    input.set(w.subarray(i0, i0 + len));
    a = kernel(inOff, len, stageOff, room, sizeOff, a) | 0;
    for (let b = 0; b < buckets; b++) {
      const s = sizes[b];
      const at = next[b];
      if (s > room || at + s > (b + 1) * outRoom) return null;
      out.set(stage.subarray(b * room, b * room + s), at);
      next[b] = at + s;
    }
  }
  return a;
}

/** Entries of W per call of the transpose kernel (4 MiB of float32): bounds what it adds to the module's memory. */
export const TRANSPOSE_BAND = 1 << 20;

/**
 * out = the transpose of the row-major rows×cols matrix w (out cols×rows, the same element type), through
 * WebAssembly (assembly/transpose.ts: 32×32 tiles of SIMD 4×4 blocks); `out` may be longer (only its
 * first rows·cols entries are written). W goes through the module in bands of whole rows, ≤ `band` entries
 * (a band of at least one row): each is copied in, transposed, and its columns copied out to their places,
 * so the module's memory (which never shrinks) grows by at most two bands, not two matrices.
 */
export function transposeWasm<T extends Float32Array | Float64Array>(w: T, rows: number, cols: number, out: T, band = TRANSPOSE_BAND): T {
  const x = kernels();
  const n = rows * cols;
  const f32 = w instanceof Float32Array;
  if (w.length !== n || out.length < n || f32 !== out instanceof Float32Array) throw new RangeError(`transposeWasm: ${rows}×${cols} needs w of ${n} entries and an out of the same type and at least that size`);
  if (n === 0) return out;
  const bytes = f32 ? 4 : 8;
  const R = Math.min(rows, Math.max(1, Math.floor(band / cols)));
  const [inOff, outOff] = layout(x, [R * cols * bytes, R * cols * bytes]);
  const input = floatView(x, inOff, R * cols, f32);
  const tile = floatView(x, outOff, R * cols, f32);
  const kernel = f32 ? x.transpose32 : x.transpose64;
  for (let r0 = 0; r0 < rows; r0 += R) {
    const r = Math.min(R, rows - r0);
    input.set(w.subarray(r0 * cols, (r0 + r) * cols));
    kernel(inOff, r, cols, outOff);
    // the tile is cols×r: row j is out's row j, columns r0 … r0 + r
    if (r === rows) out.set(tile.subarray(0, n));
    else for (let j = 0; j < cols; j++) out.set(tile.subarray(j * r, (j + 1) * r), j * rows + r0);
  }
  return out;
}

/** Entries per band of entrySumsWasm (4 MiB of float32). */
export const ENTRY_BAND = 1 << 20;

/**
 * Squared sums of the stored rows (mode 'rows': acc[i] = Σ_j w[i·C + j]², acc of R entries) or of the stored
 * columns (mode 'cols': acc[j] = Σ_i w[i·C + j]², acc of C entries) of the row-major R×C float32 matrix w,
 * with Σ|w| and max |w|, in WebAssembly SIMD (assembly/entries.ts; squares and sums in float64), the matrix
 * passing through the module in bands of whole rows (≤ `band` entries, so the module grows by ~4 MiB).
 * Null when a stored row is longer than a band (the caller's TypeScript loop handles it). Non-finite
 * entries make the sums non-finite; counting them is the caller's.
 */
export function entrySumsWasm(w: Float32Array, R: number, C: number, mode: 'rows' | 'cols', acc: Float64Array, band = ENTRY_BAND): { l1: number; maxAbs: number } | null {
  if (w.length !== R * C || acc.length !== (mode === 'rows' ? R : C)) throw new RangeError(`entrySumsWasm: ${R}×${C} (${mode}) needs w of ${R * C} and acc of ${mode === 'rows' ? R : C} entries`);
  if (C > band) return null;
  const x = kernels();
  const rb = Math.max(1, Math.min(R, Math.floor(band / C)));
  const [inOff, accOff, outOff] = layout(x, [rb * C * 4, (mode === 'rows' ? rb : C) * 8, 16]);
  const buf = x.memory.buffer;
  const input = new Float32Array(buf, inOff, rb * C);
  const accW = new Float64Array(buf, accOff, mode === 'rows' ? rb : C);
  const out = new Float64Array(buf, outOff, 2);
  out.fill(0);
  if (mode === 'cols') accW.fill(0);
  for (let r0 = 0; r0 < R; r0 += rb) {
    const n = Math.min(rb, R - r0);
    input.set(w.subarray(r0 * C, (r0 + n) * C));
    x.entryStatsBand32(inOff, n, C, mode === 'rows' ? 0 : 1, accOff, outOff);
    if (mode === 'rows') acc.set(accW.subarray(0, n), r0);
  }
  if (mode === 'cols') acc.set(accW);
  return { l1: out[0], maxAbs: out[1] };
}
