// Partial reports: a layer that cannot be read leaves the others measured; a cancel with
// partialOnCancel returns what was measured; progress carries the layer and an ETA, and the CLI's
// --progress json prints one parseable object a line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { progressPrinter, formatEta } from '../../src/cli/main';
import { analyze } from '../../src/engine/analyze';
import type { Progress } from '../../src/protocol/worker';
import { values } from '../helpers/onnx-writer';
import { safetensorsBytes, tensor } from '../helpers/safetensors-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-partial-'));
const model = (name: string, layers = 4) => {
  const p = join(dir, name);
  writeFileSync(p, safetensorsBytes(Array.from({ length: layers }, (_, i) => tensor(`l${i}.weight`, 'F32', [24, 16], values(24 * 16, i + 1)))));
  return p;
};

test('a layer whose bytes vanish after the header was read: the others are measured, the report says partial', async () => {
  const p = model('cut.safetensors');
  const header = Number(readFileSync(p).readBigUInt64LE(0));
  const r = await analyze({ model: p, threads: 1, randomize: false }, {
    progress: (x) => {
      if (x.phase === 'layers' && x.done === 0) truncateSync(p, 8 + header + 3.5 * 24 * 16 * 4); // cuts into the last layer
    },
  });
  assert.deepEqual(r.partial, { measuredLayers: 3, totalLayers: 4, cancelled: false });
  assert.ok(r.layers[0].metrics.spectralNorm! > 0);
  assert.equal(Object.keys(r.layers[3].metrics).length, 0);
  assert.match(r.layers[3].notes!['*'], /not measured: .*cut\.safetensors: tensor 'l3\.weight'/);
  assert.ok(r.layers[3].flags?.some((f) => f.id === 'notMeasured'));
  assert.ok(r.warnings.some((w) => /1 layer\(s\) could not be measured \(l3\.weight\)/.test(w)));
  assert.ok(Object.values(r.measures).every((m) => m.needs?.includes('weights') ? m.value === null : true), 'aggregates over all layers are left out');
});

test('cancel with partialOnCancel returns the layers measured so far', async () => {
  const ac = new AbortController();
  const seen: Progress[] = [];
  const r = await analyze({ model: model('cancel.safetensors', 6), threads: 1, randomize: false }, {
    signal: ac.signal, partialOnCancel: true,
    progress: (x) => {
      seen.push(x);
      if (x.phase === 'layers' && x.done === 2) ac.abort();
    },
  });
  assert.equal(r.partial?.cancelled, true);
  assert.equal(r.partial?.totalLayers, 6);
  assert.ok(r.partial!.measuredLayers >= 2 && r.partial!.measuredLayers < 6);
  assert.ok(r.warnings.some((w) => /cancelled after \d of 6 layers: this report is partial/.test(w)));
  const layerEvents = seen.filter((x) => x.phase === 'layers' && x.done > 0);
  assert.ok(layerEvents.every((x) => typeof x.etaMs === 'number' && x.etaMs >= 0 && typeof x.layer === 'string'));
  // without partialOnCancel a cancel is still an error
  const ac2 = new AbortController();
  await assert.rejects(analyze({ model: model('cancel2.safetensors', 6), threads: 1 }, { signal: ac2.signal, progress: (x) => x.done === 1 && x.phase === 'layers' && ac2.abort() }), /cancelled/);
});

test('--progress json: one JSON object a line; the bar shows done/total and ETA', () => {
  const out: string[] = [];
  const json = progressPrinter('json', (s) => void out.push(s))!;
  json({ phase: 'layers', done: 3, total: 10, layer: 'l2.weight', etaMs: 125000, message: 'l2.weight (3/10)' });
  assert.deepEqual(JSON.parse(out[0]), { phase: 'layers', done: 3, total: 10, layer: 'l2.weight', etaMs: 125000, message: 'l2.weight (3/10)' });
  assert.ok(out[0].endsWith('\n') && !out[0].slice(0, -1).includes('\n'));
  const bar = progressPrinter('bar', (s) => void out.push(s))!;
  bar({ phase: 'layers', done: 3, total: 10, layer: 'l2.weight', etaMs: 125000, message: '' });
  assert.match(out[1], /\[#{7}-{17}\] 3\/10 layers {2}ETA 2 m 05 s {2}l2\.weight/);
  assert.equal(progressPrinter('none'), undefined);
  assert.equal(formatEta(45_000), '45 s');
  assert.equal(formatEta(3_723_000), '1 h 02 m');
});

test('cancelling while two workers run and tasks are queued: every in-flight promise settles, no unhandled rejection', async () => {
  // The pool rejects queued and running tasks with CancelledError when it closes; each of those
  // rejections must be handled (a stray one would crash the extension host's worker or the CLI).
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    for (const at of [0, 1, 3, 7]) {
      for (const partialOnCancel of [true, false]) {
        const ac = new AbortController();
        const run = analyze({ model: model(`cancel-pool-${at}-${partialOnCancel}.safetensors`, 12), threads: 2, randomize: false }, {
          signal: ac.signal, partialOnCancel,
          progress: (x) => {
            if (x.phase === 'layers' && x.done === at) ac.abort();
          },
        });
        if (partialOnCancel) {
          const r = await run;
          assert.equal(r.partial?.cancelled, true, `abort at ${at}`);
          assert.ok(r.partial!.measuredLayers >= at && r.partial!.measuredLayers < 12, `abort at ${at}: ${r.partial!.measuredLayers} measured`);
        } else {
          await assert.rejects(run, /cancelled/);
        }
      }
    }
    // rejections surface on a later turn of the event loop: give them time
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
