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
 * A copy of `w` with its entries permuted by Fisher–Yates: for i = len−1 down to 1, u = the next
 * mulberry32(seed) draw (in [0, 1)), j = ⌊u·(i+1)⌋, swap out[i] and out[j]. The randomization check
 * (Martin & Mahoney) compares the ESD of W with that of this shuffled copy.
 */
export function shuffleElements<T extends Float32Array | Float64Array>(w: T, seed: number): T {
  const out = w.slice() as T;
  // mulberry32 inlined (the same sequence as mulberry32(seed)): this loop runs once per weight
  let a = seed >>> 0;
  for (let i = out.length - 1; i >= 1; i--) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (i + 1));
    const x = out[i];
    out[i] = out[j];
    out[j] = x;
  }
  return out;
}
