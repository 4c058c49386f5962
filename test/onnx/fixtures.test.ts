// The real PyTorch exports in ../shared/fixtures/fmnist: exactly the layers its README lists (names,
// ops, nodes, modules, shapes), conv input sizes from shape inference, parameter counts as recorded.
// (Frobenius norms and every other metric are checked against NumPy in test/engine/fixtures-reference.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCheckpointSync } from '../../src/onnx';
import { fixture, fixturesJson, haveFixtures } from '../helpers/fixtures';

const MLP = [
  ['layers.0.weight', 'Gemm', '/layers.0/Gemm', 'layers.0', [100, 784]],
  ['layers.1.weight', 'Gemm', '/layers.1/Gemm', 'layers.1', [50, 100]],
  ['head.weight', 'Gemm', '/head/Gemm', 'head', [10, 50]],
];
const CNN = [
  ['conv1.weight', 'Conv', '/conv1/Conv', 'conv1', [6, 1, 5, 5]],
  ['conv2.weight', 'Conv', '/conv2/Conv', 'conv2', [12, 6, 3, 3]],
  ['fc.weight', 'Gemm', '/fc/Gemm', 'fc', [40, 588]],
  ['head.weight', 'Gemm', '/head/Gemm', 'head', [10, 40]],
];
const MANIFEST: Record<string, unknown[][]> = {
  'mlp.onnx': MLP, 'mlp_tanh.onnx': MLP, 'mlp_noise30.onnx': MLP, 'run_mlp.onnx': MLP, 'run_mlp/epoch_05.onnx': MLP,
  'cnn.onnx': CNN,
  'cnn_bn.onnx': [['onnx::Conv_32', 'Conv', '/conv1/Conv', 'conv1', [6, 1, 5, 5]], ['onnx::Conv_35', 'Conv', '/conv2/Conv', 'conv2', [12, 6, 3, 3]], ...CNN.slice(2)],
};

test('every fixture lists exactly the layers of the fixtures README', { skip: !haveFixtures && 'no ../shared/fixtures' }, () => {
  const counts = fixturesJson().models;
  for (const [file, expected] of Object.entries(MANIFEST)) {
    const c = loadCheckpointSync(fixture(file));
    assert.deepEqual(c.layers.map((l) => [l.name, l.op, l.node, l.module, [...l.shape]]), expected, file);
    assert.equal(c.producer, 'pytorch');
    assert.deepEqual(c.inputs.map((i) => [i.name, i.shape]), [['input', ['batch', 1, 28, 28]]]);
    const model = file.replace(/\.onnx$/, '').replace(/\/.*/, '');
    const params = c.layers.reduce((a, l) => a + l.weight.size + (l.bias?.size ?? 0), 0);
    // cnn_bn: the exporter folded BatchNorm into the convs, so its γ and β (2·(6 + 12) = 36) are gone.
    const folded = model === 'cnn_bn' ? 36 : 0;
    if (counts[model]) assert.equal(params, counts[model].n_params - folded, `${file} parameters`);
    if (file.startsWith('cnn')) assert.deepEqual(c.layers.slice(0, 2).map((l) => l.conv?.inputSpatial), [[28, 28], [14, 14]]);
  }
});
