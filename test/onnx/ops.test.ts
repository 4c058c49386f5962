// The operator table (src/onnx/ops.ts) as the layer builder reads it: com.microsoft FusedMatMul weights,
// SkipLayerNormalization / EmbedLayerNormalization parameters, and the table's own consistency.
// Expected matrices are written out by hand from the stored values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCheckpointBytes } from '../../src/onnx';
import { CHAIN_OPS, OPS } from '../../src/onnx/ops';
import { buildModel, type TensorSpec } from '../helpers/onnx-writer';

const t = (name: string, dims: number[], data: number[]): TensorSpec => ({ name, dims, data });

test('com.microsoft FusedMatMul (transB = 1 and 0) measures [out, in]; SkipLayerNorm γ/β are parameters', () => {
  const W1 = [1, 2, 3, 4, 5, 6]; // [out 2, in 3] with transB = 1
  const W0 = [1, -1, 0.5, 2, 0, 3]; // [in 3, out 2] with transB = 0 → matrix is W0ᵀ
  const c = loadCheckpointBytes(buildModel({
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    inputs: [{ name: 'x', shape: [1, 3] }], outputs: [],
    initializers: [t('a.weight', [2, 3], W1), t('b.weight', [3, 2], W0), t('ln.gamma', [2], [1, 1]), t('ln.beta', [2], [0, 0])],
    nodes: [
      { op: 'FusedMatMul', domain: 'com.microsoft', inputs: ['x', 'a.weight'], outputs: ['h'], attrs: { transB: 1 } },
      { op: 'FusedMatMul', domain: 'com.microsoft', inputs: ['x', 'b.weight'], outputs: ['g'], attrs: { transB: 0 } },
      { op: 'SkipLayerNormalization', domain: 'com.microsoft', inputs: ['h', 'g', 'ln.gamma', 'ln.beta'], outputs: ['y'] },
    ],
  }).bytes);
  assert.deepEqual(c.layers.map((l) => [l.name, l.op, [...l.matrixShape]]), [['a.weight', 'FusedMatMul', [2, 3]], ['b.weight', 'FusedMatMul', [2, 3]]]);
  assert.deepEqual(Array.from(c.layers[0].matrix('float64')), W1);
  assert.deepEqual(Array.from(c.layers[1].matrix('float64')), [1, 0.5, 0, -1, 2, 3]);
  assert.ok(!c.warnings.some((w) => /not measured/.test(w)), c.warnings.join('\n'));
});

test('com.microsoft EmbedLayerNormalization: word, position and segment tables are embeddings', () => {
  const c = loadCheckpointBytes(buildModel({
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    inputs: [{ name: 'ids', dtype: 'int32', shape: [1, 4] }, { name: 'seg', dtype: 'int32', shape: [1, 4] }], outputs: [],
    initializers: [t('word', [5, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), t('pos', [4, 2], [1, 0, 0, 1, 1, 1, 2, 2]), t('segment', [2, 2], [1, 2, 3, 4]), t('gamma', [2], [1, 1]), t('beta', [2], [0, 0])],
    nodes: [{ op: 'EmbedLayerNormalization', domain: 'com.microsoft', inputs: ['ids', 'seg', 'word', 'pos', 'segment', 'gamma', 'beta'], outputs: ['y', 'mask'] }],
  }).bytes);
  assert.deepEqual(c.layers.map((l) => [l.name, l.role, [...l.matrixShape]]), [['word', 'embedding', [2, 5]], ['pos', 'embedding', [2, 4]], ['segment', 'embedding', [2, 2]]]);
  assert.deepEqual(Array.from(c.layers[2].matrix('float64')), [1, 3, 2, 4]);
});

test('the table is consistent: weight inputs and parameter inputs never overlap; chain ops have no weight role', () => {
  for (const [domain, ops] of Object.entries(OPS)) {
    for (const [op, info] of Object.entries(ops)) {
      const w = new Set((info.weights ?? []).map((x) => x.input));
      for (const p of info.params ?? []) assert.ok(!w.has(p), `${domain}:${op} input ${p} is both a weight and a parameter`);
      for (const x of info.weights ?? []) if (x.bias !== undefined) assert.ok(!w.has(x.bias), `${domain}:${op} bias ${x.bias} is a weight input`);
      if (domain === '' && op !== 'Gather') assert.ok(!CHAIN_OPS.has(op), `${op} is both a chain op and a weight op`);
    }
  }
});
