// The regression manifest (test/fuzz/regressions/manifest.json): every defect class the fuzzer or the
// issue-9 campaign found, as a minimal file with its expected clean error or expected result, run
// exactly as the fuzzer runs an input. Also: every file in the folder is listed (none forgotten).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runInput } from './target';

const dir = join(__dirname, 'regressions');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
  files: { file: string; outcome: 'ok' | 'clean'; error?: string; warning?: string; layers?: number }[];
};

test('every regression file is in the manifest', () => {
  const listed = new Set(manifest.files.map((f) => f.file));
  const present = readdirSync(dir).filter((f) => !f.endsWith('.ts') && f !== 'manifest.json');
  assert.deepEqual(present.filter((f) => !listed.has(f)), [], 'files missing from the manifest');
  assert.deepEqual([...listed].filter((f) => !present.includes(f)), [], 'manifest entries without a file');
});

for (const e of manifest.files) {
  test(`${e.file}: ${e.outcome}${e.error ? ` — ${e.error}` : ''}${e.warning ? ` — warns ${e.warning}` : ''}`, { timeout: 60000 }, async () => {
    const path = join(dir, e.file);
    const before = process.memoryUsage().rss;
    const r = await runInput(e.file.endsWith('.onnx') ? 'onnx' : /\.(npz|npy)$/.test(e.file) ? 'probe' : 'checkpoint', path);
    assert.equal(r.outcome, e.outcome, `${r.outcome}: ${r.why ?? ''} ${r.message ?? ''}`);
    if (e.error) {
      assert.ok(r.message!.startsWith(path + ': '), r.message);
      assert.match(r.message!, new RegExp(e.error));
    }
    if (e.warning) assert.ok(r.warnings!.some((w) => new RegExp(e.warning!).test(w)), r.warnings!.join('\n'));
    if (e.layers !== undefined) assert.equal(r.layers, e.layers);
    // nothing near the sizes these files declare was allocated (they declare up to gigabytes)
    assert.ok(process.memoryUsage().rss - before < 256 * 2 ** 20, `RSS grew by ${((process.memoryUsage().rss - before) / 2 ** 20).toFixed(0)} MB`);
  });
}
