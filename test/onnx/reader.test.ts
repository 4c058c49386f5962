// The checkpoint reader on models written by test/helpers/onnx-writer.ts: every place exporters put
// weights, every dtype, every op tied to its layer with the right [out, in] matrix. Values are exact
// (float32 round-trips bit for bit; fp16/bf16 compared with the known rounding of their encoders).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckpointError, loadCheckpointBytes, loadCheckpointSync } from '../../src/onnx';
import { ProtoWriter } from '../../src/onnx/protobuf';
import { buildModel, mlp, type DTypeName, type ModelSpec, values } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-reader-'));
let counter = 0;
function save(spec: ModelSpec, sub = ''): string {
  const { bytes, externalFiles } = buildModel(spec);
  const folder = join(dir, sub);
  mkdirSync(folder, { recursive: true });
  const p = join(folder, `m${counter++}.onnx`);
  writeFileSync(p, bytes);
  for (const [loc, data] of externalFiles) {
    const target = join(folder, loc);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, data);
  }
  return p;
}
const rowMajor = (m: Float32Array | Float64Array) => Array.from(m);

test('Gemm transB=1 and transB=0, bias, module names, topological order', () => {
  const spec = mlp([4, 3, 2]);
  const c = loadCheckpointSync(save(spec));
  assert.equal(c.producer, 'theory-lens-tests');
  assert.equal(c.opset, 13);
  assert.deepEqual(c.layers.map((l) => [l.name, l.op, l.node, l.module, [...l.matrixShape], l.bias?.name]), [
    ['fc0.weight', 'Gemm', '/fc0/Gemm', 'fc0', [3, 4], 'fc0.bias'],
    ['fc1.weight', 'Gemm', '/fc1/Gemm', 'fc1', [2, 3], 'fc1.bias'],
  ]);
  assert.deepEqual(rowMajor(c.layers[0].matrix()), Array.from(values(12, 1)));
  // transB = 0: B is [in, out]; the matrix is its transpose.
  const w = [1, 2, 3, 4, 5, 6]; // [in=2, out=3]
  const t = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 3] }],
    initializers: [{ name: 'W', dims: [2, 3], data: w }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'] }],
  }));
  assert.deepEqual([...t.layers[0].matrixShape], [3, 2]);
  assert.deepEqual(rowMajor(t.layers[0].matrix('float64')), [1, 4, 2, 5, 3, 6]);
});

test('MatMul with a transposed copy (bias-free Linear) + following Add bias; module from node name', () => {
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 3] }],
    initializers: [{ name: 'onnx::MatMul_7', dims: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { name: 'fc.bias', dims: [3], data: [0.5, 0.5, 0.5] }],
    nodes: [
      { op: 'MatMul', name: '/enc/fc/MatMul', inputs: ['x', 'onnx::MatMul_7'], outputs: ['t'] },
      { op: 'Add', name: '/enc/fc/Add', inputs: ['t', 'fc.bias'], outputs: ['y'] },
    ],
  }));
  const l = c.layers[0];
  assert.equal(l.module, 'enc.fc');
  assert.deepEqual([...l.matrixShape], [3, 2]);
  assert.deepEqual(rowMajor(l.matrix()), [1, 4, 2, 5, 3, 6]);
  assert.equal(l.bias?.name, 'fc.bias');
});

test('Conv + BatchNorm, strides/pads/dilations/groups, auto_pad, shape inference of input sizes', () => {
  const k = values(4 * 2 * 3 * 3, 5);
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 2, 10, 12] }], outputs: [{ name: 'z', shape: ['N', 4, 5, 6] }],
    initializers: [
      { name: 'conv.weight', dims: [4, 2, 3, 3], data: k },
      { name: 'bn.s', dims: [4], data: [1, 2, 3, 4] }, { name: 'bn.b', dims: [4], data: [0, 0, 0, 0] },
      { name: 'bn.m', dims: [4], data: [0, 0, 0, 0] }, { name: 'bn.v', dims: [4], data: [1, 1, 1, 1] },
      { name: 'conv2.weight', dims: [4, 2, 3, 3], data: k },
    ],
    nodes: [
      { op: 'Conv', name: '/conv/Conv', inputs: ['x', 'conv.weight'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } },
      { op: 'BatchNormalization', name: '/bn/BN', inputs: ['y', 'bn.s', 'bn.b', 'bn.m', 'bn.v'], outputs: ['yb'], attrs: { epsilon: { float: 0.001 } } },
      { op: 'Conv', name: '/conv2/Conv', inputs: ['yb', 'conv2.weight'], outputs: ['z'], attrs: { auto_pad: 'SAME_UPPER', group: 2, dilations: [2, 2] } },
    ],
  }));
  const [a, b] = c.layers;
  assert.deepEqual([...a.matrixShape], [4, 18]);
  assert.deepEqual(a.conv, { kernel: [3, 3], group: 1, strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], inputSpatial: [10, 12] });
  assert.equal(a.batchNorm?.node, '/bn/BN');
  assert.ok(Math.abs(a.batchNorm!.epsilon - 0.001) < 1e-9);
  assert.deepEqual(c.valueShapes.get('y'), ['N', 4, 5, 6]);
  assert.deepEqual(b.conv?.inputSpatial, [5, 6]);
  assert.equal(b.conv?.group, 2);
  // SAME_UPPER with kernel 3, dilation 2 → effective 5, stride 1: total pad 4 → 2 / 2
  assert.deepEqual(b.conv?.pads, [2, 2, 2, 2]);
});

test('ConvTranspose: the [out, in] matrix is the transpose of W reshaped to [c_in, c_out·k]', () => {
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }], outputs: [{ name: 'y', shape: [1, 3, 5, 5] }],
    initializers: [{ name: 'up.weight', dims: [2, 3, 2, 2], data: values(24, 9) }],
    nodes: [{ op: 'ConvTranspose', inputs: ['x', 'up.weight'], outputs: ['y'] }],
  }));
  const l = c.layers[0];
  assert.equal(l.role, 'convTranspose');
  assert.deepEqual([...l.matrixShape], [12, 2]);
  const m = l.matrix();
  const w = values(24, 9);
  for (let r = 0; r < 12; r++) for (let ci = 0; ci < 2; ci++) assert.equal(m[r * 2 + ci], w[ci * 12 + r]);
  assert.deepEqual(c.valueShapes.get('y'), [1, 3, 5, 5]);
});

test('LSTM and GRU weights split by gate and direction', () => {
  const H = 2;
  const I = 3;
  const W = Array.from({ length: 2 * 4 * H * I }, (_, i) => i);
  const R = Array.from({ length: 2 * 4 * H * H }, (_, i) => 1000 + i);
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: [5, 1, I] }], outputs: [{ name: 'y', shape: [5, 2, 1, H] }],
    initializers: [{ name: 'lstm.W', dims: [2, 4 * H, I], data: W }, { name: 'lstm.R', dims: [2, 4 * H, H], data: R }],
    nodes: [{ op: 'LSTM', name: '/rnn/LSTM', inputs: ['x', 'lstm.W', 'lstm.R'], outputs: ['y'], attrs: { hidden_size: H, direction: 'bidirectional' } }],
  }));
  assert.equal(c.layers.length, 16);
  const f1 = c.layers.find((l) => l.part === 'W gate=f dir=1')!;
  assert.deepEqual([...f1.matrixShape], [H, I]);
  // dir 1 starts at 4·H·I = 24; gate f is the third (i, o, f, c): rows 4..5 → offset 24 + 2·H·I = 36
  assert.deepEqual(rowMajor(f1.matrix()), [36, 37, 38, 39, 40, 41]);
  assert.equal(c.layers.filter((l) => l.role === 'recurrentHidden').length, 8);
  const g = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: [5, 1, I] }], outputs: [{ name: 'y', shape: [5, 1, 1, H] }],
    initializers: [{ name: 'gru.W', dims: [1, 3 * H, I], data: W.slice(0, 18) }, { name: 'gru.R', dims: [1, 3 * H, H], data: R.slice(0, 12) }],
    nodes: [{ op: 'GRU', inputs: ['x', 'gru.W', 'gru.R'], outputs: ['y'], attrs: { hidden_size: H } }],
  }));
  assert.deepEqual(g.layers.map((l) => l.part), ['W gate=z dir=0', 'W gate=r dir=0', 'W gate=h dir=0', 'R gate=z dir=0', 'R gate=r dir=0', 'R gate=h dir=0']);
});

test('embedding Gather and a tied output projection are one layer (with a warning)', () => {
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['N'] }], outputs: [{ name: 'logits', shape: ['N', 5] }],
    initializers: [{ name: 'wte.weight', dims: [5, 3], data: values(15, 3) }],
    nodes: [
      { op: 'Gather', name: '/wte/Gather', inputs: ['wte.weight', 'ids'], outputs: ['h'] },
      { op: 'Transpose', name: '/lm/T', inputs: ['wte.weight'], outputs: ['wT'], attrs: { perm: [1, 0] } },
      { op: 'MatMul', name: '/lm_head/MatMul', inputs: ['h', 'wT'], outputs: ['logits'] },
    ],
  }));
  assert.equal(c.layers.length, 1);
  assert.equal(c.layers[0].role, 'embedding');
  assert.deepEqual([...c.layers[0].matrixShape], [3, 5]);
  assert.ok(c.warnings.some((w) => /tied/.test(w)), c.warnings.join('\n'));
});

test('fp16 and bf16 weights, raw and typed, with subnormals, ±Inf and NaN', () => {
  const data = [1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity, NaN];
  for (const dtype of ['float16', 'bfloat16'] as const) {
    for (const encoding of ['raw', 'typed'] as const) {
      const c = loadCheckpointSync(save({
        inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 4] }],
        initializers: [{ name: 'w', dtype, encoding, dims: [4, 2], data }],
        nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1 } }],
      }));
      const v = Array.from(c.tensors.get('w')!.toFloat64());
      const expect = dtype === 'float16' ? data : [1, -2.5, 65536, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity, NaN];
      assert.deepEqual(v, expect, `${dtype} ${encoding}`);
    }
  }
});

test('int8 weights through DequantizeLinear, per-tensor and per-axis', () => {
  const q = [-128, -1, 0, 5, 127, 3];
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [
      { name: 'wq', dtype: 'int8', dims: [2, 3], data: q },
      { name: 's', dims: [2], data: [0.5, 0.25] },
      { name: 'zp', dtype: 'int8', dims: [2], data: [1, -1] },
    ],
    nodes: [
      { op: 'DequantizeLinear', inputs: ['wq', 's', 'zp'], outputs: ['w'], attrs: { axis: 0 } },
      { op: 'Gemm', name: '/fc/Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  }));
  const l = c.layers[0];
  assert.equal(l.name, 'wq');
  assert.deepEqual(rowMajor(l.matrix('float64')), [(-128 - 1) * 0.5, (-1 - 1) * 0.5, (0 - 1) * 0.5, (5 + 1) * 0.25, (127 + 1) * 0.25, (3 + 1) * 0.25]);
  const p = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [{ name: 'wq', dtype: 'uint8', dims: [2, 3], data: [0, 10, 20, 30, 40, 50] }, { name: 's', dims: [], data: [0.1] }, { name: 'zp', dtype: 'uint8', dims: [], data: [10] }],
    nodes: [
      { op: 'DequantizeLinear', inputs: ['wq', 's', 'zp'], outputs: ['w'] },
      { op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  }));
  const got = rowMajor(p.layers[0].matrix('float64'));
  [-1, 0, 1, 2, 3, 4].forEach((e, i) => assert.ok(Math.abs(got[i] - e) < 1e-6, `${got[i]} vs ${e}`));
});

test('weights in Constant nodes, sparse initializers, typed float_data, Identity-shared weights', () => {
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y2', shape: ['N', 2] }],
    initializers: [{ name: 'typed.weight', dims: [2, 2], data: [1, 2, 3, 4], encoding: 'typed' }],
    sparse: [{ values: { name: 'sparse.weight', dims: [2], data: [7, 9] }, indices: [1, 2], dims: [2, 2] }],
    nodes: [
      { op: 'Constant', name: 'c', inputs: [], outputs: ['const.weight'], attrs: { value: { tensor: { name: 'v', dims: [2, 2], data: [5, 6, 7, 8] } } } },
      { op: 'Gemm', name: '/a/Gemm', inputs: ['x', 'const.weight'], outputs: ['y0'], attrs: { transB: 1 } },
      { op: 'Gemm', name: '/b/Gemm', inputs: ['y0', 'typed.weight'], outputs: ['y1'], attrs: { transB: 1 } },
      { op: 'Identity', inputs: ['typed.weight'], outputs: ['shared'] },
      { op: 'Gemm', name: '/c/Gemm', inputs: ['y1', 'shared'], outputs: ['y1b'], attrs: { transB: 1 } },
      { op: 'Gemm', name: '/d/Gemm', inputs: ['y1b', 'sparse.weight'], outputs: ['y2'], attrs: { transB: 1 } },
    ],
  }));
  assert.deepEqual(c.layers.map((l) => l.name), ['const.weight', 'typed.weight', 'sparse.weight']);
  assert.equal(c.tensors.get('const.weight')!.source, 'constant');
  assert.deepEqual(rowMajor(c.layers[0].matrix()), [5, 6, 7, 8]);
  assert.deepEqual(rowMajor(c.layers[1].matrix()), [1, 2, 3, 4]);
  assert.deepEqual(rowMajor(c.layers[2].matrix()), [0, 7, 9, 0]);
  assert.ok(c.warnings.some((w) => /typed\.weight.*measured once/.test(w)));
});

test('external data: read inside the folder; missing, escaping, absolute and short files are errors', () => {
  const base = (location: string, extra: Partial<{ offset: number; length: number }> = {}): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [{ name: 'ext.weight', dims: [2, 2], data: [1, 2, 3, 4], external: { location, ...extra } }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'ext.weight'], outputs: ['y'], attrs: { transB: 1 } }],
  });
  const ok = loadCheckpointSync(save(base('weights/data.bin'), 'ext-ok'));
  assert.equal(ok.tensors.get('ext.weight')!.source, 'external');
  assert.deepEqual(rowMajor(ok.layers[0].matrix()), [1, 2, 3, 4]);
  const expectError = (p: () => unknown, re: RegExp) => assert.throws(p, (e: Error) => e instanceof CheckpointError && re.test(e.message) && /ext\.weight/.test(e.message), re.source);
  // written, then the data file is deleted by writing the model into another folder without it
  const { bytes } = buildModel(base('missing.bin'));
  const lonely = join(dir, 'ext-missing.onnx');
  writeFileSync(lonely, bytes);
  expectError(() => loadCheckpointSync(lonely), /missing/);
  const escape = buildModel(base('../secret.bin')).bytes;
  const escapePath = join(dir, 'ext-escape', 'm.onnx');
  mkdirSync(join(dir, 'ext-escape'), { recursive: true });
  writeFileSync(join(dir, 'secret.bin'), new Uint8Array(16));
  writeFileSync(escapePath, escape);
  expectError(() => loadCheckpointSync(escapePath), /outside the model's folder/);
  const abs = buildModel(base('/etc/passwd')).bytes;
  writeFileSync(join(dir, 'ext-abs.onnx'), abs);
  expectError(() => loadCheckpointSync(join(dir, 'ext-abs.onnx')), /absolute path/);
  const short = save(base('short.bin', { length: 64 }), 'ext-short');
  expectError(() => loadCheckpointSync(short), /past its end|runs past/);
});

test('typed fields (float_data, int32_data, int64_data, double_data) decode exactly like raw_data, every dtype', () => {
  const cases: [DTypeName, number[]][] = [
    ['float32', [1.5, -2.25, 3.4028234663852886e38, 1.401298464324817e-45, -0]],
    ['float64', [Math.PI, -1e-300, 1e300, 5e-324, 0.1]],
    ['float16', [1, -2.5, 65504, 2 ** -24, -(2 ** -14)]],
    ['bfloat16', [1, -2.5, 2 ** -133, 3.3895313892515355e38, 0.1015625]],
    ['int8', [-128, -1, 0, 1, 127]],
    ['uint8', [0, 1, 127, 128, 255]],
    ['int32', [-2147483648, -1, 0, 1, 2147483647]],
    ['int64', [-(2 ** 53) + 1, -1, 0, 1, 2 ** 53 - 1]],
  ];
  for (const [dtype, data] of cases) {
    const got = (['raw', 'typed'] as const).map((encoding) => {
      const c = loadCheckpointSync(save({
        inputs: [{ name: 'x', shape: ['N', 5] }], outputs: [{ name: 'y', shape: ['N', 5] }],
        initializers: [{ name: 't', dtype, encoding, dims: [5], data }],
        nodes: [{ op: 'Add', inputs: ['x', 't'], outputs: ['y'] }],
      }));
      return Array.from(c.tensors.get('t')!.toFloat64());
    });
    assert.deepEqual(got[1], got[0], `${dtype}: typed vs raw`);
    if (dtype !== 'float16' && dtype !== 'bfloat16') assert.deepEqual(got[0], dtype === 'float32' ? data.map(Math.fround) : data, dtype);
    else assert.deepEqual(got[0], dtype === 'bfloat16' ? [1, -2.5, 2 ** -133, 3.3895313892515355e38, 0.1015625] : data, dtype);
  }
});

test('Constant nodes: value_float, value_floats, value_int, value_ints become stored tensors', () => {
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['f'], attrs: { value_float: { float: 0.5 } } },
      { op: 'Constant', inputs: [], outputs: ['fs'], attrs: { value_floats: Float32Array.of(1, 2.5) } },
      { op: 'Constant', inputs: [], outputs: ['i'], attrs: { value_int: -3 } },
      { op: 'Constant', inputs: [], outputs: ['is'], attrs: { value_ints: [4, -5, 6] } },
      { op: 'Mul', inputs: ['x', 'fs'], outputs: ['y'] },
    ],
  }));
  const t = (n: string) => c.tensors.get(n)!;
  assert.deepEqual([t('f').dtype, [...t('f').dims], t('f').toNumbers()], ['float32', [], [0.5]]);
  assert.deepEqual([t('fs').dtype, [...t('fs').dims], t('fs').toNumbers()], ['float32', [2], [1, 2.5]]);
  assert.deepEqual([t('i').dtype, t('i').toNumbers()], ['int64', [-3]]);
  assert.deepEqual([t('is').dtype, [...t('is').dims], t('is').toNumbers()], ['int64', [3], [4, -5, 6]]);
  assert.ok([...c.tensors.values()].every((x) => x.source === 'constant'));
  assert.equal(c.storedParameters, 3, 'float constants only: 1 + 2');
});

test('sparse initializers: coordinate indices; bad indices fail only when the values are asked for', () => {
  const spec = (indices: number[]): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    sparse: [{ values: { name: 'sp.weight', dims: [3], data: [1.5, -2, 4] }, indices, dims: [2, 3], coordinates: true }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'sp.weight'], outputs: ['y'], attrs: { transB: 1 } }],
  });
  const c = loadCheckpointSync(save(spec([0, 0, 1, 2, 0, 2])));
  const l = c.layers[0];
  assert.equal(l.weight.source, 'sparse');
  assert.deepEqual([...l.shape], [2, 3]);
  assert.deepEqual(Array.from(l.matrix()), [1.5, 0, 4, 0, 0, -2]);
  assert.equal(c.storedParameters, 6);
  const bad = loadCheckpointSync(save(spec([0, 0, 1, 3, 0, 2])));
  assert.throws(() => bad.layers[0].matrix(), (e: Error) => e instanceof CheckpointError && /'sp\.weight'.*sparse index 3 outside dimension 1/.test(e.message));
});

test('quantized weights count as stored parameters (not their scales or zero points)', () => {
  const c = loadCheckpointSync(save({
    inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [
      { name: 'wq', dtype: 'int8', dims: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      { name: 's', dims: [2], data: [0.5, 0.25] }, { name: 'zp', dtype: 'int8', dims: [2], data: [0, 0] },
      { name: 'b', dims: [2], data: [0, 0] },
    ],
    nodes: [
      { op: 'DequantizeLinear', inputs: ['wq', 's', 'zp'], outputs: ['w'], attrs: { axis: 0 } },
      { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  }));
  assert.equal(c.storedParameters, 6 + 2);
  assert.deepEqual(c.layers[0].weight.quant?.axis, 0);
});

test('a shape far larger than the stored data is an error, without allocating the shape', () => {
  const bytes = new ProtoWriter().int(1, 8).message(7, (g) => {
    g.message(1, (n) => n.string(1, 'x').string(1, 'w').string(2, 'y').string(4, 'Gemm'));
    g.message(5, (t) => t.packedVarints(1, [1 << 20, 1 << 10]).int(2, 1).string(8, 'w').bytes(9, new Uint8Array(16)));
  }).finish();
  const c = loadCheckpointBytes(bytes, 'huge.onnx');
  assert.throws(() => c.layers[0].matrix(), (e: Error) => e instanceof CheckpointError && /'w'.*16 bytes/.test(e.message));
  // a matrix past the per-layer limit (2^31 elements) is not built at all: a warning, no layer
  const larger = new ProtoWriter().int(1, 8).message(7, (g) => {
    g.message(1, (n) => n.string(1, 'x').string(1, 'w').string(2, 'y').string(4, 'Gemm'));
    g.message(5, (t) => t.packedVarints(1, [1 << 20, 1 << 20]).int(2, 1).string(8, 'w').bytes(9, new Uint8Array(16)));
  }).finish();
  const l = loadCheckpointBytes(larger, 'larger.onnx');
  assert.equal(l.layers.length, 0);
  assert.ok(l.warnings.some((w) => /'w' of shape \[1048576, 1048576\]: its 1048576×1048576 matrix is larger than the limit/.test(w)), l.warnings.join('\n'));
  const typed = new ProtoWriter().int(1, 8).message(7, (g) => {
    g.message(5, (t) => t.packedVarints(1, [1 << 20, 1 << 20]).int(2, 1).string(8, 'w').packedFloats(4, [1, 2]));
  }).finish();
  assert.throws(() => loadCheckpointBytes(typed, 'huge-typed.onnx').tensors.get('w')!.toFloat64(), (e: Error) => e instanceof CheckpointError && /'w'.*2 values/.test(e.message));
});

test('external data: a symbolic link out of the folder, an invalid offset, a Windows absolute path', () => {
  const spec = (location: string): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: ['N', 2] }],
    initializers: [{ name: 'ext.weight', dims: [2, 2], data: [1, 2, 3, 4], external: { location } }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'ext.weight'], outputs: ['y'], attrs: { transB: 1 } }],
  });
  // external_data entries written by hand (the writer only writes valid offsets)
  const withOffset = (offset: string) => new ProtoWriter().int(1, 8).message(7, (g) => g.message(5, (t) => {
    t.packedVarints(1, [2, 2]).int(2, 1).string(8, 'ext.weight');
    t.message(13, (e) => e.string(1, 'location').string(2, 'w.bin')).message(13, (e) => e.string(1, 'offset').string(2, offset)).int(14, 1);
  })).finish();
  const outside = join(dir, 'outside.bin');
  writeFileSync(outside, new Uint8Array(16));
  const folder = join(dir, 'ext-link');
  mkdirSync(folder, { recursive: true });
  symlinkSync(outside, join(folder, 'link.bin'));
  writeFileSync(join(folder, 'm.onnx'), buildModel(spec('link.bin')).bytes);
  const err = (p: () => unknown, re: RegExp) => assert.throws(p, (e: Error) => e instanceof CheckpointError && re.test(e.message) && /ext\.weight/.test(e.message), re.source);
  err(() => loadCheckpointSync(join(folder, 'm.onnx')), /is a link to .*outside the model's folder/);
  writeFileSync(join(folder, 'w.bin'), new Uint8Array(16));
  writeFileSync(join(folder, 'bad-offset.onnx'), withOffset('abc'));
  err(() => loadCheckpointSync(join(folder, 'bad-offset.onnx')), /invalid offset 'abc'/);
  writeFileSync(join(folder, 'neg-offset.onnx'), withOffset('-4'));
  err(() => loadCheckpointSync(join(folder, 'neg-offset.onnx')), /invalid offset '-4'/);
  writeFileSync(join(folder, 'far-offset.onnx'), withOffset('8'));
  err(() => loadCheckpointSync(join(folder, 'far-offset.onnx')), /16 bytes, but offset 8 \+ length 16 runs past its end/);
  writeFileSync(join(folder, 'win.onnx'), buildModel(spec('C:\\weights\\w.bin')).bytes);
  err(() => loadCheckpointSync(join(folder, 'win.onnx')), /absolute path/);
});
