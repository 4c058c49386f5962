// Gram matrix of the short side of W in WebAssembly SIMD: the fallback for platforms without
// onnxruntime-node (darwin-x64) and the solver for the small real embeddings of conv spectra.
//
// G = X·Xᵀ (k×k, f64, full symmetric) with X = W (k = rows ≤ cols) or X = Wᵀ (k = cols < rows). The
// inner dimension is processed in chunks of `ch` elements: each chunk of X is first copied (transposed
// when X = Wᵀ) into a contiguous, zero-padded panel of kp×ch elements (kp = k rounded up to 4 rows), so
// the micro-kernel runs without edge cases on unit-stride rows; the panel stays in cache while every
// 4×2 block of the lower triangle of G is accumulated from it (8 SIMD accumulators, 6 loads per step).
// Products are summed in the panel type within a chunk, and chunk sums in f64.

@inline
function hsum<T>(x: v128): f64 {
  if (sizeof<T>() == 4) {
    return <f64>v128.extract_lane<T>(x, 0) + <f64>v128.extract_lane<T>(x, 1) + <f64>v128.extract_lane<T>(x, 2) + <f64>v128.extract_lane<T>(x, 3);
  }
  return <f64>v128.extract_lane<T>(x, 0) + <f64>v128.extract_lane<T>(x, 1);
}

@inline
function addTo(g: usize, k: usize, i: usize, j: usize, x: f64): void {
  if (i < k && j <= i) {
    const at = g + (i * k + j) * 8;
    store<f64>(at, load<f64>(at) + x);
  }
}

/** Copies chunk [c0, c0+cl) of X (as T, zero-padded to kp×ch) into the panel. TW: storage type of W. */
@inline
function fillPanel<TW, T>(w: usize, rows: usize, cols: usize, trans: bool, c0: usize, cl: usize, panel: usize, kp: usize, ch: usize): void {
  const SW = sizeof<TW>();
  const S = sizeof<T>();
  memory.fill(panel, 0, kp * ch * S);
  if (!trans) {
    // X = W: panel row r = W[r, c0 … c0+cl)
    for (let r: usize = 0; r < rows; r++) {
      const src = w + (r * cols + c0) * SW;
      const dst = panel + r * ch * S;
      for (let c: usize = 0; c < cl; c++) store<T>(dst + c * S, <T>load<TW>(src + c * SW));
    }
  } else {
    // X = Wᵀ: panel row r (a column of W) gets W[c0 … c0+cl, r]; read W row by row
    for (let c: usize = 0; c < cl; c++) {
      const src = w + (c0 + c) * cols * SW;
      const dst = panel + c * S;
      for (let r: usize = 0; r < cols; r++) store<T>(dst + r * ch * S, <T>load<TW>(src + r * SW));
    }
  }
}

/** G[i0…i0+3, j0…j0+1] += panel rows i · panel rows j over ch elements (lower triangle entries only). */
@inline
function block4x2<T>(panel: usize, ch: usize, i0: usize, j0: usize, g: usize, k: usize): void {
  const S = sizeof<T>();
  const LANES = <usize>(16 / S);
  const r0 = panel + i0 * ch * S;
  const r1 = r0 + ch * S;
  const r2 = r1 + ch * S;
  const r3 = r2 + ch * S;
  const q0 = panel + j0 * ch * S;
  const q1 = q0 + ch * S;
  let a00 = v128.splat<T>(0), a01 = v128.splat<T>(0);
  let a10 = v128.splat<T>(0), a11 = v128.splat<T>(0);
  let a20 = v128.splat<T>(0), a21 = v128.splat<T>(0);
  let a30 = v128.splat<T>(0), a31 = v128.splat<T>(0);
  for (let c: usize = 0; c < ch; c += LANES) {
    const o = c * S;
    const y0 = v128.load(q0 + o);
    const y1 = v128.load(q1 + o);
    let x = v128.load(r0 + o);
    a00 = v128.add<T>(a00, v128.mul<T>(x, y0));
    a01 = v128.add<T>(a01, v128.mul<T>(x, y1));
    x = v128.load(r1 + o);
    a10 = v128.add<T>(a10, v128.mul<T>(x, y0));
    a11 = v128.add<T>(a11, v128.mul<T>(x, y1));
    x = v128.load(r2 + o);
    a20 = v128.add<T>(a20, v128.mul<T>(x, y0));
    a21 = v128.add<T>(a21, v128.mul<T>(x, y1));
    x = v128.load(r3 + o);
    a30 = v128.add<T>(a30, v128.mul<T>(x, y0));
    a31 = v128.add<T>(a31, v128.mul<T>(x, y1));
  }
  addTo(g, k, i0, j0, hsum<T>(a00));
  addTo(g, k, i0, j0 + 1, hsum<T>(a01));
  addTo(g, k, i0 + 1, j0, hsum<T>(a10));
  addTo(g, k, i0 + 1, j0 + 1, hsum<T>(a11));
  addTo(g, k, i0 + 2, j0, hsum<T>(a20));
  addTo(g, k, i0 + 2, j0 + 1, hsum<T>(a21));
  addTo(g, k, i0 + 3, j0, hsum<T>(a30));
  addTo(g, k, i0 + 3, j0 + 1, hsum<T>(a31));
}

// The host (src/engine/kernels/wasm.ts) zeroes G, then for each chunk calls gramFill* once and gramBand*
// over bands of row blocks (many short calls, so V8 can tier up from baseline code between them), and
// finally mirrors the lower triangle.

/** Panel ← chunk [c0, c0+cl) of X (X = Wᵀ when rows > cols), f32 weights as f32. */
export function gramFill32(w: usize, rows: i32, cols: i32, c0: i32, cl: i32, panel: usize, kp: i32, ch: i32): void {
  fillPanel<f32, f32>(w, <usize>rows, <usize>cols, rows > cols, <usize>c0, <usize>cl, panel, <usize>kp, <usize>ch);
}

/** Panel ← chunk of X, f32 weights widened to f64. */
export function gramFill64from32(w: usize, rows: i32, cols: i32, c0: i32, cl: i32, panel: usize, kp: i32, ch: i32): void {
  fillPanel<f32, f64>(w, <usize>rows, <usize>cols, rows > cols, <usize>c0, <usize>cl, panel, <usize>kp, <usize>ch);
}

/** Panel ← chunk of X, f64 weights. */
export function gramFill64(w: usize, rows: i32, cols: i32, c0: i32, cl: i32, panel: usize, kp: i32, ch: i32): void {
  fillPanel<f64, f64>(w, <usize>rows, <usize>cols, rows > cols, <usize>c0, <usize>cl, panel, <usize>kp, <usize>ch);
}

/** G (k×k f64, lower triangle) += the products of panel row blocks i0 ∈ [i0From, i0To) (multiples of 4), f32. */
export function gramBand32(panel: usize, ch: i32, i0From: i32, i0To: i32, g: usize, k: i32): void {
  for (let i0 = <usize>i0From; i0 < <usize>i0To; i0 += 4) {
    for (let j0: usize = 0; j0 < i0 + 4; j0 += 2) block4x2<f32>(panel, <usize>ch, i0, j0, g, <usize>k);
  }
}

/** The same with an f64 panel. */
export function gramBand64(panel: usize, ch: i32, i0From: i32, i0To: i32, g: usize, k: i32): void {
  for (let i0 = <usize>i0From; i0 < <usize>i0To; i0 += 4) {
    for (let j0: usize = 0; j0 < i0 + 4; j0 += 2) block4x2<f64>(panel, <usize>ch, i0, j0, g, <usize>k);
  }
}
