// Conventions that find the init checkpoint and probe data beside a checkpoint, and the options built
// from settings (src/vscode/options.ts), on temporary folders laid out as training runs leave them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findInit, findProbe, optionsFor, resolveSetting, type Settings } from '../../src/workspace/options';

const root = mkdtempSync(join(tmpdir(), 'tl-options-'));
after(() => rmSync(root, { recursive: true, force: true }));

function layout(name: string, files: string[]): string {
  const dir = join(root, name);
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  return dir;
}

const settings: Settings = {
  executionProvider: 'auto', precision: 'float32', probeData: '', testData: '', probeKeys: '', trainSize: 0, initPattern: '',
  convExact: true, seed: 0, delta: 0.05, mcDraws: 10, landscapePoints: 21, landscape2d: false, forwardPasses: true, randomize: true, randomizeExact: false,
};

describe('findInit', () => {
  it('prefers X.init.onnx, then init.onnx, then epoch_00 / epoch_0', () => {
    const d = layout('a', ['model.onnx', 'model.init.onnx', 'init.onnx', 'epoch_00.onnx']);
    assert.equal(findInit(join(d, 'model.onnx'), ''), join(d, 'model.init.onnx'));
    const e = layout('b', ['model.onnx', 'init.onnx', 'epoch_00.onnx']);
    assert.equal(findInit(join(e, 'model.onnx'), ''), join(e, 'init.onnx'));
    const f = layout('c', ['epoch_10.onnx', 'epoch_00.onnx', 'epoch_0.onnx']);
    assert.equal(findInit(join(f, 'epoch_10.onnx'), ''), join(f, 'epoch_00.onnx'));
    const g = layout('d', ['epoch_10.onnx', 'epoch_0.onnx']);
    assert.equal(findInit(join(g, 'epoch_10.onnx'), ''), join(g, 'epoch_0.onnx'));
  });
  it('never pairs a checkpoint with itself, and an init checkpoint has none', () => {
    const d = layout('e', ['epoch_00.onnx', 'm.init.onnx', 'm.onnx']);
    assert.equal(findInit(join(d, 'epoch_00.onnx'), ''), undefined);
    assert.equal(findInit(join(d, 'm.init.onnx'), ''), undefined);
  });
  it('finds the run folder’s init beside the folder (run_mlp/epoch_05.onnx → run_mlp.init.onnx)', () => {
    const d = layout('f', ['run_mlp/epoch_05.onnx', 'run_mlp.init.onnx']);
    assert.equal(findInit(join(d, 'run_mlp', 'epoch_05.onnx'), ''), join(d, 'run_mlp.init.onnx'));
  });
  it('theoryLens.initPattern comes first, relative to the checkpoint, with ${name}', () => {
    const d = layout('g', ['ckpt/net.onnx', 'ckpt/init.onnx', 'inits/net-start.onnx']);
    assert.equal(findInit(join(d, 'ckpt', 'net.onnx'), '../inits/${name}-start.onnx'), join(d, 'inits', 'net-start.onnx'));
    // a pattern that matches nothing falls back to the conventions
    assert.equal(findInit(join(d, 'ckpt', 'net.onnx'), '../nowhere/${name}.onnx'), join(d, 'ckpt', 'init.onnx'));
  });
  it('finds nothing when nothing is there', () => {
    const d = layout('h', ['alone.onnx']);
    assert.equal(findInit(join(d, 'alone.onnx'), ''), undefined);
  });
});

describe('findProbe', () => {
  it('prefers a name containing "train", and a test probe containing "test"', () => {
    const d = layout('p1', ['m.onnx', 'a_val.npz', 'probe_train.npz', 'probe_test.npz']);
    assert.equal(findProbe(join(d, 'm.onnx'), 'train'), join(d, 'probe_train.npz'));
    assert.equal(findProbe(join(d, 'm.onnx'), 'test'), join(d, 'probe_test.npz'));
  });
  it('takes the only .npz as training probe, unless it is a test probe', () => {
    const d = layout('p2', ['m.onnx', 'batch.npz']);
    assert.equal(findProbe(join(d, 'm.onnx'), 'train'), join(d, 'batch.npz'));
    assert.equal(findProbe(join(d, 'm.onnx'), 'test'), undefined);
    const e = layout('p3', ['m.onnx', 'heldout_test.npz']);
    assert.equal(findProbe(join(e, 'm.onnx'), 'train'), undefined);
  });
  it('looks in the parent folder when there is none beside the checkpoint', () => {
    const d = layout('p4', ['run/epoch_05.onnx', 'train.npz', 'test.npz']);
    assert.equal(findProbe(join(d, 'run', 'epoch_05.onnx'), 'train'), join(d, 'train.npz'));
    assert.equal(findProbe(join(d, 'run', 'epoch_05.onnx'), 'test'), join(d, 'test.npz'));
  });
});

describe('optionsFor', () => {
  it('turns settings and conventions into AnalyzeOptions', () => {
    const d = layout('o1', ['m.onnx', 'm.init.onnx', 'probe_train.npz', 'probe_test.npz']);
    const o = optionsFor(join(d, 'm.onnx'), { ...settings, trainSize: 3000, precision: 'float64', seed: 7 }, d);
    assert.deepEqual(o, {
      model: join(d, 'm.onnx'), init: join(d, 'm.init.onnx'), data: join(d, 'probe_train.npz'), testData: join(d, 'probe_test.npz'),
      trainSize: 3000, provider: 'auto', precision: 'float64', convExact: true, seed: 7, delta: 0.05, mcDraws: 10, landscapePoints: 21, randomize: true,
    });
  });
  it('randomizeExact reaches the options only when on', () => {
    const d = layout('o1b', ['m.onnx']);
    assert.equal(optionsFor(join(d, 'm.onnx'), { ...settings, randomizeExact: true }, d).randomizeExact, true);
    assert.equal('randomizeExact' in optionsFor(join(d, 'm.onnx'), settings, d), false);
  });
  it('settings paths resolve against the workspace; probe keys split into x and y; m = 0 means unknown', () => {
    const d = layout('o2', ['m.onnx', 'data/p.npz', 'data/t.npz']);
    const o = optionsFor(join(d, 'm.onnx'), { ...settings, probeData: 'data/p.npz', testData: join(d, 'data', 't.npz'), probeKeys: 'images, labels', landscape2d: true }, d);
    assert.equal(o.data, join(d, 'data', 'p.npz'));
    assert.equal(o.testData, join(d, 'data', 't.npz'));
    assert.deepEqual(o.dataKeys, { x: 'images', y: 'labels' });
    assert.equal(o.trainSize, undefined);
    assert.equal(o.landscape2d, true);
  });
  it('forwardPasses off drops the probes; the user’s choices override conventions', () => {
    const d = layout('o3', ['m.onnx', 'init.onnx', 'probe_train.npz']);
    const off = optionsFor(join(d, 'm.onnx'), { ...settings, forwardPasses: false }, d);
    assert.equal(off.data, undefined);
    assert.equal(off.testData, undefined);
    const chosen = optionsFor(join(d, 'm.onnx'), settings, d, { init: '/elsewhere/i.onnx', data: '/elsewhere/p.npz' });
    assert.equal(chosen.init, '/elsewhere/i.onnx');
    assert.equal(chosen.data, '/elsewhere/p.npz');
  });
  it('a chosen training probe keeps the test probe found beside the checkpoint (or beside the chosen probe)', () => {
    const d = layout('o5', ['m.onnx', 'probe_test.npz', 'other/clean_train.npz']);
    // no training probe by convention (the only .npz says test): the choice still gets the test probe
    const o = optionsFor(join(d, 'm.onnx'), settings, d, { data: join(d, 'other', 'clean_train.npz') });
    assert.equal(o.data, join(d, 'other', 'clean_train.npz'));
    assert.equal(o.testData, join(d, 'probe_test.npz'));
    const e = layout('o6', ['m.onnx', 'probes/a_train.npz', 'probes/a_test.npz']);
    const p = optionsFor(join(e, 'm.onnx'), settings, e, { data: join(e, 'probes', 'a_train.npz') });
    assert.equal(p.testData, join(e, 'probes', 'a_test.npz'));
    // choosing the test probe itself as the training probe: no test probe equal to it
    const q = optionsFor(join(d, 'm.onnx'), settings, d, { data: join(d, 'probe_test.npz') });
    assert.equal(q.testData, undefined);
  });
  it('a test probe equal to the training probe is left out', () => {
    const d = layout('o4', ['m.onnx', 'train_and_test.npz']);
    const o = optionsFor(join(d, 'm.onnx'), settings, d);
    assert.equal(o.data, join(d, 'train_and_test.npz'));
    assert.equal(o.testData, undefined);
  });
  it('resolveSetting: empty is unset; relative needs a workspace', () => {
    assert.equal(resolveSetting('', '/w'), undefined);
    assert.equal(resolveSetting('a/b.npz', undefined), undefined);
    assert.equal(resolveSetting('a/b.npz', '/w'), '/w/a/b.npz');
    assert.equal(resolveSetting('/abs.npz', '/w'), '/abs.npz');
  });
});
