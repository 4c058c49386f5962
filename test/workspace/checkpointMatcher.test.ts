// Path patterns resolved against real files: the fixture training script's three export lines
// against the fixture folder, relative/absolute/leading-variable resolution, newest-first ordering
// by the substituted number (not the string), and the most-specific-pattern rule.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { isSeries, matchAll, matchPattern, newestFirst, patternRegExps, specificity } from '../../src/workspace/checkpointMatcher';
import { findCheckpointRefs, type PathPart } from '../../src/workspace/checkpointRefs';
import { fixtureFiles, fmnist, haveFixtures } from '../helpers/fixtureReports';

const parts = (src: string): PathPart[] => findCheckpointRefs(src, 'python')[0].parts;
const names = (ms: { path: string }[]) => ms.map((m) => m.path);

test('train.py against the fixture folder: each export line gets the files it writes, newest first', { skip: !haveFixtures && 'no fixtures' }, () => {
  const refs = findCheckpointRefs(readFileSync(join(fmnist, 'train.py'), 'utf8'), 'python');
  const files = fixtureFiles();
  const all = matchAll(refs.map((r) => r.parts), fmnist, [fmnist], files).map((ms) => ms.map((m) => relative(fmnist, m.path)).sort());
  const models = ['cnn', 'cnn_bn', 'mlp', 'mlp_noise30', 'mlp_tanh', 'run_mlp'];
  assert.deepEqual(all[0], models.map((m) => `${m}.init.onnx`));
  assert.deepEqual(all[1], ['05', '10', '15', '20', '25', '30'].map((e) => join('run_mlp', `epoch_${e}.onnx`)));
  // {name}.onnx matches every .onnx, but the init files and epochs belong to the more specific patterns
  assert.deepEqual(all[2], models.map((m) => `${m}.onnx`));
  const epochs = matchAll(refs.map((r) => r.parts), fmnist, [fmnist], files)[1];
  assert.deepEqual(epochs.map((m) => m.captures[0]), ['30', '25', '20', '15', '10', '05']);
  assert.equal(isSeries(epochs), true);
  assert.equal(isSeries(matchAll(refs.map((r) => r.parts), fmnist, [fmnist], files)[2]), false);
});

test('relative patterns resolve against the file folder and every workspace folder; `..` and `.` work', () => {
  const files = [
    { path: '/ws/a/scripts/out/e1.onnx', mtime: 1 },
    { path: '/ws/a/ckpt/e2.onnx', mtime: 2 },
    { path: '/ws/b/out/e3.onnx', mtime: 3 },
    { path: '/elsewhere/out/e4.onnx', mtime: 4 },
  ];
  const p = parts('x = f"out/e{n}.onnx"');
  assert.deepEqual(names(matchPattern(p, '/ws/a/scripts', ['/ws/a', '/ws/b'], files)).sort(), ['/ws/a/scripts/out/e1.onnx', '/ws/b/out/e3.onnx']);
  assert.deepEqual(names(matchPattern(parts('x = "../ckpt/e2.onnx"'), '/ws/a/scripts', ['/ws/a'], files)), ['/ws/a/ckpt/e2.onnx']);
  assert.deepEqual(names(matchPattern(parts('x = "./out/e1.onnx"'), '/ws/a/scripts', [], files)), ['/ws/a/scripts/out/e1.onnx']);
  // a leading variable is any folder, anywhere
  assert.deepEqual(names(matchPattern(parts('x = os.path.join(d, "out", f"e{n}.onnx")'), '/ws/a', [], files)), ['/elsewhere/out/e4.onnx', '/ws/b/out/e3.onnx', '/ws/a/scripts/out/e1.onnx']);
  // absolute
  assert.deepEqual(names(matchPattern(parts('x = "/elsewhere/out/e4.onnx"'), '/ws/a', ['/ws/a'], files)), ['/elsewhere/out/e4.onnx']);
  // Windows separators in the file list
  assert.deepEqual(names(matchPattern(p, 'C:\\ws', [], [{ path: 'C:\\ws\\out\\e9.onnx', mtime: 0 }])), ['C:\\ws\\out\\e9.onnx']);
  // regex metacharacters in folder names are literal
  assert.equal(patternRegExps(p, '/w+s (1)', [])[0].test('/w+s (1)/out/e1.onnx'), true);
  assert.equal(patternRegExps(p, '/w+s (1)', [])[0].test('/wws (1)/out/e1.onnx'), false);
});

test('a wildcard matches within one path segment; `*/` (a variable folder) matches one or more', () => {
  const files = [{ path: '/r/out/x/e1.onnx', mtime: 0 }, { path: '/r/out/e1.onnx', mtime: 0 }];
  assert.deepEqual(names(matchPattern(parts('x = f"out/e{n}.onnx"'), '/r', [], files)), ['/r/out/e1.onnx']);
  assert.deepEqual(names(matchPattern(parts('x = f"out/{sub}/e{n}.onnx"'), '/r', [], files)), ['/r/out/x/e1.onnx']);
});

test('newest first: by the substituted number (5 < 10 < 100), else by modification time', () => {
  const ms = [5, 100, 10].map((e, i) => ({ path: `/r/epoch_${e}.onnx`, mtime: 10 - i, captures: [String(e)] }));
  assert.deepEqual(newestFirst(ms).map((m) => m.captures[0]), ['100', '10', '5']);
  const named = [{ path: '/r/b.onnx', mtime: 5, captures: ['b'] }, { path: '/r/a.onnx', mtime: 9, captures: ['a'] }, { path: '/r/c.onnx', mtime: 1, captures: ['c'] }];
  assert.deepEqual(newestFirst(named).map((m) => m.captures[0]), ['a', 'b', 'c']);
  assert.equal(isSeries(named), false);
  // two substitutions: the last numeric one orders (run name, then step)
  const two = [['a', '3'], ['b', '12'], ['a', '7']].map(([r, s], i) => ({ path: `/x/${r}_${s}.onnx`, mtime: i, captures: [r, s] }));
  assert.deepEqual(newestFirst(two).map((m) => m.captures.join('_')), ['b_12', 'a_7', 'a_3']);
});

test('specificity counts literal characters', () => {
  assert.equal(specificity(parts('x = os.path.join(out, f"{name}.init.onnx")')), '.init.onnx'.length);
  assert.equal(specificity(parts('x = f"{name}.onnx"')), '.onnx'.length);
  // a file matched by two patterns goes to the more specific one only
  const files = [{ path: '/r/m.init.onnx', mtime: 0 }, { path: '/r/m.onnx', mtime: 0 }];
  const [a, b] = matchAll([parts('x = f"{n}.onnx"'), parts('x = f"{n}.init.onnx"')], '/r', [], files);
  assert.deepEqual(names(a), ['/r/m.onnx']);
  assert.deepEqual(names(b), ['/r/m.init.onnx']);
});
