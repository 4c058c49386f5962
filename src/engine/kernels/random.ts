// Seeded randomness shared by every kernel, documented so a Python reference can replicate it exactly.
//
// mulberry32 (Tommy Ettinger's 32-bit generator), state a = seed >>> 0, each draw:
//   a = (a + 0x6D2B79F5) | 0;
//   t = Math.imul(a ^ (a >>> 15), 1 | a);
//   t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
//   return ((t ^ (t >>> 14)) >>> 0) / 2³²            (uniform in [0, 1))
// In Python with 32-bit wrap-around (& 0xFFFFFFFF after every + and *; >>> is >> on the unsigned value;
// `| 0` and `>>> 0` only reinterpret the same 32 bits).

/** mulberry32: a 32-bit PRNG; returns uniform numbers in [0, 1) as next() / 2³². */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      u1 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    } while (u1 === 0);
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const u2 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}

/** Above this many entries shuffleElements() permutes by buckets (Rao–Sandelius) instead of plain Fisher–Yates. */
export const SHUFFLE_BUCKET_ABOVE = 1 << 20;
/** Entries per bucket of the bucketed shuffle (on average): 512 KiB of float32, L2-resident; few enough buckets (≤ 300 for 38 M entries) that the scatter pass stays within the TLB. */
export const SHUFFLE_BUCKET_SIZE = 1 << 17;

export interface ShuffleOptions {
  /** Plain Fisher–Yates up to this many entries (default SHUFFLE_BUCKET_ABOVE). */
  bucketAbove?: number;
  /** Average bucket size of the bucketed shuffle (default SHUFFLE_BUCKET_SIZE). */
  bucketSize?: number;
  /** Write the permuted entries here (same length as `w`, not `w` itself) instead of a new array. */
  out?: Float32Array | Float64Array;
  /**
   * Room for the bucket labels (≥ n entries) of the bucketed shuffle: the second pass then reads each
   * entry's label instead of drawing it again (the same permutation, ~1.5× faster on 2.4 M entries).
   */
  labels?: Uint16Array;
}

/**
 * A copy of `w` with its entries permuted uniformly at random, reproducibly from `seed` (mulberry32
 * draws u ∈ [0, 1)); the randomization check (Martin & Mahoney) compares the ESD of W with that of
 * this shuffled copy. Exactly:
 *   n ≤ bucketAbove (2²⁰): Fisher–Yates — for i = n−1 down to 1, j = ⌊u·(i+1)⌋, swap out[i] and out[j].
 *   n > bucketAbove: Rao–Sandelius (Rao 1961; Sandelius 1962) with B = ⌈n / bucketSize⌉ buckets —
 *     the first n draws label entry i (in order) with bucket ⌊u·B⌋; the entries are laid out bucket by
 *     bucket, each bucket keeping input order; then, bucket 0 first, each bucket's slice is
 *     Fisher–Yates-shuffled as above with the draws that follow.
 * Both give a uniformly random permutation (independent uniform labels, then a uniform shuffle within
 * each bucket). The bucketed form touches memory only sequentially or within one L2-sized bucket: plain
 * Fisher–Yates on a 50257×768 embedding misses the cache on every swap (~5 s on this machine class).
 */
export function shuffleElements<T extends Float32Array | Float64Array>(w: T, seed: number, opts: ShuffleOptions = {}): T {
  const n = w.length;
  const out = (opts.out ?? new (w.constructor as new (n: number) => T)(n)) as T;
  if (out.length !== n || out === w) throw new RangeError(`shuffleElements: out must be a separate array of ${n} entries`);
  // mulberry32 inlined below (the same sequence as mulberry32(seed)): these loops run once per weight
  let a = seed >>> 0;
  if (n <= (opts.bucketAbove ?? SHUFFLE_BUCKET_ABOVE)) {
    out.set(w);
    fisherYates(out, 0, n, a);
    return out;
  }
  const B = Math.ceil(n / (opts.bucketSize ?? SHUFFLE_BUCKET_SIZE));
  const start = new Int32Array(B + 1);
  const labels = opts.labels && opts.labels.length >= n && B <= 65536 ? opts.labels : null;
  // pass 1: bucket sizes (and, given room for them, each entry's bucket label, kept)
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const b = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * B);
    if (labels) labels[i] = b;
    start[b + 1]++;
  }
  for (let b = 0; b < B; b++) start[b + 1] += start[b];
  // pass 2: each entry to the next free place of its bucket (its kept label, or the same draw again)
  const next = start.slice(0, B);
  if (labels) {
    for (let i = 0; i < n; i++) out[next[labels[i]]++] = w[i];
  } else {
    a = seed >>> 0;
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      out[next[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * B)]++] = w[i];
    }
  }
  // pass 3: Fisher–Yates inside each bucket, continuing the sequence
  for (let b = 0; b < B; b++) a = fisherYates(out, start[b], start[b + 1], a);
  return out;
}

/** Fisher–Yates on out[from, to) with mulberry32 state `a`; returns the state after the last draw. */
function fisherYates(out: Float32Array | Float64Array, from: number, to: number, a: number): number {
  for (let i = to - from - 1; i >= 1; i--) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const j = from + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (i + 1));
    const x = out[from + i];
    out[from + i] = out[j];
    out[j] = x;
  }
  return a;
}
