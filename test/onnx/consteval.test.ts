// The weight-chain evaluator (src/onnx/consteval.ts) and the reader's "never invent a size" rules:
// expected values are computed here by hand (plain loops over the stored values), not by the code under test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCheckpointBytes } from '../../src/onnx';
import { broadcast } from '../../src/onnx/shapes';
import { buildModel, type Attr, type NodeSpec, type TensorSpec } from '../helpers/onnx-writer';

const n = (op: string, inputs: string[], output: string | string[], attrs?: Record<string, Attr>, name?: string): NodeSpec =>
  ({ op, inputs, outputs: Array.isArray(output) ? output : [output], attrs, ...(name ? { name } : {}) });
// float32-rounded, as the file stores them
const seq = (count: number, seed: number) => Array.from(Float32Array.from({ length: count }, (_, i) => Math.sin(seed * 7.1 + i * 1.37) + 0.01 * i));
const w = (name: string, dims: number[], seed = 1): TensorSpec => ({ name, dims, data: seq(dims.reduce((a, b) => a * b, 1), seed) });
const i64 = (name: string, data: number[]): TensorSpec => ({ name, dtype: 'int64', dims: [data.length], data });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('broadcasting never turns an unknown dim into 1', () => {
  assert.deepEqual(broadcast([null, 3, 'H', 'W'], [null, 3, 'H', 'W']), [null, 3, 'H', 'W']);
  assert.deepEqual(broadcast([null, 16, null, null], [1, 16, 1, 1]), [null, 16, null, null]);
  assert.deepEqual(broadcast(['H'], ['W']), [null]);
  assert.deepEqual(broadcast([null], [5]), [5]);
  assert.deepEqual(broadcast([4, 1], [3]), [4, 3]);
  assert.equal(broadcast([4], [3]), null);
});

test('hardswish x·clip(x) on a dynamic input: the next conv has no input size (with the reason) until --input-shape pins it', () => {
  const spec = {
    inputs: [{ name: 'x', shape: ['batch', 3, 'height', 'width'] }], outputs: [],
    initializers: [w('c1.weight', [4, 3, 3, 3]), w('c2.weight', [4, 1, 3, 3], 2), { name: 'lo', dims: [], data: [0] }, { name: 'hi', dims: [], data: [6] }],
    nodes: [
      n('Conv', ['x', 'c1.weight'], 'a', { pads: [1, 1, 1, 1] }),
      n('Clip', ['a', 'lo', 'hi'], 'b'),
      n('Mul', ['a', 'b'], 'c'),
      n('Conv', ['c', 'c2.weight'], 'd', { pads: [1, 1, 1, 1], group: 4 }),
    ],
  };
  const dyn = loadCheckpointBytes(buildModel(spec).bytes);
  assert.deepEqual(dyn.valueShapes.get('c'), ['batch', 4, null, null]);
  const c2 = dyn.layers.find((l) => l.name === 'c2.weight')!;
  assert.equal(c2.conv!.inputSpatial, null);
  assert.match(c2.conv!.inputSpatialReason!, /input height and width are dynamic/);
  assert.match(c2.conv!.inputSpatialReason!, /input 'x' has dynamic dims \(batch, height, width/);
  assert.match(c2.conv!.inputSpatialReason!, /--input-shape x=1,3,H,W/);
  const pinned = loadCheckpointBytes(buildModel(spec).bytes, 'm.onnx', { inputShapes: { x: [1, 3, 10, 7] } });
  assert.deepEqual(pinned.layers.find((l) => l.name === 'c2.weight')!.conv!.inputSpatial, [10, 7]);
  assert.equal(pinned.layers.find((l) => l.name === 'c2.weight')!.conv!.inputSpatialReason, undefined);
  // a name that is not an input, and a bad size, are warned about
  const bad = loadCheckpointBytes(buildModel(spec).bytes, 'm.onnx', { inputShapes: { y: [1, 3, 4, 4], x: [1, 0, 4] } });
  assert.ok(bad.warnings.some((m) => /'y', which is not an input of the model \(inputs: x\)/.test(m)), bad.warnings.join('\n'));
  assert.ok(bad.warnings.some((m) => /'x' is not a list of positive integers/.test(m)), bad.warnings.join('\n'));
});

test('an op shape inference does not know names itself as where inference stopped', () => {
  const c = loadCheckpointBytes(buildModel({
    inputs: [{ name: 'x', shape: [1, 3, 8, 8] }], outputs: [],
    initializers: [w('W', [2, 3, 1, 1]), i64('k', [2])],
    nodes: [n('MysteryOp', ['x'], 'm', undefined, '/block/Mystery'), n('Conv', ['m', 'W'], 'y')],
  }).bytes);
  assert.match(c.layers[0].conv!.inputSpatialReason!, /stopped at MysteryOp node '\/block\/Mystery'/);
});

test('PyTorch LSTM gate reordering (Slice → Concat → Unsqueeze over stored weights) is evaluated, the chain noted', () => {
  const h = 2;
  const inp = 3;
  // torch order i, f, g, o in weight_ih [4h, in]; ONNX wants i, o, f, c: rows [0:h], [3h:4h], [h:2h], [2h:3h].
  const slice = (src: string, from: number, to: number, out: string) =>
    [n('Slice', [src, `s${out}`, `e${out}`, 'ax0'], out)];
  const inits: TensorSpec[] = [w('lstm.weight_ih_l0', [4 * h, inp], 3), w('lstm.weight_hh_l0', [4 * h, h], 4), i64('ax0', [0]), i64('unsq', [0])];
  const nodes: NodeSpec[] = [];
  for (const [src, tag] of [['lstm.weight_ih_l0', 'W'], ['lstm.weight_hh_l0', 'R']] as const) {
    const parts: [number, number][] = [[0, h], [3 * h, 4 * h], [h, 2 * h], [2 * h, 3 * h]];
    parts.forEach(([a, b], k) => {
      inits.push(i64(`s${tag}${k}`, [a]), i64(`e${tag}${k}`, [b]));
      nodes.push(...slice(src, a, b, `${tag}${k}`));
    });
    nodes.push(n('Concat', [0, 1, 2, 3].map((k) => `${tag}${k}`), `${tag}cat`, { axis: 0 }), n('Unsqueeze', [`${tag}cat`, 'unsq'], `${tag}3d`));
  }
  nodes.push(n('LSTM', ['x', 'W3d', 'R3d'], ['y', 'yh', 'yc'], { hidden_size: h }, '/lstm/LSTM'));
  const c = loadCheckpointBytes(buildModel({ opset: 13, inputs: [{ name: 'x', shape: [5, 1, inp] }], outputs: [], initializers: inits, nodes }).bytes);
  const wIh = seq(4 * h * inp, 3);
  const torchGate = { i: 0, f: 1, c: 2, o: 3 } as const;
  const gates = c.layers.filter((l) => l.name === 'lstm.weight_ih_l0');
  assert.equal(gates.length, 4);
  for (const l of gates) {
    const g = /gate=(\w)/.exec(l.part!)![1] as keyof typeof torchGate;
    const k = torchGate[g];
    close(l.matrix('float64'), wIh.slice(k * h * inp, (k + 1) * h * inp), 1e-12, `gate ${g}`);
    assert.match(l.notes['*'], /computed from 'lstm.weight_ih_l0' through Slice → Concat → Unsqueeze/);
    assert.equal(l.module, 'lstm');
  }
  assert.equal(c.layers.filter((l) => l.name === 'lstm.weight_hh_l0').length, 4);
  assert.ok(!c.warnings.some((m) => /not measured/.test(m)), c.warnings.join('\n'));
});

test('weight norm g·v/‖v‖ (ReduceL2 → Div → Mul) feeding a Gemm is evaluated to the effective weight', () => {
  const out = 3;
  const inp = 4;
  const c = loadCheckpointBytes(buildModel({
    inputs: [{ name: 'x', shape: [1, inp] }], outputs: [],
    initializers: [w('fc.weight_g', [out, 1], 5), w('fc.weight_v', [out, inp], 6), w('fc.bias', [out], 7)],
    nodes: [
      n('ReduceL2', ['fc.weight_v'], 'norm', { axes: [1], keepdims: 1 }),
      n('Div', ['fc.weight_v', 'norm'], 'dir'),
      n('Mul', ['fc.weight_g', 'dir'], 'weff'),
      n('Gemm', ['x', 'weff', 'fc.bias'], 'y', { transB: 1 }, '/fc/Gemm'),
    ],
  }).bytes);
  assert.equal(c.layers.length, 1);
  const g = seq(out, 5);
  const v = seq(out * inp, 6);
  const expected: number[] = [];
  for (let r = 0; r < out; r++) {
    const row = v.slice(r * inp, (r + 1) * inp);
    const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
    expected.push(...row.map((x) => (g[r] * x) / norm));
  }
  close(c.layers[0].matrix('float64'), expected, 1e-12, 'g·v/‖v‖');
  assert.equal(c.layers[0].module, 'fc');
  assert.match(c.layers[0].notes['*'], /from 'fc.weight_v', 'fc.weight_g' through ReduceL2 → Div → Mul|from 'fc.weight_g', 'fc.weight_v'/);
  assert.ok(!c.warnings.some((m) => /not measured/.test(m)), c.warnings.join('\n'));
});

test('what cannot be measured is quantified: tensors, parameters and why', () => {
  const c = loadCheckpointBytes(buildModel({
    inputs: [{ name: 'x', shape: [2, 3] }], outputs: [],
    initializers: [w('W', [3, 3]), w('pos', [2, 3], 2), w('unused', [5, 2], 3), w('ln.weight', [3], 4), w('ln.bias', [3], 5)],
    nodes: [n('Gemm', ['x', 'W'], 'a'), n('Add', ['a', 'pos'], 'b'), n('LayerNormalization', ['b', 'ln.weight', 'ln.bias'], 'y', { axis: -1 })],
  }).bytes);
  assert.ok(c.warnings.some((m) => m === "not measured: 1 stored float tensor (6 parameters) — they feed Add, which has no weight role: pos"), c.warnings.join('\n'));
  assert.ok(c.warnings.some((m) => m === 'not measured: 1 stored float tensor (10 parameters) — no node uses them: unused'), c.warnings.join('\n'));
  assert.ok(!c.warnings.some((m) => /ln\.weight/.test(m)), 'LayerNorm scales are parameters, not unmeasured matrices');
  assert.equal(c.storedParameters, 9 + 6 + 10 + 3 + 3);
});
