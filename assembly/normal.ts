// z = Wᵀ(W·x) for a row-major rows×cols matrix W, without forming WᵀW: the operator Lanczos iterates.
// One pass over W: for each row r, y_r = w_r·x and then z += y_r·w_r while the row is still in cache.
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

function normalApply<TW>(w: usize, rows: i32, cols: i32, x: usize, z: usize): void {
  const SW = sizeof<TW>();
  const C = <usize>cols;
  memory.fill(z, 0, C * 8);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const row = w + r * C * SW;
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    let c: usize = 0;
    for (; c + 4 <= C; c += 4) {
      acc0 = f64x2.add(acc0, f64x2.mul(lo<TW>(row + c * SW), v128.load(x + c * 8)));
      acc1 = f64x2.add(acc1, f64x2.mul(hi<TW>(row + c * SW), v128.load(x + c * 8 + 16)));
    }
    let y = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1) + f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
    for (; c < C; c++) y += <f64>load<TW>(row + c * SW) * load<f64>(x + c * 8);
    if (y == 0) continue;
    const vy = f64x2.splat(y);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      v128.store(z + c * 8, f64x2.add(v128.load(z + c * 8), f64x2.mul(lo<TW>(row + c * SW), vy)));
      v128.store(z + c * 8 + 16, f64x2.add(v128.load(z + c * 8 + 16), f64x2.mul(hi<TW>(row + c * SW), vy)));
    }
    for (; c < C; c++) store<f64>(z + c * 8, load<f64>(z + c * 8) + <f64>load<TW>(row + c * SW) * y);
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
