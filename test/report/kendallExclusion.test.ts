// Kendall τ ranking: measures computed from the test probe (the data a test-accuracy/loss/error metric
// measures) are left out with their reason — ranking "Probe accuracy (test)" first with τ = 1 against
// test accuracy is circular — while they stay in the side-by-side table. Synthetic reports; the τ of
// the remaining row is checked against a hand count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonColumn } from '../../src/protocol/compare';
import type { Report } from '../../src/protocol/report';
import { buildComparison, tauExclusion } from '../../src/report/comparison';
import { parseMetricsFile } from '../../src/workspace/metricsFile';

const m = (value: number | null, name: string, extra: object = {}) => ({ value, name, formula: '', reference: 'r', group: 'accuracy', ...extra });

function rep(testAcc: number, lps: number, cross: number | null): Report {
  return {
    measures: {
      testAccuracy: m(testAcc, 'Probe accuracy (test)', { direction: -1 }),
      testCrossEntropy: m(cross, 'Probe cross-entropy (test)', cross === null ? { needs: ['data', 'testData'], reason: 'needs a test probe' } : { direction: 1 }),
      logProdSpec: m(lps, 'Log product of spectral norms', { direction: 1, group: 'spectral' }),
    },
    bounds: [],
  } as unknown as Report;
}

test('measures from the test probe are not ranked against a test metric; the others are', () => {
  const labels = ['e1', 'e2', 'e3', 'e4'];
  const columns: ComparisonColumn[] = labels.map((l, i) => ({ path: `/run/${l}.onnx`, label: l, group: 'run', epoch: i + 1, state: 'done' }));
  // test accuracy rises; log-prod-spec: 1, 3, 2, 4
  const reports = [rep(0.7, 1, 1.1), rep(0.75, 3, 1.0), rep(0.8, 2, 0.9), rep(0.85, 4, null)];
  const table = parseMetricsFile('checkpoint,test_acc\ne1,0.7\ne2,0.75\ne3,0.8\ne4,0.85\n', '/run/metrics.csv');
  const c = buildComparison({ columns, reports, steps: [], metrics: { table, column: 'test_acc' } });
  const t = c.tau!;
  assert.deepEqual(t.rows.map((r) => r.id), ['logProdSpec']);
  // pairs (1,3,2,4) vs increasing: 5 concordant, 1 discordant of 6 → τ = 4/6
  assert.ok(Math.abs(t.rows[0].tau! - 4 / 6) < 1e-15);
  assert.deepEqual(t.excluded!.map((x) => x.id), ['testAccuracy', 'testCrossEntropy']);
  assert.match(t.excluded![0].reason, /circular/);
  // still side by side
  assert.ok(c.rows.some((r) => r.id === 'testAccuracy'));
});

test('tauExclusion: by id, by stated needs, the metric row itself', () => {
  assert.match(tauExclusion({ id: 'testAccuracy', kind: 'measure' })!, /test probe/);
  assert.match(tauExclusion({ id: 'someFutureTestMeasure', kind: 'measure' }, ['data', 'testData'])!, /test probe/);
  assert.equal(tauExclusion({ id: 'trainAccuracy', kind: 'measure' }, ['data']), null);
  assert.equal(tauExclusion({ id: 'bound:dziugaiteRoy2017', kind: 'bound' }), null);
  assert.equal(tauExclusion({ id: 'metric:test_acc', kind: 'metric' }), 'your metric itself');
});
