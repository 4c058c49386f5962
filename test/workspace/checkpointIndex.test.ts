// The checkpoint index without VS Code: an initial listing, then created/changed/deleted events on real
// temporary files; a file still growing is recorded only once its size has held still.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CheckpointIndex, type IndexChange } from '../../src/workspace/checkpointIndex';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      await wait(150);
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
      await wait(250);
      assert.equal(index.has(b), true);
      assert.deepEqual(batches.at(-1), [{ path: b, kind: 'create' }]);

      utimesSync(a, new Date(), new Date(Date.now() + 5000));
      index.changed(a);
      await wait(250);
      assert.deepEqual(batches.at(-1), [{ path: a, kind: 'change' }]);

      index.deleted(b);
      await wait(150);
      assert.deepEqual(batches.at(-1), [{ path: b, kind: 'delete' }]);
      assert.deepEqual(index.files().map((f) => f.path), [a]);

      // a created file that vanished before it settled is never recorded
      const c = join(dir, 'c.onnx');
      writeFileSync(c, 'z');
      index.created(c);
      rmSync(c);
      await wait(150);
      assert.equal(index.has(c), false);
      index.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
