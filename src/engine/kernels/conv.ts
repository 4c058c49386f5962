// Singular values of convolution operators.
//
// Exact (Sedghi, Gupta & Long 2019, "The Singular Values of Convolutional Layers", ICLR): a 2-D
// convolution with circular padding and stride 1 on an H×W input is block-diagonalised by the 2-D DFT;
// its singular values are the union over frequencies (u, v) of the singular values of the c_out×c_in
// complex matrix K̂[u,v] = Σ_{a,b} K[:,:,a,b]·e^{−2πi(u·a·d_h/H + v·b·d_w/W)} (dilation d; a kernel larger
// than the input wraps around). Frequencies (u,v) and (−u,−v) give conjugate matrices with the same
// singular values, so only half are solved. σ² of each complex matrix = eigenvalues of its Hermitian
// Gram, computed through the real symmetric embedding [[Re, −Im], [Im, Re]] whose eigenvalues are
// those of the Hermitian matrix, each twice. Groups: the operator is block-diagonal over groups.
import { eigvalsSym } from './eig';

export interface ConvSpectrum {
  /** All singular values of the operator, descending. */
  sigma: Float64Array;
  spectralNorm: number;
}

export function convSingularValues(
  kernel: ArrayLike<number>, cout: number, cinPerGroup: number, kh: number, kw: number, H: number, W: number,
  opts: { group?: number; dilations?: number[] } = {},
): ConvSpectrum {
  const group = opts.group ?? 1;
  const [dh, dw] = opts.dilations?.length === 2 ? opts.dilations : opts.dilations?.length === 1 ? [1, opts.dilations[0]] : [1, 1];
  if (cout % group) throw new RangeError(`c_out ${cout} is not divisible by group ${group}`);
  const coutG = cout / group;
  const m = coutG;
  const c = cinPerGroup;
  const small = Math.min(m, c);
  const out: number[] = [];
  // twiddles
  const cosH = new Float64Array(H * kh);
  const sinH = new Float64Array(H * kh);
  for (let u = 0; u < H; u++) for (let a = 0; a < kh; a++) {
    const t = (-2 * Math.PI * u * ((a * dh) % H)) / H;
    cosH[u * kh + a] = Math.cos(t);
    sinH[u * kh + a] = Math.sin(t);
  }
  const cosW = new Float64Array(W * kw);
  const sinW = new Float64Array(W * kw);
  for (let v = 0; v < W; v++) for (let b = 0; b < kw; b++) {
    const t = (-2 * Math.PI * v * ((b * dw) % W)) / W;
    cosW[v * kw + b] = Math.cos(t);
    sinW[v * kw + b] = Math.sin(t);
  }
  const re = new Float64Array(m * c);
  const im = new Float64Array(m * c);
  const emb = new Float64Array(4 * small * small);
  for (let g = 0; g < group; g++) {
    for (let u = 0; u < H; u++) {
      for (let v = 0; v < W; v++) {
        // (u,v) and its mirror (−u mod H, −v mod W) have the same singular values: solve one of them.
        const mu = (H - u) % H;
        const mv = (W - v) % W;
        const self = mu === u && mv === v;
        if (!self && (mu * W + mv) < (u * W + v)) continue;
        const copies = self ? 1 : 2;
        re.fill(0);
        im.fill(0);
        for (let o = 0; o < m; o++) {
          for (let ci = 0; ci < c; ci++) {
            let sr = 0;
            let si = 0;
            const base = (((g * coutG + o) * c + ci) * kh) * kw;
            for (let a = 0; a < kh; a++) {
              const ca = cosH[u * kh + a];
              const sa = sinH[u * kh + a];
              for (let b = 0; b < kw; b++) {
                const k = kernel[base + a * kw + b];
                if (k === 0) continue;
                const cb = cosW[v * kw + b];
                const sb = sinW[v * kw + b];
                // e^{i(ta+tb)} = (ca·cb − sa·sb) + i(sa·cb + ca·sb)
                sr += k * (ca * cb - sa * sb);
                si += k * (sa * cb + ca * sb);
              }
            }
            re[o * c + ci] = sr;
            im[o * c + ci] = si;
          }
        }
        // Hermitian Gram of the short side: G = A·Aᴴ (m ≤ c) or Aᴴ·A.
        const n = small;
        const gRe = new Float64Array(n * n);
        const gIm = new Float64Array(n * n);
        if (m <= c) {
          for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) {
            let r = 0;
            let s = 0;
            for (let t = 0; t < c; t++) {
              // (a_it)(conj a_jt)
              r += re[i * c + t] * re[j * c + t] + im[i * c + t] * im[j * c + t];
              s += im[i * c + t] * re[j * c + t] - re[i * c + t] * im[j * c + t];
            }
            gRe[i * n + j] = r; gRe[j * n + i] = r;
            gIm[i * n + j] = s; gIm[j * n + i] = -s;
          }
        } else {
          for (let i = 0; i < c; i++) for (let j = 0; j <= i; j++) {
            let r = 0;
            let s = 0;
            for (let t = 0; t < m; t++) {
              // (conj a_ti)(a_tj)
              r += re[t * c + i] * re[t * c + j] + im[t * c + i] * im[t * c + j];
              s += re[t * c + i] * im[t * c + j] - im[t * c + i] * re[t * c + j];
            }
            gRe[i * n + j] = r; gRe[j * n + i] = r;
            gIm[i * n + j] = s; gIm[j * n + i] = -s;
          }
        }
        // real symmetric embedding [[Re, −Im], [Im, Re]]
        const N2 = 2 * n;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          emb[i * N2 + j] = gRe[i * n + j];
          emb[(i + n) * N2 + (j + n)] = gRe[i * n + j];
          emb[(i + n) * N2 + j] = gIm[i * n + j];
          emb[i * N2 + (j + n)] = -gIm[i * n + j];
        }
        const ev = eigvalsSym(emb, N2);
        for (let i = 0; i < N2; i += 2) {
          const s = Math.sqrt(Math.max(0, (ev[i] + ev[i + 1]) / 2));
          for (let r = 0; r < copies; r++) out.push(s);
        }
        // the operator also has (c − n) or (m − n) zero singular values per frequency when m ≠ c: they are
        // not singular values of the short side, matching numpy's svd of the dense operator (min(m,c)·H·W values)
      }
    }
  }
  const sigma = Float64Array.from(out).sort().reverse();
  return { sigma, spectralNorm: sigma.length ? sigma[0] : 0 };
}

/** WeightWatcher's conv default: eigenvalues λ = σ² of every kh·kw slice W[:,:,i,j] (c_out×c_in), pooled, ascending. */
export function convSliceEigenvalues(kernel: ArrayLike<number>, cout: number, cin: number, kh: number, kw: number): Float64Array {
  const out: number[] = [];
  const k = Math.min(cout, cin);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
    const g = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) {
      let s = 0;
      if (cout <= cin) for (let t = 0; t < cin; t++) s += kernel[((i * cin + t) * kh + a) * kw + b] * kernel[((j * cin + t) * kh + a) * kw + b];
      else for (let t = 0; t < cout; t++) s += kernel[((t * cin + i) * kh + a) * kw + b] * kernel[((t * cin + j) * kh + a) * kw + b];
      g[i * k + j] = s;
      g[j * k + i] = s;
    }
    for (const e of eigvalsSym(g, k)) out.push(Math.max(0, e));
  }
  return Float64Array.from(out).sort();
}
