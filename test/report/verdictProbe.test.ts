// Verdict sentences chosen by the data: a model that fits its training probe, one that does not, and a
// probe that does not carry the model's training labels (mlp_noise30, trained on 30 % noisy labels,
// with the fixtures' clean-label probe: PyTorch measured 0.708 on it, fixtures.json).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { probeSuspicion, SUSPECT_TRAIN_ACCURACY } from '../../src/report/probeSanity';
import { FITS_TRAIN_ERROR, probeFit, verdictItems } from '../../src/report/verdict';
import { fixture, fixturesJson } from '../helpers/fixtures';
import { cliReport } from '../helpers/cliReport';

const STOCK = 'vacuous bounds are the rule for networks that fit their training data';

/** A report with a vacuous bound and the two probe accuracies (500 examples each). */
function synthetic(train: number, test: number | null): Report {
  return {
    settings: { delta: 0.05 }, data: { path: 'p.npz', examples: 500, classes: 10 }, trainSize: 3000, layers: [], warnings: [],
    ...(test !== null ? { testData: { path: 't.npz', examples: 500, classes: 10 } } : {}),
    measures: {
      trainAccuracy: { value: train, name: 'Probe accuracy (train)', formula: '', reference: 'r' },
      ...(test !== null ? { testAccuracy: { value: test, name: 'Probe accuracy (test)', formula: '', reference: 'r' } } : {}),
    },
    bounds: [{ id: 'b', name: 'Bound', value: 0.97, vacuous: true, assumptions: [], reference: 'DR17' }],
  } as unknown as Report;
}

describe('probe sanity', () => {
  it('below 0.8, or significantly below the test probe, is suspect; otherwise not', () => {
    assert.equal(SUSPECT_TRAIN_ACCURACY, 0.8);
    assert.ok(probeSuspicion({ trainAccuracy: 0.79, trainExamples: 500 }));
    assert.equal(probeSuspicion({ trainAccuracy: 0.81, trainExamples: 500 }), null);
    // 0.85 vs 0.95 on 500 + 500: s.e. √(0.85·0.15/500 + 0.95·0.05/500) = 0.01871, difference 0.1 > 2 s.e.
    assert.match(probeSuspicion({ trainAccuracy: 0.85, trainExamples: 500, testAccuracy: 0.95, testExamples: 500 })!.why, /worse on the training probe/);
    // 0.85 vs 0.86: 0.01 < 2 · 0.0222
    assert.equal(probeSuspicion({ trainAccuracy: 0.85, trainExamples: 500, testAccuracy: 0.86, testExamples: 500 }), null);
  });
});

describe('verdict chosen by the data', () => {
  it('a model that fits its training probe: the stock sentence about fitting networks, and the gap', () => {
    const items = verdictItems(synthetic(0.99, 0.8));
    const by = Object.fromEntries(items.map((i) => [i.id, i]));
    assert.ok(by.bound.text.includes(STOCK), by.bound.text);
    assert.ok(by.bound.text.includes('accuracy 0.99'));
    assert.ok(by.gap.text.includes('the most direct evidence here'));
    assert.equal(probeFit(synthetic(1 - FITS_TRAIN_ERROR, null)).kind, 'fits');
  });

  it('a model that does not fit it: its training error named, no stock sentence, the gap kept', () => {
    const items = verdictItems(synthetic(0.9, 0.8));
    const by = Object.fromEntries(items.map((i) => [i.id, i]));
    assert.ok(!by.bound.text.includes(STOCK));
    assert.ok(by.bound.text.includes('gets 0.1 of its training probe wrong'), by.bound.text);
    assert.ok(by.gap);
    assert.equal(by.probe, undefined);
  });

  it('no probe: neither sentence', () => {
    const r = synthetic(0.9, null);
    delete (r as { data?: unknown }).data;
    delete (r.measures as Record<string, unknown>).trainAccuracy;
    const bound = verdictItems(r).find((i) => i.id === 'bound')!;
    assert.ok(!bound.text.includes(STOCK));
    assert.ok(bound.text.endsWith('Its complexity term is too large for m = 3,000 training examples.'), bound.text);
  });

  it('mlp_noise30 with the clean-label probe: warning in the report and the verdict, gap sentence left out', () => {
    const r = cliReport([fixture('mlp_noise30.onnx'), '--data', fixture('probe_train.npz'), '--test-data', fixture('probe_test.npz'), '--train-size', '3000', '--landscape', '0']);
    const want = fixturesJson().models.mlp_noise30.probe_train_acc; // 0.708, measured by PyTorch
    assert.ok(Math.abs(r.measures.trainAccuracy.value! - want) < 1e-6, `${r.measures.trainAccuracy.value} vs ${want}`);
    assert.ok(r.warnings.some((w) => /may not carry the labels the model was trained on/.test(w) && /probeKeys/.test(w)), r.warnings.join('\n'));
    const items = verdictItems(r);
    const ids = items.map((i) => i.id);
    assert.ok(ids.includes('probe'));
    assert.ok(!ids.includes('gap'));
    const all = items.map((i) => `${i.headline} ${i.text}`).join('\n');
    assert.ok(!all.includes('most direct evidence'));
    assert.ok(!all.includes(STOCK));
    assert.match(items.find((i) => i.id === 'probe')!.headline, /^Training-probe accuracy 0\.708: the probe may not carry/);
  });
});
