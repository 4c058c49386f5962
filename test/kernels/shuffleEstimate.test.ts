// The randomization check's estimate (kernels/shuffleEstimate.ts, sampleElements in random.ts): the
// sample is the prefix of the exact path's permutation (itself checked against a Python replica in
// esd.test.ts) and uniform (χ² over seeds); the block-to-full
// map is continuous, monotone and hand-checkable; and the estimated distance and ‖Wʳ‖₂ of whole layers
// stay within the stated tolerance of numpy's exact shuffled spectra (several numpy permutations each).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { sampleElements, shuffleElements } from '../../src/engine/kernels';
import { blockPlan, entryTailIndex, mapBlockEigenvalues } from '../../src/engine/kernels/shuffleEstimate';
import { gaussian, mulberry32, sampleScratchSize, useWasmShuffle } from '../../src/engine/kernels/random';
import { takeProfile } from '../../src/engine/kernels/profile';
import { SCATTER_CHUNK } from '../../src/engine/kernels/wasm';
import { measureLayer, type LayerTaskOptions } from '../../src/engine/layers/measureLayer';
import { ensureWasm, noNumpy, numpy, withSpectrum } from './helpers';

before(ensureWasm);

test('sampleElements is the prefix of shuffleElements\' permutation (bucketed and not), distinct entries of w', () => {
  const idx = Float64Array.from({ length: 30000 }, (_, i) => i);
  for (const opts of [{ bucketAbove: 1000 }, { bucketAbove: 1000, bucketBits: 3 }, {}]) {
    for (const [count, seed] of [[0, 1], [1, 2], [150, 7], [14000, 3], [29999, 4], [30000, 5]]) {
      const full = shuffleElements(idx, seed, opts);
      const out = new Float32Array(30000);
      const got = sampleElements(Float32Array.from(idx), count, seed, { ...opts, out });
      assert.equal(got, out);
      assert.deepEqual(Array.from(out.subarray(0, count)), Array.from(full.subarray(0, count)), `${JSON.stringify(opts)} count ${count}`);
      // with room for the one-pass layout (256 buckets of n/256 + 8σ): the same sample
      const big = new Float64Array(sampleScratchSize(30000, 1000) + 5);
      sampleElements(idx, count, seed, { ...opts, out: big });
      assert.deepEqual(Array.from(big.subarray(0, count)), Array.from(full.subarray(0, count)), `one pass, ${JSON.stringify(opts)} count ${count}`);
    }
  }
  const s = sampleElements(idx, 14000, 3, { bucketAbove: 1000 }).subarray(0, 14000);
  assert.equal(new Set(s).size, 14000, 'no entry drawn twice');
  assert.throws(() => sampleElements(idx, 30001, 0), /count 30001/);
  assert.throws(() => sampleElements(idx, 10, 0, { out: new Float64Array(100) }), /at least 30000/);
});

test('sampleElements\' one pass through WebAssembly (chunked stage, first buckets only) equals the TypeScript pass and shuffleElements\' prefix, f32 and f64', () => {
  // n not a multiple of 4 nor of the chunk: a tail draw in the last chunk; several chunks
  const n = 3 * SCATTER_CHUNK + 4099;
  const idx = Float64Array.from({ length: n }, (_, i) => i);
  const opts = { bucketAbove: 1000 };
  try {
    for (const [count, seed] of [[1, 11], [5000, 12], [Math.floor(n / 2), 13], [n - 3, 14], [n, 15]]) {
      const full = shuffleElements(idx, seed, opts);
      for (const f32 of [true, false]) {
        const w = f32 ? Float32Array.from(idx) : idx;
        for (const useWasm of [true, false]) {
          useWasmShuffle(useWasm);
          takeProfile();
          const out = f32 ? new Float32Array(sampleScratchSize(n, 1000)) : new Float64Array(sampleScratchSize(n, 1000));
          sampleElements(w, count, seed, { ...opts, out });
          // evidence that the one-pass WebAssembly scatter ran (not the two-pass fallback)
          assert.equal('scatter' in takeProfile(), useWasm, `count ${count}: the WebAssembly scatter ${useWasm ? 'ran' : 'did not run'}`);
          assert.deepEqual(Array.from(out.subarray(0, count)), Array.from(full.subarray(0, count)), `count ${count}, ${f32 ? 'f32' : 'f64'}, ${useWasm ? 'wasm' : 'TypeScript'}`);
        }
      }
    }
  } finally {
    useWasmShuffle(undefined);
  }
});

test('sampleElements is uniform: inclusion and first-position frequencies over 4000 seeds pass χ² (p > 0.001)', () => {
  const n = 2000;
  const count = 100;
  const idx = Float64Array.from({ length: n }, (_, i) => i);
  const inc = new Float64Array(n);
  const first = new Float64Array(20); // source index of out[0], in 20 ranges of 100
  const last = new Float64Array(20); // and of out[count − 1]
  const runs = 4000;
  const out = new Float64Array(n);
  for (let s = 0; s < runs; s++) {
    sampleElements(idx, count, s, { bucketAbove: 100, bucketBits: 5, out });
    for (let i = 0; i < count; i++) inc[out[i]]++;
    first[Math.floor(out[0] / 100)]++;
    last[Math.floor(out[count - 1] / 100)]++;
  }
  const chi2 = (obs: Float64Array, expected: number) => obs.reduce((a, o) => a + (o - expected) ** 2 / expected, 0);
  // χ² critical values at p = 0.001: 1999 d.o.f. ≈ 2225 (Wilson–Hilferty), 19 d.o.f. 43.82. The inclusion
  // counts are those of a fixed-size sample (variance (1 − count/n)·expected), hence the factor.
  assert.ok(chi2(inc, (runs * count) / n) * (1 / (1 - count / n)) < 2225, `inclusion χ² ${chi2(inc, (runs * count) / n)}`);
  assert.ok(chi2(first, runs / 20) < 43.82, `first position χ² ${chi2(first, runs / 20)}`);
  assert.ok(chi2(last, runs / 20) < 43.82, `last position χ² ${chi2(last, runs / 20)}`);
});

test('the block plan: k = min(4, ⌊short side / 384⌋), exact below 768', () => {
  assert.equal(blockPlan(767, 3072), null);
  assert.deepEqual(blockPlan(768, 3072), { blocks: 2, blockRows: 384, blockCols: 1536 });
  assert.deepEqual(blockPlan(50257, 768), { blocks: 2, blockRows: 25128, blockCols: 384 });
  assert.deepEqual(blockPlan(1200, 1200), { blocks: 3, blockRows: 400, blockCols: 400 });
  assert.deepEqual(blockPlan(4096, 11008), { blocks: 4, blockRows: 1024, blockCols: 2752 });
});

test('the block-to-full map: bulk scaled by c, e_b ↦ λ₊, a spike through the rank-one outlier formula; continuous and nondecreasing', () => {
  const [m, n, mb, nb, s2] = [768, 768, 384, 384, 1];
  const lplus = 4 * 768; // s²(√m + √n)²
  const eb = 4 * 384;
  const map = (mu: number) => mapBlockEigenvalues([mu], m, n, mb, nb, s2)[0];
  assert.equal(map(100), 200); // c = (2√768)² / (2√384)² = 2
  assert.ok(Math.abs(map(eb) - lplus) < 1e-9);
  assert.equal(map(-1e-9), 0, 'negative round-off counts as 0');
  // a large entry x: in a block its outlier is (x² + 384)²/x²; at full size (x² + 768)²/x²
  const x2 = 1e5;
  const muBlock = (x2 + 384) ** 2 / x2;
  assert.ok(Math.abs(map(muBlock) / ((x2 + 768) ** 2 / x2) - 1) < 1e-12, `${map(muBlock)}`);
  // just above the block's edge, below the full threshold θ² ≤ s²√(mn) = 768: the full edge
  assert.ok(Math.abs(map((768 / 2 + 384) ** 2 / (768 / 2) + 1) - lplus) < 1e-9);
  let prev = -1;
  for (let mu = 0; mu < 3e4; mu += 0.37) {
    const v = map(mu);
    assert.ok(v >= prev - 1e-9 * lplus, `nondecreasing at μ = ${mu}`);
    assert.ok(prev < 0 || v - prev < 10, `continuous at μ = ${mu}: ${prev} → ${v}`);
    prev = v;
  }
  // s² = 0 (all-zero sample): scaled zeros
  assert.deepEqual(Array.from(mapBlockEigenvalues([0, 0], m, n, mb, nb, 0)), [0, 0]);
});

test('entryTailIndex equals numpy\'s Hill estimate (full sort) on light, heavy, mostly-zero and adversarial inputs; Pareto(3) reads 3', { skip: noNumpy }, () => {
  const g = gaussian(5);
  const n = 1 << 20;
  const u = mulberry32(9);
  // Pareto(α) magnitudes with random signs: P(|w| > x) = x^−α for x ≥ 1, tail index exactly α
  const pareto = (a: number) => Float64Array.from({ length: n }, () => (u() < 0.5 ? -1 : 1) * Math.pow(1 - u(), -1 / a));
  const gauss = Float64Array.from({ length: n }, () => g());
  // the probe (every 16th entry) holds the largest magnitudes: its threshold is too high and is lowered
  const probeHeavy = Float64Array.from({ length: n }, (_, i) => (i % 16 === 0 ? 1000 + i : g()));
  const sparse = new Float64Array(n);
  for (let i = 0; i < 100; i++) sparse[i * 997] = 1 + i;
  // 2000 nonzero entries in 2^20: the probe reads 0 and only the nonzero entries are collected
  const mostlyZero = new Float64Array(n);
  for (let i = 0; i < 2000; i++) mostlyZero[(i * 7919 + 13) % n] = (u() < 0.5 ? -1 : 1) * Math.pow(1 - u(), -1 / 3);
  const inputs = { gauss, p22: pareto(2.2), p3: pareto(3), probeHeavy, mostlyZero };
  const ref = numpy(`
def hill(x):
    a = np.sort(np.abs(x))[::-1]; K = max(32, int(np.ceil(3e-4 * a.size)))
    return float(1 / np.mean(np.log(a[:K] / a[K])))
out = [hill(gauss), hill(p22), hill(p3), hill(probeHeavy), hill(mostlyZero)]`, inputs) as number[];
  const got = [gauss, inputs.p22, inputs.p3, probeHeavy, mostlyZero].map((w) => entryTailIndex(Float32Array.from(w)) ?? NaN);
  const got64 = [gauss, inputs.p22, inputs.p3, probeHeavy, mostlyZero].map((w) => entryTailIndex(w) ?? NaN);
  ref.forEach((r, i) => assert.ok(Math.abs(got64[i] - r) <= 1e-9 * r, `case ${i}: ${got64[i]} vs numpy ${r}`));
  // float32 storage rounds magnitudes at 6e-8 relative: the same estimate to 1e-5
  ref.forEach((r, i) => assert.ok(Math.abs(got[i] - r) <= 1e-5 * r, `case ${i} float32: ${got[i]} vs ${r}`));
  const K = Math.ceil(3e-4 * n);
  assert.ok(Math.abs(got64[2] - 3) <= 4 * (3 / Math.sqrt(K)), `Pareto(3): ${got64[2]} (s.e. ${(3 / Math.sqrt(K)).toFixed(2)})`);
  assert.ok(got64[0] > 8, `Gaussian: ${got64[0]}`);
  assert.ok(Math.abs(got64[1] - 2.2) <= 4 * (2.2 / Math.sqrt(K)), `Pareto(2.2): ${got64[1]}`);
  assert.equal(entryTailIndex(sparse), null, 'the (K+1)-th largest magnitude is 0');
  assert.equal(entryTailIndex(new Float64Array(100)), null, 'too few entries');
  assert.equal(entryTailIndex(Float64Array.from({ length: 4096 }, (_, i) => (i % 2 ? 1 : -1))), Infinity, 'equal magnitudes');
});

test('the calibration sweep (bench/randsweep.py) replicates what ships: its block map and tail index equal mapBlockEigenvalues and entryTailIndex', { skip: noNumpy }, () => {
  const g = gaussian(21);
  const x = Float64Array.from({ length: 200_000 }, () => g() * Math.exp(0.8 * g()));
  for (const [m, n, mb, nb] of [[768, 2304, 384, 1152], [3072, 768, 1536, 384], [1536, 1536, 384, 384]]) {
    const s2 = 0.7;
    const edge = s2 * (Math.sqrt(mb) + Math.sqrt(nb)) ** 2;
    const mu = Float64Array.from({ length: 400 }, (_, i) => (i < 200 ? (i / 199) * edge : edge * (1 + ((i - 200) / 199) ** 2 * 30)));
    const [ref, hillRef] = numpy(`
import importlib.util
spec = importlib.util.spec_from_file_location('randsweep', ${JSON.stringify(join(__dirname, '..', '..', 'bench', 'randsweep.py'))})
rs = importlib.util.module_from_spec(spec); spec.loader.exec_module(rs)
out = [rs.map_block(mu, ${m}, ${n}, ${mb}, ${nb}, ${s2}), rs.hill(x)]`, { mu, x }) as [number[], number];
    const got = mapBlockEigenvalues(mu, m, n, mb, nb, s2);
    ref.forEach((r, i) => assert.ok(Math.abs(got[i] - r) <= 1e-12 * Math.max(1, Math.abs(r)), `${m}×${n} μ[${i}] = ${mu[i]}: ${got[i]} vs sweep ${r}`));
    assert.ok(Math.abs(entryTailIndex(x)! - hillRef) <= 1e-9 * hillRef, `tail index ${entryTailIndex(x)} vs sweep ${hillRef}`);
  }
});

const options: LayerTaskOptions = { precision: 'float32', convExact: true, convWeightWatcher: false, randomize: true, randomizeExact: false, seed: 0, esdMaxPoints: 2000, maxFullSpectrum: 4096 };

/** Seeded test matrices: i.i.d., heavy-tailed, with planted large entries, and with a power-law spectrum. */
function cases(): { name: string; rows: number; cols: number; w: Float64Array; heavy?: 'standout' | 'tail' }[] {
  const g = gaussian(11);
  const normal = (r: number, c: number) => Float64Array.from({ length: r * c }, () => g());
  // Student-t with 3 degrees of freedom: z / √(χ²₃ / 3)
  const heavy = (r: number, c: number) => Float64Array.from({ length: r * c }, () => {
    let q = 0;
    for (let i = 0; i < 3; i++) q += g() ** 2;
    return g() / Math.sqrt(q / 3); // t with 3 d.o.f.
  });
  const spiked = (r: number, c: number) => {
    const w = normal(r, c);
    for (let i = 0; i < 40; i++) w[(i * 2654435761) % w.length] *= 300;
    return w;
  };
  const trap = normal(768, 768);
  for (const [i, v] of [[1234, 120], [300001, -110], [500000, 95]]) trap[i] = v;
  const s = Array.from({ length: 768 }, (_, i) => 4 / (1 + i) ** 0.6);
  const pl = withSpectrum(768, 1536, s, 3);
  const noise = normal(768, 1536);
  for (let i = 0; i < pl.length; i++) pl[i] += 0.02 * noise[i];
  return [
    { name: 'Gaussian 768×768', rows: 768, cols: 768, w: normal(768, 768) },
    { name: 'Gaussian 2304×768', rows: 2304, cols: 768, w: normal(2304, 768) },
    { name: 'Student-t(3) 768×1536', rows: 768, cols: 1536, w: heavy(768, 1536) },
    { name: 'lognormal(σ = 1.5) 768×2304 with random signs (heavy-tailed: solved exactly)', rows: 768, cols: 2304, w: Float64Array.from({ length: 768 * 2304 }, () => Math.exp(1.5 * g()) * (g() < 0 ? -1 : 1)), heavy: 'standout' },
    { name: 'lognormal(σ = 0.5) 768×3072 with random signs', rows: 768, cols: 3072, w: Float64Array.from({ length: 768 * 3072 }, () => Math.exp(0.5 * g()) * (g() < 0 ? -1 : 1)) },
    { name: 'Gaussian with 3 planted large entries (correlation trap) 768×768', rows: 768, cols: 768, w: trap },
    { name: 'power-law spectrum + noise 768×1536', rows: 768, cols: 1536, w: pl },
    { name: 'Gaussian 1200×1200 (k = 3)', rows: 1200, cols: 1200, w: normal(1200, 1200) },
    // drawn last, so the cases above keep the matrices they had before it was added
    { name: 'Gaussian 768×1536 with 40 entries ×300 (a few entries hold most of ‖W‖_F: solved exactly)', rows: 768, cols: 1536, w: spiked(768, 1536), heavy: 'tail' },
  ];
}

test('estimated randomization check vs numpy\'s exact shuffled spectra: d_rand within 0.04 of their mean, ‖Wʳ‖₂ within 2% (or 3 s.d. across permutations), the same correlation-trap flag', { skip: noNumpy, timeout: 600_000 }, async () => {
  for (const c of cases()) {
    const w32 = Float32Array.from(c.w);
    const est = await measureLayer({ index: 0, name: c.name, matrix: w32.slice(), rows: c.rows, cols: c.cols, options });
    const exact = await measureLayer({ index: 0, name: c.name, matrix: w32.slice(), rows: c.rows, cols: c.cols, options: { ...options, randomizeExact: true } });
    const why = { standout: /^exact: \d+ eigenvalues of (the|\d of the) \d+ \d+×\d+ blocks stand above their bulk/, tail: /^exact: the entries' tail index is \d\.\d\d \(Hill, the largest \d+ \|w\|\), below 2.5/ };
    assert.match(est.notes.randDistance ?? '', c.heavy ? why[c.heavy] : /^estimated/, c.name);
    assert.equal(exact.notes.randDistance, undefined, c.name);
    // numpy: W's eigenvalues and those of 5 permutations (numpy's generator, not ours), float64 throughout
    const ref = numpy(`
W = w.astype(np.float32).astype(np.float64).reshape(${c.rows}, ${c.cols})
def eigs(A):
    G = A.T @ A if A.shape[0] >= A.shape[1] else A @ A.T
    return np.clip(np.linalg.eigvalsh(G), 0, None)
def js(a, b, bins=100):
    top = max(a.max(), b.max()); la = np.log10(a[a > 1e-10 * top]); lb = np.log10(b[b > 1e-10 * top])
    lo = min(la.min(), lb.min()); hi = max(la.max(), lb.max()); wd = (hi - lo) / bins or 1.0
    h = lambda x: np.bincount(np.minimum(bins - 1, np.floor((x - lo) / wd).astype(int)), minlength=bins) / len(x)
    p, q = h(la), h(lb); m = (p + q) / 2
    kl = lambda x: np.sum(x[x > 0] * np.log2(x[x > 0] / m[x > 0]))
    return float(np.sqrt(max(0.0, 0.5 * kl(p) + 0.5 * kl(q))))
e = eigs(W); s2 = np.sum(W * W) / W.size; lp = s2 * (np.sqrt(W.shape[0]) + np.sqrt(W.shape[1])) ** 2
d = []; r = []
for seed in range(5):
    er = eigs(np.random.default_rng(seed).permutation(W.ravel()).reshape(W.shape))
    d.append(js(e, er)); r.append(np.sqrt(er.max()))
out = [float(np.mean(d)), float(np.std(d)), float(np.mean(r)), float(np.std(r)), float(np.mean(np.square(r)) / lp)]`, { w: c.w }) as number[];
    const [dMean, dSd, rMean, rSd, rOverLplus] = ref;
    const d = est.metrics.randDistance!;
    const rn = est.metrics.randSpectralNorm!;
    if (c.heavy) {
      assert.equal(d, exact.metrics.randDistance, c.name);
      assert.equal(rn, exact.metrics.randSpectralNorm, c.name);
    }
    assert.ok(Math.abs(d - dMean) <= 0.04, `${c.name}: d_rand estimate ${d.toFixed(4)} vs exact ${dMean.toFixed(4)} ± ${dSd.toFixed(4)}`);
    assert.ok(Math.abs(rn - rMean) <= Math.max(0.02 * rMean, 3 * rSd), `${c.name}: ‖Wʳ‖₂ estimate ${rn} vs exact ${rMean} ± ${rSd}`);
    // our exact path is one of those permutations' kind: inside the same spread
    assert.ok(Math.abs(exact.metrics.randDistance! - dMean) <= Math.max(0.03, 4 * dSd), `${c.name}: exact d_rand ${exact.metrics.randDistance} vs numpy ${dMean} ± ${dSd}`);
    const trapped = (r: typeof est) => r.flags.some((f) => f.id === 'correlationTrap');
    if (Math.abs(rOverLplus - 1.5) > 0.2) assert.equal(trapped(est), rOverLplus > 1.5, `${c.name}: trap flag (exact λ_max/λ₊ = ${rOverLplus.toFixed(3)})`);
    assert.equal(trapped(exact), trapped(est), `${c.name}: the exact path flags the same`);
  }
});
