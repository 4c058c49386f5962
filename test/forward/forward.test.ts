// Forward passes with onnxruntime-node: accuracy and loss on the real fixtures' probes equal the
// values recorded in PyTorch (accuracy exactly, i.e. the same number of correct examples; loss within
// 1e-4), margins and path-norm of a tiny network derived by hand, graph rewriting feeds weights.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/engine/analyze';
import { evaluate, percentile } from '../../src/engine/forward/metrics';
import { ForwardModel } from '../../src/engine/forward/model';
import { pathNorm } from '../../src/engine/forward/pathNorm';
import { loadProbe, fitProbeToInput } from '../../src/data/probe';
import { loadCheckpointSync } from '../../src/onnx';
import { fixture, fixturesJson, haveFixtures } from '../helpers/fixtures';
import { buildModel, type ModelSpec } from '../helpers/onnx-writer';
import { npz } from '../helpers/npz-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-forward-'));
const save = (spec: ModelSpec, name: string) => {
  const p = join(dir, name);
  writeFileSync(p, buildModel(spec).bytes);
  return p;
};

test('probe accuracy and cross-entropy equal the PyTorch values of fixtures.json', { skip: !haveFixtures && 'no fixtures' }, async () => {
  const fx = fixturesJson().models;
  for (const name of ['mlp', 'mlp_tanh', 'mlp_noise30', 'cnn', 'cnn_bn', 'run_mlp']) {
    const ckpt = loadCheckpointSync(fixture(`${name}.onnx`));
    const model = await ForwardModel.open(ckpt, 'cpu');
    for (const [probeFile, acc, loss] of [['probe_train.npz', fx[name].probe_train_acc, fx[name].probe_train_loss], ['probe_test.npz', fx[name].probe_test_acc, fx[name].probe_test_loss]] as const) {
      const p = loadProbe(fixture(probeFile));
      const fit = fitProbeToInput(p, ckpt.inputs[0]);
      const { logits, classes } = await model.logits(p.x, p.n, fit.perExample);
      const e = evaluate(logits, classes, p.y);
      assert.equal(Math.round(e.accuracy * p.n), Math.round(acc * p.n), `${name} ${probeFile} accuracy ${e.accuracy} vs ${acc}`);
      assert.ok(Math.abs(e.crossEntropy - loss) <= 1e-4, `${name} ${probeFile} loss ${e.crossEntropy} vs ${loss}`);
    }
    await model.release();
  }
});

// A 2-input, 3-class network by hand: logits = W₂·relu(W₁x + b₁) + b₂ with
// W₁ = [[1, 0], [0, 2]], b₁ = [0, −1], W₂ = [[1, 1], [2, −1], [0, 1]], b₂ = [0, 0, 1].
const tiny: ModelSpec = {
  inputs: [{ name: 'input', shape: ['N', 2] }], outputs: [{ name: 'probs', shape: ['N', 3] }],
  initializers: [
    { name: 'l1.weight', dims: [2, 2], data: [1, 0, 0, 2] }, { name: 'l1.bias', dims: [2], data: [0, -1] },
    { name: 'l2.weight', dims: [3, 2], data: [1, 1, 2, -1, 0, 1] }, { name: 'l2.bias', dims: [3], data: [0, 0, 1] },
  ],
  nodes: [
    { op: 'Gemm', name: '/l1/Gemm', inputs: ['input', 'l1.weight', 'l1.bias'], outputs: ['a'], attrs: { transB: 1 } },
    { op: 'Relu', inputs: ['a'], outputs: ['h'] },
    { op: 'Gemm', name: '/l2/Gemm', inputs: ['h', 'l2.weight', 'l2.bias'], outputs: ['z'], attrs: { transB: 1 } },
    { op: 'Softmax', inputs: ['z'], outputs: ['probs'], attrs: { axis: 1 } },
  ],
};

test('tiny network: logits tapped before Softmax, margins and path-norm by hand', async () => {
  const ckpt = loadCheckpointSync(save(tiny, 'tiny.onnx'));
  const model = await ForwardModel.open(ckpt, 'cpu');
  assert.deepEqual(model.tapped, ['probs ← Softmax(z)']);
  // x = (1, 1): h = relu(1, 1) = (1, 1) → z = (2, 1, 2); x = (2, 0): h = (2, 0) → z = (2, 4, 1)
  const { logits, classes } = await model.logits(Float32Array.from([1, 1, 2, 0]), 2, [2]);
  assert.deepEqual(Array.from(logits), [2, 1, 2, 2, 4, 1]);
  // labels 0 and 1: margins 2 − max(1, 2) = 0 and 4 − max(2, 1) = 2; example 0 is a tie → an error
  const e = evaluate(logits, classes, Int32Array.from([0, 1]));
  assert.deepEqual(Array.from(e.margins), [0, 2]);
  assert.equal(e.accuracy, 0.5);
  // CE of example 1: −(4 − ln(e² + e⁴ + e¹))
  const ce1 = -(4 - Math.log(Math.exp(2) + Math.exp(4) + Math.exp(1)));
  const ce0 = -(2 - Math.log(2 * Math.exp(2) + Math.exp(1)));
  assert.ok(Math.abs(e.crossEntropy - (ce0 + ce1) / 2) < 1e-6);
  // path-norm: squared weights W₁² = diag(1, 4), b₁² = (0, 1), W₂² = [[1,1],[4,1],[0,1]], b₂² = (0,0,1);
  // input 1: h = relu(1, 4 + 1) = (1, 5) → z = (6, 9, 6) → Σ = 21
  const pn = await pathNorm(ckpt, model, [2]);
  assert.equal(pn.value, 21);
  // numpy's percentile with linear interpolation
  assert.equal(percentile([0, 2], 10), 0.2);
  assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
  await model.release();
});

test('perturbed weights fed as inputs change the logits (the feed is not ignored)', async () => {
  const ckpt = loadCheckpointSync(save(tiny, 'tiny2.onnx'));
  const model = await ForwardModel.open(ckpt, 'cpu');
  const x = Float32Array.from([1, 1]);
  const a = (await model.logits(x, 1, [2])).logits;
  const ov = new Map([['l2.bias', Float32Array.from([10, 0, 0])]]);
  const b = (await model.logits(x, 1, [2], ov)).logits;
  assert.deepEqual(Array.from(a), [2, 1, 2]);
  assert.deepEqual(Array.from(b), [12, 1, 1]);
  await model.release();
});

test('path-norm is not reported for a Tanh network, with the reason', { skip: !haveFixtures && 'no fixtures' }, async () => {
  const ckpt = loadCheckpointSync(fixture('mlp_tanh.onnx'));
  const model = await ForwardModel.open(ckpt, 'cpu');
  const r = await pathNorm(ckpt, model, [1, 28, 28]);
  assert.equal(r.value, null);
  assert.match(r.reason!, /Tanh/);
  await model.release();
});

test('a network whose weights are all zero: no crash, no NaN, honest nulls', async () => {
  const zero: ModelSpec = JSON.parse(JSON.stringify(tiny));
  for (const t of zero.initializers!) t.data = new Array(t.dims.reduce((a, b) => a * b, 1)).fill(0);
  const p = save(zero, 'zero.onnx');
  const probe = join(dir, 'probe.npz');
  writeFileSync(probe, npz({ x: { dtype: '<f4', shape: [4, 2], data: new Float32Array([1, 1, 2, 0, 0, 3, 1, 2]) }, y: { dtype: '<i8', shape: [4], data: [0, 1, 2, 0] } }));
  const r = await analyze({ model: p, data: probe, trainSize: 100, mcDraws: 2, landscapePoints: 3, threads: 1 });
  for (const l of r.layers) assert.equal(l.metrics.spectralNorm, 0);
  assert.equal(r.measures.logProdSpec.value, null);
  assert.equal(r.measures.trainAccuracy.value, 0); // all logits tie: argmax is not unique → counted wrong
  const json = JSON.stringify(r);
  assert.ok(!/NaN|Infinity/.test(json), 'the report has no NaN/Infinity');
  assert.ok(r.bounds.every((b) => b.value === null || (b.value >= 0 && b.value <= 1) || b.id !== 'dziugaiteRoy2017'));
});

