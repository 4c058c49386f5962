// The same weights saved as ONNX and as safetensors (F32, and a bf16 copy against its own float32
// decoding) give the same per-layer numbers through analyze(); state dicts say in one line that
// forward passes need an ONNX export.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/engine/analyze';
import { buildModel, mlp } from '../helpers/onnx-writer';
import { assertSameLayers } from '../helpers/same-layers';
import { safetensorsBytes, tensor } from '../helpers/safetensors-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-formats-'));

test('ONNX and safetensors of the same MLP: same per-layer metrics (1e-6) and parameter count', async () => {
  const spec = mlp([20, 16, 10], { seed: 3 });
  const onnx = join(dir, 'mlp.onnx');
  writeFileSync(onnx, buildModel(spec).bytes);
  const st = join(dir, 'mlp.safetensors');
  writeFileSync(st, safetensorsBytes(spec.initializers!.map((t) => tensor(t.name, 'F32', t.dims, t.data as Float32Array)), { format: 'pt' }));
  const a = await analyze({ model: onnx, threads: 1 });
  const b = await analyze({ model: st, threads: 1 });
  assertSameLayers(a, b);
  assert.equal(b.model.parameters, a.model.parameters);
  assert.equal(b.model.format, 'safetensors');
  assert.equal(a.model.format, 'onnx');
  assert.deepEqual(b.model.metadata, { format: 'pt' });
  assert.match(b.layers[0].notes!.role, /linear layer \[out, in\]/);
  for (const id of Object.keys(a.measures)) {
    const [x, y] = [a.measures[id].value, b.measures[id]?.value];
    if (typeof x === 'number' && typeof y === 'number') assert.ok(Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x)), `${id}: ${x} vs ${y}`);
  }
});

test('distance to init across formats: safetensors model, ONNX init, matched by name', async () => {
  const spec = mlp([12, 8, 4], { seed: 5 });
  const init = mlp([12, 8, 4], { seed: 9 });
  const st = join(dir, 'run.safetensors');
  writeFileSync(st, safetensorsBytes(spec.initializers!.map((t) => tensor(t.name, 'F32', t.dims, t.data as Float32Array))));
  const io = join(dir, 'init.onnx');
  writeFileSync(io, buildModel(init).bytes);
  const onnx = join(dir, 'run.onnx');
  writeFileSync(onnx, buildModel(spec).bytes);
  const a = await analyze({ model: onnx, init: io, threads: 1 });
  const b = await analyze({ model: st, init: io, threads: 1 });
  assert.equal(b.init?.matchedLayers, 2);
  assertSameLayers(a, b);
  assert.ok((b.layers[0].metrics.distFrobeniusInit ?? 0) > 0);
});

test('state dicts: forward passes need an ONNX export, said in one line', async () => {
  const st = join(dir, 'fw.safetensors');
  writeFileSync(st, safetensorsBytes([tensor('fc.weight', 'F32', [3, 4], Array.from({ length: 12 }, (_, i) => i - 5))]));
  const r = await analyze({ model: st, data: join(dir, 'nonexistent-probe.npz'), threads: 1 });
  const lines = r.warnings.filter((w) => /ONNX export/.test(w));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /torch\.onnx\.export\(model, example_input, "model\.onnx"\)/);
  assert.equal(r.bounds.length, 0);
  assert.equal(r.runtime, undefined);
});
