// The comparison model on real reports of the fixture run (run_mlp/epoch_05 … epoch_30, weights
// only): the distance between consecutive checkpoints against an independent NumPy computation
// (step_distances.py → step_distances.json; tolerance 1e-6 relative: float32 weights, float64 sums),
// deltas, notes for what could not be computed, and Kendall τ against a metrics table with its
// expected signs and ranking.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ComparisonColumn } from '../../src/protocol/compare';
import { buildComparison, lastDelta } from '../../src/report/comparison';
import { kendallTauB } from '../../src/report/kendall';
import { parseMetricsFile } from '../../src/workspace/metricsFile';
import { fmnist, report, skipReason } from '../helpers/fixtureReports';

const epochs = ['05', '10', '15', '20', '25', '30'];
const files = epochs.map((e) => `run_mlp/epoch_${e}.onnx`);
const columns = (): ComparisonColumn[] => epochs.map((e, i) => ({ path: join(fmnist, files[i]), label: `epoch_${e}`, group: 'run_mlp', epoch: Number(e), state: 'done' }));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

test('lastDelta: the right-most two values, skipping gaps', () => {
  assert.deepEqual(lastDelta([1, 2, 4]), { delta: 2, relDelta: 1 });
  assert.deepEqual(lastDelta([1, 3, null]), { delta: 2, relDelta: 2 });
  assert.deepEqual(lastDelta([-2, null, -1]), { delta: 1, relDelta: 0.5 });
  assert.deepEqual(lastDelta([0, 5]), { delta: 5, relDelta: null });
  assert.deepEqual(lastDelta([null, 5]), { delta: null, relDelta: null });
});

test('real run: consecutive distances equal NumPy\'s ‖W_k − W_{k−1}‖_F; measures side by side with deltas', { skip: skipReason }, () => {
  const reports = files.map((f) => report(f));
  const steps = files.map((f, k) => (k ? report(f, files[k - 1]) : undefined));
  const c = buildComparison({ columns: columns(), reports, steps });
  const ref = JSON.parse(readFileSync(join(__dirname, 'step_distances.json'), 'utf8')) as { from: string; to: string; distance: number; relative: number }[];
  const dist = c.rows.find((r) => r.id === 'stepDistance')!;
  const relRow = c.rows.find((r) => r.id === 'stepDistanceRelative')!;
  assert.equal(dist.values[0], null);
  assert.equal(dist.reasons[0], 'first checkpoint');
  ref.forEach((r, i) => {
    assert.equal(`${r.from}→${r.to}`, `epoch_${epochs[i]}→epoch_${epochs[i + 1]}`);
    assert.ok(rel(dist.values[i + 1]!, r.distance) < 1e-6, `${r.to}: ${dist.values[i + 1]} vs NumPy ${r.distance}`);
    assert.ok(rel(relRow.values[i + 1]!, r.relative) < 1e-6, `${r.to} relative: ${relRow.values[i + 1]} vs NumPy ${r.relative}`);
    assert.equal(dist.reasons[i + 1], null);
  });
  // training slows down: the last step is shorter than the first
  assert.ok(dist.values[5]! < dist.values[1]!);
  const lps = c.rows.find((r) => r.id === 'logProdSpec')!;
  assert.deepEqual(lps.values, reports.map((r) => r.measures.logProdSpec.value));
  assert.equal(lps.delta, reports[5].measures.logProdSpec.value! - reports[4].measures.logProdSpec.value!);
  assert.equal(lps.name, reports[0].measures.logProdSpec.name);
  assert.equal(lps.direction, 1);
  // without an init, distance-to-init measures are not computed: listed in the notes with the engine's reason
  assert.equal(c.rows.some((r) => r.id === 'froDist'), false);
  assert.ok(c.notes.some((n) => n.startsWith(`${reports[0].measures.froDist.name}: not computed`)), c.notes.join('\n'));
  assert.equal(c.tau, null);
});

test('Kendall τ of every measure against a metrics table: values, expected signs, ranking', { skip: skipReason }, () => {
  const reports = files.map((f) => report(f));
  const table = parseMetricsFile('checkpoint,test_acc,test_loss\nepoch_05,0.74,0.80\nepoch_10,0.76,0.70\nepoch_15,0.77,0.66\nepoch_20,0.775,0.64\nepoch_25,0.78,0.65\nepoch_30,0.779,0.69\n', 'metrics.csv');
  const c = buildComparison({ columns: columns(), reports, steps: [], metrics: { table, column: 'test_acc' } });
  const acc = [0.74, 0.76, 0.77, 0.775, 0.78, 0.779];
  assert.deepEqual(c.rows.find((r) => r.id === 'metric:test_acc')!.values, acc);
  assert.equal(c.tau!.orientation, 1);
  assert.equal(c.tau!.matched, 6);
  const lps = c.tau!.rows.find((r) => r.id === 'logProdSpec')!;
  assert.equal(lps.tau, kendallTauB(reports.map((r) => r.measures.logProdSpec.value!), acc));
  assert.equal(lps.n, 6);
  // larger ∏‖W‖₂ predicts worse generalization, so it should fall as accuracy rises: expected τ < 0
  assert.equal(lps.expected, -1);
  assert.equal(lps.agrees, lps.tau! < 0);
  // ranked: measures with an expected sign by expected·τ (descending), then the rest by |τ|
  const signed = c.tau!.rows.filter((r) => r.expected !== 0 && r.tau !== null);
  for (let i = 1; i < signed.length; i++) assert.ok(signed[i - 1].expected * signed[i - 1].tau! >= signed[i].expected * signed[i].tau!);
  const firstUnsigned = c.tau!.rows.findIndex((r) => r.expected === 0);
  if (firstUnsigned >= 0) assert.ok(c.tau!.rows.slice(firstUnsigned).every((r) => r.expected === 0));
  // against a loss the expectation flips
  const loss = buildComparison({ columns: columns(), reports, steps: [], metrics: { table, column: 'test_loss' } });
  assert.equal(loss.tau!.rows.find((r) => r.id === 'logProdSpec')!.expected, 1);
});

test('failed and missing checkpoints: the comparison keeps what could be computed and says what failed', { skip: skipReason }, () => {
  const cols = columns().slice(0, 3);
  cols[1] = { ...cols[1], state: 'error', error: 'epoch_10.onnx: truncated protobuf at byte 120' };
  const reports = [report(files[0]), undefined, report(files[2])];
  const c = buildComparison({ columns: cols, reports, steps: [undefined, undefined, report(files[2], files[0])], metrics: { table: parseMetricsFile('epoch,acc\n5,0.7\n', 'm.csv'), column: 'acc' } });
  const lps = c.rows.find((r) => r.id === 'logProdSpec')!;
  assert.deepEqual(lps.values.map((v) => v === null), [false, true, false]);
  assert.equal(c.rows.find((r) => r.id === 'stepDistance')!.reasons[1], 'not computed yet');
  assert.ok(c.notes.includes('epoch_10: epoch_10.onnx: truncated protobuf at byte 120'));
  assert.ok(c.notes.some((n) => /Kendall τ needs at least 3 checkpoints with a acc value in m\.csv; 1 matched/.test(n)));
  assert.deepEqual(c.tau!.rows, []);
});
