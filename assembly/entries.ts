// One band of the per-layer entry statistics (src/engine/metrics/shared.ts entryStats) over float32
// entries: `nRows` stored rows of C entries at byte offset `inOff`. Mode 0: the sum of squares of each
// stored row goes to acc[row] (f64, at accOff; the caller offsets accOff by the band's first row); mode 1:
// each stored column's sum of squares is added to acc[column] (C entries). Both modes add Σ|w| to
// out[0] (f64) and raise max |w| in out[1] (f64). Squares and sums in float64 (each f32 widened first),
// with two f64x2 accumulators per sum. Non-finite entries make the sums NaN/Inf; the caller then counts
// them itself.

// @ts-ignore: decorator
@inline
function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

export function entryStatsBand32(inOff: usize, nRows: i32, C: i32, mode: i32, accOff: usize, outOff: usize): void {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let m = f32x4.splat(0);
  let mTail: f32 = 0;
  let aTail: f64 = 0;
  const C4 = C & ~3;
  for (let r = 0; r < nRows; r++) {
    const row = inOff + (<usize>r * <usize>C) * 4;
    if (mode == 0) {
      let s0 = f64x2.splat(0);
      let s1 = f64x2.splat(0);
      for (let c = 0; c < C4; c += 4) {
        const v = v128.load(row + (<usize>c << 2));
        const l = lo(v);
        const h = hi(v);
        s0 = f64x2.add(s0, f64x2.mul(l, l));
        s1 = f64x2.add(s1, f64x2.mul(h, h));
        a0 = f64x2.add(a0, f64x2.abs(l));
        a1 = f64x2.add(a1, f64x2.abs(h));
        m = f32x4.pmax(m, f32x4.abs(v));
      }
      const s = f64x2.add(s0, s1);
      let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      for (let c = C4; c < C; c++) {
        const x = <f64>load<f32>(row + (<usize>c << 2));
        t += x * x;
        aTail += abs(x);
        mTail = max(mTail, <f32>abs(x));
      }
      store<f64>(accOff + (<usize>r << 3), t);
    } else {
      for (let c = 0; c < C4; c += 4) {
        const v = v128.load(row + (<usize>c << 2));
        const l = lo(v);
        const h = hi(v);
        const p = accOff + (<usize>c << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.mul(l, l)));
        v128.store(p + 16, f64x2.add(v128.load(p + 16), f64x2.mul(h, h)));
        a0 = f64x2.add(a0, f64x2.abs(l));
        a1 = f64x2.add(a1, f64x2.abs(h));
        m = f32x4.pmax(m, f32x4.abs(v));
      }
      for (let c = C4; c < C; c++) {
        const x = <f64>load<f32>(row + (<usize>c << 2));
        const p = accOff + (<usize>c << 3);
        store<f64>(p, load<f64>(p) + x * x);
        aTail += abs(x);
        mTail = max(mTail, <f32>abs(x));
      }
    }
  }
  const a = f64x2.add(a0, a1);
  store<f64>(outOff, load<f64>(outOff) + f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + aTail);
  const mm = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)), mTail));
  store<f64>(outOff + 8, max(load<f64>(outOff + 8), <f64>mm));
}
