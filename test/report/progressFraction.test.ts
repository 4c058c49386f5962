// The progress notification's bar: phases in analyze()'s order fill it from 0 to 100 %, never backwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Progress } from '../../src/protocol/worker';
import { PHASE_SLICES, ProgressTracker, progressFraction } from '../../src/report/progressFraction';

const p = (phase: Progress['phase'], done: number, total: number): Progress => ({ phase, done, total, message: '' });

describe('progressFraction', () => {
  it('slices tile [0, 1] in the order the engine runs its phases', () => {
    const order: Progress['phase'][] = ['read', 'layers', 'aggregate', 'forward', 'flatness', 'bounds', 'landscape'];
    let end = 0;
    for (const ph of order) {
      assert.equal(PHASE_SLICES[ph][0], end, `${ph} starts where the previous phase ended`);
      assert.ok(PHASE_SLICES[ph][1] > PHASE_SLICES[ph][0]);
      end = PHASE_SLICES[ph][1];
    }
    assert.equal(end, 1);
  });
  it('advances within a phase by done/total, clamped; total 0 is the phase start', () => {
    assert.equal(progressFraction(p('layers', 0, 10)), 0.05);
    assert.ok(Math.abs(progressFraction(p('layers', 5, 10)) - (0.05 + 0.45 / 2)) < 1e-15);
    assert.equal(progressFraction(p('layers', 10, 10)), 0.5);
    assert.equal(progressFraction(p('layers', 12, 10)), 0.5);
    assert.equal(progressFraction(p('forward', 3, 0)), 0.52);
    assert.equal(progressFraction(p('done', 1, 1)), 1);
  });
});

describe('ProgressTracker', () => {
  it('increments sum to the fraction reached, never negative, 100 at the end', () => {
    const t = new ProgressTracker();
    const seq = [p('read', 0, 1), p('layers', 0, 3), p('layers', 1, 3), p('layers', 3, 3), p('layers', 2, 3), p('aggregate', 0, 1), p('forward', 1, 2), p('bounds', 1, 1), p('done', 1, 1)];
    let sum = 0;
    for (const s of seq) {
      const inc = t.next(s);
      assert.ok(inc >= 0, 'never backwards');
      sum += inc;
      assert.ok(Math.abs(sum - t.value) < 1e-9);
    }
    assert.ok(Math.abs(sum - 100) < 1e-9);
  });
});
