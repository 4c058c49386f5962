// ESD statistics, the seeded shuffle and the randomization distance, against numpy re-implementations
// written from the documented definitions.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { esdDistance, esdStats, logAlphaNorm, mulberry32, shuffleElements, singularValues } from '../../src/engine/kernels';
import { useWasmShuffle } from '../../src/engine/kernels/random';
import { join } from 'node:path';
import { ensureWasm, noNumpy, numpy, randomMatrix, repoRoot, withSpectrum } from './helpers';

before(ensureWasm);

// mulberry32 and Fisher–Yates as documented in random.ts, in Python with explicit 32-bit wrap-around
const pyShuffle = `
def mulberry32(seed):
    a = seed & 0xFFFFFFFF
    while True:
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((a ^ (a >> 15)) * (1 | a)) & 0xFFFFFFFF
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & 0xFFFFFFFF)) & 0xFFFFFFFF) ^ t
        yield ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
def shuffle(w, seed):
    out = w.copy(); g = mulberry32(seed)
    for i in range(len(out) - 1, 0, -1):
        j = int(next(g) * (i + 1)); out[i], out[j] = out[j], out[i]
    return out
def shuffle_buckets(w, seed, L):
    g = mulberry32(seed); n = len(w); B = 1 << L; P = 32 // L
    labels = []
    while len(labels) < n:
        t = int(round(next(g) * 4294967296))
        labels += [(t >> (L * j)) & (B - 1) for j in range(P)]
    labels = labels[:n]
    out = np.concatenate([[x for x, l in zip(w, labels) if l == b] for b in range(B)])
    lo = 0
    for b in range(B):
        hi = lo + labels.count(b)
        for i in range(hi - lo - 1, 0, -1):
            j = lo + int(next(g) * (i + 1)); out[lo + i], out[j] = out[j], out[lo + i]
        lo = hi
    return out
def js_distance(a, b, bins=100):
    top = max(a.max(), b.max()); la = np.log10(a[a > 1e-10 * top]); lb = np.log10(b[b > 1e-10 * top])
    lo = min(la.min(), lb.min()); hi = max(la.max(), lb.max()); w = (hi - lo) / bins or 1.0
    def hist(x):
        h = np.zeros(bins)
        np.add.at(h, np.minimum(bins - 1, np.floor((x - lo) / w).astype(int)), 1)
        return h / len(x)
    p, q = hist(la), hist(lb); m = (p + q) / 2
    kl = lambda x: np.sum(x[x > 0] * np.log2(x[x > 0] / m[x > 0]))
    return float(np.sqrt(max(0.0, 0.5 * kl(p) + 0.5 * kl(q))))
`;

test('mulberry32 and shuffleElements match the documented reference (Python) exactly', { skip: noNumpy }, () => {
  const idx = Float64Array.from({ length: 1000 }, (_, i) => i);
  const ref = numpy(`${pyShuffle}
g = mulberry32(12345)
out = [[next(g) for _ in range(5)], shuffle(idx, 7), shuffle(idx, 0)]`, { idx }) as [number[], number[], number[]];
  const u = mulberry32(12345);
  assert.deepEqual(Array.from({ length: 5 }, u), ref[0]);
  assert.deepEqual(Array.from(shuffleElements(idx, 7)), ref[1]);
  assert.deepEqual(Array.from(shuffleElements(idx, 0)), ref[2]);
  const f32 = shuffleElements(Float32Array.from(idx), 7);
  assert.ok(f32 instanceof Float32Array);
  assert.deepEqual(Array.from(f32), ref[1]);
});

test('the bucketed (Rao–Sandelius) shuffle of large arrays matches its documented reference (Python) exactly, writes into out, and is a permutation', { skip: noNumpy }, () => {
  // the same algorithm as above 2²⁰ entries, exercised on 5000 entries: 256 buckets (the default, four
  // labels a draw), 16 (eight a draw) and 8 (ten a draw, two bits left over)
  const idx = Float64Array.from({ length: 5000 }, (_, i) => i);
  const ref = numpy(`${pyShuffle}
import sys; sys.path.insert(0, ${JSON.stringify(join(repoRoot, 'test', 'reference'))}); import reference as R
out = [shuffle_buckets(idx, 7, 8), shuffle_buckets(idx, 0, 8), shuffle_buckets(idx, 7, 4), shuffle_buckets(idx, 3, 3),
       R.shuffled(idx, 7, bucket_above=1000), R.shuffled(idx, 3, bucket_above=1000, bucket_bits=3)]`, { idx }) as number[][];
  // test/reference/reference.py's own implementation (the external reference's) agrees
  assert.deepEqual(ref[4], ref[0]);
  assert.deepEqual(ref[5], ref[3]);
  const opts = { bucketAbove: 1000 };
  assert.deepEqual(Array.from(shuffleElements(idx, 7, opts)), ref[0]);
  const out = new Float32Array(idx.length);
  const got = shuffleElements(Float32Array.from(idx), 0, { ...opts, out });
  assert.equal(got, out);
  assert.deepEqual(Array.from(out), ref[1]);
  assert.deepEqual(Array.from(out).sort((a, b) => a - b), Array.from(idx));
  assert.deepEqual(Array.from(shuffleElements(idx, 7, { ...opts, bucketBits: 4 })), ref[2]);
  // the Fisher–Yates passes in TypeScript (where the WebAssembly kernels are not built): the same permutations
  useWasmShuffle(false);
  try {
    assert.deepEqual(Array.from(shuffleElements(idx, 7, opts)), ref[0]);
    assert.deepEqual(Array.from(shuffleElements(Float32Array.from(idx), 0, opts)), ref[1]);
    assert.deepEqual(Array.from(shuffleElements(idx, 7)), Array.from(shuffleElements(idx, 7, { bucketAbove: 5000 })));
  } finally {
    useWasmShuffle(undefined);
  }
  assert.deepEqual(Array.from(shuffleElements(idx, 3, { ...opts, bucketBits: 3 })), ref[3]);
  assert.throws(() => shuffleElements(idx, 0, { out: idx }), /separate array/);
  assert.throws(() => shuffleElements(idx, 0, { ...opts, bucketBits: 17 }), /bucketBits 17/);
  // the default path below 2²⁰ entries is plain Fisher–Yates (the test above)
  assert.deepEqual(Array.from(shuffleElements(idx, 7)), Array.from(shuffleElements(idx, 7, { bucketAbove: 5000 })));
});

test('esdDistance equals the documented Jensen–Shannon distance (numpy); 0 for identical ESDs, clearly > 0 for a shuffled rank-1 matrix', { skip: noNumpy }, async () => {
  const rank1 = Float32Array.from({ length: 60 * 80 }, (_, i) => (1 + (Math.floor(i / 80) % 7)) * (1 + (i % 80) / 10));
  const e1 = (await singularValues(rank1, 60, 80, { precision: 'float64' })).eig;
  const e2 = (await singularValues(shuffleElements(rank1, 3), 60, 80, { precision: 'float64' })).eig;
  const g1 = (await singularValues(Float32Array.from(randomMatrix(300, 400, 1)), 300, 400, { precision: 'float64' })).eig;
  const g2 = (await singularValues(Float32Array.from(randomMatrix(300, 400, 2)), 300, 400, { precision: 'float64' })).eig;
  const ref = numpy(`${pyShuffle}
out = [js_distance(e1, e2), js_distance(g1, g2), js_distance(e1, e1), js_distance(g1, g2, 10)]`, { e1, e2, g1, g2 }) as number[];
  const ours = [esdDistance(e1, e2), esdDistance(g1, g2), esdDistance(e1, e1), esdDistance(g1, g2, 10)];
  ours.forEach((x, i) => assert.ok(Math.abs(x - ref[i]) <= 1e-12, `case ${i}: ${x} vs ${ref[i]}`));
  assert.equal(ours[2], 0);
  // one eigenvalue above the floor against a spread-out bulk: disjoint histograms, the maximal distance
  assert.ok(ours[0] >= 0.99, `rank-1 vs shuffled: ${ours[0]}`);
  // two independent 300×400 Gaussian ESDs differ only by sampling noise (≈ 0.2 with 300 values in 100 bins)
  assert.ok(ours[1] < 0.3, `two Gaussian ESDs: ${ours[1]}`);
  assert.ok(Number.isNaN(esdDistance([0, 0], [1, 2])));
});

test('esdStats follows its definitions (numpy matrix_rank with float32 ε, entropy, MP edge, spikes)', { skip: noNumpy }, async () => {
  // rank 5 plus noise far below the rank threshold, and a full-rank matrix with two spikes above the MP bulk
  const lowRank = withSpectrum(40, 60, [9, 5, 3, 2, 1, ...new Array(35).fill(1e-9)], 2);
  const spiked = Float64Array.from(randomMatrix(120, 200, 5, 0.1));
  const u = withSpectrum(120, 200, [30, 20], 6);
  for (let i = 0; i < spiked.length; i++) spiked[i] += u[i];
  const sets: [Float64Array, number, number][] = [[lowRank, 40, 60], [spiked, 120, 200]];
  for (const [w, rows, cols] of sets) {
    const eig = (await singularValues(w, rows, cols, { precision: 'float64' })).eig;
    const ref = numpy(`W = w.reshape(${rows}, ${cols}); lam = np.linalg.svd(W, compute_uv=False) ** 2
R = np.linalg.matrix_rank(W, tol=np.sqrt(lam.max()) * max(W.shape) * np.finfo(np.float32).eps)
p = lam[lam > 0] / lam.sum()
s2 = (W ** 2).sum() / W.size; lp = s2 * (np.sqrt(${rows}) + np.sqrt(${cols})) ** 2
out = [np.log10(lam.sum()), np.log10(lam.max()), lam.sum() / lam.max(), -np.sum(p * np.log(p)) / np.log(R), lp, int(np.sum(lam > lp)), lp / lam.max(), int(R), np.log10(np.sum(lam[lam > 0] ** 2.7))]`, { w }) as number[];
    const st = esdStats(eig, rows, cols);
    const got = [st.logNorm, st.logSpectralNorm, st.stableRank, st.entropy, st.mpBulkMax, st.numSpikes, st.mpSoftrank];
    got.forEach((x, i) => assert.ok(x !== null && Math.abs(x - ref[i]) <= 1e-9 * Math.max(1, Math.abs(ref[i])), `${rows}×${cols} field ${i}: ${x} vs ${ref[i]}`));
    assert.ok(Math.abs(logAlphaNorm(eig, 2.7)! - ref[8]) <= 1e-9 * Math.abs(ref[8]));
    if (rows === 40) assert.equal(ref[7], 5, 'the low-rank matrix has numerical rank 5');
    else assert.equal(st.numSpikes, 2, 'two spikes above λ₊');
  }
});

test('esdStats on degenerate spectra: all-zero → nulls; rank 1 → entropy null; exact hand values', () => {
  const nulls = esdStats([0, 0, 0], 3, 4);
  assert.ok(Object.values(nulls).every((v) => v === null));
  assert.ok(Object.values(esdStats([], 0, 4)).every((v) => v === null));
  const r1 = esdStats([0, 0, 4], 3, 4);
  assert.equal(r1.entropy, null);
  assert.equal(r1.stableRank, 1);
  // λ = 1, 2, 3, 4 of a 4×10 matrix: Σλ = 10, s² = 10/40, λ₊ = 0.25·(2 + √10)²
  const st = esdStats([1, 2, 3, 4], 4, 10);
  assert.equal(st.logNorm, 1);
  assert.equal(st.stableRank, 2.5);
  const lp = 0.25 * (2 + Math.sqrt(10)) ** 2;
  assert.ok(Math.abs(st.mpBulkMax! - lp) <= 1e-15 * lp);
  assert.equal(st.numSpikes, 0);
  const p = [0.1, 0.2, 0.3, 0.4];
  assert.ok(Math.abs(st.entropy! + p.reduce((s, x) => s + x * Math.log(x), 0) / Math.log(4)) <= 1e-15);
  assert.equal(logAlphaNorm([0, 0], 2), null);
  assert.throws(() => esdStats([1, NaN], 1, 2), /eigenvalue 1 is NaN/);
});
