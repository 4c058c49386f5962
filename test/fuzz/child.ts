// A fuzzing child process: runs the inputs its parent names, one at a time, in-process, and replies
// with the outcome and its peak resident memory so far (the parent watches the time and the RSS).
// Before saying it is ready it analyses one small model, so that loading the engine (WebAssembly
// compilation, lazy modules) is not counted against the first input's time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, mlp } from '../helpers/onnx-writer';
import type { FuzzKind } from './seeds';
import { runInput } from './target';

process.on('message', async (m: { id: number; kind: FuzzKind; file: string }) => {
  const r = await runInput(m.kind, m.file);
  process.send!({ id: m.id, ...r, maxRssKb: process.resourceUsage().maxRSS });
});

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-fuzz-warm-'));
  const file = join(dir, 'warm.onnx');
  writeFileSync(file, buildModel(mlp([4, 3, 2])).bytes);
  await runInput('onnx', file);
  rmSync(dir, { recursive: true, force: true });
  process.send!({ ready: true });
})();
