// The checkpoint index without VS Code: an initial listing, then created/changed/deleted events on real
// temporary files; a file still growing is recorded only once its size has held still.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CheckpointIndex, type IndexChange } from '../../src/workspace/checkpointIndex';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls until `ok()` (timers run late on a loaded machine: no fixed sleeps for what must happen). */
async function until(ok: () => boolean, what: string, ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

describe('CheckpointIndex', () => {
  it('lists, settles, reports changes in batches and drops excluded folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-index-'));
    try {
      const a = join(dir, 'a.onnx');
      writeFileSync(a, 'x');
      const listed = [a, join(dir, 'node_modules', 'pkg', 'm.onnx')];
      const index = new CheckpointIndex({ list: async () => listed }, 40);
      const batches: IndexChange[][] = [];
      index.onDidChange((b) => batches.push(b));
      await index.ready;
      assert.deepEqual(index.files().map((f) => f.path), [a]);
      await until(() => batches.length === 1, 'the rescan batch');
      assert.deepEqual(batches, [[]], 'a full rescan fires one empty batch');

      const b = join(dir, 'b.onnx');
      writeFileSync(b, 'y');
      index.created(b);
      // still growing: not recorded until its size holds still for 40 ms
      await wait(20);
      appendFileSync(b, 'more');
      index.changed(b);
      await wait(25);
      assert.equal(index.has(b), false);
      await until(() => batches.length === 2, 'the create batch');
      assert.equal(index.has(b), true);
      assert.deepEqual(batches.at(-1), [{ path: b, kind: 'create' }]);

      utimesSync(a, new Date(), new Date(Date.now() + 5000));
      index.changed(a);
      await until(() => batches.length === 3, 'the change batch');
      assert.deepEqual(batches.at(-1), [{ path: a, kind: 'change' }]);

      index.deleted(b);
      await until(() => batches.length === 4, 'the delete batch');
      assert.deepEqual(batches.at(-1), [{ path: b, kind: 'delete' }]);
      assert.deepEqual(index.files().map((f) => f.path), [a]);

      // a created file that vanished before it settled is never recorded
      const c = join(dir, 'c.onnx');
      writeFileSync(c, 'z');
      index.created(c);
      rmSync(c);
      await wait(300);
      assert.equal(index.has(c), false);
      assert.equal(batches.length, 4, 'nothing reported for a file that vanished while settling');
      index.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
