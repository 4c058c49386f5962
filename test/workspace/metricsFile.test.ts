// Metrics files for Kendall τ: CSV and JSON shapes, keyed by checkpoint name or by epoch, and the
// error for each kind of bad file (naming the file and what is wrong).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnOrientation, defaultColumn, metricsRowFor, parseMetricsFile, splitCsvLine } from '../../src/workspace/metricsFile';

test('CSV keyed by checkpoint name (the e2e workspace file), names with folders and .onnx', () => {
  const t = parseMetricsFile('checkpoint,test_acc\nepoch_05,0.74\nepoch_10,0.76\nrun_mlp/epoch_15.onnx,0.77\n', 'run_mlp/metrics.csv');
  assert.equal(t.keyColumn, 'checkpoint');
  assert.deepEqual(t.columns, ['test_acc']);
  assert.deepEqual(t.rows.map((r) => [r.name, r.epoch, r.values.test_acc]), [['epoch_05', 5, 0.74], ['epoch_10', 10, 0.76], ['epoch_15', 15, 0.77]]);
  assert.equal(metricsRowFor(t, '/ws/run_mlp/epoch_10.onnx')?.values.test_acc, 0.76);
  assert.equal(metricsRowFor(t, '/ws/run_mlp/epoch_20.onnx'), undefined);
});

test('CSV keyed by epoch, several columns, quotes, percentages, blank cells, comments, tabs', () => {
  const t = parseMetricsFile('# from the training log\nepoch,"test acc",test_loss,note\n5,74%,0.71,"a, b"\n10,76.5%,,x\n', 'log.csv');
  assert.equal(t.keyColumn, 'epoch');
  assert.deepEqual(t.columns, ['test acc', 'test_loss']);
  assert.deepEqual(t.rows.map((r) => [r.name, r.epoch, r.values['test acc'], r.values.test_loss]), [[null, 5, 0.74, 0.71], [null, 10, 0.765, null]]);
  assert.equal(metricsRowFor(t, '/r/epoch_05.onnx')?.values['test acc'], 0.74);
  assert.equal(metricsRowFor(t, '/r/epoch_5.onnx')?.values['test acc'], 0.74);
  assert.equal(defaultColumn(t), 'test acc');
  const tsv = parseMetricsFile('name\tval_loss\ne1\t0.5\n', 'm.tsv');
  assert.deepEqual([tsv.keyColumn, tsv.columns, tsv.rows[0].values.val_loss], ['name', ['val_loss'], 0.5]);
  assert.deepEqual(splitCsvLine('a,"b ""q"", c",d'), ['a', 'b "q", c', 'd']);
});

test('JSON: name → number, name → {metrics}, array of records', () => {
  const a = parseMetricsFile('{"epoch_05": 0.74, "epoch_10": 0.76}', 'm.json');
  assert.deepEqual([a.columns, a.rows.map((r) => r.values.value)], [['value'], [0.74, 0.76]]);
  const b = parseMetricsFile('{"epoch_05.onnx": {"test_acc": 0.74, "test_loss": 0.7}}', 'm.json');
  assert.deepEqual([b.columns, b.rows[0].name, b.rows[0].values.test_loss], [['test_acc', 'test_loss'], 'epoch_05', 0.7]);
  const c = parseMetricsFile('[{"epoch": 5, "test_acc": 0.74}, {"epoch": 10, "test_acc": 0.76}]', 'm.json');
  assert.deepEqual([c.keyColumn, c.rows.map((r) => r.epoch)], ['epoch', [5, 10]]);
});

test('bad files: each error names the file and the problem', () => {
  assert.throws(() => parseMetricsFile('  \n', '/x/m.csv'), /\/x\/m\.csv: the file is empty/);
  assert.throws(() => parseMetricsFile('1,2\n3,4\n', 'm.csv'), /m\.csv: the first line must be a header/);
  assert.throws(() => parseMetricsFile('foo,bar\n1,2\n', 'm.csv'), /m\.csv: no column names the checkpoint .*found: foo, bar/);
  assert.throws(() => parseMetricsFile('checkpoint,comment\ne1,good\n', 'm.csv'), /m\.csv: no numeric column besides checkpoint/);
  assert.throws(() => parseMetricsFile('{"a": ', 'm.json'), /m\.json: not valid JSON/);
  assert.throws(() => parseMetricsFile('[1, 2]', 'm.json'), /m\.json: a JSON array must hold one object per checkpoint/);
  assert.throws(() => parseMetricsFile('checkpoint,acc\n', 'm.csv'), /m\.csv: no rows under the header \(checkpoint, acc\)/);
});

test('orientation of a metric column from its name', () => {
  assert.equal(columnOrientation('test_acc'), 1);
  assert.equal(columnOrientation('Top1'), 1);
  assert.equal(columnOrientation('test_loss'), -1);
  assert.equal(columnOrientation('gen_gap'), -1);
  assert.equal(columnOrientation('error_rate'), -1);
  assert.equal(columnOrientation('lr'), 0);
});
