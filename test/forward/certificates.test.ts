// The exact PAC-Bayes KL terms, the held-out certificate and the compression code length against
// independent computations: closed forms, a brute-force λ scan and SciPy (gaussian KL via
// scipy.stats multivariate entropy identities, binomial tail via scipy.stats.binom), and direct counts
// of sequences (BigInt factorials and exhaustive enumeration). Needs python3 with numpy and scipy (fails
// without them: the evidence would be missing).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { klAtOptimalPrior, klIsotropicOptimal, pacBayesKlBound } from '../../src/engine/bounds/exactKl';
import { binomialTailInverse, heldOutCertificate, logBinomialCdf } from '../../src/engine/bounds/heldOut';
import {
  choiceBits, COMPRESSION_STEPS, headerBits, indexBits, log2Compositions, log2Multinomial, logFactorial, nearestStep, occamCertify, quantise, stepAt, tensorBits,
} from '../../src/engine/bounds/compression';
import { gaussianKl, klInverseUpper, bestPrior, pacBayesComplexity } from '../../src/engine/bounds';

const python = (code: string): unknown => {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python3 with numpy/scipy is needed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

test('KL at the optimal prior variance: closed form, brute-force λ scan, isotropic form', () => {
  const k = 1000;
  for (const [sigma, distSq] of [[0.01, 3.5], [0.2, 40], [1e-3, 1e-8], [0.05, 0]]) {
    const s2 = sigma * sigma;
    const opt = klAtOptimalPrior(k * s2, k * Math.log(s2), distSq, k);
    // λ* = s² + ‖Δ‖²/k and the KL there equals (k/2) ln(1 + ‖Δ‖²/(k s²))
    assert.ok(Math.abs(opt.lambda - (s2 + distSq / k)) <= 1e-15 * opt.lambda);
    const closed = klIsotropicOptimal(sigma, distSq, k);
    assert.ok(Math.abs(opt.kl - closed) <= 1e-9 * Math.max(1, closed), `σ ${sigma}: ${opt.kl} vs ${closed}`);
    assert.ok(Math.abs(gaussianKl(k * s2, k * Math.log(s2), distSq, k, opt.lambda) - opt.kl) <= 1e-9 * Math.max(1, closed));
    // no λ on a fine log grid does better (tolerance 1e-9 relative)
    for (let t = -12; t <= 2; t += 0.01) {
      const v = gaussianKl(k * s2, k * Math.log(s2), distSq, k, Math.exp(t * Math.LN10));
      assert.ok(v >= opt.kl - 1e-9 * Math.max(1, Math.abs(opt.kl)), `λ = 1e${t}: ${v} < ${opt.kl}`);
    }
  }
  assert.equal(klIsotropicOptimal(0.1, 0, 50), 0);
  assert.throws(() => klIsotropicOptimal(0, 1, 5), /σ = 0/);
});

test('magnitude-aware KL at the optimal λ equals SciPy/numpy on explicit diagonal Gaussians', () => {
  // w, w⁰ and sᵢ = σ²wᵢ² + ε² for 7 weights; KL of diagonal Gaussians written out in numpy, λ* by scipy minimize_scalar
  const w = [0.3, -1.2, 0.05, 0.9, -0.4, 2.1, 0.0];
  const w0 = [0.1, -1.0, 0.2, 0.5, -0.1, 1.5, 0.3];
  const sigma = 0.37;
  const eps = 1e-3;
  const s = w.map((v) => sigma * sigma * v * v + eps * eps);
  const sSum = s.reduce((a, b) => a + b, 0);
  const sLog = s.reduce((a, b) => a + Math.log(b), 0);
  const dist = w.reduce((a, v, i) => a + (v - w0[i]) ** 2, 0);
  const ours = klAtOptimalPrior(sSum, sLog, dist, w.length);
  const ref = python(`
import json, numpy as np
from scipy.optimize import minimize_scalar
w = np.array(${JSON.stringify(w)}); w0 = np.array(${JSON.stringify(w0)}); s = ${sigma}**2 * w**2 + ${eps}**2
def kl(lam):  # KL(N(w, diag s) || N(w0, lam I)), term by term
    return float(np.sum(0.5 * (s / lam + (w - w0)**2 / lam - 1 + np.log(lam / s))))
r = minimize_scalar(lambda t: kl(np.exp(t)), bounds=(-30, 5), method='bounded', options={'xatol': 1e-12})
print(json.dumps([float(np.exp(r.x)), kl(float(np.exp(r.x)))]))`) as number[];
  assert.ok(Math.abs(ours.lambda - ref[0]) <= 1e-6 * ref[0], `λ* ${ours.lambda} vs ${ref[0]}`);
  assert.ok(Math.abs(ours.kl - ref[1]) <= 1e-9 * Math.abs(ref[1]), `KL ${ours.kl} vs ${ref[1]}`);
});

test('PAC-Bayes-kl bound value: grid prior + kl⁻¹ as the certified bound computes them', () => {
  const k = 5000;
  const s2 = 0.02 ** 2;
  const r = pacBayesKlBound(0.15, k * s2, k * Math.log(s2), 12, k, 4000, 0.05);
  const p = bestPrior(k * s2, k * Math.log(s2), 12, k);
  const c = pacBayesComplexity(p.kl, p.j, 4000, 0.05);
  assert.equal(r.kl, p.kl);
  assert.equal(r.bound, klInverseUpper(0.15, c));
  assert.ok(r.bound > 0.15 && r.bound < 1);
});

test('held-out certificate: binomial tail inverse equals SciPy binom.cdf; kl form is looser', () => {
  const cases: [number, number, number][] = [[0, 100, 0.05], [7, 500, 0.05], [120, 500, 0.01], [499, 500, 0.05], [31, 1000, 0.1], [3, 20, 0.05]];
  const ours = cases.map(([k, n, d]) => binomialTailInverse(k, n, d));
  const ref = python(`
import json
from scipy.stats import binom
from scipy.optimize import brentq
cases = ${JSON.stringify(cases)}
print(json.dumps([brentq(lambda p: binom.cdf(k, n, p) - d, k / n, 1 - 1e-15, xtol=1e-15) for k, n, d in cases]))`) as number[];
  cases.forEach(([k, n, d], i) => {
    assert.ok(Math.abs(ours[i] - ref[i]) <= 1e-9, `Bin⁻¹(${n}, ${k}, ${d}) = ${ours[i]} vs SciPy ${ref[i]}`);
    const c = heldOutCertificate(k, n, d);
    assert.ok(c.klBound >= c.bound - 1e-12, `Chernoff relaxation ${c.klBound} below the exact tail ${c.bound}`);
    assert.equal(c.klBound, klInverseUpper(k / n, Math.log(1 / d) / n));
  });
  // k = 0 closed form: (1 − p)^n = δ
  assert.ok(Math.abs(binomialTailInverse(0, 100, 0.05) - (1 - 0.05 ** (1 / 100))) < 1e-10);
  const lref = python(`import json; from scipy.stats import binom; print(json.dumps([float(binom.logcdf(40, 300, 0.2)), float(binom.logcdf(2, 50, 0.3))]))`) as number[];
  assert.ok(Math.abs(logBinomialCdf(40, 300, 0.2) - lref[0]) < 1e-10);
  assert.ok(Math.abs(logBinomialCdf(2, 50, 0.3) - lref[1]) < 1e-10);
  assert.equal(binomialTailInverse(10, 10, 0.05), 1);
  assert.throws(() => binomialTailInverse(3, 2, 0.05), /0 ≤ k = 3 ≤ n = 2/);
});

const bigFact = (n: number): bigint => {
  let r = 1n;
  for (let i = 2n; i <= BigInt(n); i++) r *= i;
  return r;
};
/** ⌈log₂ x⌉ of a positive BigInt, exactly. */
/** A field's length is ⌈log₂ count⌉ rounded up safely: the exact value, or one bit more when log₂ count is within 1e-9 of an integer. */
const within = (ours: number, exact: number, what: string) => assert.ok(ours === exact || ours === exact + 1, `${what}: ${ours} bits, exact ⌈log₂⌉ ${exact}`);
const ceilLog2 = (x: bigint): number => {
  let b = 0;
  while (1n << BigInt(b) < x) b++;
  return b;
};

test('code length: log-factorials, compositions and multinomials equal exact BigInt counts', () => {
  for (const n of [0, 1, 5, 100, 256, 257, 1000, 5000]) {
    const exact = (() => {
      // ln n! from BigInt via its bit length and leading digits
      const f = bigFact(n);
      const s = f.toString();
      const lead = Number(s.slice(0, 17));
      return Math.log(lead) + (s.length - 17 > 0 ? (s.length - 17) * Math.LN10 : Math.log(Number(s) / lead));
    })();
    assert.ok(Math.abs(logFactorial(n) - exact) <= 1e-9 * Math.max(1, exact), `ln ${n}! = ${logFactorial(n)} vs ${exact}`);
  }
  for (const counts of [[3, 0, 2], [900, 50, 50], [10, 0, 0, 0, 1], [4000, 123, 77, 12, 5, 1, 0]]) {
    const n = counts.reduce((a, b) => a + b, 0);
    const multi = bigFact(n) / counts.reduce((a, c) => a * bigFact(c), 1n);
    within(indexBits(log2Multinomial(counts)), ceilLog2(multi), `multinomial ${counts}`);
    const a = counts.length;
    const comp = bigFact(n + a - 1) / (bigFact(a - 1) * bigFact(n));
    within(indexBits(log2Compositions(n, a)), ceilLog2(comp), `compositions n=${n} a=${a}`);
    const t = tensorBits(counts);
    const exact = Math.ceil(Math.log2(COMPRESSION_STEPS)) + ceilLog2(comp) + ceilLog2(multi);
    assert.ok(t >= exact && t <= exact + 2, `tensor bits ${t} vs exact ${exact}`);
    assert.equal(choiceBits(COMPRESSION_STEPS), 6);
  }
});

test('code length: exhaustive enumeration of every sequence of 3 symbols of length 8 (a direct count)', () => {
  const N = 8;
  const A = 3;
  const byCounts = new Map<string, number>();
  for (let code = 0; code < A ** N; code++) {
    const counts = [0, 0, 0];
    let c = code;
    for (let i = 0; i < N; i++) {
      counts[c % A]++;
      c = Math.floor(c / A);
    }
    byCounts.set(counts.join(), (byCounts.get(counts.join()) ?? 0) + 1);
  }
  // the count field indexes every count vector; the sequence field every sequence with those counts
  within(indexBits(log2Compositions(N, A)), Math.ceil(Math.log2(byCounts.size)), 'count vectors');
  let kraft = 0;
  for (const [key, num] of byCounts) {
    const counts = key.split(',').map(Number);
    within(indexBits(log2Multinomial(counts)), Math.ceil(Math.log2(num)), key);
    assert.ok(2 ** indexBits(log2Multinomial(counts)) >= num, `${key}: ${num} sequences do not fit`);
    kraft += num * 2 ** -(indexBits(log2Compositions(N, A)) + indexBits(log2Multinomial(counts)));
  }
  assert.ok(kraft <= 1 + 1e-12, `Kraft sum ${kraft} > 1`);
  assert.equal(headerBits(), 3 + 1 + 2); // ⌈log₂ 5⌉ for L, 1 for the reference, ⌈log₂ 4⌉ for the rank fraction
  // a field of 2ᵉ choices costs exactly e bits (no safety margin: the count is an integer)
  assert.deepEqual([1, 2, 3, 4, 5, 64, 65].map(choiceBits), [0, 1, 2, 2, 3, 6, 7]);
});

test('quantisation and the Occam certificate', () => {
  const w = Float32Array.from([0.1, -0.25, 0.5, 0.02, -1.0]);
  const ref = Float32Array.from([0, 0, 0.5, 0, 0]);
  const out = new Float32Array(5);
  const counts = quantise(w, ref, 0.25, 1, out);
  // (w − r)/h = 0.4, −1, 0, 0.08, −4 → q = 0, −1, 0, 0, −1 (clamped)
  assert.deepEqual(Array.from(counts), [2, 3, 0]);
  assert.deepEqual(Array.from(out), [0, -0.25, 0.5, 0, -0.25]);
  assert.equal(stepAt(nearestStep(0.25)), 0.25);
  assert.equal(nearestStep(0), COMPRESSION_STEPS - 1);
  // Occam: kl⁻¹(ê_S upper, (ℓ ln 2 + ln(2/δ))/m), ê_S upper from A exactly and C by kl⁻¹ with ln(2/δ)/n_C
  const c = occamCertify({ bits: 20000, m: 60000, delta: 0.05, errorsA: 40, nA: 250, errorsC: 45, nC: 250 });
  const rest = klInverseUpper(45 / 250, Math.log(2 / 0.05) / 250);
  const eS = (40 + (60000 - 250) * rest) / 60000;
  assert.ok(Math.abs(c.trainErrorUpper - eS) < 1e-15);
  assert.equal(c.bound, klInverseUpper(eS, (20000 * Math.LN2 + Math.log(2 / 0.05)) / 60000));
  const whole = occamCertify({ bits: 100, m: 500, delta: 0.05, errorsA: 50, nA: 500, errorsC: 0, nC: 0 });
  assert.equal(whole.trainErrorUpper, 0.1);
});
