// Seeded randomness shared by every kernel, documented so a Python reference can replicate it exactly.
//
// mulberry32 (Tommy Ettinger's 32-bit generator), state a = seed >>> 0, each draw:
//   a = (a + 0x6D2B79F5) | 0;
//   t = Math.imul(a ^ (a >>> 15), 1 | a);
//   t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
//   return ((t ^ (t >>> 14)) >>> 0) / 2³²            (uniform in [0, 1))
// In Python with 32-bit wrap-around (& 0xFFFFFFFF after every + and *; >>> is >> on the unsigned value;
// `| 0` and `>>> 0` only reinterpret the same 32 bits).
import { fisherYatesWasm, scatterBucketsWasm, wasmAvailable } from './wasm';
import { timed } from './profile';

/**
 * mulberry32's output for the state `a` after its step a = (a + 0x6D2B79F5) | 0, as an int32 (`>>> 0` for
 * the unsigned value). Small enough that V8 inlines it into every hot loop below.
 */
function mix32(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return t ^ (t >>> 14);
}

/** mulberry32: a 32-bit PRNG; returns uniform numbers in [0, 1) as next() / 2³². */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    return (mix32(a) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller over mulberry32). */
export function gaussian(seed: number): () => number {
  const u = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let a = u();
    while (a === 0) a = u();
    const b = u();
    const r = Math.sqrt(-2 * Math.log(a));
    spare = r * Math.sin(2 * Math.PI * b);
    return r * Math.cos(2 * Math.PI * b);
  };
}

/**
 * out[i] = the i-th value of gaussian(seed), for every i: the same generator inlined into one loop (no
 * closure call per value), about twice as fast.
 */
export function fillGaussian(seed: number, out: Float64Array): void {
  let a = seed >>> 0;
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    let u1: number;
    do {
      a = (a + 0x6d2b79f5) | 0;
      u1 = (mix32(a) >>> 0) / 4294967296;
    } while (u1 === 0);
    a = (a + 0x6d2b79f5) | 0;
    const u2 = (mix32(a) >>> 0) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}

/** Above this many entries shuffleElements() permutes by buckets (Rao–Sandelius) instead of plain Fisher–Yates. */
export const SHUFFLE_BUCKET_ABOVE = 1 << 20;

/**
 * Bits of a bucket label: 8 (256 buckets, four labels from each 32-bit draw). Measured on 131 M entries
 * (a 32000×4096 embedding), 256 buckets of 2 MiB beat 4096 L2-sized ones by 2.6×: the unrolled four-label
 * passes outweigh Fisher–Yates' cache misses.
 */
export const SHUFFLE_BUCKET_BITS = 8;

export interface ShuffleOptions {
  /** Plain Fisher–Yates up to this many entries (default SHUFFLE_BUCKET_ABOVE). */
  bucketAbove?: number;
  /** Bits L of a bucket label (2^L buckets) of the bucketed shuffle (default SHUFFLE_BUCKET_BITS; 1…16). */
  bucketBits?: number;
  /** Write the permuted entries here (same length as `w`, not `w` itself) instead of a new array. */
  out?: Float32Array | Float64Array;
}

/**
 * A copy of `w` with its entries permuted uniformly at random, reproducibly from `seed` (mulberry32
 * draws t, uint32; u = t/2³²); the randomization check (Martin & Mahoney) compares the ESD of W with
 * that of this shuffled copy. Exactly:
 *   n ≤ bucketAbove (2²⁰): Fisher–Yates — for i = n−1 down to 1, j = ⌊u·(i+1)⌋, swap out[i] and out[j].
 *   n > bucketAbove: Rao–Sandelius (Rao 1961; Sandelius 1962) with B = 2^L buckets, L = bucketBits
 *     (default 8): the first ⌈n/P⌉ draws, P = ⌊32/L⌋, label the entries in order —
 *     entry P·d + j gets bits L·j … L·j+L−1 of draw d, (t >>> L·j) & (B − 1) (for L = 8: the draw's
 *     little-endian bytes); the entries are laid out bucket by bucket, each bucket keeping input order;
 *     then, bucket 0 first, each bucket's slice is Fisher–Yates-shuffled as above with the draws that follow.
 * Both give a uniformly random permutation (independent uniform labels, then a uniform shuffle within
 * each bucket). The bucketed form touches memory only sequentially or within one L2-sized bucket (plain
 * Fisher–Yates on a 50257×768 embedding misses the cache on every swap, ~5 s on this machine class), and
 * draws one 32-bit number for four labels.
 */
export function shuffleElements<T extends Float32Array | Float64Array>(w: T, seed: number, opts: ShuffleOptions = {}): T {
  const n = w.length;
  const out = (opts.out ?? new (w.constructor as new (n: number) => T)(n)) as T;
  if (out.length !== n || out === w) throw new RangeError(`shuffleElements: out must be a separate array of ${n} entries`);
  if (n <= (opts.bucketAbove ?? SHUFFLE_BUCKET_ABOVE)) {
    out.set(w);
    fisherYates(out, 0, n, seed >>> 0);
    return out;
  }
  bucketShuffle(w, out, seed, n, opts.bucketBits ?? SHUFFLE_BUCKET_BITS);
  return out;
}

export interface SampleOptions {
  /** As shuffleElements'. */
  bucketAbove?: number;
  bucketBits?: number;
  /** Write the sample here (≥ w.length entries, not `w`; its entries past `count` are scratch). */
  out?: Float32Array | Float64Array;
}

/**
 * out[0, count) = shuffleElements(w, seed, opts)[0, count) — the first `count` entries of the same
 * uniformly random permutation, hence `count` entries drawn uniformly without replacement in uniformly
 * random order — without permuting the rest: the bucketed form shuffles only the buckets that hold the
 * first `count` places (the randomization check's estimate needs about half of them); out[count, …) is
 * scratch (other entries, not in permuted order, or stale values).
 */
export function sampleElements<T extends Float32Array | Float64Array>(w: T, count: number, seed: number, opts: SampleOptions = {}): T {
  const n = w.length;
  if (!(count >= 0 && count <= n && Number.isInteger(count))) throw new RangeError(`sampleElements: count ${count} is not in [0, ${n}]`);
  const out = (opts.out ?? new (w.constructor as new (n: number) => T)(n)) as T;
  if (out.length < n || out === w) throw new RangeError(`sampleElements: out must be a separate array of at least ${n} entries`);
  if (n <= (opts.bucketAbove ?? SHUFFLE_BUCKET_ABOVE)) {
    shuffleElements(w, seed, { ...opts, out: out.subarray(0, n) });
    return out;
  }
  const L = opts.bucketBits ?? SHUFFLE_BUCKET_BITS;
  if (L !== 8 || !onePass8(w, out, seed, count)) bucketShuffle(w, out, seed, count, L);
  return out;
}

/** Room per bucket of the one-pass layout: the expected size plus 8 standard deviations (the binomial's). */
function bucketRoom(n: number): number {
  return Math.ceil(n / 256 + 8 * Math.sqrt(n / 256) + 8);
}

/**
 * Entries an `out` of sampleElements needs for its one-pass form (256 buckets of bucketRoom(n), about 1.08·n
 * at 2.4 M entries; n where the plain Fisher–Yates runs, at most `bucketAbove` entries); a smaller `out`
 * (≥ n) gets the two-pass form, with the same result.
 */
export function sampleScratchSize(n: number, bucketAbove = SHUFFLE_BUCKET_ABOVE): number {
  return n <= bucketAbove ? n : Math.max(n, 256 * bucketRoom(n));
}

/**
 * sampleElements' bucketed form in one pass over the entries (L = 8): each entry goes straight to its
 * bucket's slot in a region of bucketRoom(n) places per bucket, the buckets holding places [0, count) are
 * then moved together (copyWithin, lowest first: a bucket never moves up) and Fisher–Yates-shuffled. The
 * same buckets in the same order as the two passes lay out, so the same result. In WebAssembly (when built)
 * the pass runs chunk by chunk through an L2-sized stage and keeps only the first B = ⌈256·count/n⌉ + 2
 * buckets — in expectation n/128 places more than `count`, over 16 standard deviations above 2²⁰ entries
 * — so it writes about count entries rather than n. False (nothing usable written) when a bucket outgrows
 * its room — 8 standard deviations, never seen — or the B buckets hold fewer than `count` places, and the
 * caller uses two passes.
 */
function onePass8(w: Float32Array | Float64Array, out: Float32Array | Float64Array, seed: number, count: number): boolean {
  const n = w.length;
  const room = bucketRoom(n);
  const inWasm = wasmScatter ?? wasmOn();
  const B = inWasm ? Math.min(256, Math.ceil((256 * count) / n) + 2) : 256;
  if (out.length < B * room) return false;
  const next = new Int32Array(256);
  for (let b = 0; b < 256; b++) next[b] = b * room;
  const a0 = seed >>> 0;
  if (inWasm) {
    if (timed('scatter', () => scatterBucketsWasm(w, out, next, room, B, a0)) == null) return false;
  } else scatter8(w, out, next, a0);
  const start = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) {
    const size = next[b] - b * room;
    if (size > room) return false;
    start[b + 1] = start[b] + size;
  }
  if (start[B] < count) return false;
  let a = skipDraws(a0, Math.ceil(n / 4));
  for (let b = 0; b < B && start[b] < count; b++) {
    if (b > 0) out.copyWithin(start[b], b * room, b * room + start[b + 1] - start[b]);
    a = fisherYates(out, start[b], start[b + 1], a);
  }
  return true;
}

/**
 * The bucketed shuffle of w into out, complete up to place `keep`: pass 1 counts the labels, pass 2 draws
 * them again and lays every entry out in its bucket, pass 3 shuffles the buckets that hold places
 * [0, keep). Each pass is its own small function, which V8 optimizes far better than one large one.
 */
function bucketShuffle(w: Float32Array | Float64Array, out: Float32Array | Float64Array, seed: number, keep: number, L: number): void {
  const n = w.length;
  if (!(L >= 1 && L <= 16 && Number.isInteger(L))) throw new RangeError(`shuffleElements: bucketBits ${L} is not in 1…16`);
  const a0 = seed >>> 0;
  const start = L === 8 ? bucketSizes8(n, a0) : bucketSizes(n, a0, L);
  const B = 1 << L;
  for (let b = 0; b < B; b++) start[b + 1] += start[b];
  if (L === 8) scatter8(w, out, start.slice(0, 256), a0);
  else scatter(w, out, start, a0, L);
  // pass 3: Fisher–Yates inside each bucket holding a place below `keep`, continuing the sequence
  // after pass 1's ⌈n/P⌉ draws
  let a = skipDraws(a0, Math.ceil(n / Math.floor(32 / L)));
  for (let b = 0; b < B && start[b] < keep; b++) a = fisherYates(out, start[b], start[b + 1], a);
}

/** Pass 1 for L = 8: bucket sizes at start[b + 1], four labels a draw (kept an int32: V8 stays in small integers). */
function bucketSizes8(n: number, a: number): Int32Array {
  const start = new Int32Array(257);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a = (a + 0x6d2b79f5) | 0;
    let t = mix32(a);
    start[(t & 255) + 1]++;
    start[((t >>> 8) & 255) + 1]++;
    start[((t >>> 16) & 255) + 1]++;
    start[(t >>> 24) + 1]++;
  }
  if (i < n) {
    a = (a + 0x6d2b79f5) | 0;
    let t = mix32(a);
    for (; i < n; i++, t >>>= 8) start[(t & 255) + 1]++;
  }
  return start;
}

/** Pass 1 for any L. */
function bucketSizes(n: number, a: number, L: number): Int32Array {
  const B = 1 << L;
  const mask = B - 1;
  const P = Math.floor(32 / L);
  const start = new Int32Array(B + 1);
  for (let i = 0; i < n; i += P) {
    a = (a + 0x6d2b79f5) | 0;
    let t = mix32(a);
    const m = Math.min(P, n - i);
    for (let j = 0; j < m; j++) start[((t >>> (L * j)) & mask) + 1]++;
  }
  return start;
}

/**
 * Pass 2 for L = 8 (and the one pass of onePass8): the same draws again, each entry to out[next[its
 * bucket]++]. A write past the end of `out` is ignored by the typed array; onePass8 detects it after.
 */
function scatter8(w: Float32Array | Float64Array, out: Float32Array | Float64Array, next: Int32Array, a: number): void {
  const n = w.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a = (a + 0x6d2b79f5) | 0;
    let t = mix32(a);
    out[next[t & 255]++] = w[i];
    out[next[(t >>> 8) & 255]++] = w[i + 1];
    out[next[(t >>> 16) & 255]++] = w[i + 2];
    out[next[t >>> 24]++] = w[i + 3];
  }
  if (i < n) {
    a = (a + 0x6d2b79f5) | 0;
    let t = mix32(a);
    for (; i < n; i++, t >>>= 8) out[next[t & 255]++] = w[i];
  }
}

/** Pass 2 for any L. */
function scatter(w: Float32Array | Float64Array, out: Float32Array | Float64Array, start: Int32Array, a: number, L: number): void {
  const n = w.length;
  const B = 1 << L;
  const mask = B - 1;
  const P = Math.floor(32 / L);
  const next = start.slice(0, B);
  for (let i = 0; i < n; i += P) {
    a = (a + 0x6d2b79f5) | 0;
    let t = mix32(a);
    const m = Math.min(P, n - i);
    for (let j = 0; j < m; j++) out[next[(t >>> (L * j)) & mask]++] = w[i + j];
  }
}

/** mulberry32 state `a` after `draws` more draws (only the state's step matters for that). */
function skipDraws(a: number, draws: number): number {
  return (a + Math.imul(draws, 0x6d2b79f5)) | 0;
}

let wasm: boolean | undefined;
let wasmScatter: boolean | undefined;

/** Tests: force the TypeScript Fisher–Yates and scatter (false), WebAssembly (true), or decide by whether it is built (undefined). */
export function useWasmShuffle(on: boolean | undefined): void {
  wasm = on;
  wasmScatter = on;
}

/** Whether the WebAssembly kernels run here: as forced by useWasmShuffle, else whether the module is built. */
function wasmOn(): boolean {
  if (wasm === undefined) wasm = wasmAvailable();
  return wasm;
}

/** Benchmarks: the scatter alone in TypeScript (false: the code path before the WebAssembly one) or as useWasmShuffle decides (undefined). */
export function useWasmScatter(on: false | undefined): void {
  wasmScatter = on;
}

/** Fisher–Yates on out[from, to) with mulberry32 state `a`; returns the state after the last draw. In WebAssembly when it is built (the same permutation). */
function fisherYates(out: Float32Array | Float64Array, from: number, to: number, a: number): number {
  if (to - from < 2) return a;
  return wasmOn() ? fisherYatesWasm(out, from, to, a) : fisherYatesJs(out, from, to, a);
}

function fisherYatesJs(out: Float32Array | Float64Array, from: number, to: number, a: number): number {
  for (let i = to - from - 1; i >= 1; i--) {
    a = (a + 0x6d2b79f5) | 0;
    const j = from + Math.floor(((mix32(a) >>> 0) / 4294967296) * (i + 1));
    const x = out[from + i];
    out[from + i] = out[j];
    out[j] = x;
  }
  return a;
}
