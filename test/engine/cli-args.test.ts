// The CLI's argument parsing: every option, and a usage error (never a crash) for bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../src/cli/main';
import { repoRoot } from '../helpers/fixtures';

const model = join(repoRoot, 'examples', 'mlp.onnx');
const init = join(repoRoot, 'examples', 'mlp.init.onnx');
const probe = join(repoRoot, 'examples', 'probe_train.npz');

test('analyze with every option', () => {
  const a = parseArgs(['analyze', model, '--init', init, '--data', probe, '--test-data', probe, '--data-keys', 'images,labels',
    '--train-size', '3000', '--json', '--provider', 'cpu', '--precision', 'float64', '--seed', '7', '--delta', '0.01',
    '--mc-draws', '5', '--landscape', '11', '--landscape-2d', '--no-conv-exact', '--conv-ww', '--no-randomize', '--no-fold-bn', '--threads', '2', '--quiet']);
  assert.equal(a.command, 'analyze');
  assert.equal(a.format, 'json');
  assert.deepEqual(a.options, {
    model, init, data: probe, testData: probe, dataKeys: { x: 'images', y: 'labels' }, trainSize: 3000, provider: 'cpu',
    precision: 'float64', seed: 7, delta: 0.01, mcDraws: 5, landscapePoints: 11, landscape2d: true, convExact: false,
    convWeightWatcher: true, randomize: false, foldBatchNorm: false, threads: 2,
  });
  assert.equal(a.quiet, true);
  assert.equal(parseArgs(['analyze', model, '--randomize-exact']).options?.randomizeExact, true);
  assert.equal(parseArgs(['analyze', model]).options?.randomizeExact, undefined, 'the default comes from DEFAULTS');
});

test('bad arguments are usage errors that say what is wrong', () => {
  const cases: [string[], RegExp][] = [
    [['analyze'], /needs a MODEL/],
    [['analyze', model, '--bogus'], /unknown option '--bogus'/],
    [['analyze', '/nonexistent/x.onnx'], /no such file/],
    [['analyze', model, '--init'], /needs a file path/],
    [['analyze', model, '--train-size', 'many'], /--train-size: 'many' is not an integer/],
    [['analyze', model, '--train-size', '0'], /≥ 1/],
    [['analyze', model, '--provider', 'tpu'], /auto, cpu or cuda/],
    [['analyze', model, '--precision', 'half'], /float32 or float64/],
    [['analyze', model, '--delta', '2'], /≤ 0.5/],
    [['analyze', model, model], /one model per run/],
    [['frobnicate'], /unknown command/],
    [['measures', '--x'], /unknown argument/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseArgs(argv), (e: Error) => e instanceof UsageError && re.test(e.message), argv.join(' '));
  }
});

test('help, version and measures', () => {
  assert.equal(parseArgs([]).command, 'help');
  assert.equal(parseArgs(['--help']).command, 'help');
  assert.equal(parseArgs(['--version']).command, 'version');
  assert.deepEqual(parseArgs(['measures', '--json']), { command: 'measures', format: 'json', quiet: true });
});
