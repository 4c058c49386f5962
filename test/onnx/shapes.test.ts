// Shape inference (Checkpoint.valueShapes) against onnxruntime: each case is a small graph with
// concrete input sizes; every value it produces is made a graph output, the model is run, and the
// inferred shape of each value must equal the shape onnxruntime returns. Symbolic dimensions are
// checked separately (kept as their names through the ops that carry them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCheckpointBytes } from '../../src/onnx';
import { buildModel, type Attr, type ModelSpec, type NodeSpec, type TensorSpec } from '../helpers/onnx-writer';

const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

interface Case {
  label: string;
  input: number[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  opset?: number;
}

const n = (op: string, inputs: string[], output: string, attrs?: Record<string, Attr>): NodeSpec => ({ op, inputs, outputs: [output], attrs });
const w = (name: string, dims: number[]): TensorSpec => ({ name, dims, data: new Array(dims.reduce((a, b) => a * b, 1)).fill(0.01) });
const i64 = (name: string, data: number[]): TensorSpec => ({ name, dtype: 'int64', dims: [data.length], data });

const cases: Case[] = [
  { label: 'Conv pads/strides/dilations', input: [2, 3, 11, 9], initializers: [w('W', [4, 3, 3, 2])], nodes: [n('Conv', ['x', 'W'], 'y', { pads: [1, 0, 2, 1], strides: [2, 3], dilations: [2, 1] })] },
  { label: 'Conv auto_pad SAME_UPPER stride 2', input: [1, 2, 7, 8], initializers: [w('W', [3, 2, 3, 3])], nodes: [n('Conv', ['x', 'W'], 'y', { auto_pad: 'SAME_UPPER', strides: [2, 2] })] },
  { label: 'Conv auto_pad SAME_LOWER', input: [1, 2, 6, 5], initializers: [w('W', [3, 2, 4, 2])], nodes: [n('Conv', ['x', 'W'], 'y', { auto_pad: 'SAME_LOWER' })] },
  { label: 'Conv auto_pad VALID, groups, 1-d', input: [1, 4, 10], initializers: [w('W', [6, 2, 3])], nodes: [n('Conv', ['x', 'W'], 'y', { auto_pad: 'VALID', group: 2, strides: [2] })] },
  { label: 'Conv 3-d', input: [1, 1, 5, 6, 7], initializers: [w('W', [2, 1, 2, 3, 3])], nodes: [n('Conv', ['x', 'W'], 'y', { pads: [1, 1, 1, 0, 0, 0] })] },
  { label: 'ConvTranspose stride/pads/output_padding/groups', input: [1, 4, 5, 6], initializers: [w('W', [4, 3, 3, 3])], nodes: [n('ConvTranspose', ['x', 'W'], 'y', { strides: [2, 2], pads: [1, 1, 0, 1], output_padding: [1, 0], group: 2 })] },
  { label: 'ConvTranspose auto_pad SAME_UPPER', input: [1, 2, 4, 5], initializers: [w('W', [2, 3, 3, 3])], nodes: [n('ConvTranspose', ['x', 'W'], 'y', { strides: [2, 2], auto_pad: 'SAME_UPPER' })] },
  { label: 'MaxPool ceil_mode, pads', input: [1, 2, 7, 8], nodes: [n('MaxPool', ['x'], 'y', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, pads: [1, 1, 1, 1] })] },
  { label: 'MaxPool ceil_mode: a window starting in the end padding is dropped', input: [1, 1, 5, 5], nodes: [n('MaxPool', ['x'], 'y', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, pads: [1, 1, 1, 1] })] },
  { label: 'AveragePool floor, SAME_UPPER', input: [1, 2, 9, 9], nodes: [n('AveragePool', ['x'], 'a', { kernel_shape: [2, 2], strides: [2, 2] }), n('AveragePool', ['a'], 'y', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' })] },
  { label: 'GlobalAveragePool, Flatten, Gemm', input: [3, 5, 4, 4], initializers: [w('W', [7, 5])], nodes: [n('GlobalAveragePool', ['x'], 'g'), n('Flatten', ['g'], 'f'), n('Gemm', ['f', 'W'], 'y', { transB: 1 })] },
  { label: 'Flatten axis 2, unary ops, Softmax/LogSoftmax, Dropout, Identity', input: [2, 3, 4, 5], nodes: [n('Flatten', ['x'], 'f', { axis: 2 }), n('Relu', ['f'], 'r'), n('Tanh', ['r'], 't'), n('Sigmoid', ['t'], 's'), n('Softmax', ['s'], 'sm', { axis: 1 }), n('LogSoftmax', ['sm'], 'ls', { axis: 1 }), n('Dropout', ['ls'], 'd'), n('Identity', ['d'], 'y')] },
  { label: 'binary broadcasting', input: [2, 1, 4], initializers: [w('B', [3, 1]), w('C', [4])], nodes: [n('Add', ['x', 'B'], 'a'), n('Mul', ['a', 'C'], 'm'), n('Sub', ['m', 'x'], 'y')] },
  { label: 'BatchNormalization', input: [2, 3, 4, 4], initializers: [w('s', [3]), w('b', [3]), w('m', [3]), { name: 'v', dims: [3], data: [1, 1, 1] }], nodes: [n('BatchNormalization', ['x', 's', 'b', 'm', 'v'], 'y')] },
  { label: 'Reshape with 0 and −1', input: [2, 3, 4, 5], initializers: [i64('shape', [0, -1, 10])], nodes: [n('Reshape', ['x', 'shape'], 'y')] },
  { label: 'Transpose with and without perm', input: [2, 3, 4], nodes: [n('Transpose', ['x'], 't'), n('Transpose', ['t'], 'y', { perm: [1, 0, 2] })] },
  { label: 'Squeeze/Unsqueeze as attributes (opset 11)', opset: 11, input: [1, 3, 1, 4], nodes: [n('Squeeze', ['x'], 's', { axes: [0, -2] }), n('Unsqueeze', ['s'], 'y', { axes: [0, 3] })] },
  { label: 'Squeeze/Unsqueeze as inputs (opset 13), Squeeze without axes', input: [1, 3, 1, 4], initializers: [i64('ax', [2]), i64('ux', [-1])], nodes: [n('Squeeze', ['x', 'ax'], 's'), n('Unsqueeze', ['s', 'ux'], 'u'), n('Squeeze', ['u'], 'y')] },
  { label: 'Concat', input: [2, 3, 4], initializers: [w('c', [2, 5, 4])], nodes: [n('Concat', ['x', 'c', 'x'], 'y', { axis: -2 })] },
  { label: 'MatMul batched and 2-d', input: [2, 3, 4, 5], initializers: [w('B', [5, 6]), w('C', [3, 6, 2])], nodes: [n('MatMul', ['x', 'B'], 'm'), n('MatMul', ['m', 'C'], 'y')] },
  { label: 'Pad with constant pads (input and Constant node)', input: [1, 2, 3, 4], initializers: [i64('pads', [0, 0, 1, 2, 0, 1, 3, 0])], nodes: [n('Pad', ['x', 'pads'], 'p'), { op: 'Constant', inputs: [], outputs: ['pc'], attrs: { value: { tensor: i64('v', [0, 1, 0, 0, 0, 0, 0, 1]) } } }, n('Pad', ['p', 'pc'], 'y')] },
  { label: 'Pad as an attribute (opset 10)', opset: 10, input: [1, 2, 3], nodes: [n('Pad', ['x'], 'y', { pads: [0, 1, 2, 0, 0, 1] })] },
];

async function ortShapes(spec: ModelSpec, input: number[]): Promise<Map<string, number[]>> {
  const s = await ort.InferenceSession.create(buildModel(spec).bytes, { logSeverityLevel: 3 });
  const size = input.reduce((a, b) => a * b, 1);
  const x = new ort.Tensor('float32', new Float32Array(size).fill(0.5), input);
  const out = await s.run({ x });
  await s.release();
  return new Map(Object.entries(out).map(([k, v]) => [k, [...v.dims]]));
}

test('every inferred shape equals the one onnxruntime produces', async () => {
  for (const c of cases) {
    const produced = c.nodes.filter((x) => x.op !== 'Constant').map((x) => x.outputs[0]);
    const spec: ModelSpec = {
      opset: c.opset ?? 13,
      inputs: [{ name: 'x', shape: c.input }],
      outputs: produced.map((name) => ({ name, shape: null })), // no declared shapes: inferred from the ops alone
      initializers: c.initializers ?? [],
      nodes: c.nodes,
    };
    const ck = loadCheckpointBytes(buildModel(spec).bytes, c.label);
    const truth = await ortShapes(spec, c.input).catch((e) => {
      throw new Error(`${c.label}: onnxruntime refused the case: ${(e as Error).message}`);
    });
    for (const v of produced) assert.deepEqual(ck.valueShapes.get(v), truth.get(v), `${c.label}: ${v}`);
  }
});

test('symbolic dimensions are carried through by name; unknown stays unknown', () => {
  const c = loadCheckpointBytes(buildModel({
    inputs: [{ name: 'x', shape: ['batch', 3, 'H', 8] }], outputs: [],
    initializers: [w('W', [4, 3, 3, 3]), i64('shape', [0, -1])],
    nodes: [
      n('Conv', ['x', 'W'], 'c', { pads: [1, 1, 1, 1] }),
      n('Relu', ['c'], 'r'),
      n('Reshape', ['r', 'shape'], 'flat'),
      n('Flatten', ['r'], 'f'),
      n('Erf', ['f'], 'e'),
      n('TopK', ['e', 'k'], 'unknown'),
    ],
  }).bytes);
  assert.deepEqual(c.valueShapes.get('c'), ['batch', 4, null, 8]);
  assert.deepEqual(c.valueShapes.get('r'), ['batch', 4, null, 8]);
  assert.deepEqual(c.valueShapes.get('flat'), ['batch', null]);
  assert.deepEqual(c.valueShapes.get('f'), ['batch', null]);
  assert.equal(c.valueShapes.get('unknown'), undefined);
  // value_info, when present, is taken as given
  const v = loadCheckpointBytes(buildModel({
    inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [], valueInfo: [{ name: 'h', shape: ['N', 9] }],
    nodes: [n('CustomOp', ['x'], 'h')],
  }).bytes);
  assert.deepEqual(v.valueShapes.get('h'), ['N', 9]);
});
