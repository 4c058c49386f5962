// z = Wᵀ(W·x) for a row-major rows×cols matrix W, without forming WᵀW: the operator Lanczos iterates.
// One pass over W: for each pair of rows r, y_r = w_r·x and then z += y_r·w_r while the rows are still
// in cache.
// Vectors and all arithmetic are f64 (f64x2); f32 weights are widened exactly, so the result is the
// operator of the stored weights up to f64 rounding.

/** Weights c…c+3 of a row as two f64x2 (lanes 0–1 in lo, 2–3 in hi); f32 storage is widened exactly. */
@inline
function lo<TW>(at: usize): v128 {
  return sizeof<TW>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(at)) : v128.load(at);
}
@inline
function hi<TW>(at: usize): v128 {
  return sizeof<TW>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(at + 8)) : v128.load(at + 16);
}

/** y_r = w_r·x for one row (f64 accumulation). */
@inline
function rowDot<TW>(row: usize, C: usize, x: usize): f64 {
  const SW = sizeof<TW>();
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let c: usize = 0;
  for (; c + 4 <= C; c += 4) {
    a0 = f64x2.add(a0, f64x2.mul(lo<TW>(row + c * SW), v128.load(x + c * 8)));
    a1 = f64x2.add(a1, f64x2.mul(hi<TW>(row + c * SW), v128.load(x + c * 8 + 16)));
  }
  let y = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1) + f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  for (; c < C; c++) y += <f64>load<TW>(row + c * SW) * load<f64>(x + c * 8);
  return y;
}

function normalApply<TW>(w: usize, rows: i32, cols: i32, x: usize, z: usize): void {
  const SW = sizeof<TW>();
  const C = <usize>cols;
  const R = <usize>rows;
  memory.fill(z, 0, C * 8);
  let r: usize = 0;
  // two rows at a time: x and z are loaded (and z stored) once for both
  for (; r + 2 <= R; r += 2) {
    const row0 = w + r * C * SW;
    const row1 = row0 + C * SW;
    let a0 = f64x2.splat(0), b0 = f64x2.splat(0);
    let a1 = f64x2.splat(0), b1 = f64x2.splat(0);
    let c: usize = 0;
    for (; c + 4 <= C; c += 4) {
      const xa = v128.load(x + c * 8);
      const xb = v128.load(x + c * 8 + 16);
      a0 = f64x2.add(a0, f64x2.mul(lo<TW>(row0 + c * SW), xa));
      b0 = f64x2.add(b0, f64x2.mul(hi<TW>(row0 + c * SW), xb));
      a1 = f64x2.add(a1, f64x2.mul(lo<TW>(row1 + c * SW), xa));
      b1 = f64x2.add(b1, f64x2.mul(hi<TW>(row1 + c * SW), xb));
    }
    let y0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1) + f64x2.extract_lane(b0, 0) + f64x2.extract_lane(b0, 1);
    let y1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1) + f64x2.extract_lane(b1, 0) + f64x2.extract_lane(b1, 1);
    for (let t = c; t < C; t++) {
      y0 += <f64>load<TW>(row0 + t * SW) * load<f64>(x + t * 8);
      y1 += <f64>load<TW>(row1 + t * SW) * load<f64>(x + t * 8);
    }
    if (y0 == 0 && y1 == 0) continue;
    const s0 = f64x2.splat(y0);
    const s1 = f64x2.splat(y1);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      const za = z + c * 8;
      v128.store(za, f64x2.add(v128.load(za), f64x2.add(f64x2.mul(lo<TW>(row0 + c * SW), s0), f64x2.mul(lo<TW>(row1 + c * SW), s1))));
      v128.store(za + 16, f64x2.add(v128.load(za + 16), f64x2.add(f64x2.mul(hi<TW>(row0 + c * SW), s0), f64x2.mul(hi<TW>(row1 + c * SW), s1))));
    }
    for (; c < C; c++) store<f64>(z + c * 8, load<f64>(z + c * 8) + <f64>load<TW>(row0 + c * SW) * y0 + <f64>load<TW>(row1 + c * SW) * y1);
  }
  if (r < R) {
    const row = w + r * C * SW;
    const y = rowDot<TW>(row, C, x);
    if (y != 0) {
      const sy = f64x2.splat(y);
      let c: usize = 0;
      for (; c + 4 <= C; c += 4) {
        v128.store(z + c * 8, f64x2.add(v128.load(z + c * 8), f64x2.mul(lo<TW>(row + c * SW), sy)));
        v128.store(z + c * 8 + 16, f64x2.add(v128.load(z + c * 8 + 16), f64x2.mul(hi<TW>(row + c * SW), sy)));
      }
      for (; c < C; c++) store<f64>(z + c * 8, load<f64>(z + c * 8) + <f64>load<TW>(row + c * SW) * y);
    }
  }
}

/** f32 weights. */
export function normalApply32(w: usize, rows: i32, cols: i32, x: usize, z: usize): void {
  normalApply<f32>(w, rows, cols, x, z);
}

/** f64 weights. */
export function normalApply64(w: usize, rows: i32, cols: i32, x: usize, z: usize): void {
  normalApply<f64>(w, rows, cols, x, z);
}
