// Exact convolution spectra against the SVD of the dense operator matrix built by numpy from the
// definition of a circularly padded, stride-1 ONNX Conv; WeightWatcher's pooled slices against numpy.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { convSingularValues, convSliceEigenvalues, convSpectralNorm, mulberry32, NonFiniteError } from '../../src/engine/kernels';
import { ensureWasm, noNumpy, numpy } from './helpers';

before(ensureWasm);

interface Case { name: string; cout: number; cin: number; kh: number; kw: number; H: number; W: number; group: number; dil: number[] }

// y[o, i, j] = Σ_{c, a, b} K[o, c, a, b] · x[g(o)·cin + c, (i + a·dh) mod H, (j + b·dw) mod W]
const denseOperator = `
def conv_sv(K, co, ci, kh, kw, H, W, g, dh, dw):
    K = K.reshape(co, ci, kh, kw); cg = co // g
    A = np.zeros((co * H * W, ci * g * H * W))
    for o in range(co):
        gi = o // cg
        for i in range(H):
            for j in range(W):
                for c in range(ci):
                    for a in range(kh):
                        for b in range(kw):
                            A[o * H * W + i * W + j, (gi * ci + c) * H * W + ((i + a * dh) % H) * W + ((j + b * dw) % W)] += K[o, c, a, b]
    return np.linalg.svd(A, compute_uv=False)
`;

const cases: Case[] = [
  { name: 'plain 3×3 on a non-square 5×4 input', cout: 3, cin: 2, kh: 3, kw: 3, H: 5, W: 4, group: 1, dil: [1, 1] },
  { name: 'c_out < c_in', cout: 2, cin: 5, kh: 2, kw: 2, H: 4, W: 3, group: 1, dil: [1, 1] },
  { name: 'groups = 2 with dilation (2, 1)', cout: 4, cin: 1, kh: 2, kw: 3, H: 6, W: 5, group: 2, dil: [2, 1] },
  { name: 'depthwise-like groups = 3, 2 outputs each, dilation (1, 2)', cout: 6, cin: 1, kh: 3, kw: 2, H: 4, W: 5, group: 3, dil: [1, 2] },
  { name: 'kernel 5×5 larger than the 3×3 input (wraps)', cout: 2, cin: 2, kh: 5, kw: 5, H: 3, W: 3, group: 1, dil: [1, 1] },
  { name: 'dilated kernel wider than the input', cout: 2, cin: 3, kh: 2, kw: 3, H: 3, W: 4, group: 1, dil: [2, 3] },
  { name: '1×1 conv', cout: 5, cin: 3, kh: 1, kw: 1, H: 3, W: 4, group: 1, dil: [1, 1] },
  { name: '1-D conv (H = 1, kh = 1), dilation 2', cout: 3, cin: 4, kh: 1, kw: 3, H: 1, W: 7, group: 1, dil: [2] },
];

function kernelOf(c: Case, seed: number): Float32Array {
  const u = mulberry32(seed);
  return Float32Array.from({ length: c.cout * c.cin * c.kh * c.kw }, () => u() * 2 - 1);
}

test('convSingularValues equals numpy svdvals of the dense circular-conv operator (all values, ≤ 1e-12·σ_max)', { skip: noNumpy }, () => {
  const kernels = cases.map((c, i) => kernelOf(c, 10 + i));
  const args = cases.map((c, i) => {
    const [dh, dw] = c.dil.length === 2 ? c.dil : [1, c.dil[0]];
    return `conv_sv(k${i}, ${c.cout}, ${c.cin}, ${c.kh}, ${c.kw}, ${c.H}, ${c.W}, ${c.group}, ${dh}, ${dw})`;
  });
  const refs = numpy(`${denseOperator}\nout = [${args.join(', ')}]`, Object.fromEntries(kernels.map((k, i) => [`k${i}`, k]))) as number[][];
  cases.forEach((c, i) => {
    const r = convSingularValues(kernels[i], c.cout, c.cin, c.kh, c.kw, c.H, c.W, { group: c.group, dilations: c.dil });
    const ref = refs[i];
    assert.equal(r.sigma.length, ref.length, `${c.name}: number of singular values`);
    ref.forEach((x, j) => assert.ok(Math.abs(r.sigma[j] - x) <= 1e-12 * ref[0], `${c.name} σ${j}: ${r.sigma[j]} vs ${x}`));
    assert.equal(r.spectralNorm, r.sigma[0]);
    assert.ok(Math.abs(convSpectralNorm(kernels[i], c.cout, c.cin, c.kh, c.kw, c.H, c.W, { group: c.group, dilations: c.dil }) - ref[0]) <= 1e-12 * ref[0], `${c.name}: norm only`);
  });
});

test('convSpectralNorm through Lanczos (≥ 128 channels) equals the full spectrum’s σ_max (≤ 1e-9)', () => {
  const c: Case = { name: '', cout: 140, cin: 130, kh: 3, kw: 3, H: 3, W: 2, group: 1, dil: [1, 1] };
  const k = kernelOf(c, 77);
  const full = convSingularValues(k, c.cout, c.cin, c.kh, c.kw, c.H, c.W).spectralNorm;
  const norm = convSpectralNorm(k, c.cout, c.cin, c.kh, c.kw, c.H, c.W);
  assert.ok(Math.abs(norm - full) <= 1e-9 * full, `${norm} vs ${full}`);
});

test('convSliceEigenvalues pools σ² of every kh·kw slice (numpy)', { skip: noNumpy }, () => {
  const k = kernelOf({ name: '', cout: 7, cin: 4, kh: 3, kw: 2, H: 1, W: 1, group: 1, dil: [] }, 3);
  const ref = numpy('K = k.reshape(7, 4, 3, 2)\nout = np.sort(np.concatenate([np.linalg.svd(K[:, :, a, b], compute_uv=False) ** 2 for a in range(3) for b in range(2)]))', { k }) as number[];
  const ours = convSliceEigenvalues(k, 7, 4, 3, 2);
  assert.equal(ours.length, 3 * 2 * 4);
  ref.forEach((x, i) => assert.ok(Math.abs(ours[i] - x) <= 1e-12 * ref[ref.length - 1], `λ${i}`));
  // hand check: c_out = 2, c_in = 1, a 1×2 kernel: slices are the columns (1, 3) and (2, 4)
  assert.deepEqual(Array.from(convSliceEigenvalues(Float32Array.of(1, 2, 3, 4), 2, 1, 1, 2)), [10, 20]);
});

test('conv spectra: zero kernel, 1×1 identity, bad shapes and non-finite weights', () => {
  const zero = convSingularValues(new Float32Array(2 * 3 * 3 * 3), 2, 3, 3, 3, 4, 4);
  assert.equal(zero.spectralNorm, 0);
  assert.equal(zero.sigma.length, 2 * 16);
  // a 1×1 identity on 2 channels is the identity operator: 2·H·W singular values equal to 1
  const id = convSingularValues(Float32Array.of(1, 0, 0, 1), 2, 2, 1, 1, 3, 5);
  assert.deepEqual(Array.from(id.sigma), new Array(30).fill(1));
  assert.throws(() => convSingularValues(new Float32Array(12), 3, 2, 2, 1, 4, 4, { group: 2 }), /c_out 3 is not divisible by group 2/);
  assert.throws(() => convSingularValues(new Float32Array(11), 3, 2, 2, 1, 4, 4), /kernel has 11 entries, expected 3×2×2×1 = 12/);
  assert.throws(() => convSingularValues(new Float32Array(12), 3, 2, 2, 1, 0, 4), /H must be a positive integer/);
  const nan = new Float32Array(12);
  nan[0] = NaN;
  assert.throws(() => convSingularValues(nan, 3, 2, 2, 1, 4, 4), NonFiniteError);
  assert.throws(() => convSliceEigenvalues(nan, 3, 2, 2, 1), NonFiniteError);
});
