// Singular values of convolution layers.
//
// Exact operator spectrum (Sedghi, Gupta & Long, "The Singular Values of Convolutional Layers", ICLR
// 2019, Theorem 6): a 2-D convolution with circular padding and stride 1 on an H×W input is
// block-diagonalized by the 2-D DFT, so its singular values are the union over the H·W frequencies
// (u, v) of the singular values of the c_out×c_in complex matrix
//   K̂[u,v] = Σ_{a<kh, b<kw} K[:, :, a, b] · e^{−2πi(u·((a·d_h) mod H)/H + v·((b·d_w) mod W)/W)},
// i.e. FFT₂ of the kernel zero-stuffed by the dilation d, wrapped around (mod H, W) when it is larger
// than the input, zero-padded to H×W. The sums are direct (kernels are tiny). Cross-correlation (ONNX
// Conv) and convolution differ by a flip that conjugates K̂ — the same singular values. K̂[−u,−v] =
// conj K̂[u,v], so only one of each conjugate pair is solved. σ(K̂) comes from the real embedding
// M = [[Re, −Im], [Im, Re]] (2c_out × 2c_in), whose singular values are those of K̂, each twice: the
// Gram of M's short side (WebAssembly, f64) and the f64 eigensolver give σ² in equal pairs, of which
// the mean is taken. Groups: the operator is block-diagonal over groups, so the spectrum is the union of
// the groups' spectra, padded with zeros to min(c_out, c_in·group)·H·W values — all singular values of
// the c_out·H·W × c_in·group·H·W operator. A 1-D convolution is the case kh = 1, H = 1.
// Strides ≠ 1: a strided conv is a row subsampling of the stride-1 conv, so the stride-1 spectral norm
// is an upper bound of the strided operator's (callers report it as such).
import { eigvalsSym } from './eig';
import { assertFinite } from './finite';
import { spectralNormLanczos } from './lanczos';
import { gramWasm } from './wasm';

export interface ConvSpectrum {
  /** All singular values of the operator, descending: min(c_out, c_in·group)·H·W of them. */
  sigma: Float64Array;
  /** σ_max, the operator 2-norm (0 for an all-zero kernel). */
  spectralNorm: number;
}

export interface ConvOptions {
  /** Number of groups; c_out must be divisible by it. Default 1. */
  group?: number;
  /** [d_h, d_w] for 2-D, [d] for 1-D (= [1, d]). Default all 1. */
  dilations?: number[];
}

function checkDims(what: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * Calls visit(M, copies) for one frequency (u, v) of each conjugate pair per group, with M the real
 * embedding [[Re, −Im], [Im, Re]] (2m × 2c, row-major, reused between calls) of K̂[u,v] restricted to
 * the group, and `copies` the number of frequencies it stands for (its pair, and H or W for a single
 * tap along an axis). Validates the arguments (errors name `what`).
 */
function forEachFrequency(
  what: string, kernel: ArrayLike<number>, cout: number, cinPerGroup: number, kh: number, kw: number, H: number, W: number,
  opts: ConvOptions, visit: (M: Float64Array, m: number, c: number, copies: number) => void,
): void {
  const group = opts.group ?? 1;
  const dil = opts.dilations ?? [];
  const [dh, dw] = dil.length === 2 ? dil : dil.length === 1 ? [1, dil[0]] : [1, 1];
  checkDims(what, { cout, cinPerGroup, kh, kw, H, W, group, dh, dw });
  if (cout % group) throw new RangeError(`${what}: c_out ${cout} is not divisible by group ${group}`);
  if (kernel.length !== cout * cinPerGroup * kh * kw) {
    throw new RangeError(`${what}: kernel has ${kernel.length} entries, expected ${cout}×${cinPerGroup}×${kh}×${kw} = ${cout * cinPerGroup * kh * kw}`);
  }
  assertFinite(kernel, what);
  const m = cout / group;
  const c = cinPerGroup;
  // Phases of the (wrapped, dilated) taps. A single tap along an axis makes K̂ independent of that
  // frequency, so it is solved once and counted H (or W) times.
  const us = kh === 1 ? 1 : H;
  const vs = kw === 1 ? 1 : W;
  const mult = (kh === 1 ? H : 1) * (kw === 1 ? W : 1);
  const cosH = new Float64Array(us * kh);
  const sinH = new Float64Array(us * kh);
  for (let u = 0; u < us; u++) for (let a = 0; a < kh; a++) {
    const t = (-2 * Math.PI * u * ((a * dh) % H)) / H;
    cosH[u * kh + a] = Math.cos(t);
    sinH[u * kh + a] = Math.sin(t);
  }
  const cosW = new Float64Array(vs * kw);
  const sinW = new Float64Array(vs * kw);
  for (let v = 0; v < vs; v++) for (let b = 0; b < kw; b++) {
    const t = (-2 * Math.PI * v * ((b * dw) % W)) / W;
    cosW[v * kw + b] = Math.cos(t);
    sinW[v * kw + b] = Math.sin(t);
  }
  const M = new Float64Array(4 * m * c);
  for (let g = 0; g < group; g++) {
    for (let u = 0; u < us; u++) {
      for (let v = 0; v < vs; v++) {
        // (u, v) and (−u mod H, −v mod W) have conjugate K̂: solve the first of the pair, count it twice
        const mu = us === 1 ? 0 : (H - u) % H;
        const mv = vs === 1 ? 0 : (W - v) % W;
        const selfPaired = mu === u && mv === v;
        if (!selfPaired && mu * vs + mv < u * vs + v) continue;
        for (let o = 0; o < m; o++) {
          for (let ci = 0; ci < c; ci++) {
            let re = 0;
            let im = 0;
            const base = ((g * m + o) * c + ci) * kh * kw;
            for (let a = 0; a < kh; a++) {
              const ca = cosH[u * kh + a];
              const sa = sinH[u * kh + a];
              for (let b = 0; b < kw; b++) {
                const k = kernel[base + a * kw + b];
                if (k === 0) continue;
                const cb = cosW[v * kw + b];
                const sb = sinW[v * kw + b];
                // e^{i(θa+θb)} = (ca·cb − sa·sb) + i(sa·cb + ca·sb)
                re += k * (ca * cb - sa * sb);
                im += k * (sa * cb + ca * sb);
              }
            }
            M[o * 2 * c + ci] = re;
            M[o * 2 * c + c + ci] = -im;
            M[(m + o) * 2 * c + ci] = im;
            M[(m + o) * 2 * c + c + ci] = re;
          }
        }
        visit(M, m, c, mult * (selfPaired ? 1 : 2));
      }
    }
  }
}

/**
 * All singular values of the circularly padded, stride-1 convolution with kernel `kernel`
 * ([c_out, c_in/group, kh, kw], row-major) on an H×W input (1-D: kh = 1, H = 1, kernel [c_out, c_in/g, kw]).
 * Cost: about H·W/2 symmetric eigenproblems of order 2·min(c_out, c_in)/group (seconds for 512 channels).
 */
export function convSingularValues(
  kernel: ArrayLike<number>, cout: number, cinPerGroup: number, kh: number, kw: number, H: number, W: number,
  opts: ConvOptions = {},
): ConvSpectrum {
  const group = opts.group ?? 1;
  const total = Number.isInteger(group) && group > 0 ? Math.min(cout, cinPerGroup * group) * H * W : 0;
  const sigma = new Float64Array(Math.max(0, total || 0)); // unfilled entries stay 0 (the padding zeros)
  let filled = 0;
  forEachFrequency('convSingularValues', kernel, cout, cinPerGroup, kh, kw, H, W, opts, (M, m, c, copies) => {
    const small = Math.min(m, c);
    const G = gramWasm(M, 2 * m, 2 * c, 'float64');
    const ev = eigvalsSym(G, 2 * small, { precision: 'float64' });
    for (let i = 0; i < 2 * small; i += 2) {
      const s = Math.sqrt(Math.max(0, (ev[i] + ev[i + 1]) / 2));
      for (let r = 0; r < copies; r++) sigma[filled++] = s;
    }
  });
  sigma.sort().reverse();
  return { sigma, spectralNorm: sigma.length ? sigma[0] : 0 };
}

/**
 * The operator 2-norm alone — max over frequencies of σ_max(K̂[u,v]). Per frequency: for
 * min(c_out, c_in)/group ≥ 128 Lanczos on the real embedding (spectralNormLanczos: relative residual
 * ≤ 1e-10, so σ to ~5e-11), else the full small eigensolve as in convSingularValues. 2–3× faster than
 * convSingularValues for wide layers (e.g. 512 channels on 7×7: 2.5 s instead of 7 s here); the same
 * for narrow ones. Same arguments.
 */
export function convSpectralNorm(
  kernel: ArrayLike<number>, cout: number, cinPerGroup: number, kh: number, kw: number, H: number, W: number,
  opts: ConvOptions = {},
): number {
  let norm = 0;
  forEachFrequency('convSpectralNorm', kernel, cout, cinPerGroup, kh, kw, H, W, opts, (M, m, c) => {
    const small = Math.min(m, c);
    let s: number;
    if (small >= 128) s = spectralNormLanczos(M, 2 * m, 2 * c).sigmaMax;
    else {
      const ev = eigvalsSym(gramWasm(M, 2 * m, 2 * c, 'float64'), 2 * small, { precision: 'float64' });
      s = Math.sqrt(Math.max(0, (ev[2 * small - 1] + ev[2 * small - 2]) / 2));
    }
    if (s > norm) norm = s;
  });
  return norm;
}

/**
 * WeightWatcher's default for conv layers: the eigenvalues λ = σ² of every kh·kw slice W[:, :, i, j]
 * (a c_out×c_in matrix; c_in = the kernel's second dimension, c_in/group for grouped convs), pooled into
 * one ascending array of kh·kw·min(c_out, c_in) values. Float64 throughout.
 */
export function convSliceEigenvalues(kernel: ArrayLike<number>, cout: number, cin: number, kh: number, kw: number): Float64Array {
  checkDims('convSliceEigenvalues', { cout, cin, kh, kw });
  if (kernel.length !== cout * cin * kh * kw) {
    throw new RangeError(`convSliceEigenvalues: kernel has ${kernel.length} entries, expected ${cout}×${cin}×${kh}×${kw} = ${cout * cin * kh * kw}`);
  }
  assertFinite(kernel, 'convSliceEigenvalues');
  const k = Math.min(cout, cin);
  const out = new Float64Array(kh * kw * k);
  const slice = new Float64Array(cout * cin);
  let at = 0;
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
    for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) slice[o * cin + i] = kernel[((o * cin + i) * kh + a) * kw + b];
    const ev = eigvalsSym(gramWasm(slice, cout, cin, 'float64'), k, { precision: 'float64' });
    for (const e of ev) out[at++] = Math.max(0, e);
  }
  return out.sort();
}
