// Pool workers read their layer's weights from the file themselves (StoredSpan, src/input/span.ts)
// into buffers they reuse: the report must be identical, number for number, to the one measured on
// one thread from copies the main thread made; a file that changes under the analysis fails the
// layers it cut with one line naming the file, and the other layers are still measured.
import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/engine/analyze';
import { readSpan } from '../../src/input/span';
import { loadCheckpoint } from '../../src/checkpoint/readers';
import { mlp, saveModel, values } from '../helpers/onnx-writer';
import { safetensorsBytes, tensor } from '../helpers/safetensors-writer';
import { ensureBuilt } from '../helpers/cliReport';

ensureBuilt(); // the pool's workers run dist/worker.js

const dir = mkdtempSync(join(tmpdir(), 'tl-wread-'));

function matmulModel(): string {
  const [i, h, o] = [40, 64, 10];
  return saveModel({
    inputs: [{ name: 'x', shape: ['N', i] }], outputs: [{ name: 'y', shape: ['N', o] }],
    initializers: [{ name: 'fc1.weight', dims: [i, h], data: values(i * h, 11) }, { name: 'fc2.weight', dims: [h, o], data: values(h * o, 12) }],
    nodes: [
      { op: 'MatMul', name: '/fc1/MatMul', inputs: ['x', 'fc1.weight'], outputs: ['a'] },
      { op: 'Relu', inputs: ['a'], outputs: ['r'] },
      { op: 'MatMul', name: '/fc2/MatMul', inputs: ['r', 'fc2.weight'], outputs: ['y'] },
    ],
  }, dir, 'matmul.onnx');
}

function compare(a: Awaited<ReturnType<typeof analyze>>, b: Awaited<ReturnType<typeof analyze>>) {
  assert.equal(a.layers.length, b.layers.length);
  // the pool's workers did read the weights themselves (their profile has a read phase), one thread did not
  assert.ok((b.workerTimings ?? []).some((w) => (w.phases.read ?? 0) > 0), `no worker read: ${JSON.stringify(b.workerTimings)}`);
  assert.ok(!(a.workerTimings ?? []).some((w) => w.phases.read !== undefined), 'one thread read spans');
  let n = 0;
  a.layers.forEach((l, i) => {
    assert.deepEqual(b.layers[i].metrics, l.metrics, `${l.name}: metrics differ between one thread and the pool`);
    assert.deepEqual(b.layers[i].esd, l.esd, `${l.name}: ESD differs`);
    n += Object.keys(l.metrics).length;
  });
  assert.ok(n > 20, `only ${n} metrics compared`);
}

test('pool workers reading spans give the same report as one thread (ONNX MatMul, with init and randomization)', async () => {
  const m = matmulModel();
  const one = await analyze({ model: m, init: m, threads: 1 });
  const two = await analyze({ model: m, init: m, threads: 2 });
  assert.equal(two.settings.threads, 2);
  compare(one, two);
  assert.ok(one.layers[0].metrics.randDistance !== null && one.layers[0].metrics.distFrobeniusInit === 0);
});

test('pool workers reading spans: safetensors bf16 and f16 (decoded in the worker) and a Gemm MLP', async () => {
  const p = join(dir, 'm.safetensors');
  writeFileSync(p, safetensorsBytes([
    tensor('h.0.mlp.c_fc.weight', 'BF16', [48, 96], values(48 * 96, 3)),
    tensor('h.0.mlp.c_proj.weight', 'F16', [96, 48], values(96 * 48, 4)),
    tensor('lm.weight', 'F32', [30, 48], values(30 * 48, 5)),
  ]));
  compare(await analyze({ model: p, threads: 1 }), await analyze({ model: p, threads: 2 }));
  const g = saveModel(mlp([20, 32, 16, 5]), dir, 'mlp.onnx');
  compare(await analyze({ model: g, threads: 1 }), await analyze({ model: g, threads: 2 }));
});

test('pool workers reading spans: torch.save zip members (GPT-2 Conv1D, fp16) and ONNX external data', async () => {
  for (const f of ['gpt2.bin', 'half.pt']) {
    const p = join(__dirname, '..', 'pytorch', 'fixtures', f);
    compare(await analyze({ model: p, threads: 1 }), await analyze({ model: p, threads: 2 }));
  }
  const [i, h] = [48, 80];
  const ext = saveModel({
    inputs: [{ name: 'x', shape: ['N', i] }], outputs: [{ name: 'y', shape: ['N', h] }],
    initializers: [{ name: 'fc.weight', dims: [i, h], data: values(i * h, 21), external: { location: 'weights.bin', offset: 64 } }, { name: 'g.weight', dims: [h, h], data: values(h * h, 22), external: { location: 'weights.bin', offset: 64 + 4 * i * h } }],
    nodes: [
      { op: 'MatMul', name: '/fc/MatMul', inputs: ['x', 'fc.weight'], outputs: ['a'] },
      { op: 'MatMul', name: '/g/MatMul', inputs: ['a', 'g.weight'], outputs: ['y'] },
    ],
  }, join(dir, 'ext'), 'ext.onnx');
  const ck = await loadCheckpoint(ext);
  assert.match(ck.layers[0].storedSpan!()!.span.file, /weights\.bin$/);
  compare(await analyze({ model: ext, threads: 1 }), await analyze({ model: ext, threads: 2 }));
});

test('a file cut short after it was read: the layers past the cut fail with one line naming the file, the others are measured', async () => {
  const m = matmulModel();
  const ck = await loadCheckpoint(m);
  const span1 = ck.layers[0].storedSpan!()!.span;
  const span2 = ck.layers[1].storedSpan!()!.span;
  assert.ok(span1.offset < span2.offset, 'fc1 stored before fc2');
  let cut = false;
  const r = await analyze({ model: m, threads: 2 }, {
    progress: (p) => {
      if (p.phase === 'layers' && !cut) {
        cut = true;
        truncateSync(m, span2.offset + 8); // inside fc2's data
      }
    },
  });
  assert.ok(cut);
  const fc2 = r.layers.find((l) => l.name.includes('fc2'))!;
  const fc1 = r.layers.find((l) => l.name.includes('fc1'))!;
  assert.ok(fc1.metrics.spectralNorm! > 0, 'fc1 measured');
  const why = JSON.stringify(fc2.notes);
  assert.match(why, /matmul\.onnx/);
  assert.match(why, /changed since it was read/);
  assert.ok(r.warnings.some((w) => /could not be measured/.test(w)));
  assert.throws(() => readSpan({ ...span2 }), /changed since it was read: it now ends at byte/);
  assert.throws(() => readSpan({ ...span2, file: join(dir, 'gone.onnx') }), /gone\.onnx.*cannot open/);
});
