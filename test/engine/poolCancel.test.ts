// Cancelling an analysis while the layer pool's workers are inside onnxruntime (Gram products of
// 256×384 layers go through an onnxruntime session) must not take the process down. Terminating a
// worker thread in the middle of an onnxruntime call aborts the whole process ("terminate called after
// throwing an instance of 'Napi::Error'" — in the editor, the extension host); the pool now lets a busy
// worker finish its layer before terminating it. Runs in a child process so that an abort is observed
// as the child's signal, not as this test runner dying. Without the fix the child aborted within 3
// cancels here; 10 cancels at staggered moments must all return a partial report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { workerScript } from '../../src/engine/pool';
import { requireEvidence } from '../helpers/evidence';

const root = resolve(__dirname, '..', '..');

test('cancel during onnxruntime Gram products in two pool workers: partial reports, the process survives', { skip: requireEvidence(!!workerScript() || 'dist/worker.js is not built (npm test builds it)'), timeout: 600000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-pool-cancel-'));
  const script = join(dir, 'cancel.ts');
  writeFileSync(script, `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from ${JSON.stringify(join(root, 'src/engine/analyze'))};
import { safetensorsBytes, tensor } from ${JSON.stringify(join(root, 'test/helpers/safetensors-writer'))};
import { values } from ${JSON.stringify(join(root, 'test/helpers/onnx-writer'))};
(async () => {
  const p = join(${JSON.stringify(dir)}, 'm.safetensors');
  writeFileSync(p, safetensorsBytes(Array.from({ length: 8 }, (_, i) => tensor('l' + i + '.weight', 'F32', [256, 384], values(256 * 384, i + 1)))));
  for (let it = 0; it < 10; it++) {
    const ac = new AbortController();
    const r = await analyze({ model: p, threads: 2, randomize: false }, {
      signal: ac.signal, partialOnCancel: true,
      progress: (x) => { if (x.phase === 'layers' && x.done === 1) setTimeout(() => ac.abort(), it * 3); },
    });
    if (!r.partial?.cancelled || r.partial.measuredLayers >= 8) throw new Error('iteration ' + it + ': not a cancelled partial report');
    console.log('cancel ' + it + ': ' + r.partial.measuredLayers + ' of 8 layers measured');
  }
})().catch((e) => { console.error(e); process.exit(3); });
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 540000 });
  assert.equal(r.signal, null, `the process was killed by ${r.signal}:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Napi::Error|terminate called/);
  assert.equal(r.stdout.trim().split('\n').filter((l) => /^cancel \d+: [1-7] of 8 layers measured$/.test(l)).length, 10, r.stdout);
});
