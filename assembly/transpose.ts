// Out-of-place transpose of a rows×cols row-major matrix of f32 or f64 (out: cols×rows), for the Gram of
// a tall W (kernels/gram.ts feeds onnxruntime X = Wᵀ chunk by chunk; onnxruntime's own Transpose runs at
// ~2.5 ns an entry on this machine class). 32×32 tiles, so a tile's rows and columns stay in L1; inside a
// tile, f32 moves as 4×4 blocks of SIMD registers (two rounds of shuffles), f64 as 2×2 blocks. Edges that
// do not fill a block are moved one entry at a time.

const TILE: i32 = 32;

// @ts-ignore: decorator
@inline
function block4(src: usize, rowBytes: usize, dst: usize, colBytes: usize): void {
  const v0 = v128.load(src);
  const v1 = v128.load(src + rowBytes);
  const v2 = v128.load(src + 2 * rowBytes);
  const v3 = v128.load(src + 3 * rowBytes);
  const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + colBytes, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * colBytes, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * colBytes, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline
function block2(src: usize, rowBytes: usize, dst: usize, colBytes: usize): void {
  const v0 = v128.load(src);
  const v1 = v128.load(src + rowBytes);
  v128.store(dst, v128.shuffle<f64>(v0, v1, 0, 2));
  v128.store(dst + colBytes, v128.shuffle<f64>(v0, v1, 1, 3));
}

// @ts-ignore: decorator
@inline
function transposeT<T>(inOff: usize, rows: i32, cols: i32, outOff: usize): void {
  const S = <usize>sizeof<T>();
  const B: i32 = S == 4 ? 4 : 2;
  const rowBytes = <usize>cols * S;
  const colBytes = <usize>rows * S;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = min(cols, j0 + TILE);
      let i = i0;
      for (; i + B <= i1; i += B) {
        let j = j0;
        for (; j + B <= j1; j += B) {
          const src = inOff + (<usize>i * <usize>cols + <usize>j) * S;
          const dst = outOff + (<usize>j * <usize>rows + <usize>i) * S;
          if (S == 4) block4(src, rowBytes, dst, colBytes);
          else block2(src, rowBytes, dst, colBytes);
        }
        for (; j < j1; j++) {
          for (let r = i; r < i + B; r++) store<T>(outOff + (<usize>j * <usize>rows + <usize>r) * S, load<T>(inOff + (<usize>r * <usize>cols + <usize>j) * S));
        }
      }
      for (; i < i1; i++) {
        for (let j = j0; j < j1; j++) store<T>(outOff + (<usize>j * <usize>rows + <usize>i) * S, load<T>(inOff + (<usize>i * <usize>cols + <usize>j) * S));
      }
    }
  }
}

export function transpose32(inOff: usize, rows: i32, cols: i32, outOff: usize): void {
  transposeT<f32>(inOff, rows, cols, outOff);
}

export function transpose64(inOff: usize, rows: i32, cols: i32, outOff: usize): void {
  transposeT<f64>(inOff, rows, cols, outOff);
}
