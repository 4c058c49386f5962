// The bound registry: ids and metadata complete and unique, BOUND_INFO derived from it, and a bound
// whose needs are missing listed with the one step from NEED_HINTS (or the specific `why`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOUND_INFO, BOUNDS, evaluateBounds, type Bound, type BoundContext } from '../../../src/engine/bounds';
import { NEED_HINTS } from '../../../src/engine/measures/registry';

test('every registered bound has an id, a name, a reference and needs; BOUND_INFO follows the registry', () => {
  const ids = BOUNDS.map((b) => b.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const b of BOUNDS) assert.ok(b.info.name && b.info.reference && b.needs.length, b.id);
  assert.deepEqual(BOUND_INFO, BOUNDS.map((b) => ({ id: b.id, name: b.info.name, reference: b.info.reference })));
});

test('missing needs: every bound listed, null, with the NEED_HINTS step (or the specific reason)', async () => {
  const none = await evaluateBounds(null, { have: new Set(['data', 'runtime']) });
  assert.deepEqual(none.map((b) => b.id), BOUNDS.map((b) => b.id));
  for (const b of none) {
    assert.equal(b.value, null);
    assert.deepEqual(b.needs, ['trainSize']);
    assert.equal(b.reason, NEED_HINTS.trainSize);
  }
  const why = 'the training-set size m = 1.5 must be an integer ≥ 2';
  for (const b of await evaluateBounds(null, { have: new Set(['data', 'runtime']), why: { trainSize: why } })) assert.equal(b.reason, why);
});

test('a bound added to the list is computed when its needs are met, and listed with the reason when not', async () => {
  const extra: Bound = {
    id: 'test2024', info: { name: 'A test bound', reference: 'test' }, needs: ['data', 'trainSize', 'testData'],
    compute: (c) => ({ id: 'test2024', name: 'A test bound', reference: 'test', value: c.delta, vacuous: false, assumptions: [] }),
  };
  const ctx = { delta: 0.05 } as BoundContext;
  const [computed] = await evaluateBounds(ctx, { have: new Set(['data', 'trainSize', 'testData']) }, [extra]);
  assert.equal(computed.value, 0.05);
  const [missing] = await evaluateBounds(ctx, { have: new Set(['data', 'trainSize']) }, [extra]);
  assert.equal(missing.value, null);
  assert.deepEqual(missing.needs, ['testData']);
  assert.equal(missing.reason, NEED_HINTS.testData);
});
