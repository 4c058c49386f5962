// Graph rewriting: weights made graph inputs give bit-identical logits when fed the original values and
// the hand-computed ones when fed perturbed values (so the feed is not ignored, which onnxruntime-node
// does for an initializer); outputs retargeted; external data left in the model still loads; a
// Constant-node weight can be fed; unchanged fields are copied byte for byte.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { externalDataFiles, findLogits, listInitializers, setOutputs, weightsAsInputs } from '../../src/onnx/rewrite';
import { CheckpointError, loadCheckpointBytes, loadCheckpointSync } from '../../src/onnx';
import { buildModel, mlp, type ModelSpec } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-rewrite-'));

// z = W₂·relu(W₁x + b₁) + b₂ → Softmax → ArgMax
const tiny = (): ModelSpec => ({
  inputs: [{ name: 'input', shape: ['N', 2] }], outputs: [{ name: 'cls', dtype: 'int64', shape: ['N'] }],
  initializers: [
    { name: 'l1.weight', dims: [2, 2], data: [1, 0, 0, 2] }, { name: 'l1.bias', dims: [2], data: [0, -1] },
    { name: 'l2.weight', dims: [3, 2], data: [1, 1, 2, -1, 0, 1] }, { name: 'l2.bias', dims: [3], data: [0, 0, 1] },
  ],
  nodes: [
    { op: 'Gemm', inputs: ['input', 'l1.weight', 'l1.bias'], outputs: ['a'], attrs: { transB: 1 } },
    { op: 'Relu', inputs: ['a'], outputs: ['h'] },
    { op: 'Gemm', inputs: ['h', 'l2.weight', 'l2.bias'], outputs: ['z'], attrs: { transB: 1 } },
    { op: 'Softmax', inputs: ['z'], outputs: ['p'], attrs: { axis: 1 } },
    { op: 'Identity', inputs: ['p'], outputs: ['p2'] },
    { op: 'ArgMax', inputs: ['p2'], outputs: ['cls'], attrs: { axis: 1, keepdims: 0 } },
  ],
});

const t32 = (data: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);
const X = t32([1, 1, 2, 0, -1, 3], [3, 2]);

test('the logits are found behind ArgMax ← Identity ← Softmax', () => {
  const path = join(dir, 'tiny.onnx');
  writeFileSync(path, buildModel(tiny()).bytes);
  assert.deepEqual(findLogits(loadCheckpointSync(path)), [{ name: 'z', output: 'cls', skipped: ['ArgMax', 'Softmax'] }]);
  assert.deepEqual(findLogits(loadCheckpointSync(join(dir, 'tiny.onnx'))).map((t) => t.name), ['z']);
  const plain = join(dir, 'plain.onnx');
  writeFileSync(plain, buildModel(mlp([3, 2])).bytes);
  assert.deepEqual(findLogits(loadCheckpointSync(plain)), [{ name: 'logits', output: 'logits', skipped: [] }]);
});

test('weights as inputs: identical logits for the original weights, the perturbed logits for perturbed ones', async () => {
  const bytes = buildModel(tiny()).bytes;
  const names = ['l1.weight', 'l1.bias', 'l2.weight', 'l2.bias'];
  const reference = await ort.InferenceSession.create(setOutputs(bytes, [{ name: 'z', elemType: 1 }]));
  const rewritten = weightsAsInputs(setOutputs(bytes, [{ name: 'z', elemType: 1, shape: ['N', 3] }]), names);
  assert.deepEqual(listInitializers(rewritten), [], 'no initializer left');
  const s = await ort.InferenceSession.create(rewritten);
  assert.deepEqual([...s.inputNames].sort(), ['input', ...names].sort());
  assert.deepEqual(s.outputNames, ['z']);
  const original = { 'l1.weight': t32([1, 0, 0, 2], [2, 2]), 'l1.bias': t32([0, -1], [2]), 'l2.weight': t32([1, 1, 2, -1, 0, 1], [3, 2]), 'l2.bias': t32([0, 0, 1], [3]) };
  const a = (await reference.run({ input: X })).z.data as Float32Array;
  const b = (await s.run({ input: X, ...original })).z.data as Float32Array;
  // x=(1,1): h=(1,1), z=(2,1,2); x=(2,0): h=(2,0), z=(2,4,1); x=(−1,3): h=(0,5), z=(5,−5,6)
  assert.deepEqual(Array.from(a), [2, 1, 2, 2, 4, 1, 5, -5, 6]);
  assert.deepEqual(Array.from(b), Array.from(a));
  // W₁ → 2·W₁: x=(1,1): h=(2,3), z=(5,1,4); x=(2,0): h=(4,0), z=(4,8,1); x=(−1,3): h=(0,11), z=(11,−11,12)
  const c = (await s.run({ input: X, ...original, 'l1.weight': t32([2, 0, 0, 4], [2, 2]) })).z.data as Float32Array;
  assert.deepEqual(Array.from(c), [5, 1, 4, 4, 8, 1, 11, -11, 12]);
  assert.throws(() => weightsAsInputs(bytes, ['nope']), /not an initializer or Constant output of the graph: nope/);
});

test('why the rewrite is needed: onnxruntime-node ignores a feed for an initializer (even one listed as a graph input)', async () => {
  const spec = tiny();
  spec.inputs.push({ name: 'l2.bias', shape: [3] });
  const s = await ort.InferenceSession.create(setOutputs(buildModel(spec).bytes, [{ name: 'z', elemType: 1 }]), { logSeverityLevel: 3 });
  const fed = await s.run({ input: X, 'l2.bias': t32([100, 100, 100], [3]) }).catch(() => null);
  // either refused or ignored — never applied
  if (fed) assert.deepEqual(Array.from(fed.z.data as Float32Array), [2, 1, 2, 2, 4, 1, 5, -5, 6]);
  const rewritten = await ort.InferenceSession.create(weightsAsInputs(setOutputs(buildModel(spec).bytes, [{ name: 'z', elemType: 1 }]), ['l2.bias']));
  const applied = await rewritten.run({ input: X, 'l2.bias': t32([100, 100, 100], [3]) });
  assert.deepEqual(Array.from(applied.z.data as Float32Array), [102, 101, 101, 102, 104, 100, 105, 95, 105]);
});

test('unchanged fields are copied verbatim; a Constant-node weight can be fed', async () => {
  const spec = tiny();
  const w2 = spec.initializers!.splice(2, 1)[0];
  spec.nodes.unshift({ op: 'Constant', inputs: [], outputs: ['l2.weight'], attrs: { value: { tensor: w2 } } });
  const bytes = buildModel(spec).bytes;
  const out = weightsAsInputs(bytes, ['l2.weight']);
  const s = await ort.InferenceSession.create(setOutputs(out, [{ name: 'z', elemType: 1 }]));
  const r = await s.run({ input: X, 'l2.weight': t32([1, 1, 2, -1, 0, 1], [3, 2]) });
  assert.deepEqual(Array.from(r.z.data as Float32Array), [2, 1, 2, 2, 4, 1, 5, -5, 6]);
  // the three initializers that stay are byte-identical in the output
  const before = listInitializers(bytes);
  assert.deepEqual(listInitializers(out), before);
  const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
  for (const t of before) {
    const payload = text(new Uint8Array(new Float32Array(spec.initializers!.find((i) => i.name === t.name)!.data as number[]).buffer));
    assert.ok(text(out).includes(payload), `${t.name} copied verbatim`);
  }
});

test('external data that is not rewritten still loads (externalData session option); paths must stay in the model folder', async () => {
  const spec = mlp([4, 3, 2]);
  spec.initializers![0].external = { location: 'weights.bin' };
  spec.initializers![2].external = { location: 'weights.bin' };
  const { bytes, externalFiles } = buildModel(spec);
  const sub = join(dir, 'ext');
  mkdirSync(sub);
  writeFileSync(join(sub, 'model.onnx'), bytes);
  for (const [name, data] of externalFiles) writeFileSync(join(sub, name), data);
  const heads = listInitializers(bytes);
  assert.deepEqual(heads.filter((h) => h.external).map((h) => [h.name, h.location]), [['fc0.weight', 'weights.bin'], ['fc1.weight', 'weights.bin']]);
  // only the biases become inputs: the two external weights stay initializers
  const rewritten = weightsAsInputs(bytes, ['fc0.bias', 'fc1.bias']);
  const files = externalDataFiles(rewritten, sub);
  assert.deepEqual(files.map((f) => [f.path, f.data.length]), [['weights.bin', (12 + 6) * 4]]);
  const s = await ort.InferenceSession.create(rewritten, { externalData: files });
  const ref = await ort.InferenceSession.create(join(sub, 'model.onnx'));
  const x = t32([0.5, -1, 2, 0.25], [1, 4]);
  const feeds = { input: x, 'fc0.bias': t32(Array.from(spec.initializers![1].data as Float32Array), [3]), 'fc1.bias': t32(Array.from(spec.initializers![3].data as Float32Array), [2]) };
  assert.deepEqual(Array.from((await s.run(feeds)).logits.data as Float32Array), Array.from((await ref.run({ input: x })).logits.data as Float32Array));
  const evil = buildModel({ ...spec, initializers: spec.initializers!.map((t, i) => (i === 0 ? { ...t, external: { location: '../../etc/passwd' } } : t)) }).bytes;
  assert.throws(() => externalDataFiles(evil, sub), (e: Error) => e instanceof CheckpointError && /external data location '\.\.\/\.\.\/etc\/passwd' points outside the model's folder/.test(e.message));
  // the same check as the reader's: a symbolic link inside the folder that leads out of it is refused too
  const outside = join(dir, 'outside.bin');
  writeFileSync(outside, new Uint8Array(72));
  symlinkSync(outside, join(sub, 'link.bin'));
  const linked = buildModel({ ...spec, initializers: spec.initializers!.map((t, i) => (i === 0 ? { ...t, external: { location: 'link.bin' } } : t)) }).bytes;
  assert.throws(() => externalDataFiles(linked, sub, join(sub, 'm.onnx')), (e: Error) => e instanceof CheckpointError && e.message.startsWith(join(sub, 'm.onnx')) && /is a link to .*outside the model's folder/.test(e.message));
  assert.throws(() => loadCheckpointBytes(linked, join(sub, 'm.onnx'), { baseDir: sub }), /is a link to .*outside the model's folder/);
});
