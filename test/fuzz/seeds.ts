// Seed inputs of the fuzzer: the shared fixtures (when present) and models written by the test writer
// that reach every reader path (LSTM, fp16, int8 + DequantizeLinear, Constant, sparse, external data,
// com.microsoft Attention), probe files (.npz stored, deflated and zip64; .npy), and the committed
// state-dict checkpoints (torch.save zip archives: plain, DDP, Lightning, fp16, GPT-2 Conv1D, LoRA; safetensors).
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { kitchenSinkSpec } from '../helpers/kitchen-sink';
import { npz } from '../helpers/npz-writer';
import { buildModel, mlp, values, type ModelSpec } from '../helpers/onnx-writer';

export type FuzzKind = 'onnx' | 'probe' | 'checkpoint';

export interface Seed {
  name: string;
  kind: FuzzKind;
  /** File extension the input is written with. */
  ext: string;
  bytes: Uint8Array;
  /** Files written beside every input (external data). */
  beside?: Map<string, Uint8Array>;
}

const lstm: ModelSpec = {
  inputs: [{ name: 's', shape: [5, 1, 4] }], outputs: [{ name: 'r', shape: null }],
  initializers: [
    { name: 'lstm.W', dims: [1, 8, 4], data: values(32, 3) }, { name: 'lstm.R', dims: [1, 8, 2], data: values(16, 4) },
    { name: 'lstm.B', dims: [1, 16], data: values(16, 5) },
    { name: 'gru.W', dims: [2, 6, 4], data: values(48, 6) }, { name: 'gru.R', dims: [2, 6, 2], data: values(24, 7) },
  ],
  nodes: [
    { op: 'LSTM', name: '/rnn/LSTM', inputs: ['s', 'lstm.W', 'lstm.R', 'lstm.B'], outputs: ['r'], attrs: { hidden_size: 2 } },
    { op: 'GRU', name: '/gru/GRU', inputs: ['s', 'gru.W', 'gru.R'], outputs: ['g'], attrs: { hidden_size: 2, direction: 'bidirectional' } },
  ],
};

const attention: ModelSpec = {
  inputs: [{ name: 'x', shape: [1, 3, 4] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'attn.qkv', dims: [4, 12], data: values(48, 8) }, { name: 'attn.b', dims: [12], data: values(12, 9) }],
  nodes: [{ op: 'Attention', domain: 'com.microsoft', name: '/attn/Attention', inputs: ['x', 'attn.qkv', 'attn.b'], outputs: ['y'], attrs: { num_heads: 2, qkv_hidden_sizes: [4, 4, 4] } }],
  extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
};

const conv: ModelSpec = {
  inputs: [{ name: 'x', shape: [1, 2, 6, 6] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'conv.weight', dims: [3, 2, 3, 3], data: values(54, 10) }, { name: 'conv.bias', dims: [3], data: values(3, 11) }],
  nodes: [{ op: 'Conv', name: '/conv/Conv', inputs: ['x', 'conv.weight', 'conv.bias'], outputs: ['y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] } }],
};

export function onnxSeeds(): Seed[] {
  const seeds: Seed[] = [];
  if (haveFixtures) for (const f of ['mlp.onnx', 'cnn.onnx', 'cnn_bn.onnx']) seeds.push({ name: f, kind: 'onnx', ext: '.onnx', bytes: readFileSync(fixture(f)) });
  const ext = mlp([4, 3, 2]);
  ext.initializers![0].external = { location: 'weights.bin' };
  ext.initializers![2].external = { location: 'weights.bin' };
  const built = buildModel(ext);
  seeds.push({ name: 'external.onnx', kind: 'onnx', ext: '.onnx', bytes: built.bytes, beside: built.externalFiles });
  for (const [name, spec] of [['mlp-writer.onnx', mlp([6, 4, 3])], ['lstm.onnx', lstm], ['kitchen-sink.onnx', kitchenSinkSpec], ['attention.onnx', attention], ['conv.onnx', conv]] as const) {
    seeds.push({ name, kind: 'onnx', ext: '.onnx', bytes: buildModel(spec).bytes });
  }
  return seeds;
}

export function probeSeeds(): Seed[] {
  const arrays = {
    x: { dtype: '<f4', shape: [4, 3], data: values(12, 12) },
    y: { dtype: '<i8', shape: [4], data: [0, 2, 1, 2] },
    num_classes: { dtype: '<i8', shape: [], data: [3] },
  };
  const seeds: Seed[] = [
    { name: 'stored.npz', kind: 'probe', ext: '.npz', bytes: npz(arrays) },
    { name: 'deflated.npz', kind: 'probe', ext: '.npz', bytes: npz(arrays, { deflate: true }) },
    { name: 'zip64.npz', kind: 'probe', ext: '.npz', bytes: npz(arrays, { deflate: true, zip64: true }) },
    { name: 'labels-f8.npz', kind: 'probe', ext: '.npz', bytes: npz({ x: arrays.x, y: { dtype: '<f8', shape: [4, 1], data: [1, 0, 1, 0] } }) },
  ];
  // an .npy of inputs: the x member of a stored archive (its labels are absent, which is itself an error path)
  const one = npz({ x: arrays.x });
  seeds.push({ name: 'x.npy', kind: 'probe', ext: '.npy', bytes: one.subarray(30 + 5, one.length - 22 - 46 - 5) });
  return seeds;
}

/** State-dict checkpoints committed with the PyTorch/safetensors reader tests (scripts/gen_torch_fixtures.py). */
export function checkpointSeeds(): Seed[] {
  const dir = join(__dirname, '..', 'pytorch', 'fixtures');
  return readdirSync(dir)
    .filter((f) => ['.pt', '.pth', '.ckpt', '.bin', '.safetensors'].includes(extname(f)) && f !== 'malicious.pt')
    .sort()
    .map((f) => ({ name: f, kind: 'checkpoint' as const, ext: extname(f), bytes: readFileSync(join(dir, f)) }));
}
