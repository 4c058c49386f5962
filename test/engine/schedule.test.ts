// Scheduling of layers over the pool (largest work first; every thread on a layer no order can
// balance) and the per-phase, per-thread profile that analyze() reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze, bigLayers, schedule } from '../../src/engine/analyze';
import type { Layer } from '../../src/onnx/types';
import { fixture, haveFixtures } from '../helpers/fixtures';

const layer = (rows: number, cols: number) => ({ matrixShape: [rows, cols] }) as unknown as Layer;

test('schedule: most work (k²·(L + k)) first, ties in file order; one thread keeps file order', () => {
  const layers = [layer(10, 10), layer(768, 3072), layer(3072, 768), layer(768, 768), layer(50257, 768)];
  assert.deepEqual(schedule(layers, 2), [4, 1, 2, 3, 0]);
  assert.deepEqual(schedule(layers, 1), [0, 1, 2, 3, 4]);
});

test('bigLayers: a layer with more work than the other threads can do meanwhile gets every thread', () => {
  // GPT-2 small: the 50257×768 embedding is ~1/3 of the work, so no layer is big on 2 threads
  const gpt2 = [layer(50257, 768), ...Array.from({ length: 12 }, () => [layer(768, 2304), layer(768, 768), layer(768, 3072), layer(3072, 768)]).flat()];
  assert.deepEqual([...bigLayers(gpt2, 2)], []);
  // one 4096×4096 layer beside a few small ones: big on 2 and on 4 threads; nothing is big on 1 thread
  const few = [layer(4096, 4096), layer(512, 512), layer(512, 10)];
  assert.deepEqual([...bigLayers(few, 2)], [0]);
  assert.deepEqual([...bigLayers(few, 4)], [0]);
  assert.deepEqual([...bigLayers(few, 1)], []);
  // two equal layers on 2 threads balance: neither is big
  assert.deepEqual([...bigLayers([layer(1024, 1024), layer(1024, 1024)], 2)], []);
});

test('analyze reports per-phase timings (convert, assemble, spectra.*) and per-thread profiles covering every layer', { skip: !haveFixtures && !process.env.CI && 'no ../shared/fixtures' }, async () => {
  const r = await analyze({ model: fixture('mlp.onnx'), threads: 2 });
  const t = r.timings!;
  for (const k of ['read', 'convert', 'layers', 'assemble', 'spectra.gram', 'spectra.tridiagonalize', 'spectra.ql', 'spectra.fit', 'spectra.randomize', 'spectra.randomize.shuffle']) {
    assert.ok(typeof t[k] === 'number' && t[k] >= 0, `timings.${k} = ${t[k]}`);
  }
  const w = r.workerTimings!;
  assert.ok(w.length >= 1);
  assert.equal(w.reduce((a, x) => a + x.layers, 0), r.layers.length);
  for (const x of w) {
    const top = Object.entries(x.phases).filter(([k]) => !k.includes('.')).reduce((a, [, v]) => a + v, 0);
    assert.ok(top <= x.ms + 1, `thread ${x.thread}: top-level phases ${top} ms within its ${x.ms} ms`);
  }
  assert.equal(r.settings.threads, w.length > 1 || w[0].thread !== 0 ? 2 : 1);
});
