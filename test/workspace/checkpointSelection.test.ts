// The comparison's selection (src/workspace/checkpointSelection.ts, vscode-free): the largest run is
// selected the first time the view is shown, checkpoints written later join a run the user follows
// (every checkpoint ticked) or a new run while nothing is selected, and never a run partly ticked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointSelection } from '../../src/workspace/checkpointSelection';

const ROOT = '/ws';
const file = (rel: string, mtime = 1) => ({ path: `${ROOT}/${rel}`, mtime });
const base = [file('run/epoch_1.onnx'), file('run/epoch_2.onnx'), file('run/epoch_3.onnx'), file('other/a.onnx'), file('b.onnx')];
const labels = (s: CheckpointSelection) => s.columns().map((c) => c.rel);

describe('CheckpointSelection', () => {
  it('selects nothing before the view is shown, then the largest numbered run once', () => {
    const s = new CheckpointSelection();
    s.regroup(base, [ROOT], false);
    assert.deepEqual(labels(s), []);
    s.regroup(base, [ROOT], true);
    assert.deepEqual(labels(s), ['run/epoch_1.onnx', 'run/epoch_2.onnx', 'run/epoch_3.onnx']);
    s.toggle(`${ROOT}/run/epoch_2.onnx`, false);
    s.regroup(base, [ROOT], true);
    assert.deepEqual(labels(s), ['run/epoch_1.onnx', 'run/epoch_3.onnx'], 'the default is made once, not again');
  });

  it('a checkpoint written into a followed run joins the comparison; into a partly ticked run it does not', () => {
    const s = new CheckpointSelection();
    s.regroup(base, [ROOT], true);
    const before = s.groups;
    const more = [...base, file('run/epoch_4.onnx')];
    s.regroup(more, [ROOT], true);
    s.addCreated([`${ROOT}/run/epoch_4.onnx`], before);
    assert.deepEqual(labels(s), ['run/epoch_1.onnx', 'run/epoch_2.onnx', 'run/epoch_3.onnx', 'run/epoch_4.onnx']);
    s.toggle(`${ROOT}/run/epoch_1.onnx`, false);
    const before2 = s.groups;
    s.regroup([...more, file('run/epoch_5.onnx')], [ROOT], true);
    s.addCreated([`${ROOT}/run/epoch_5.onnx`], before2);
    assert.ok(!s.has(`${ROOT}/run/epoch_5.onnx`));
  });

  it('a new run joins while nothing is selected; a deleted checkpoint leaves the selection; selectOnly and selectGroup', () => {
    const s = new CheckpointSelection();
    s.regroup(base, [ROOT], true);
    s.selectGroup('run', false);
    assert.equal(s.size, 0);
    const before = s.groups;
    s.regroup([...base, file('fresh/x.onnx')], [ROOT], true);
    s.addCreated([`${ROOT}/fresh/x.onnx`], before);
    assert.deepEqual(labels(s), ['fresh/x.onnx']);
    s.regroup(base, [ROOT], true);
    assert.equal(s.size, 0, 'the deleted file is no longer selected');
    s.selectOnly([`${ROOT}/b.onnx`, `${ROOT}/other/a.onnx`]);
    assert.deepEqual(labels(s), ['b.onnx', 'other/a.onnx']);
    assert.equal(s.groupOf(`${ROOT}/other/a.onnx`), 'other');
  });
});
