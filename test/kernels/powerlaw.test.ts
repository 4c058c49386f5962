// The power-law tail fit against a direct numpy implementation of WeightWatcher's convention and
// against samples of known Pareto laws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitPowerLaw, mulberry32, singularValues } from '../../src/engine/kernels';
import { noNumpy, numpy, randomMatrix } from './helpers';

// The convention written independently, vectorised per candidate (measures.md): drop λ ≤ 1e-5; every
// x_i but the largest is a candidate; α_i = 1 + n/Σ_{j≥i} ln(x_j/x_i); D_i = max_k |1 − (x_{i+k}/x_i)^{1−α_i} − k/n|
// (1 if α_i ≤ 1); first smallest D.
const numpyFit = `
def fit(ev, xmin=None, xmin_max=None):
    x = np.sort(ev[ev > 1e-5]); N = len(x)
    def at(i, xm):
        t = x[i:]; n = len(t)
        a = 1 + n / np.sum(np.log(t / xm))
        D = 1.0 if a <= 1 else np.max(np.abs(1 - (t / xm) ** (1 - a) - np.arange(n) / n))
        return a, D, n
    if xmin is not None:
        i = int(np.searchsorted(x, xmin, side='left')); a, D, n = at(i, xmin)
        return [a, xmin, D, n]
    best = None
    for i in range(N - 1):
        if xmin_max is not None and x[i] > xmin_max: break
        a, D, n = at(i, x[i])
        if best is None or D < best[2]: best = [a, x[i], D, n]
    return best
`;

test('fitPowerLaw equals a direct numpy implementation of the convention (α ≤ 1e-10 rel., x_min exact, D ≤ 1e-12)', { skip: noNumpy }, async () => {
  // realistic ESDs: a heavy-tailed random matrix (Student-t-like entries), a Gaussian one (MP bulk),
  // and raw samples with ties and values below the 1e-5 floor
  const u = mulberry32(11);
  const heavy = Float32Array.from(randomMatrix(300, 500, 3), (g) => g / Math.pow(u() + 0.02, 0.6));
  const esdHeavy = (await singularValues(heavy, 300, 500, { precision: 'float64' })).eig;
  const esdMp = (await singularValues(Float32Array.from(randomMatrix(200, 400, 4, 0.05)), 200, 400, { precision: 'float64' })).eig;
  const raw = Float64Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? 1e-6 : Math.round(Math.exp(4 * u()) * 100) / 100));
  const sets = [esdHeavy, esdMp, raw];
  const ref = numpy(`${numpyFit}
sets = [s0, s1, s2]
out = [fit(s) for s in sets] + [fit(s0, xmin=float(np.median(s0))), fit(s1, xmin_max=float(np.median(s1)))]`, { s0: sets[0], s1: sets[1], s2: sets[2] }) as [number, number, number, number][];
  const ours = [
    ...sets.map((s) => fitPowerLaw(s)),
    fitPowerLaw(sets[0], { xmin: median(sets[0]) }),
    fitPowerLaw(sets[1], { xminMax: median(sets[1]) }),
  ];
  ours.forEach((f, i) => {
    const [alpha, xmin, D, n] = ref[i];
    assert.equal(f.status, 'ok');
    assert.ok(Math.abs(f.alpha - alpha) <= 1e-10 * alpha, `set ${i}: α ${f.alpha} vs ${alpha}`);
    assert.equal(f.xmin, xmin, `set ${i}: x_min`);
    assert.ok(Math.abs(f.D - D) <= 1e-12, `set ${i}: D ${f.D} vs ${D}`);
    assert.equal(f.n, n, `set ${i}: n`);
    assert.ok(Math.abs(f.sigma - (f.alpha - 1) / Math.sqrt(n)) <= 1e-15 * f.alpha);
  });
  assert.equal(ours[2].numEigs, 392, 'the 8 values ≤ 1e-5 are dropped');
});

function median(x: ArrayLike<number>): number {
  const s = Float64Array.from(x).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

test('fitPowerLaw recovers α ± 0.1 from 5000 samples of Pareto laws with α = 2.5 and 3.5 (inverse CDF)', () => {
  for (const alpha of [2.5, 3.5]) {
    const u = mulberry32(Math.round(alpha * 10));
    // P(X > x) = (x/x₀)^{1−α}  ⇒  X = x₀·(1 − U)^{−1/(α−1)}, x₀ = 0.5
    const xs = Float64Array.from({ length: 5000 }, () => 0.5 * Math.pow(1 - u(), -1 / (alpha - 1)));
    const fit = fitPowerLaw(xs);
    assert.equal(fit.status, 'ok');
    assert.ok(Math.abs(fit.alpha - alpha) < 0.1, `α̂ = ${fit.alpha} for α = ${alpha}`);
    assert.ok(fit.n >= 500, `tail of ${fit.n} samples`);
  }
});

test('too few eigenvalues, degenerate tails and bad input', () => {
  const few = fitPowerLaw([1, 2, 3, 4, 5, 6, 7, 8, 9, 1e-6, 0]);
  assert.equal(few.status, 'too-few');
  assert.equal(few.numEigs, 9);
  assert.match(few.reason!, /^9 eigenvalues above 0.00001 \(at least 10 are needed/);
  assert.equal(fitPowerLaw([]).status, 'too-few');
  // ten equal values: every α_i is infinite, so D = 1 everywhere and the first candidate is kept
  const flat = fitPowerLaw(new Array(10).fill(2));
  assert.equal(flat.status, 'ok');
  assert.equal(flat.D, 1);
  assert.equal(flat.xmin, 2);
  assert.equal(fitPowerLaw(Float64Array.from({ length: 20 }, (_, i) => i + 1), { xminMax: 0.5 }).status, 'too-few');
  assert.throws(() => fitPowerLaw([1, 2, NaN]), /eigenvalue 2 is NaN/);
  assert.throws(() => fitPowerLaw(Float64Array.from({ length: 20 }, (_, i) => i + 1), { xmin: 0 }), /xmin must be positive/);
});
