// The per-thread phase profile (src/engine/kernels/profile.ts): nested phases, async phases, reset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addProfile, takeProfile, timed, timedAsync } from '../../src/engine/kernels';

const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms);
};

test('timed phases accumulate; a nested phase is recorded as outer.inner and inside the outer total; takeProfile resets', async () => {
  takeProfile();
  timed('gram', () => busy(5));
  timed('gram', () => busy(5));
  await timedAsync('randomize', async () => {
    timed('shuffle', () => busy(4));
    await new Promise((r) => setTimeout(r, 3));
    timed('gram', () => busy(2));
  });
  assert.equal(timed('fit', () => 42), 42);
  assert.throws(() => timed('ql', () => { throw new Error('boom'); }), /boom/);
  const p = takeProfile();
  assert.deepEqual(Object.keys(p).sort(), ['fit', 'gram', 'ql', 'randomize', 'randomize.gram', 'randomize.shuffle']);
  assert.ok(p.gram >= 10, `gram ${p.gram}`);
  assert.ok(p['randomize.shuffle'] >= 4 && p['randomize.gram'] >= 2);
  assert.ok(p.randomize >= p['randomize.shuffle'] + p['randomize.gram'] + 2, `randomize ${p.randomize} covers its parts and the wait`);
  assert.deepEqual(takeProfile(), {});
  assert.deepEqual(addProfile({ a: 1, b: 2 }, { b: 3, c: 4 }), { a: 1, b: 5, c: 4 });
});
