// A model with weights in every place and encoding the reader handles: typed float_data, fp16 through a
// Cast, int8 through DequantizeLinear, a Constant node, a sparse initializer, an LSTM. Shared by the
// robustness tests and the fuzzer's seeds.
import { values, type ModelSpec } from './onnx-writer';

/** A small model with weights in every place and encoding the reader handles (more paths for flips to hit). */
export const kitchenSinkSpec: ModelSpec = {
  inputs: [{ name: 'x', shape: ['N', 4] }, { name: 's', shape: [5, 1, 4] }], outputs: [{ name: 'y', shape: ['N', 3] }],
  initializers: [
    { name: 'typed.weight', dims: [3, 4], data: values(12, 1), encoding: 'typed' },
    { name: 'half.weight', dtype: 'float16', dims: [3, 3], data: values(9, 2), encoding: 'typed' },
    { name: 'q.weight', dtype: 'int8', dims: [3, 3], data: [1, -2, 3, -4, 5, -6, 7, -8, 9], encoding: 'typed' },
    { name: 'q.scale', dims: [3], data: [0.5, 0.25, 2] },
    { name: 'lstm.W', dims: [1, 8, 4], data: values(32, 3) }, { name: 'lstm.R', dims: [1, 8, 2], data: values(16, 4) },
    { name: 'lstm.B', dims: [1, 16], data: values(16, 5), encoding: 'typed' },
  ],
  sparse: [{ values: { name: 'sp.weight', dims: [2], data: [1, 2] }, indices: [0, 4], dims: [3, 3] }],
  nodes: [
    { op: 'Constant', inputs: [], outputs: ['c.weight'], attrs: { value: { tensor: { name: 'v', dims: [3, 3], data: values(9, 6) } } } },
    { op: 'Gemm', name: '/a/Gemm', inputs: ['x', 'typed.weight'], outputs: ['h1'], attrs: { transB: 1 } },
    { op: 'Cast', inputs: ['half.weight'], outputs: ['hw'], attrs: { to: 1 } },
    { op: 'Gemm', name: '/b/Gemm', inputs: ['h1', 'hw'], outputs: ['h2'], attrs: { transB: 1 } },
    { op: 'DequantizeLinear', inputs: ['q.weight', 'q.scale'], outputs: ['qw'], attrs: { axis: 0 } },
    { op: 'MatMul', name: '/c/MatMul', inputs: ['h2', 'qw'], outputs: ['h3'] },
    { op: 'Gemm', name: '/d/Gemm', inputs: ['h3', 'c.weight'], outputs: ['h4'], attrs: { transB: 1 } },
    { op: 'Gemm', name: '/e/Gemm', inputs: ['h4', 'sp.weight'], outputs: ['y'], attrs: { transB: 1 } },
    { op: 'LSTM', name: '/rnn/LSTM', inputs: ['s', 'lstm.W', 'lstm.R', 'lstm.B'], outputs: ['r'], attrs: { hidden_size: 2 } },
  ],
};
