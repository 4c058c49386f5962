// The Dziugaite–Roy search against brute force: on the cnn fixture (240 probe examples, the search's own
// selection half, its common random numbers), the golden-section search of each posterior family finds a
// score no worse than the best of a 49-point grid over the same σ interval (the objective evaluated in
// full at every grid point), and the search that dziugaiteRoyBound runs picks the σ of the better family's
// golden-section result. Deterministic (seeded draws): a failure is a search defect, not noise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProbeAgainstModel, loadProbe } from '../../../src/data/probe';
import { dziugaiteRoyBound, golden, GOLDEN_STEPS, searchObjective, SIGMA_RANGE, splitProbe } from '../../../src/engine/forward/drSearch';
import type { NoiseScale } from '../../../src/engine/forward/noise';
import { ProbeEval } from '../../../src/engine/forward/probeEval';
import { MAG_EPS } from '../../../src/engine/forward/sigmaSearch';
import { ForwardModel } from '../../../src/engine/runtime';
import { loadCheckpointSync } from '../../../src/onnx';
import { requireEvidence } from '../../helpers/evidence';
import { fixture, haveFixtures } from '../../helpers/fixtures';

const skip = requireEvidence(haveFixtures || 'no ../shared/fixtures (the cnn fixture and its probe)');

test('Dziugaite–Roy search: each golden-section search scores at least as well as a 49-point grid of the same objective; the search keeps the better family\'s σ', { skip, timeout: 600_000 }, async () => {
  const ckpt = loadCheckpointSync(fixture('cnn.onnx'));
  const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
  try {
    const p = loadProbe(fixture('probe_train.npz'));
    const probe = new ProbeEval(model, p.x, p.y, checkProbeAgainstModel(p, ckpt.inputs[0]).perExample).subset(Int32Array.from({ length: 240 }, (_, i) => 2 * i));
    const o = { m: 3000, delta: 0.05, seed: 0, draws: 4, finalDraws: 12, classes: 10 };
    // what dziugaiteRoyBound does before its search: the selection half, ‖w − 0‖² (no init)
    const sel = probe.subset(splitProbe(probe.n, o.seed).A);
    let distSq = 0;
    for (const q of model.params) for (const v of q.values) distSq += v * v;
    const score = searchObjective(model, sel, o, distSq);
    const scale = (sigma: number, relative: boolean): NoiseScale => ({ sigma: model.params.map(() => sigma), relative, eps: relative ? MAG_EPS : 0 });
    const found: Record<string, { sigma: number; score: number }> = {};
    for (const [family, relative] of [['isotropic', false], ['magnitude-aware', true]] as const) {
      const [lo, hi] = SIGMA_RANGE[relative ? 'magnitudeAware' : 'isotropic'];
      const seen: number[] = [];
      const g = await golden(async (t, beat) => {
        const v = await score(scale(Math.exp(t), relative), beat);
        seen.push(v);
        return v;
      }, Math.log(lo), Math.log(hi), GOLDEN_STEPS);
      // it returns the best candidate it scored (a losing candidate's value is at least the one it lost to)
      assert.equal(seen.length, GOLDEN_STEPS, `${family}: ${GOLDEN_STEPS} candidates scored`);
      assert.equal(g.score, Math.min(...seen), `${family}: the winner is the best scored`);
      const grid: { t: number; score: number }[] = [];
      for (let i = 0; i < 49; i++) {
        const t = Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / 48;
        grid.push({ t, score: await score(scale(Math.exp(t), relative), null) });
      }
      const best = grid.reduce((a, b) => (b.score < a.score ? b : a));
      const worst = grid.reduce((a, b) => (b.score > a.score ? b : a));
      // evidence that the objective varies over the interval (else any search would pass)
      assert.ok(worst.score - best.score > 0.05, `${family}: the objective spans ${best.score}…${worst.score} over the grid`);
      // the golden-section winner's score is its objective evaluated in full
      assert.equal(await score(scale(Math.exp(g.t), relative), null), g.score, `${family}: the winner's score is exact`);
      assert.ok(g.score <= best.score + 1e-12, `${family}: golden-section ${g.score} at σ = ${Math.exp(g.t)} vs grid minimum ${best.score} at σ = ${Math.exp(best.t)}`);
      found[family] = { sigma: Math.exp(g.t), score: g.score };
    }
    // the search itself: the better family and its σ (the same objective and draws), unless a per-layer
    // sweep improved on it
    const b = await dziugaiteRoyBound(model, probe, null, o);
    const search = String((b.details as Record<string, unknown>).search);
    const family = found.isotropic.score <= found['magnitude-aware'].score ? 'isotropic' : 'magnitude-aware';
    assert.ok(search.startsWith(family), `search "${search}", expected the ${family} family`);
    if (!search.includes('per-layer')) assert.match(search, new RegExp(`σ = ${found[family].sigma.toPrecision(3).replace('.', '\\.')}\\b`), `search "${search}" vs golden σ ${found[family].sigma}`);
  } finally {
    await model.release();
  }
});
