// Householder tridiagonalization of a symmetric matrix in WebAssembly with SIMD (AssemblyScript).
// The O(n³) part of the values-only eigensolver; implicit QL on the tridiagonal stays in TypeScript.
// The matrix is row-major n×n in linear memory; only the lower triangle is read and updated, row by
// row, so every inner loop walks contiguous memory: the symmetric mat-vec p = A₂₂v (two contiguous
// updates per row) and the rank-2 update A₂₂ ← A₂₂ − v·wᵀ − w·vᵀ, 2 (f64) or 4 (f32) lanes at a time.
// Same algorithm as src/engine/kernels/eig.ts (tridiagonalize), which tests compare against.

export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** f64: a (n×n), d (n), e (n−1), v and p (n scratch) are byte offsets into memory. */
export function tridiag64(a: usize, n: i32, d: usize, e: usize, v: usize, p: usize): void {
  const N = <usize>n;
  for (let k: i32 = 0; k < n - 2; k++) {
    const K = <usize>k;
    let norm2: f64 = 0;
    for (let i = K + 1; i < N; i++) {
      const x = load<f64>(a + (i * N + K) * 8);
      norm2 += x * x;
    }
    const x0 = load<f64>(a + ((K + 1) * N + K) * 8);
    store<f64>(d + K * 8, load<f64>(a + (K * N + K) * 8));
    if (norm2 == 0 || norm2 - x0 * x0 == 0) {
      store<f64>(e + K * 8, x0);
      continue;
    }
    const norm = Math.sqrt(norm2);
    const alpha = x0 > 0 ? -norm : norm;
    let vn: f64 = 0;
    for (let i = K + 1; i < N; i++) {
      let x = load<f64>(a + (i * N + K) * 8);
      if (i == K + 1) x -= alpha;
      store<f64>(v + i * 8, x);
      vn += x * x;
    }
    vn = Math.sqrt(vn);
    for (let i = K + 1; i < N; i++) {
      store<f64>(v + i * 8, load<f64>(v + i * 8) / vn);
      store<f64>(p + i * 8, 0);
    }
    // p = A22 v from the lower triangle: row i contributes Σ_j a_ij v_j to p_i and a_ij v_i to p_j (j < i)
    for (let i = K + 1; i < N; i++) {
      const vi = load<f64>(v + i * 8);
      const row = a + i * N * 8;
      const vvi = f64x2.splat(vi);
      let acc = f64x2.splat(0);
      let j = K + 1;
      for (; j + 1 < i; j += 2) {
        const aij = v128.load(row + j * 8);
        acc = f64x2.add(acc, f64x2.mul(aij, v128.load(v + j * 8)));
        v128.store(p + j * 8, f64x2.add(v128.load(p + j * 8), f64x2.mul(aij, vvi)));
      }
      let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      for (; j < i; j++) {
        const aij = load<f64>(row + j * 8);
        s += aij * load<f64>(v + j * 8);
        store<f64>(p + j * 8, load<f64>(p + j * 8) + aij * vi);
      }
      s += load<f64>(row + i * 8) * vi;
      store<f64>(p + i * 8, load<f64>(p + i * 8) + s);
    }
    let Kd: f64 = 0;
    for (let i = K + 1; i < N; i++) Kd += load<f64>(v + i * 8) * load<f64>(p + i * 8);
    for (let i = K + 1; i < N; i++) store<f64>(p + i * 8, 2 * load<f64>(p + i * 8) - 2 * Kd * load<f64>(v + i * 8));
    // A22 ← A22 − v wᵀ − w vᵀ on the lower triangle (w is in p)
    for (let i = K + 1; i < N; i++) {
      const vi = load<f64>(v + i * 8);
      const wi = load<f64>(p + i * 8);
      const vvi = f64x2.splat(vi);
      const vwi = f64x2.splat(wi);
      const row = a + i * N * 8;
      let j = K + 1;
      for (; j + 1 <= i; j += 2) {
        const upd = f64x2.add(f64x2.mul(vvi, v128.load(p + j * 8)), f64x2.mul(vwi, v128.load(v + j * 8)));
        v128.store(row + j * 8, f64x2.sub(v128.load(row + j * 8), upd));
      }
      for (; j <= i; j++) store<f64>(row + j * 8, load<f64>(row + j * 8) - (vi * load<f64>(p + j * 8) + wi * load<f64>(v + j * 8)));
    }
    store<f64>(e + K * 8, alpha);
  }
  if (n >= 2) {
    store<f64>(d + (N - 2) * 8, load<f64>(a + ((N - 2) * N + (N - 2)) * 8));
    store<f64>(e + (N - 2) * 8, load<f64>(a + ((N - 1) * N + (N - 2)) * 8));
  }
  if (n >= 1) store<f64>(d + (N - 1) * 8, load<f64>(a + ((N - 1) * N + (N - 1)) * 8));
}

/** f32 storage and arithmetic (4 lanes), f64 for the scalar reductions; d and e are written as f64. */
export function tridiag32(a: usize, n: i32, d: usize, e: usize, v: usize, p: usize): void {
  const N = <usize>n;
  for (let k: i32 = 0; k < n - 2; k++) {
    const K = <usize>k;
    let norm2: f64 = 0;
    for (let i = K + 1; i < N; i++) {
      const x = <f64>load<f32>(a + (i * N + K) * 4);
      norm2 += x * x;
    }
    const x0 = <f64>load<f32>(a + ((K + 1) * N + K) * 4);
    store<f64>(d + K * 8, <f64>load<f32>(a + (K * N + K) * 4));
    if (norm2 == 0 || norm2 - x0 * x0 == 0) {
      store<f64>(e + K * 8, x0);
      continue;
    }
    const norm = Math.sqrt(norm2);
    const alpha = x0 > 0 ? -norm : norm;
    let vn: f64 = 0;
    for (let i = K + 1; i < N; i++) {
      let x = <f64>load<f32>(a + (i * N + K) * 4);
      if (i == K + 1) x -= alpha;
      store<f32>(v + i * 4, <f32>x);
      vn += x * x;
    }
    vn = Math.sqrt(vn);
    for (let i = K + 1; i < N; i++) {
      store<f32>(v + i * 4, <f32>(<f64>load<f32>(v + i * 4) / vn));
      store<f32>(p + i * 4, 0);
    }
    for (let i = K + 1; i < N; i++) {
      const vi = load<f32>(v + i * 4);
      const row = a + i * N * 4;
      const vvi = f32x4.splat(vi);
      let acc = f32x4.splat(0);
      let j = K + 1;
      for (; j + 3 < i; j += 4) {
        const aij = v128.load(row + j * 4);
        acc = f32x4.add(acc, f32x4.mul(aij, v128.load(v + j * 4)));
        v128.store(p + j * 4, f32x4.add(v128.load(p + j * 4), f32x4.mul(aij, vvi)));
      }
      let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; j < i; j++) {
        const aij = load<f32>(row + j * 4);
        s += aij * load<f32>(v + j * 4);
        store<f32>(p + j * 4, load<f32>(p + j * 4) + aij * vi);
      }
      s += load<f32>(row + i * 4) * vi;
      store<f32>(p + i * 4, load<f32>(p + i * 4) + s);
    }
    let Kd: f64 = 0;
    for (let i = K + 1; i < N; i++) Kd += <f64>load<f32>(v + i * 4) * <f64>load<f32>(p + i * 4);
    for (let i = K + 1; i < N; i++) store<f32>(p + i * 4, <f32>(2 * <f64>load<f32>(p + i * 4) - 2 * Kd * <f64>load<f32>(v + i * 4)));
    for (let i = K + 1; i < N; i++) {
      const vi = load<f32>(v + i * 4);
      const wi = load<f32>(p + i * 4);
      const vvi = f32x4.splat(vi);
      const vwi = f32x4.splat(wi);
      const row = a + i * N * 4;
      let j = K + 1;
      for (; j + 3 <= i; j += 4) {
        const upd = f32x4.add(f32x4.mul(vvi, v128.load(p + j * 4)), f32x4.mul(vwi, v128.load(v + j * 4)));
        v128.store(row + j * 4, f32x4.sub(v128.load(row + j * 4), upd));
      }
      for (; j <= i; j++) store<f32>(row + j * 4, load<f32>(row + j * 4) - (vi * load<f32>(p + j * 4) + wi * load<f32>(v + j * 4)));
    }
    store<f64>(e + K * 8, alpha);
  }
  if (n >= 2) {
    store<f64>(d + (N - 2) * 8, <f64>load<f32>(a + ((N - 2) * N + (N - 2)) * 4));
    store<f64>(e + (N - 2) * 8, <f64>load<f32>(a + ((N - 1) * N + (N - 2)) * 4));
  }
  if (n >= 1) store<f64>(d + (N - 1) * 8, <f64>load<f32>(a + ((N - 1) * N + (N - 1)) * 4));
}
