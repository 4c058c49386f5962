// Householder reduction of a real symmetric matrix to tridiagonal form, values only (EISPACK tred1 /
// LAPACK sytd2 without Q), in WebAssembly SIMD: f32x4 for f32 storage, f64x2 for f64 storage.
//
// The matrix is row-major n×n in linear memory and only its lower triangle is read and written, row by
// row, so every inner loop walks contiguous memory. Step k reflects column k with H = I − 2vvᵀ (‖v‖ = 1)
// and would update the trailing block A ← HAH = A − v·wᵀ − w·vᵀ with p = Av, w = 2p − 2(vᵀp)v. The
// update is left pending and fused with the next step's matrix–vector product: one pass over the lower
// triangle applies the pending rank-2 update of step k−1 to each entry and immediately uses the updated
// entry for p = A·v_k (row i adds a_ij·v_j to p_i and a_ij·v_i to p_j for j < i). Before the pass, only
// column k is updated separately (O(n)) to build v_k. So the matrix is streamed once per step instead of
// twice — the reduction is memory-bound once n² no longer fits the caches.
// Scalar reductions (norms, vᵀp) are accumulated in f64; d and e are written as f64.

/** Column k of the trailing block with the pending update applied: a_ik ← a_ik − (vp_i·wp_k + wp_i·vp_k), i ≥ k. */
@inline
function updateColumn<T>(a: usize, N: usize, K: usize, vp: usize, wp: usize): void {
  const S = sizeof<T>();
  const vpk = load<T>(vp + K * S);
  const wpk = load<T>(wp + K * S);
  for (let i = K; i < N; i++) {
    const at = a + (i * N + K) * S;
    store<T>(at, load<T>(at) - (load<T>(vp + i * S) * wpk + load<T>(wp + i * S) * vpk));
  }
}

@inline
function hsum<T>(x: v128): f64 {
  if (sizeof<T>() == 4) {
    return <f64>v128.extract_lane<T>(x, 0) + <f64>v128.extract_lane<T>(x, 1) + <f64>v128.extract_lane<T>(x, 2) + <f64>v128.extract_lane<T>(x, 3);
  }
  return <f64>v128.extract_lane<T>(x, 0) + <f64>v128.extract_lane<T>(x, 1);
}

/** a_ij − (vp_i·wp_j + wp_i·vp_j), stored back and returned. */
@inline
function upd<T>(at: usize, vpi: T, wpi: T, vpj: T, wpj: T): T {
  const x = load<T>(at) - (vpi * wpj + wpi * vpj);
  store<T>(at, x);
  return x;
}

/**
 * One pass over rows/columns k+1…n−1 of the lower triangle: applies the pending update (vp, wp) to
 * every entry and accumulates p = A·v from the updated entries (p must be zero on entry). Rows are
 * taken in pairs so that v_j, p_j, vp_j and wp_j are loaded once for two matrix rows.
 */
@inline
function fusedPass<T>(a: usize, N: usize, K: usize, v: usize, p: usize, vp: usize, wp: usize): void {
  const S = sizeof<T>();
  const LANES = <usize>(16 / S);
  let i = K + 1;
  for (; i + 1 < N; i += 2) {
    const r0 = a + i * N * S;
    const r1 = r0 + N * S;
    const v0 = load<T>(v + i * S), v1 = load<T>(v + (i + 1) * S);
    const vp0 = load<T>(vp + i * S), vp1 = load<T>(vp + (i + 1) * S);
    const wp0 = load<T>(wp + i * S), wp1 = load<T>(wp + (i + 1) * S);
    const sv0 = v128.splat<T>(v0), sv1 = v128.splat<T>(v1);
    const svp0 = v128.splat<T>(vp0), svp1 = v128.splat<T>(vp1);
    const swp0 = v128.splat<T>(wp0), swp1 = v128.splat<T>(wp1);
    let acc0 = v128.splat<T>(0);
    let acc1 = v128.splat<T>(0);
    let j = K + 1;
    for (; j + LANES <= i; j += LANES) {
      const o = j * S;
      const vpj = v128.load(vp + o);
      const wpj = v128.load(wp + o);
      const vj = v128.load(v + o);
      const x0 = v128.sub<T>(v128.load(r0 + o), v128.add<T>(v128.mul<T>(svp0, wpj), v128.mul<T>(swp0, vpj)));
      const x1 = v128.sub<T>(v128.load(r1 + o), v128.add<T>(v128.mul<T>(svp1, wpj), v128.mul<T>(swp1, vpj)));
      v128.store(r0 + o, x0);
      v128.store(r1 + o, x1);
      acc0 = v128.add<T>(acc0, v128.mul<T>(x0, vj));
      acc1 = v128.add<T>(acc1, v128.mul<T>(x1, vj));
      v128.store(p + o, v128.add<T>(v128.load(p + o), v128.add<T>(v128.mul<T>(x0, sv0), v128.mul<T>(x1, sv1))));
    }
    let s0 = hsum<T>(acc0);
    let s1 = hsum<T>(acc1);
    for (; j < i; j++) {
      const o = j * S;
      const vpj = load<T>(vp + o), wpj = load<T>(wp + o), vj = load<T>(v + o);
      const x0 = upd<T>(r0 + o, vp0, wp0, vpj, wpj);
      const x1 = upd<T>(r1 + o, vp1, wp1, vpj, wpj);
      s0 += <f64>(x0 * vj);
      s1 += <f64>(x1 * vj);
      store<T>(p + o, load<T>(p + o) + (x0 * v0 + x1 * v1));
    }
    // the corner: a_ii, a_{i+1,i}, a_{i+1,i+1}
    const d0 = upd<T>(r0 + i * S, vp0, wp0, vp0, wp0);
    const c = upd<T>(r1 + i * S, vp1, wp1, vp0, wp0);
    const d1 = upd<T>(r1 + (i + 1) * S, vp1, wp1, vp1, wp1);
    s0 += <f64>(d0 * v0) + <f64>(c * v1);
    s1 += <f64>(c * v0) + <f64>(d1 * v1);
    store<T>(p + i * S, <T>(<f64>load<T>(p + i * S) + s0));
    store<T>(p + (i + 1) * S, <T>(<f64>load<T>(p + (i + 1) * S) + s1));
  }
  if (i < N) {
    // an odd last row
    const r0 = a + i * N * S;
    const v0 = load<T>(v + i * S), vp0 = load<T>(vp + i * S), wp0 = load<T>(wp + i * S);
    const sv0 = v128.splat<T>(v0), svp0 = v128.splat<T>(vp0), swp0 = v128.splat<T>(wp0);
    let acc0 = v128.splat<T>(0);
    let j = K + 1;
    for (; j + LANES <= i; j += LANES) {
      const o = j * S;
      const x0 = v128.sub<T>(v128.load(r0 + o), v128.add<T>(v128.mul<T>(svp0, v128.load(wp + o)), v128.mul<T>(swp0, v128.load(vp + o))));
      v128.store(r0 + o, x0);
      acc0 = v128.add<T>(acc0, v128.mul<T>(x0, v128.load(v + o)));
      v128.store(p + o, v128.add<T>(v128.load(p + o), v128.mul<T>(x0, sv0)));
    }
    let s0 = hsum<T>(acc0);
    for (; j < i; j++) {
      const o = j * S;
      const x0 = upd<T>(r0 + o, vp0, wp0, load<T>(vp + o), load<T>(wp + o));
      s0 += <f64>(x0 * load<T>(v + o));
      store<T>(p + o, load<T>(p + o) + x0 * v0);
    }
    s0 += <f64>(upd<T>(r0 + i * S, vp0, wp0, vp0, wp0) * v0);
    store<T>(p + i * S, <T>(<f64>load<T>(p + i * S) + s0));
  }
}

// State of a reduction in progress, kept in linear memory between calls (the host drives the steps,
// a few at a time, so V8 can swap Liftoff code for optimized code between calls; a single long call
// would run entirely in the baseline tier): four scratch vectors of n elements of T and a flag.
const V = 0;
const P = 4;
const VP = 8;
const WP = 12;
const PENDING = 16;

/**
 * Steps k0 … k1−1 of the reduction of the symmetric n×n matrix at `a` (lower triangle; overwritten);
 * d (n f64) gets the diagonal, e (n−1 f64) the sub-diagonal. `state` (20 bytes) holds the offsets of
 * the scratch vectors v, p, vp, wp (n elements of T each) and the pending flag; k0 = 0 initializes it.
 * When k1 ≥ n − 2 the reduction is finished (the last 2×2 block is read out).
 */
function tridiag<T>(a: usize, n: i32, d: usize, e: usize, state: usize, k0: i32, k1: i32): void {
  const S = sizeof<T>();
  const N = <usize>n;
  let v = <usize>load<u32>(state + V);
  let p = <usize>load<u32>(state + P);
  let vp = <usize>load<u32>(state + VP);
  let wp = <usize>load<u32>(state + WP);
  let pending = load<u32>(state + PENDING) != 0;
  if (k0 == 0) {
    // no update is pending before step 0: vp = wp = 0 makes the fused pass apply a zero update
    memory.fill(vp, 0, N * S);
    memory.fill(wp, 0, N * S);
    pending = false;
  }
  const kEnd = <usize>(k1 < n - 2 ? k1 : n - 2);
  for (let K = <usize>k0; K < kEnd; K++) {
    if (pending) updateColumn<T>(a, N, K, vp, wp);
    store<f64>(d + K * 8, <f64>load<T>(a + (K * N + K) * S));
    // Householder vector of x = a[k+1…n−1, k]: v ∝ x − α·e₁ with α = −sign(x₀)·‖x‖
    const x0 = <f64>load<T>(a + ((K + 1) * N + K) * S);
    let rest2: f64 = 0;
    for (let i = K + 2; i < N; i++) {
      const x = <f64>load<T>(a + (i * N + K) * S);
      rest2 += x * x;
    }
    const reflect = rest2 > 0;
    let alpha = x0;
    if (reflect) {
      const norm = Math.sqrt(x0 * x0 + rest2);
      alpha = x0 > 0 ? -norm : norm;
      const v0 = x0 - alpha;
      const vn = Math.sqrt(v0 * v0 + rest2);
      store<T>(v + (K + 1) * S, <T>(v0 / vn));
      for (let i = K + 2; i < N; i++) store<T>(v + i * S, <T>(<f64>load<T>(a + (i * N + K) * S) / vn));
    } else {
      // column already reduced: v = 0, the pass below only applies the pending update
      for (let i = K + 1; i < N; i++) store<T>(v + i * S, <T>0);
    }
    store<f64>(e + K * 8, alpha);
    if (!reflect && !pending) continue; // nothing to apply, nothing to reflect
    for (let i = K + 1; i < N; i++) store<T>(p + i * S, <T>0);
    fusedPass<T>(a, N, K, v, p, vp, wp);
    if (reflect) {
      let vtp: f64 = 0;
      for (let i = K + 1; i < N; i++) vtp += <f64>load<T>(v + i * S) * <f64>load<T>(p + i * S);
      for (let i = K + 1; i < N; i++) store<T>(p + i * S, <T>(2 * <f64>load<T>(p + i * S) - 2 * vtp * <f64>load<T>(v + i * S)));
    }
    if (!reflect) {
      // the pending update was applied and nothing new is pending: w = 0
      for (let i = K + 1; i < N; i++) store<T>(p + i * S, <T>0);
    }
    pending = reflect;
    // the new (v, w = p) become the pending update; the old buffers are reused as scratch
    let t = vp; vp = v; v = t;
    t = wp; wp = p; p = t;
  }
  store<u32>(state + V, <u32>v);
  store<u32>(state + P, <u32>p);
  store<u32>(state + VP, <u32>vp);
  store<u32>(state + WP, <u32>wp);
  store<u32>(state + PENDING, pending ? 1 : 0);
  if (k1 < n - 2) return;
  if (N >= 2) {
    const K = N - 2;
    if (pending) {
      // last pending update on the trailing 2×2 block
      updateColumn<T>(a, N, K, vp, wp);
      const at = a + ((K + 1) * N + K + 1) * S;
      store<T>(at, load<T>(at) - 2 * load<T>(vp + (K + 1) * S) * load<T>(wp + (K + 1) * S));
    }
    store<f64>(d + K * 8, <f64>load<T>(a + (K * N + K) * S));
    store<f64>(e + K * 8, <f64>load<T>(a + ((K + 1) * N + K) * S));
  }
  if (N >= 1) store<f64>(d + (N - 1) * 8, <f64>load<T>(a + ((N - 1) * N + (N - 1)) * S));
}

/** f32 storage and SIMD arithmetic (4 lanes). */
export function tridiag32(a: usize, n: i32, d: usize, e: usize, state: usize, k0: i32, k1: i32): void {
  tridiag<f32>(a, n, d, e, state, k0, k1);
}

/** f64 storage and SIMD arithmetic (2 lanes): the precise variant. */
export function tridiag64(a: usize, n: i32, d: usize, e: usize, state: usize, k0: i32, k1: i32): void {
  tridiag<f64>(a, n, d, e, state, k0, k1);
}
