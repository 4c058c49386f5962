// A burst of change events for one checkpoint runs the re-analysis once, after the burst.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { KeyedDebouncer } from '../../src/workspace/keyedDebouncer';

describe('KeyedDebouncer', () => {
  it('runs once per key after events stop for the delay', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const calls: string[] = [];
      const d = new KeyedDebouncer<string>(1000, (k) => calls.push(k));
      d.trigger('a');
      mock.timers.tick(600);
      d.trigger('a'); // restarts a's delay
      d.trigger('b');
      mock.timers.tick(999);
      assert.deepEqual(calls, []);
      mock.timers.tick(1);
      assert.deepEqual(calls.sort(), ['a', 'b']);
      assert.equal(d.pending, 0);
      d.trigger('a');
      d.dispose();
      mock.timers.tick(5000);
      assert.deepEqual(calls.sort(), ['a', 'b'], 'nothing runs after dispose');
    } finally {
      mock.timers.reset();
    }
  });
});
