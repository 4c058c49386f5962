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

// One chunk of the bucketed shuffle's label-and-scatter pass (L = 8, random.ts' scatter8): `len` entries
// at byte offset `inOff`, labelled by the mulberry32 draws that follow state `a` — four labels a draw, its
// little-endian bytes, the last draw's low bytes for a tail of 1–3 entries — each entry appended, in input
// order, to its bucket b's run at stage + (b·room + size[b])·sizeof<T>. The 256 sizes (i32 at `sizeOff`)
// are set here; a bucket larger than `room` keeps only its first room − 1 entries in place (its size
// still counts them all: the caller sees size > room and does not use the stage). Returns the state
// after the last draw. A chunk stays in L2 (the stage and the input), unlike a scatter into a whole
// matrix-sized buffer, whose 256 write streams miss the cache and the TLB on a large layer.

// @ts-ignore: decorator
@inline
function put<T>(b: u32, v: T, stageOff: usize, room: i32, sizeOff: usize): void {
  const ps = sizeOff + (<usize>b << 2);
  const s = load<i32>(ps);
  store<i32>(ps, s + 1);
  const at = select<i32>(s, room - 1, s < room);
  store<T>(stageOff + (<usize>(<i32>b * room + at)) * sizeof<T>(), v);
}

// @ts-ignore: decorator
@inline
function scatterChunk<T>(inOff: usize, len: i32, stageOff: usize, room: i32, sizeOff: usize, a: u32): u32 {
  memory.fill(sizeOff, 0, 1024);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    a += 0x6d2b79f5;
    const t = draw(a);
    const p = inOff + <usize>i * sizeof<T>();
    put<T>(t & 255, load<T>(p), stageOff, room, sizeOff);
    put<T>((t >>> 8) & 255, load<T>(p + sizeof<T>()), stageOff, room, sizeOff);
    put<T>((t >>> 16) & 255, load<T>(p + 2 * sizeof<T>()), stageOff, room, sizeOff);
    put<T>(t >>> 24, load<T>(p + 3 * sizeof<T>()), stageOff, room, sizeOff);
  }
  if (i < len) {
    a += 0x6d2b79f5;
    let t = draw(a);
    for (; i < len; i++, t >>>= 8) put<T>(t & 255, load<T>(inOff + <usize>i * sizeof<T>()), stageOff, room, sizeOff);
  }
  return a;
}

export function scatterChunk32(inOff: usize, len: i32, stageOff: usize, room: i32, sizeOff: usize, a: u32): u32 {
  return scatterChunk<f32>(inOff, len, stageOff, room, sizeOff, a);
}

export function scatterChunk64(inOff: usize, len: i32, stageOff: usize, room: i32, sizeOff: usize, a: u32): u32 {
  return scatterChunk<f64>(inOff, len, stageOff, room, sizeOff, a);
}
