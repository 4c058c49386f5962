// The speed work on the forward analysis (src/engine/forward/tuning.ts) changes how many passes are made,
// never the estimates: on the cnn fixture with its training probe, the previous code path
// (PREVIOUS_TUNING) and the current one give IDENTICAL σ′ searches (σ′, bracketed, early stop, the
// accuracy of every step evaluated in full), an identical Dziugaite–Roy search and certificate, and
// bit-identical logits with and without spinning intra-op threads — while the current path evaluates
// fewer examples. Tolerance: none (exact equality); the early stops are decisions that are certain, not
// estimates. The golden-section search with "beat" thresholds is checked against the plain one on
// random objectives with ties, perturbations from the NoiseCache against regenerated ones, and
// fillGaussian against gaussian().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProbeAgainstModel, loadProbe } from '../../../src/data/probe';
import { fillGaussian, gaussian, mulberry32 } from '../../../src/engine/kernels/random';
import { dziugaiteRoyBound, golden, type Beat } from '../../../src/engine/forward/drSearch';
import { isotropic, magnitudeAware, NoiseCache, perturb } from '../../../src/engine/forward/noise';
import { ProbeEval } from '../../../src/engine/forward/probeEval';
import { ACCURACY_DROP, DROP_TOLERANCE, sigmaSearch } from '../../../src/engine/forward/sigmaSearch';
import { FORWARD_TUNING, PREVIOUS_TUNING, type ForwardTuning } from '../../../src/engine/forward/tuning';
import { ForwardModel, type Param } from '../../../src/engine/runtime';
import { loadCheckpointSync } from '../../../src/onnx';
import { requireEvidence } from '../../helpers/evidence';
import { fixture, haveFixtures } from '../../helpers/fixtures';

const skip = requireEvidence(haveFixtures || 'no ../shared/fixtures (the cnn fixture and its probe)');

async function withTuning<T>(t: ForwardTuning, f: () => Promise<T>): Promise<T> {
  const saved = { ...FORWARD_TUNING };
  Object.assign(FORWARD_TUNING, t);
  try {
    return await f();
  } finally {
    Object.assign(FORWARD_TUNING, saved);
  }
}

async function cnn(t: ForwardTuning) {
  const ckpt = loadCheckpointSync(fixture('cnn.onnx'));
  const model = await ForwardModel.open(ckpt, { provider: 'cpu', spinning: t.spinning, threads: t.threads });
  const p = loadProbe(fixture('probe_train.npz'));
  return { model, probe: new ProbeEval(model, p.x, p.y, checkProbeAgainstModel(p, ckpt.inputs[0]).perExample) };
}

const CURRENT: ForwardTuning = { ...FORWARD_TUNING };

test('the current tuning differs from the previous code path (else this file checks nothing)', () => {
  assert.notDeepEqual(CURRENT, { ...PREVIOUS_TUNING });
  assert.equal(CURRENT.earlyStop, true);
});

test('cnn fixture: logits are bit-identical with and without spinning intra-op threads (clean and perturbed weights)', { skip }, async () => {
  const a = await cnn(PREVIOUS_TUNING);
  const b = await cnn(CURRENT);
  for (const m of [a, b]) perturb(m.model, isotropic(m.model.params, 0.05), 7, 1, 0);
  for (const restore of [false, true]) {
    if (restore) for (const m of [a, b]) m.model.restore();
    const la = (await a.probe.logits()).logits;
    const lb = (await b.probe.logits()).logits;
    assert.equal(la.length, 5000);
    assert.deepEqual(lb, la);
  }
  await a.model.release();
  await b.model.release();
});

test('cnn fixture: σ′ searches (10 draws, as the CLI) are identical on the previous and current paths, with fewer examples', { skip }, async () => {
  for (const kind of ['iso', 'mag'] as const) {
    const run = (t: ForwardTuning) => withTuning(t, async () => {
      const { model, probe } = await cnn(t);
      const base = (await probe.evaluate()).accuracy;
      const before = model.examples;
      const r = await sigmaSearch(model, probe, base, kind, { seed: 0, draws: 10 });
      const examples = model.examples - before;
      await model.release();
      return { r, base, examples };
    });
    const old = await run(PREVIOUS_TUNING);
    const now = await run(CURRENT);
    assert.equal(now.r.sigma, old.r.sigma, `${kind}: σ′`);
    assert.equal(now.r.bracketed, old.r.bracketed);
    assert.equal(now.r.stoppedEarly, old.r.stoppedEarly);
    assert.deepEqual(now.r.steps.map((s) => s.sigma), old.r.steps.map((s) => s.sigma), `${kind}: the same σ tried in the same order`);
    const target = old.base - ACCURACY_DROP - DROP_TOLERANCE;
    now.r.steps.forEach((s, i) => {
      if (s.draws === 10) assert.equal(s.accuracy, old.r.steps[i].accuracy, `${kind} step ${i}: full evaluation, same mean`);
      else assert.ok(s.draws < 10 && s.accuracy < target && old.r.steps[i].accuracy < target, `${kind} step ${i}: stopped after ${s.draws} draws, certainly below ${target}`);
    });
    assert.ok(now.examples < old.examples, `${kind}: ${now.examples} examples evaluated < ${old.examples}`);
    if (kind === 'iso') assert.ok(now.r.steps.some((s) => s.draws < 10), 'the isotropic search stops some steps early');
  }
});

test('cnn fixture: the Dziugaite–Roy search and certificate are identical on the previous and current paths', { skip }, async () => {
  const run = (t: ForwardTuning) => withTuning(t, async () => {
    const { model, probe } = await cnn(t);
    const sub = probe.subset(Int32Array.from({ length: 240 }, (_, i) => 2 * i));
    const before = model.examples;
    const b = await dziugaiteRoyBound(model, sub, null, { m: 3000, delta: 0.05, seed: 0, draws: 4, finalDraws: 12, classes: 10 });
    const examples = model.examples - before;
    await model.release();
    return { b, examples };
  });
  const old = await run(PREVIOUS_TUNING);
  const now = await run(CURRENT);
  assert.equal(now.b.value, old.b.value);
  const { candidatesTried: triedNow, ...detailsNow } = now.b.details as Record<string, unknown>;
  const { candidatesTried: triedOld, ...detailsOld } = old.b.details as Record<string, unknown>;
  assert.deepEqual(detailsNow, detailsOld, 'chosen posterior, Monte-Carlo errors, KL, λ, complexity');
  assert.equal(triedNow, (triedOld as number) - 2, 'the two golden-section winners are not scored again');
  assert.ok(now.examples < old.examples, `${now.examples} examples evaluated < ${old.examples}`);
});

test('golden-section search with beat thresholds takes the same steps as with exact scores (random objectives with ties)', async () => {
  let calls = 0;
  let ties = 0;
  for (let seed = 0; seed < 200; seed++) {
    const u = mulberry32(seed);
    const D = 5;
    // score(t) = mean over D non-negative terms, quantised so that ties happen; partial sums grow with the terms.
    const c = u() * 4 - 2;
    const w = 0.5 + u() * 3;
    const terms = (t: number) => Array.from({ length: D }, (_, d) => Math.round(((t - c) ** 2 * w + ((d * 7 + seed) % 3) / 10) * 4) / 4);
    const exact = async (t: number) => terms(t).reduce((a, b) => a + b, 0) / D;
    const early = async (t: number, beat: Beat) => {
      let sum = 0;
      for (const [d, x] of terms(t).entries()) {
        sum += x;
        calls++;
        const v = sum / D;
        if (d + 1 < D && beat && ('below' in beat ? v >= beat.below : v > beat.atMost)) return v;
      }
      return sum / D;
    };
    const seen = new Set<number>();
    const a = await golden(async (t) => {
      const v = await exact(t);
      if (seen.has(v)) ties++;
      seen.add(v);
      return v;
    }, -3, 3, 12);
    const b = await golden(early, -3, 3, 12);
    assert.equal(b.t, a.t, `seed ${seed}`);
    assert.equal(b.score, a.score, `seed ${seed}: the winner's score is exact`);
  }
  assert.ok(calls < 0.9 * 200 * 12 * 5, `early stopping saved terms: ${calls} of ${200 * 12 * 5}`);
  assert.ok(ties > 50, `ties occurred (${ties})`);
});

test('NoiseCache: perturbations from cached normals equal the regenerated ones bit for bit; over its budget it regenerates', () => {
  const u = mulberry32(5);
  const param = (n: number, k: number): Param => {
    const values = Float32Array.from({ length: n }, () => u() * 2 - 1);
    return { name: `p${k}`, layer: `l${k}`, kind: 'weight', dims: [n], dtype: 'float32', values, current: values.slice(), filters: { outer: 1, count: 1, inner: n } };
  };
  const params = [param(300, 0), param(7, 1), param(1000, 2)];
  const model = { params, size: 1307 } as unknown as ForwardModel;
  const current = () => params.map((p) => p.current.slice());
  for (const maxBytes of [64 << 20, 1307 * 8 * 2]) {
    const cache = new NoiseCache(maxBytes);
    for (let rep = 0; rep < 2; rep++) {
      for (const scale of [isotropic(params, 0.3), magnitudeAware(params, 0.7, 1e-3)]) {
        for (let d = 0; d < 4; d++) {
          perturb(model, scale, 11, 1, d);
          const plain = current();
          perturb(model, scale, 11, 1, d, cache);
          assert.deepEqual(current(), plain, `draw ${d}, budget ${maxBytes}`);
        }
      }
    }
    assert.equal(cache.get(model, 11, 1, 3) === undefined, maxBytes < 1307 * 8 * 4, 'draws over the budget are not kept');
  }
});

test('fillGaussian gives exactly the values of gaussian() (odd and even lengths, many seeds)', () => {
  for (let seed = 0; seed < 300; seed++) {
    const n = 1 + ((seed * 37) % 200);
    const out = new Float64Array(n);
    fillGaussian(seed * 2654435761, out);
    const g = gaussian(seed * 2654435761);
    for (let i = 0; i < n; i++) assert.equal(out[i], g(), `seed ${seed}, value ${i}`);
  }
});
