// The one "which bound leads" rule, on hand-written bound lists (expected ids chosen by reading them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoundValue } from '../../src/protocol/report';
import { bestBound } from '../../src/report/bestBound';

const b = (id: string, value: number | null, vacuous: boolean | null): BoundValue => ({ id, name: id, value, vacuous, assumptions: [], reference: `ref ${id}` });

describe('bestBound', () => {
  it('the smallest non-vacuous bound wins over a smaller vacuous one', () => {
    assert.equal(bestBound({ bounds: [b('a', 0.9, true), b('b', 0.5, false), b('c', 0.3, true), b('d', null, null), b('e', 0.6, false)] })?.id, 'b');
  });
  it('with only vacuous bounds, the smallest of them', () => {
    assert.equal(bestBound({ bounds: [b('a', 3e7, true), b('c', 1, true), b('x', 4.7e8, true)] })?.id, 'c');
  });
  it('ignores missing and non-finite values; undefined when none is computed', () => {
    assert.equal(bestBound({ bounds: [b('n', Number.NaN, false), b('i', Number.POSITIVE_INFINITY, false), b('k', 2, null)] })?.id, 'k');
    assert.equal(bestBound({ bounds: [b('d', null, null)] }), undefined);
    assert.equal(bestBound({ bounds: [] }), undefined);
  });
  it('does not reorder the report\'s own list', () => {
    const bounds = [b('a', 0.9, true), b('b', 0.1, false)];
    bestBound({ bounds });
    assert.deepEqual(bounds.map((x) => x.id), ['a', 'b']);
  });
});
