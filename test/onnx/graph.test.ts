// Layer discovery on graph structures: recurrent gate/direction slicing with biases (values built by
// hand so every slice is identifiable), fused attention, BatchNorm attachment, tied weights, weights
// reached through Identity/Cast chains, batched MatMul, auto_pad without input sizes, node order
// (sorted when the file is not topological, cycles refused), and weight dtypes that cannot be measured.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckpointError, loadCheckpointBytes, loadCheckpointSync, moduleName } from '../../src/onnx';
import { ProtoWriter } from '../../src/onnx/protobuf';
import { buildModel, saveModel, values, type ModelSpec } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-graph-'));
let counter = 0;
const load = (spec: ModelSpec) => loadCheckpointSync(saveModel(spec, join(dir, String(counter++))));
const iota = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

test('LSTM: W, R and B sliced by gate (i, o, f, c) and direction', () => {
  const [H, I, D] = [2, 3, 2];
  const c = load({
    inputs: [{ name: 'x', shape: [5, 1, I] }], outputs: [{ name: 'y', shape: [5, D, 1, H] }],
    initializers: [
      { name: 'lstm.W', dims: [D, 4 * H, I], data: iota(D * 4 * H * I) },
      { name: 'lstm.R', dims: [D, 4 * H, H], data: iota(D * 4 * H * H, 1000) },
      { name: 'lstm.B', dims: [D, 8 * H], data: iota(D * 8 * H, 5000) },
    ],
    nodes: [{ op: 'LSTM', name: '/rnn/LSTM', inputs: ['x', 'lstm.W', 'lstm.R', 'lstm.B'], outputs: ['y'], attrs: { hidden_size: H, direction: 'bidirectional' } }],
  });
  assert.equal(c.layers.length, 2 * 4 * D);
  const gates = ['i', 'o', 'f', 'c'];
  for (let dir = 0; dir < D; dir++) {
    gates.forEach((g, gi) => {
      const w = c.layers.find((l) => l.part === `W gate=${g} dir=${dir}`)!;
      const r = c.layers.find((l) => l.part === `R gate=${g} dir=${dir}`)!;
      assert.equal(w.role, 'recurrentInput');
      assert.equal(r.role, 'recurrentHidden');
      assert.deepEqual([...w.matrixShape], [H, I]);
      assert.deepEqual([...r.matrixShape], [H, H]);
      // W[dir] rows gi·H … gi·H + H − 1; B[dir] = [Wb (4H) | Rb (4H)]
      assert.deepEqual(Array.from(w.matrix()), iota(H * I, (dir * 4 * H + gi * H) * I), `W ${g} ${dir}`);
      assert.deepEqual(Array.from(r.matrix()), iota(H * H, 1000 + (dir * 4 * H + gi * H) * H), `R ${g} ${dir}`);
      assert.deepEqual(Array.from(w.bias!.toFloat64()), iota(H, 5000 + dir * 8 * H + gi * H), `Wb ${g} ${dir}`);
      assert.deepEqual(Array.from(r.bias!.toFloat64()), iota(H, 5000 + dir * 8 * H + 4 * H + gi * H), `Rb ${g} ${dir}`);
      assert.equal(w.module, 'lstm'); // from the parameter name 'lstm.W'
    });
  }
});

test('GRU (z, r, h) and RNN slices; a bias of the wrong size is not attached (warning)', () => {
  const [H, I] = [2, 3];
  const g = load({
    inputs: [{ name: 'x', shape: [5, 1, I] }], outputs: [{ name: 'y', shape: [5, 1, 1, H] }],
    initializers: [
      { name: 'gru.W', dims: [1, 3 * H, I], data: iota(3 * H * I) },
      { name: 'gru.R', dims: [1, 3 * H, H], data: iota(3 * H * H, 100) },
      { name: 'gru.B', dims: [1, 5], data: iota(5) },
    ],
    nodes: [{ op: 'GRU', inputs: ['x', 'gru.W', 'gru.R', 'gru.B'], outputs: ['y'], attrs: { hidden_size: H } }],
  });
  assert.deepEqual(g.layers.map((l) => l.part), ['W gate=z dir=0', 'W gate=r dir=0', 'W gate=h dir=0', 'R gate=z dir=0', 'R gate=r dir=0', 'R gate=h dir=0']);
  assert.deepEqual(Array.from(g.layers[2].matrix()), iota(H * I, 2 * H * I));
  assert.deepEqual(Array.from(g.layers[4].matrix()), iota(H * H, 100 + H * H));
  assert.ok(g.layers.every((l) => l.bias === null));
  assert.ok(g.warnings.some((w) => /bias 'gru\.B' has 5 values/.test(w)), g.warnings.join('\n'));
  const r = load({
    inputs: [{ name: 'x', shape: [5, 1, I] }], outputs: [{ name: 'y', shape: [5, 1, 1, H] }],
    initializers: [{ name: 'rnn.W', dims: [1, H, I], data: iota(H * I) }, { name: 'rnn.R', dims: [1, H, H], data: iota(H * H) }],
    nodes: [{ op: 'RNN', inputs: ['x', 'rnn.W', 'rnn.R'], outputs: ['y'], attrs: { hidden_size: H } }],
  });
  assert.deepEqual(r.layers.map((l) => [l.part, [...l.matrixShape]]), [['W gate=h dir=0', [H, I]], ['R gate=h dir=0', [H, H]]]);
});

test('com.microsoft Attention: packed [input, 3·hidden] weight split into q, k, v as [hidden, input]', () => {
  const [I, Hd] = [3, 2];
  const W = iota(I * 3 * Hd); // W[i][j] = 6i + j
  const c = load({
    inputs: [{ name: 'x', shape: [1, 4, I] }], outputs: [{ name: 'y', shape: [1, 4, Hd] }],
    initializers: [{ name: 'attn.weight', dims: [I, 3 * Hd], data: W }, { name: 'attn.bias', dims: [3 * Hd], data: iota(6) }],
    nodes: [{ op: 'Attention', domain: 'com.microsoft', inputs: ['x', 'attn.weight', 'attn.bias'], outputs: ['y'], attrs: { num_heads: 1 } }],
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
  });
  assert.deepEqual(c.layers.map((l) => l.part), ['q', 'k', 'v']);
  c.layers.forEach((l, p) => {
    assert.deepEqual([...l.matrixShape], [Hd, I]);
    // M[h][i] = W[i][p·Hd + h]
    const want = [];
    for (let h = 0; h < Hd; h++) for (let i = 0; i < I; i++) want.push(W[i * 3 * Hd + p * Hd + h]);
    assert.deepEqual(Array.from(l.matrix()), want, l.part);
  });
});

test('BatchNormalization attached after Conv, after Gemm, after MatMul + Add; not when the output is shared', () => {
  const bn = (p: string, n: number) => ['s', 'b', 'm', 'v'].map((k, i) => ({ name: `${p}.${k}`, dims: [n], data: new Array(n).fill(i === 3 ? 1 : 0.5) }));
  const c = load({
    inputs: [{ name: 'x', shape: ['N', 4] }], outputs: [{ name: 'z', shape: ['N', 3] }],
    initializers: [
      { name: 'a.weight', dims: [3, 4], data: values(12) }, ...bn('bn1', 3),
      { name: 'onnx::MatMul_5', dims: [3, 3], data: values(9, 2) }, { name: 'b.bias', dims: [3], data: [1, 2, 3] }, ...bn('bn2', 3),
      { name: 'c.weight', dims: [3, 3], data: values(9, 3) }, ...bn('bn3', 3),
    ],
    nodes: [
      { op: 'Gemm', name: '/a/Gemm', inputs: ['x', 'a.weight'], outputs: ['h'], attrs: { transB: 1 } },
      { op: 'BatchNormalization', name: '/bn1/BN', inputs: ['h', 'bn1.s', 'bn1.b', 'bn1.m', 'bn1.v'], outputs: ['h1'], attrs: { epsilon: { float: 0.25 } } },
      { op: 'MatMul', name: '/b/MatMul', inputs: ['h1', 'onnx::MatMul_5'], outputs: ['t'] },
      { op: 'Add', name: '/b/Add', inputs: ['t', 'b.bias'], outputs: ['t2'] },
      { op: 'BatchNormalization', name: '/bn2/BN', inputs: ['t2', 'bn2.s', 'bn2.b', 'bn2.m', 'bn2.v'], outputs: ['h2'] },
      { op: 'Gemm', name: '/c/Gemm', inputs: ['h2', 'c.weight'], outputs: ['u'], attrs: { transB: 1 } },
      { op: 'BatchNormalization', name: '/bn3/BN', inputs: ['u', 'bn3.s', 'bn3.b', 'bn3.m', 'bn3.v'], outputs: ['u1'] },
      { op: 'Add', name: '/res/Add', inputs: ['u', 'u1'], outputs: ['z'] },
    ],
  });
  const [a, b, cc] = c.layers;
  assert.equal(a.batchNorm?.node, '/bn1/BN');
  assert.equal(a.batchNorm?.epsilon, 0.25);
  assert.equal(a.batchNorm?.scale.name, 'bn1.s');
  assert.equal(b.bias?.name, 'b.bias');
  assert.equal(b.module, 'b');
  assert.equal(b.batchNorm?.node, '/bn2/BN');
  assert.equal(b.batchNorm?.epsilon, 1e-5, 'ONNX default epsilon');
  assert.equal(cc.batchNorm, undefined, 'the un-normalised output is also used by the residual Add');
});

test('tied weights: an embedding reused directly by a Gemm, and a weight reached through Identity → Cast', () => {
  const c = load({
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['N'] }], outputs: [{ name: 'logits', shape: ['N', 5] }],
    initializers: [{ name: 'wte.weight', dims: [5, 3], data: values(15, 3) }],
    nodes: [
      { op: 'Gather', name: '/wte/Gather', inputs: ['wte.weight', 'ids'], outputs: ['h'] },
      { op: 'Gemm', name: '/lm_head/Gemm', inputs: ['h', 'wte.weight'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
  });
  assert.deepEqual(c.layers.map((l) => [l.name, l.role, l.node]), [['wte.weight', 'embedding', '/wte/Gather']]);
  assert.ok(c.warnings.some((w) => /'wte\.weight' is used by \/wte\/Gather and \/lm_head\/Gemm \(tied/.test(w)), c.warnings.join('\n'));
  const d = load({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [{ name: 'fc.weight', dtype: 'float16', dims: [2, 2], data: [1, 2, 3, 4] }],
    nodes: [
      { op: 'Identity', inputs: ['fc.weight'], outputs: ['w1'] },
      { op: 'Cast', inputs: ['w1'], outputs: ['w2'], attrs: { to: 1 } },
      { op: 'Gemm', name: '/fc/Gemm', inputs: ['x', 'w2'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  });
  assert.deepEqual(d.layers.map((l) => [l.name, l.weight.dtype, Array.from(l.matrix())]), [['fc.weight', 'float16', [1, 2, 3, 4]]]);
});

test('batched MatMul weights (rank 3) are skipped with a warning; auto_pad with stride 2 and no input size warns', () => {
  const c = load({
    inputs: [{ name: 'x', shape: [2, 'S', 4] }], outputs: [{ name: 'y', shape: [2, 'S', 3] }],
    initializers: [{ name: 'heads.weight', dims: [2, 4, 3], data: values(24) }],
    nodes: [{ op: 'MatMul', name: '/heads/MatMul', inputs: ['x', 'heads.weight'], outputs: ['y'] }],
  });
  assert.equal(c.layers.length, 0);
  assert.ok(c.warnings.some((w) => /heads\.weight' has rank 3 \(batched\); not measured/.test(w)), c.warnings.join('\n'));
  const p = load({
    inputs: [{ name: 'x', shape: ['N', 2, 'H', 'W'] }], outputs: [{ name: 'y', shape: ['N', 3, 'H', 'W'] }],
    initializers: [{ name: 'a.weight', dims: [3, 2, 3, 3], data: values(54) }, { name: 'b.weight', dims: [3, 3, 4, 4], data: values(144) }],
    nodes: [
      { op: 'Conv', name: '/a/Conv', inputs: ['x', 'a.weight'], outputs: ['h'], attrs: { auto_pad: 'SAME_LOWER', dilations: [2, 1] } },
      { op: 'Conv', name: '/b/Conv', inputs: ['h', 'b.weight'], outputs: ['y'], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
    ],
  });
  // stride 1: total = (k − 1)·dilation whatever the input size; SAME_LOWER puts the odd unit first
  assert.deepEqual(p.layers[0].conv?.pads, [2, 1, 2, 1]);
  assert.equal(p.layers[0].conv?.inputSpatial, null);
  assert.deepEqual(p.layers[1].conv?.pads, [0, 0, 0, 0]);
  assert.ok(p.warnings.some((w) => /\/b\/Conv: auto_pad SAME_UPPER with strides 2×2 needs the input size/.test(w)), p.warnings.join('\n'));
});

test('nodes out of topological order are sorted (file order kept among ready nodes); a cycle is an error', () => {
  const spec = (cycle: boolean): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [{ name: 'second.weight', dims: [2, 2], data: [1, 0, 0, 1] }, { name: 'first.weight', dims: [2, 2], data: [0, 1, 1, 0] }],
    nodes: [
      { op: 'Gemm', name: '/second/Gemm', inputs: ['h', 'second.weight'], outputs: ['y'], attrs: { transB: 1 } },
      { op: 'Relu', name: '/act/Relu', inputs: ['h0'], outputs: ['h'] },
      { op: 'Gemm', name: '/first/Gemm', inputs: [cycle ? 'y' : 'x', 'first.weight'], outputs: ['h0'], attrs: { transB: 1 } },
    ],
  });
  const c = load(spec(false));
  assert.deepEqual(c.nodes.map((n) => n.name), ['/first/Gemm', '/act/Relu', '/second/Gemm']);
  assert.deepEqual(c.nodes.map((n) => n.index), [2, 1, 0]);
  assert.deepEqual(c.layers.map((l) => [l.name, l.order]), [['first.weight', 0], ['second.weight', 1]]);
  assert.throws(() => load(spec(true)), (e: Error) => e instanceof CheckpointError && /cycle/.test(e.message) && /\/second\/Gemm/.test(e.message));
});

test('a weight whose data type cannot be measured is refused at load, naming the file and the tensor', () => {
  for (const [dataType, name] of [[8, 'string'], [14, 'complex64'], [17, 'float8e4m3fn']] as const) {
    const bytes = new ProtoWriter().int(1, 8).message(7, (g) => {
      g.message(1, (n) => n.string(1, 'x').string(1, 'w.weight').string(2, 'y').string(3, '/fc/Gemm').string(4, 'Gemm').message(5, (a) => a.string(1, 'transB').int(3, 1).int(20, 2)));
      g.message(5, (t) => t.packedVarints(1, [2, 2]).int(2, dataType).string(8, 'w.weight').bytes(9, new Uint8Array(dataType === 14 ? 32 : 4)));
      g.message(11, (v) => v.string(1, 'x'));
    }).message(8, (o) => o.string(1, '').int(2, 13)).finish();
    assert.throws(() => loadCheckpointBytes(bytes, 'bad-dtype.onnx'), (e: Error) => e instanceof CheckpointError && e.message.startsWith('bad-dtype.onnx') && /'w\.weight'/.test(e.message) && e.message.includes(name), name);
  }
});

test('module names from parameter names and exporter node names', () => {
  assert.equal(moduleName('layers.0.weight', '/layers.0/Gemm', 'Gemm'), 'layers.0');
  assert.equal(moduleName('encoder.layer.3.attention.self.query.weight', '/encoder/layer.3/attention/self/query/MatMul', 'MatMul'), 'encoder.layer.3.attention.self.query');
  assert.equal(moduleName('onnx::Conv_32', '/layer1/layer1.0/conv1/Conv', 'Conv'), 'layer1.0.conv1');
  assert.equal(moduleName('onnx::Conv_32', '/conv1/Conv', 'Conv'), 'conv1');
  assert.equal(moduleName('onnx::MatMul_9', '/encoder/layer.0/attention/self/query/MatMul', 'MatMul'), 'encoder.layer.0.attention.self.query');
  assert.equal(moduleName('onnx::MatMul_9', '/fc/MatMul_1', 'MatMul'), 'fc');
  assert.equal(moduleName('rnn.weight_ih_l0', '/rnn/LSTM', 'LSTM'), 'rnn');
  assert.equal(moduleName('onnx::Gemm_3', 'Gemm_0', 'Gemm'), null);
  assert.equal(moduleName('W', '', 'Gemm'), null);
});
