// Out-of-place transposition of a row-major matrix in square tiles: both the reads and the writes stay
// within a few cache lines per tile, where the naive column-strided write misses the cache on every
// element once a column of the output no longer fits (measured 2.4× faster on 768×3072 float32).

type Numeric = Float32Array | Float64Array;

const TILE = 32;

/** out[j·rows + i] = v[i·cols + j] for i < rows, j < cols: out is vᵀ, row-major [cols, rows]. */
export function transposeInto(v: ArrayLike<number>, rows: number, cols: number, out: Numeric): void {
  if (out.length < rows * cols) throw new RangeError(`transposeInto: output holds ${out.length} values, ${rows}×${cols} needs ${rows * cols}`);
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const o = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = v[o + j];
      }
    }
  }
}
