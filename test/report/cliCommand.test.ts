// The footer's CLI command reproduces the panel's numbers: run it through a real shell (paths with
// spaces and quotes) and compare with the report it was made from.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { cliCommand, shellQuote } from '../../src/report/cliCommand';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { cliJs, cliReport } from '../helpers/cliReport';

describe('shellQuote', () => {
  it('leaves plain paths alone and single-quotes the rest', () => {
    assert.equal(shellQuote('/a/b-c_d.onnx'), '/a/b-c_d.onnx');
    assert.equal(shellQuote('/a b/c.onnx'), `'/a b/c.onnx'`);
    assert.equal(shellQuote(`it's`), `'it'\\''s'`);
    assert.equal(shellQuote('$(rm -rf ~)'), `'$(rm -rf ~)'`);
  });
});

describe('cliCommand', () => {
  it('names every non-default setting', () => {
    const r = {
      model: { path: '/m.onnx' }, init: { path: '/i.onnx' }, data: { path: '/p.npz', inputKey: 'images', labelKey: 'labels' }, testData: { path: '/t.npz' }, trainSize: 3000,
      landscape: { alphas: [-1, 0, 1], loss1d: [1, 0, 1], betas: [-1, 0, 1], loss2d: [] },
      settings: { provider: 'cpu', precision: 'float64', seed: 3, delta: 0.01, mcDraws: 20, convExact: false, randomize: false, foldBatchNorm: false, convWeightWatcher: true },
    } as unknown as Report;
    assert.equal(cliCommand(r), 'theory-lens analyze /m.onnx --init /i.onnx --data /p.npz --test-data /t.npz --train-size 3000 --data-keys images,labels --provider cpu --precision float64 --seed 3 --delta 0.01 --mc-draws 20 --no-conv-exact --conv-ww --no-randomize --no-fold-bn --landscape 3 --landscape-2d --json');
    const exact = { ...r, settings: { ...r.settings, randomize: true, randomizeExact: true } } as Report;
    assert.match(cliCommand(exact), / --randomize-exact /);
    assert.doesNotMatch(cliCommand(exact), /--no-randomize/);
  });

  it('run in a shell, it prints the same numbers', { skip: requireEvidence(haveFixtures || 'no ../shared/fixtures') }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-cli-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const odd = join(dir, `it's a run`);
    mkdirSync(odd);
    copyFileSync(fixture('mlp.onnx'), join(odd, 'mlp.onnx'));
    copyFileSync(fixture('mlp.init.onnx'), join(odd, 'mlp.init.onnx'));
    const r = cliReport([join(odd, 'mlp.onnx'), '--init', join(odd, 'mlp.init.onnx'), '--seed', '3', '--no-randomize']);
    const cmd = cliCommand(r);
    assert.match(cmd, /--seed 3/);
    assert.match(cmd, /--no-randomize/);
    const out = execFileSync('bash', ['-c', cmd.replace(/^theory-lens /, `${shellQuote(process.execPath)} ${shellQuote(cliJs)} `) + ' --quiet'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const again = JSON.parse(out) as Report;
    assert.equal(again.model.path, r.model.path);
    assert.equal(again.init?.path, r.init?.path);
    assert.deepEqual(again.settings, r.settings);
    assert.deepEqual(again.measures, r.measures);
    assert.deepEqual(again.layers.map((l) => l.metrics), r.layers.map((l) => l.metrics));
  });
});
