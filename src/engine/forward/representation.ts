// Representation measures from penultimate features (the input of the last weight layer), pure
// arithmetic on row-major [n, D] float arrays in float64. The forward part that taps the features is
// ./features.ts.
//  - Davies–Bouldin index (Davies & Bouldin 1979; scikit-learn's definition): with class means μ_c and
//    scatter S_c = mean_{i∈c} ‖h_i − μ_c‖₂, DB = (1/K) Σ_c max_{d≠c} (S_c + S_d)/‖μ_c − μ_d‖₂.
//    Natekar & Sharma 2020 (PGDL winners) use it on penultimate features: smaller = better separated.
//  - Neural collapse NC1 (Papyan, Han & Donoho 2020, PNAS): Σ_W = (1/n) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ,
//    Σ_B = (1/K) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ (μ_G the mean of the class means), NC1 = tr(Σ_W Σ_B⁺)/K.
//    Computed without D×D matrices: with M = [μ_c − μ_G]_c (D×K) and the eigenpairs (s_r², v_r) of MᵀM,
//    Σ_B⁺ = K Σ_r (M v_r)(M v_r)ᵀ/s_r⁴, so tr(Σ_W Σ_B⁺) = K Σ_r v_rᵀ (Mᵀ Σ_W M) v_r / s_r⁴.
//  - Normalised margin at the penultimate layer (Jiang, Krishnan, Mobahi & Bengio 2019, ICLR): the logits
//    are f = W h + b, so the first-order distance of h to the boundary between the label y and the
//    strongest other class j is exact here: d = (f_y − f_j)/‖W_y − W_j‖₂; normalised by the layer's total
//    spread √(tr Cov(h)) (their ν), summarised by quartiles.

/** Class means [K, D], class counts, and the classes present. */
function classMeans(h: Float64Array | Float32Array, y: ArrayLike<number>, n: number, dim: number, classes: number) {
  const means = new Float64Array(classes * dim);
  const counts = new Int32Array(classes);
  for (let i = 0; i < n; i++) {
    const c = y[i];
    counts[c]++;
    for (let d = 0; d < dim; d++) means[c * dim + d] += h[i * dim + d];
  }
  for (let c = 0; c < classes; c++) if (counts[c]) for (let d = 0; d < dim; d++) means[c * dim + d] /= counts[c];
  const present = [...counts.keys()].filter((c) => counts[c] > 0);
  return { means, counts, present };
}

/** Davies–Bouldin index over the classes present (≥ 2 needed; null otherwise or when two means coincide). */
export function daviesBouldin(h: Float64Array | Float32Array, y: ArrayLike<number>, n: number, dim: number, classes: number): number | null {
  const { means, counts, present } = classMeans(h, y, n, dim, classes);
  if (present.length < 2) return null;
  const scatter = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const c = y[i];
    let s = 0;
    for (let d = 0; d < dim; d++) s += (h[i * dim + d] - means[c * dim + d]) ** 2;
    scatter[c] += Math.sqrt(s) / counts[c];
  }
  let total = 0;
  for (const a of present) {
    let worst = -Infinity;
    for (const b of present) {
      if (a === b) continue;
      let s = 0;
      for (let d = 0; d < dim; d++) s += (means[a * dim + d] - means[b * dim + d]) ** 2;
      if (s === 0) return null;
      worst = Math.max(worst, (scatter[a] + scatter[b]) / Math.sqrt(s));
    }
    total += worst;
  }
  return total / present.length;
}

/** Eigenvalues and eigenvectors (columns of v, row-major n×n) of a symmetric matrix by cyclic Jacobi. */
export function symmetricEigen(a0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(a0);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (norm += a[i * n + j] ** 2) : (off += a[i * n + j] ** 2));
    if (off <= 1e-30 * (norm + off) || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}

/** Relative threshold below which an eigenvalue of MᵀM counts as zero (pseudo-inverse rank cut). */
export const NC1_RANK_TOL = 1e-10;

/**
 * NC1 = tr(Σ_W Σ_B⁺)/K over the K classes present, and its parts tr Σ_W and tr Σ_B (null with < 2 classes
 * or Σ_B = 0).
 */
export function neuralCollapseNc1(h: Float64Array | Float32Array, y: ArrayLike<number>, n: number, dim: number, classes: number): { nc1: number; trW: number; trB: number } | null {
  const { means, present } = classMeans(h, y, n, dim, classes);
  const K = present.length;
  if (K < 2) return null;
  const mg = new Float64Array(dim);
  for (const c of present) for (let d = 0; d < dim; d++) mg[d] += means[c * dim + d] / K;
  // M: D×K stored as K rows of length D
  const M = new Float64Array(K * dim);
  let trB = 0;
  present.forEach((c, r) => {
    for (let d = 0; d < dim; d++) {
      const v = means[c * dim + d] - mg[d];
      M[r * dim + d] = v;
      trB += (v * v) / K;
    }
  });
  const slot = new Map(present.map((c, r) => [c, r]));
  // MᵀM (K×K) and Mᵀ Σ_W M = (1/n) Σ_i p_i p_iᵀ with p = Mᵀ(h_i − μ_{y_i})
  const G = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += M[a * dim + d] * M[b * dim + d];
    G[a * K + b] = s;
  }
  const P = new Float64Array(K * K);
  const p = new Float64Array(K);
  const diff = new Float64Array(dim);
  let trW = 0;
  for (let i = 0; i < n; i++) {
    const c = y[i];
    if (!slot.has(c)) continue;
    for (let d = 0; d < dim; d++) {
      diff[d] = h[i * dim + d] - means[c * dim + d];
      trW += (diff[d] * diff[d]) / n;
    }
    for (let a = 0; a < K; a++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += M[a * dim + d] * diff[d];
      p[a] = s;
    }
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) P[a * K + b] += (p[a] * p[b]) / n;
  }
  const { values, vectors } = symmetricEigen(G, K);
  const top = Math.max(...values);
  if (!(top > 0)) return null;
  let tr = 0;
  for (let r = 0; r < K; r++) {
    const s2 = values[r];
    if (s2 <= NC1_RANK_TOL * top) continue;
    let q = 0;
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) q += vectors[a * K + r] * P[a * K + b] * vectors[b * K + r];
    tr += (K * q) / (s2 * s2);
  }
  return { nc1: tr / K, trW, trB };
}

/**
 * Normalised penultimate-layer margins (Jiang et al. 2019): for each example,
 * (f_y − f_j)/‖W_y − W_j‖₂ / √(tr Cov(h)), j = argmax_{j≠y} f_j, where W is the last layer's [K, D]
 * weight (rows = classes) and f its logits. Returns the per-example values.
 */
export function normalisedMargins(h: Float64Array | Float32Array, logits: ArrayLike<number>, y: ArrayLike<number>, n: number, dim: number, W: ArrayLike<number>, classes: number): Float64Array {
  // ν = √(total variance of h) over the probe
  let tv = 0;
  for (let d = 0; d < dim; d++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = h[i * dim + d];
      s += v;
      s2 += v * v;
    }
    tv += s2 / n - (s / n) ** 2;
  }
  const nu = Math.sqrt(Math.max(0, tv));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const label = y[i];
    let j = -1;
    for (let c = 0; c < classes; c++) if (c !== label && (j < 0 || logits[i * classes + c] > logits[i * classes + j])) j = c;
    let g = 0;
    for (let d = 0; d < dim; d++) g += (W[label * dim + d] - W[j * dim + d]) ** 2;
    out[i] = (logits[i * classes + label] - logits[i * classes + j]) / Math.sqrt(g) / nu;
  }
  return out;
}
