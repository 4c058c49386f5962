// "Not computed, and how to enable it" on real reports: weights only, and a probe that does not fit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { missingSteps } from '../../webview/common/notComputed';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { buildModel, mlp } from '../helpers/onnx-writer';
import { cliReport } from '../helpers/cliReport';

describe('missingSteps', () => {
  it('weights only: one step per missing input, every null measure listed under each input it needs', { skip: !haveFixtures }, () => {
    const r = cliReport([fixture('mlp.onnx')]);
    const steps = missingSteps(r);
    const by = Object.fromEntries(steps.map((s) => [s.need, s]));
    assert.deepEqual(steps.map((s) => s.need).filter((n) => n !== 'undefined'), ['data', 'init', 'trainSize', 'testData'].filter((n) => by[n]));
    assert.equal(by.data.title, 'Needs probe data');
    assert.match(by.data.step, /Set `theoryLens\.probeData`, or drop a `\.npz` beside the checkpoint/);
    assert.equal(by.data.action, 'chooseProbe');
    assert.equal(by.init.action, 'chooseInit');
    assert.equal(by.init.setting, 'theoryLens.initPattern');
    const nulls = Object.entries(r.measures).filter(([, m]) => m.value === null);
    for (const [id, m] of nulls) {
      for (const need of m.needs ?? []) assert.ok(by[need].items.some((i) => i.id === id), `${id} under ${need}`);
      if (!m.needs?.length) assert.ok(by.undefined.items.some((i) => i.id === id), `${id} as undefined`);
    }
    const pb = by.data.items.find((i) => i.id === 'pacbayesInit')!;
    assert.deepEqual(pb.also.sort(), ['init', 'trainSize']);
  });

  it('a probe that does not fit the model: the failure is the step, with its message', { skip: !haveFixtures }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-nc-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const model = join(dir, 'small.onnx');
    writeFileSync(model, buildModel(mlp([6, 4, 3])).bytes);
    const r = cliReport([model, '--data', fixture('probe_train.npz')]);
    assert.ok(r.runtime?.error, 'forward passes failed');
    const data = missingSteps(r).find((s) => s.need === 'data')!;
    assert.equal(data.title, 'Forward passes failed on the probe data');
    assert.ok(data.step.startsWith(r.runtime!.error!));
    assert.match(data.step, /784 values per example where the model needs 6/);
  });

  it('nothing missing: no steps', () => {
    assert.deepEqual(missingSteps({ measures: { a: { value: 1, name: 'a', formula: '', reference: '' } }, bounds: [] } as never), []);
  });
});

describe('missingSteps, undefined measures', () => {
  it('keeps the reason without repeating the title', () => {
    const steps = missingSteps({
      measures: { a: { value: null, name: 'A', formula: '', reference: '', reason: 'not defined for this model (a zero or non-finite norm)' } }, bounds: [],
    } as never);
    assert.equal(steps.length, 1);
    assert.equal(steps[0].title, 'Not defined for this model');
    assert.equal(steps[0].step, 'a zero or non-finite norm. Nothing to add: these measures do not apply here.');
  });
});
