// Ordering and grouping of checkpoints for the comparison view.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultGroup, groupCheckpoints } from '../../src/workspace/checkpointGroups';
import { epochOf, naturalCompare, orderCheckpoints } from '../../src/workspace/checkpointOrder';

test('epoch numbers from names', () => {
  assert.equal(epochOf('epoch_05.onnx'), 5);
  assert.equal(epochOf('/runs/a1/ckpt-1200.onnx'), 1200);
  assert.equal(epochOf('model_v2_step300'), 300);
  assert.equal(epochOf('run_mlp.init.onnx'), null);
  assert.equal(epochOf('final.onnx'), null);
});

test('epoch order whatever the padding; init first; mtime when names carry no numbers', () => {
  const xs = ['epoch_100', 'epoch_5', 'epoch_10', 'epoch_05b'].map((n, i) => ({ path: `/r/${n}.onnx`, mtime: 100 - i }));
  assert.deepEqual(orderCheckpoints(xs).map((x) => x.path), ['/r/epoch_5.onnx', '/r/epoch_05b.onnx', '/r/epoch_10.onnx', '/r/epoch_100.onnx']);
  const withInit = [{ path: '/r/e2.onnx', mtime: 1 }, { path: '/r/x.init.onnx', mtime: 9 }, { path: '/r/e1.onnx', mtime: 2 }];
  assert.deepEqual(orderCheckpoints(withInit).map((x) => x.path), ['/r/x.init.onnx', '/r/e1.onnx', '/r/e2.onnx']);
  const named = [{ path: '/r/best.onnx', mtime: 30 }, { path: '/r/last.onnx', mtime: 10 }, { path: '/r/e3.onnx', mtime: 20 }];
  assert.deepEqual(orderCheckpoints(named).map((x) => x.path), ['/r/last.onnx', '/r/e3.onnx', '/r/best.onnx']);
  assert.ok(naturalCompare('e2', 'e10') < 0);
});

test('groups: one per folder, X.init.onnx joins run folder X, the largest numbered run shown first', () => {
  const f = (p: string) => ({ path: `/ws/${p}`, mtime: 0 });
  const groups = groupCheckpoints([f('mlp.onnx'), f('run_mlp.init.onnx'), f('run_mlp/epoch_10.onnx'), f('run_mlp/epoch_5.onnx'), f('cnn.init.onnx'), f('other/a.onnx')], ['/ws']);
  assert.deepEqual(groups.map((g) => [g.id, g.files.map((x) => x.label)]), [
    ['.', ['cnn.init', 'mlp']],
    ['other', ['a']],
    ['run_mlp', ['run_mlp.init', 'epoch_5', 'epoch_10']],
  ]);
  assert.deepEqual(groups[2].files.map((x) => [x.rel, x.epoch]), [['run_mlp.init.onnx', 0], ['run_mlp/epoch_5.onnx', 5], ['run_mlp/epoch_10.onnx', 10]]);
  assert.equal(defaultGroup(groups)?.id, 'run_mlp');
  // outside every workspace folder: the absolute folder is the group
  assert.equal(groupCheckpoints([{ path: '/tmp/x/e1.onnx', mtime: 0 }], ['/ws'])[0].id, '/tmp/x');
});
