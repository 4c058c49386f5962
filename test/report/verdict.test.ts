// The plain-language verdict on real reports of the fixtures, and its arithmetic.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { gapStandardError, NO_ROBUST_MEASURE, verdictItems } from '../../src/report/verdict';
import { bestBound } from '../../src/report/bestBound';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { cliReport } from '../helpers/cliReport';

const full = () => cliReport([fixture('mlp.onnx'), '--init', fixture('mlp.init.onnx'), '--data', fixture('probe_train.npz'), '--test-data', fixture('probe_test.npz'), '--train-size', '3000', '--landscape', '0']);

describe('verdictItems', () => {
  it('on the MLP fixture: vacuous bound said so, the probe gap with its standard error, α layers named, citations from the report', { skip: requireEvidence(haveFixtures || 'no ../shared/fixtures') }, () => {
    const r = full();
    const items = verdictItems(r);
    const by = Object.fromEntries(items.map((i) => [i.id, i]));
    // every bound is vacuous for this small MLP at m = 3000; the smallest are the compression certificate
    // (≈ 0.9997: a 4035-bit low-rank code whose network keeps 0.23 probe accuracy) and the searched PAC-Bayes
    // bound (≈ 0.99997), against Bartlett's ≈ 3.5e5, Golowich's ≈ 2.2e6 and Neyshabur's ≈ 8.1e8
    assert.ok(r.bounds.every((x) => x.value === null || x.vacuous), 'every bound is vacuous for this small MLP at m = 3000');
    // the lead is the smallest computed bound, 0.999…: below 1, so never shown as a bare "1" (issue 11)
    const lead = bestBound(r)!;
    assert.equal(lead.value, Math.min(...r.bounds.filter((x) => x.value !== null).map((x) => x.value!)));
    assert.ok(lead.value! < 1 && lead.value! > 0.999);
    assert.ok(r.bounds.find((x) => x.id === 'dziugaiteRoy2017')!.value! > 0.9999);
    assert.match(by.bound.headline, /^Best certified bound on the test error: 0\.999\d* — vacuous$/);
    assert.match(by.bound.text, /no better than guessing among 10 classes \(error ≥ 1 − 1\/10 = 0\.9\)/);
    assert.ok(by.bound.text.startsWith(`${lead.name} (${lead.reference}`), by.bound.text);
    // gap: the fixture's recorded probe accuracies (PyTorch) are 0.9 and 0.772 on 500 + 500 examples
    assert.ok(by.gap.headline.includes('0.9 (train) vs 0.772 (test)'), by.gap.headline);
    const se = Math.sqrt((0.9 * 0.1) / 500 + (0.772 * 0.228) / 500); // 0.02365
    assert.ok(by.gap.text.includes(`0.128 ± ${Number(se.toPrecision(2))}`), by.gap.text);
    const low = r.layers.filter((l) => (l.metrics.alpha ?? 9) < 2).map((l) => l.module ?? l.name);
    assert.ok(low.length > 0);
    assert.ok(by.alpha.text.includes(`${low.length} layer(s) below 2`));
    for (const name of low) assert.ok(by.alpha.text.includes(name));
    assert.ok(by.alpha.text.includes(r.measures.wwMeanAlpha.reference));
    const flat = r.measures.magFlatness;
    assert.ok(by.magFlatness.text.includes(`${flat.reference}${flat.equation ? `, eq. ${flat.equation}` : ''}`));
    assert.ok(by.logProdSpec.headline.startsWith(r.measures.logProdSpec.name));
    assert.match(NO_ROBUST_MEASURE, /Jiang et al\. 2020/);
    assert.match(NO_ROBUST_MEASURE, /Dziugaite et al\. 2020/);
  });

  it('weights only: no bound, with what it needs; no gap; α still read', { skip: requireEvidence(haveFixtures || 'no ../shared/fixtures') }, () => {
    const r = cliReport([fixture('mlp.onnx')]);
    const ids = verdictItems(r).map((i) => i.id);
    assert.deepEqual(ids, ['bound', 'alpha', 'logProdSpec']);
    assert.match(verdictItems(r)[0].text, /need probe data and the training-set size m/);
  });

  it('a non-vacuous bound is stated with its confidence and the caveat about the randomised classifier', () => {
    const r = {
      settings: { delta: 0.05 }, data: { classes: 10, examples: 100 }, trainSize: 60000, layers: [], measures: {},
      bounds: [
        { id: 'x', name: 'Loose', value: 0.95, vacuous: true, assumptions: [], reference: 'A 2000' },
        { id: 'y', name: 'PAC-Bayes', value: 0.161, vacuous: false, assumptions: [], reference: 'Dziugaite & Roy 2017' },
      ],
    } as unknown as Report;
    const [b] = verdictItems(r);
    assert.equal(b.tone, 'good');
    assert.equal(b.headline, 'Best certified bound on the test error: 0.161 — non-vacuous');
    assert.match(b.text, /^PAC-Bayes \(Dziugaite & Roy 2017\): with probability at least 0\.95 /);
    assert.match(b.text, /randomised classifier/);
  });

  it('gapStandardError is the binomial standard error of a difference', () => {
    assert.ok(Math.abs(gapStandardError(0.5, 100, 0.5, 100) - Math.sqrt(0.005)) < 1e-15);
    assert.equal(gapStandardError(1, 10, 0, 10), 0);
  });
});

describe('verdictItems when forward passes failed', () => {
  it('says the bound is missing because the forward passes failed, not that data is missing', () => {
    const r = { settings: {}, layers: [], measures: {}, bounds: [], data: { classes: 10, examples: 500 }, trainSize: 3000, runtime: { provider: null, error: 'probe x does not fit' } } as unknown as Report;
    const [b] = verdictItems(r);
    assert.equal(b.id, 'bound');
    assert.match(b.text, /forward passes on the probe data, and those failed/);
  });
});
