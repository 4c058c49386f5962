// Measures and bounds computed from the test probe (usesTestData, the held-out certificate) get no
// expected sign in the Kendall table and are listed after every predictor, whatever their τ.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonColumn } from '../../src/protocol/compare';
import type { Report } from '../../src/protocol/report';
import { buildComparison } from '../../src/report/comparison';
import { parseMetricsFile } from '../../src/workspace/metricsFile';

test('Kendall table: test-data measures are flagged, unranked and listed last', () => {
  const acc = [0.7, 0.75, 0.8, 0.85];
  const reports = acc.map((a, i) => ({
    measures: {
      testAccuracy: { value: a, name: 'Probe accuracy (test)', formula: '', reference: '', direction: -1, usesTestData: true },
      froDist: { value: 10 - i, name: 'Distance', formula: '', reference: '', direction: 1 },
    },
    bounds: [{ id: 'heldOut', name: 'Held-out', value: 1 - a, vacuous: false, assumptions: [], reference: '' }],
  }) as unknown as Report);
  const columns: ComparisonColumn[] = acc.map((_, i) => ({ path: `/m/c${i}.onnx`, label: `c${i}`, group: 'm', epoch: i, state: 'done' }));
  const table = parseMetricsFile(`checkpoint,test_acc\n${acc.map((a, i) => `c${i},${a}`).join('\n')}\n`, 'metrics.csv');
  const c = buildComparison({ columns, reports, steps: [], metrics: { table, column: 'test_acc' } });
  const rows = c.tau!.rows;
  assert.deepEqual(rows.map((r) => r.id).slice(1).sort(), ['bound:heldOut', 'testAccuracy']);
  assert.equal(rows[0].id, 'froDist');
  assert.equal(rows[0].expected, -1);
  assert.equal(rows[0].agrees, true);
  for (const r of rows.slice(1)) {
    assert.equal(r.usesTestData, true, r.id);
    assert.equal(r.expected, 0);
    assert.equal(r.agrees, null);
  }
  assert.equal(c.rows.find((r) => r.id === 'testAccuracy')!.usesTestData, true);
});
