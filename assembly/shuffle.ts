// Fisher–Yates over a slice of float32 or float64 entries at byte offset `off`, with the mulberry32 state
// `a` (src/engine/kernels/random.ts documents both; the same draws and swaps as its TypeScript loop, so
// the permutation is identical). Returns the state after the last draw. The slice is one bucket of the
// bucketed shuffle (L2-sized) or a whole matrix of up to 2²⁰ entries.

// @ts-ignore: decorator
@inline
function draw(a: u32): u32 {
  let t: u32 = (a ^ (a >>> 15)) * (1 | a);
  t = (t + (t ^ (t >>> 7)) * (61 | t)) ^ t;
  return t ^ (t >>> 14);
}

// @ts-ignore: decorator
@inline
function fisherYates<T>(off: usize, len: i32, a: u32): u32 {
  for (let i = len - 1; i >= 1; i--) {
    a += 0x6d2b79f5;
    // ⌊u·(i+1)⌋ with u = t/2³², exactly (t·(i+1) < 2⁵³): the high half of the 64-bit product
    const j = <usize>((<u64>draw(a) * <u64>(i + 1)) >>> 32);
    const pi = off + <usize>i * sizeof<T>();
    const pj = off + j * sizeof<T>();
    const x = load<T>(pi);
    store<T>(pi, load<T>(pj));
    store<T>(pj, x);
  }
  return a;
}

export function fisherYates32(off: usize, len: i32, a: u32): u32 {
  return fisherYates<f32>(off, len, a);
}

export function fisherYates64(off: usize, len: i32, a: u32): u32 {
  return fisherYates<f64>(off, len, a);
}
