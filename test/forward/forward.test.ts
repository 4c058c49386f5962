// Forward passes with onnxruntime-node: accuracy and loss on the real fixtures' probes equal the values
// recorded in PyTorch (the same number of correct examples; loss within 1e-4), margins, γ and path-norm
// of the fixture MLP equal an independent NumPy forward pass, the tiny network's margins and path-norm
// are derived by hand, fp16 and fixed-batch models, degenerate (zero / constant) networks, and models
// onnxruntime cannot run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/engine/analyze';
import { evaluate, percentile } from '../../src/engine/forward/metrics';
import { pathNorm } from '../../src/engine/forward/pathNorm';
import { ForwardModel } from '../../src/engine/runtime';
import { checkProbeAgainstModel, loadProbe } from '../../src/data/probe';
import { loadCheckpointSync } from '../../src/onnx';
import { fixture, fixturesJson, haveFixtures, repoRoot } from '../helpers/fixtures';
import { buildModel, mlp, type ModelSpec } from '../helpers/onnx-writer';
import { npz } from '../helpers/npz-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-forward-'));
const save = (spec: ModelSpec, name: string) => {
  const p = join(dir, name);
  writeFileSync(p, buildModel(spec).bytes);
  return p;
};
const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

test('probe accuracy and cross-entropy equal the PyTorch values of fixtures.json', { skip: !haveFixtures && 'no fixtures' }, async () => {
  const fx = fixturesJson().models;
  for (const name of ['mlp', 'mlp_tanh', 'mlp_noise30', 'cnn', 'cnn_bn', 'run_mlp']) {
    const ckpt = loadCheckpointSync(fixture(`${name}.onnx`));
    const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
    for (const [probeFile, acc, loss] of [['probe_train.npz', fx[name].probe_train_acc, fx[name].probe_train_loss], ['probe_test.npz', fx[name].probe_test_acc, fx[name].probe_test_loss]] as const) {
      const p = loadProbe(fixture(probeFile));
      const fit = checkProbeAgainstModel(p, ckpt.inputs[0]);
      const { logits, classes } = await model.logits(p.x, p.n, fit.perExample);
      const e = evaluate(logits, classes, p.y);
      // fixtures.json stores float32 accuracies: the count of correct examples must match exactly
      assert.equal(Math.round(e.accuracy * p.n), Math.round(acc * p.n), `${name} ${probeFile} accuracy ${e.accuracy} vs ${acc}`);
      assert.ok(Math.abs(e.crossEntropy - loss) <= 1e-4, `${name} ${probeFile} loss ${e.crossEntropy} vs ${loss}`);
    }
    await model.release();
  }
});

test('fixture MLP: logits, margins, γ (numpy.percentile) and path-norm equal an independent NumPy forward pass', { skip: (!haveFixtures && 'no fixtures') || (!numpy && 'no python3 with numpy') }, async () => {
  // NumPy side: test/reference/onnx_min.py decodes the ONNX file independently of the TypeScript reader.
  const script = `
import sys, json, numpy as np
sys.path.insert(0, ${JSON.stringify(join(repoRoot, 'test', 'reference'))})
from onnx_min import load
m = load(${JSON.stringify(fixture('mlp.onnx'))})
W = m['initializers']
d = np.load(${JSON.stringify(fixture('probe_train.npz'))})
x, y = d['x'].reshape(len(d['x']), -1).astype(np.float64), d['y']
def f(x, sq=False):
    p = lambda k: W[k].astype(np.float64) ** (2 if sq else 1)
    h = np.maximum(x @ p('layers.0.weight').T + p('layers.0.bias'), 0)
    h = np.maximum(h @ p('layers.1.weight').T + p('layers.1.bias'), 0)
    return h @ p('head.weight').T + p('head.bias')
z = f(x)
zy = z[np.arange(len(y)), y]
other = np.where(np.eye(10, dtype=bool)[y], -np.inf, z).max(1)
margins = zy - other
print(json.dumps({"margins": margins.tolist(), "p10": float(np.percentile(margins, 10)), "median": float(np.percentile(margins, 50)),
  "pathNorm": float(f(np.ones((1, 784)), sq=True).sum()), "acc": float((margins > 0).mean())}))`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { margins: number[]; p10: number; median: number; pathNorm: number; acc: number };
  const ckpt = loadCheckpointSync(fixture('mlp.onnx'));
  const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
  const p = loadProbe(fixture('probe_train.npz'));
  const { logits, classes } = await model.logits(p.x, p.n, [1, 28, 28]);
  const e = evaluate(logits, classes, p.y);
  // float32 onnxruntime vs float64 NumPy: margins agree to 1e-4 absolute (logits are O(10))
  const worst = Math.max(...ref.margins.map((v, i) => Math.abs(v - e.margins[i])));
  assert.ok(worst < 1e-4, `largest margin difference ${worst}`);
  assert.ok(Math.abs(percentile(e.margins, 10) - ref.p10) < 1e-4, `γ ${percentile(e.margins, 10)} vs ${ref.p10}`);
  assert.ok(Math.abs(percentile(e.margins, 50) - ref.median) < 1e-4);
  assert.equal(e.accuracy, ref.acc);
  const pn = await pathNorm(ckpt, model, [1, 28, 28]);
  assert.ok(Math.abs(pn.value! - ref.pathNorm) <= 1e-5 * ref.pathNorm, `path-norm ${pn.value} vs ${ref.pathNorm}`);
  await model.release();
});

// A 2-input, 3-class network by hand: logits = W₂·relu(W₁x + b₁) + b₂ → Softmax, with
// W₁ = [[1, 0], [0, 2]], b₁ = [0, −1], W₂ = [[1, 1], [2, −1], [0, 1]], b₂ = [0, 0, 1].
const tiny = (dtype: 'float32' | 'float16' = 'float32', batch: number | string = 'N'): ModelSpec => ({
  inputs: [{ name: 'input', dtype, shape: [batch, 2] }], outputs: [{ name: 'probs', dtype, shape: [batch, 3] }],
  initializers: [
    { name: 'l1.weight', dtype, dims: [2, 2], data: [1, 0, 0, 2] }, { name: 'l1.bias', dtype, dims: [2], data: [0, -1] },
    { name: 'l2.weight', dtype, dims: [3, 2], data: [1, 1, 2, -1, 0, 1] }, { name: 'l2.bias', dtype, dims: [3], data: [0, 0, 1] },
  ],
  nodes: [
    { op: 'Gemm', name: '/l1/Gemm', inputs: ['input', 'l1.weight', 'l1.bias'], outputs: ['a'], attrs: { transB: 1 } },
    { op: 'Relu', inputs: ['a'], outputs: ['h'] },
    { op: 'Gemm', name: '/l2/Gemm', inputs: ['h', 'l2.weight', 'l2.bias'], outputs: ['z'], attrs: { transB: 1 } },
    { op: 'Softmax', inputs: ['z'], outputs: ['probs'], attrs: { axis: 1 } },
  ],
});
// x = (1, 1): h = relu(1, 1) = (1, 1) → z = (2, 1, 2);  x = (2, 0): h = relu(2, −1) = (2, 0) → z = (2, 4, 1);
// x = (−1, 3): h = relu(−1, 5) = (0, 5) → z = (5, −5, 6)
const X = Float32Array.from([1, 1, 2, 0, -1, 3]);
const Z = [2, 1, 2, 2, 4, 1, 5, -5, 6];

test('tiny network: logits tapped before Softmax, margins, accuracy, loss and path-norm by hand', async () => {
  const ckpt = loadCheckpointSync(save(tiny(), 'tiny.onnx'));
  const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
  assert.deepEqual(model.tap, { name: 'z', output: 'probs', skipped: ['Softmax'] });
  assert.equal(model.provider, 'cpu');
  const { logits, classes } = await model.logits(X, 3, [2]);
  assert.deepEqual(Array.from(logits), Z);
  // labels 0, 1, 2: margins 2 − max(1, 2) = 0 (a tie: an error), 4 − max(2, 1) = 2, 6 − max(5, −5) = 1
  const e = evaluate(logits, classes, Int32Array.from([0, 1, 2]));
  assert.deepEqual(Array.from(e.margins), [0, 2, 1]);
  assert.equal(e.accuracy, 2 / 3);
  const ce = [-(2 - Math.log(2 * Math.exp(2) + Math.exp(1))), -(4 - Math.log(Math.exp(2) + Math.exp(4) + Math.exp(1))), -(6 - Math.log(Math.exp(5) + Math.exp(-5) + Math.exp(6)))];
  assert.ok(Math.abs(e.crossEntropy - (ce[0] + ce[1] + ce[2]) / 3) < 1e-12);
  // numpy.percentile([0, 1, 2], 10) = 0 + 0.2·(1 − 0) = 0.2 (position (3 − 1)·0.1)
  assert.equal(percentile(e.margins, 10), 0.2);
  assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
  assert.equal(percentile([3, 1, 2, 4], 25), 1.75);
  // path-norm, biases squared too: W₁² = diag(1, 4), b₁² = (0, 1), W₂² = [[1, 1], [4, 1], [0, 1]], b₂² = (0, 0, 1);
  // input (1, 1): h = relu(1, 4 + 1) = (1, 5) → z = (1 + 5, 4 + 5, 5 + 1) = (6, 9, 6) → Σ = 21
  const pn = await pathNorm(ckpt, model, [2]);
  assert.equal(pn.value, 21);
  // the parameters were restored after the squared pass
  assert.deepEqual(Array.from((await model.logits(X, 3, [2])).logits), Z);
  await model.release();
});

test('a float16 model (weights, input and output in half precision) is fed and read through casts', async () => {
  const ckpt = loadCheckpointSync(save(tiny('float16'), 'tiny16.onnx'));
  const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
  assert.deepEqual(model.params.map((p) => p.dtype), ['float16', 'float16', 'float16', 'float16']);
  assert.deepEqual(Array.from((await model.logits(X, 3, [2])).logits), Z); // small integers are exact in half
  model.params[3].current.set([0.5, 0, 0]); // b₂ = (0.5, 0, 0): z₀ + 0.5, z₂ − 1
  assert.deepEqual(Array.from((await model.logits(X, 3, [2])).logits), [2.5, 1, 1, 2.5, 4, 0, 5.5, -5, 5]);
  model.restore();
  assert.equal((await pathNorm(ckpt, model, [2])).value, 21);
  await model.release();
});

test('fixed batch dimension: batches padded to it; a graph that hard-codes batch 1 falls back to single examples', async () => {
  const fixed = loadCheckpointSync(save(tiny('float32', 4), 'fixed.onnx'));
  const m4 = await ForwardModel.open(fixed, { provider: 'cpu' });
  assert.ok(m4.fixedBatch);
  const x7 = Float32Array.from([...X, ...X, 1, 1]); // 7 examples: batches of 4 + 3 (padded)
  assert.deepEqual(Array.from((await m4.logits(x7, 7, [2])).logits), [...Z, ...Z, 2, 1, 2]);
  assert.equal(m4.passes, 2);
  await m4.release();
  // Reshape to the constant shape [1, 2] under a symbolic batch dim: fails for batches > 1
  const spec = tiny();
  spec.initializers!.push({ name: 'shape1', dtype: 'int64', dims: [2], data: [1, 2] });
  spec.nodes.unshift({ op: 'Reshape', inputs: ['input0', 'shape1'], outputs: ['input'] });
  spec.inputs[0].name = 'input0';
  const m1 = await ForwardModel.open(loadCheckpointSync(save(spec, 'batch1.onnx')), { provider: 'cpu' });
  assert.deepEqual(Array.from((await m1.logits(X, 3, [2])).logits), Z);
  assert.match(m1.note!, /failed with batches of 3.*one example per pass/);
  await m1.release();
});

test('path-norm is null with the reason for Tanh networks and unfolded BatchNorm', async () => {
  const spec = mlp([4, 3, 2]);
  spec.nodes = spec.nodes.map((n) => (n.op === 'Relu' ? { ...n, op: 'Tanh' } : n));
  const ckpt = loadCheckpointSync(save(spec, 'tanh.onnx'));
  const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
  const r = await pathNorm(ckpt, model, [4]);
  assert.equal(r.value, null);
  assert.match(r.reason!, /not defined for networks with Tanh/);
  await model.release();
  // Gemm → BatchNormalization → Relu → Gemm: BatchNorm after a dense layer left in the graph
  const bn = mlp([4, 3, 2]);
  bn.initializers!.push(...['scale', 'bnbias', 'mean', 'var'].map((n, i) => ({ name: `bn.${n}`, dims: [3], data: [1, 0.5, 2].map((v) => v + i) })));
  bn.nodes[0] = { ...bn.nodes[0], outputs: ['pre'] };
  bn.nodes.splice(1, 0, { op: 'BatchNormalization', inputs: ['pre', 'bn.scale', 'bn.bnbias', 'bn.mean', 'bn.var'], outputs: [bn.nodes[1].inputs[0]] });
  const bc = loadCheckpointSync(save(bn, 'bn.onnx'));
  const mb = await ForwardModel.open(bc, { provider: 'cpu' });
  assert.equal((await mb.logits(Float32Array.from([1, 2, 3, 4]), 1, [4])).classes, 2);
  assert.match((await pathNorm(bc, mb, [4])).reason!, /BatchNormalization \(not folded into the preceding layer\)/);
  await mb.release();
  if (haveFixtures) {
    const t = loadCheckpointSync(fixture('mlp_tanh.onnx'));
    const mt = await ForwardModel.open(t, { provider: 'cpu' });
    assert.match((await pathNorm(t, mt, [1, 28, 28])).reason!, /Tanh/);
    await mt.release();
  }
});

const probe4 = () => npz({ x: { dtype: '<f4', shape: [6, 2], data: [1, 1, 2, 0, 0, 3, 1, 2, -1, 1, 3, 3] }, y: { dtype: '<i8', shape: [6], data: [0, 1, 2, 0, 2, 1] } });

for (const [label, value] of [['exactly zero', 0], ['constant (0.5)', 0.5]] as const) {
  test(`a network whose weights are ${label}: no crash, no NaN/Infinity, honest nulls`, async () => {
    const spec = tiny();
    for (const t of spec.initializers!) t.data = new Array(t.dims.reduce((a, b) => a * b, 1)).fill(value);
    const model = save(spec, `deg${value}.onnx`);
    const data = join(dir, 'probe4.npz');
    writeFileSync(data, probe4());
    const r = await analyze({ model, init: model, data, trainSize: 100, mcDraws: 2, landscapePoints: 3, threads: 1, provider: 'cpu' });
    const json = JSON.stringify(r);
    assert.ok(!/NaN|Infinity/.test(json), 'the report has no NaN/Infinity');
    assert.equal(r.runtime?.error, undefined, r.runtime?.error);
    // every class scores the same: all ties, accuracy 0, margins 0 (γ = 0)
    assert.equal(r.measures.trainAccuracy.value, 0);
    assert.equal(r.measures.marginP10.value, 0);
    assert.ok(Math.abs(r.measures.trainCrossEntropy.value! - Math.log(3)) < 1e-12);
    assert.equal(r.measures.inverseMargin.value, null);
    // accuracy cannot drop below 0: the σ′ searches never bracket, σ′ is a lower bound and says so
    assert.ok(r.warnings.some((w) => /isotropic σ′ search: accuracy stayed within 0\.1/.test(w)));
    assert.ok(r.measures.pacbayesFlatness.value! > 0);
    // w = w⁰: ‖w − w⁰‖² = 0
    assert.ok(Math.abs(r.measures.pacbayesInit.value! - (Math.log(100 / (1 / Math.sqrt(r.measures.pacbayesFlatness.value!))) + 10)) < 1e-9);
    for (const b of r.bounds) {
      if (b.id === 'dziugaiteRoy2017') {
        assert.ok(b.value! > 0 && b.value! <= 1, `DR ${b.value}`);
        assert.equal(b.vacuous, true);
      } else if (b.id === 'compressionOccam') {
        // every example is a tie (an error) for the compressed network too: the bound is 1 and says so
        assert.equal(b.details!.compressedAccuracy, 0);
        assert.equal(b.value, 1);
        assert.equal(b.vacuous, true);
      } else {
        assert.equal(b.value, null, b.id);
        assert.ok(b.reason, `${b.id} gives a reason`);
      }
    }
    assert.equal(r.measures.pathNorm.value, value === 0 ? 0 : 0.25 * (0.25 * 2 + 0.25) * 2 * 3 + 0.25 * 3);
    assert.equal(r.landscape!.loss1d.length, 3);
  });
}

test('labels beyond the model\'s outputs, or a model onnxruntime cannot load: clear errors, the weight-only report stays', async () => {
  const data = join(dir, 'big-labels.npz');
  writeFileSync(data, npz({ x: { dtype: '<f4', shape: [2, 4], data: [0, 1, 2, 3, 4, 5, 6, 7] }, y: { dtype: '<i8', shape: [2], data: [0, 5] } }));
  const ok = save(mlp([4, 3, 2]), 'ok.onnx');
  const r1 = await analyze({ model: ok, data, threads: 1, provider: 'cpu' });
  assert.equal(r1.layers.length, 2);
  assert.ok(r1.runtime!.error!.startsWith(data));
  assert.match(r1.runtime!.error!, /label 1 is 5, out of range for the model's 2 outputs/);

  const spec = mlp([4, 3, 2]);
  spec.nodes.push({ op: 'FancyOp', domain: 'com.example', inputs: ['logits'], outputs: ['out'] });
  spec.outputs = [{ name: 'out', shape: ['N', 2] }];
  spec.extraOpsets = [{ domain: 'com.example', version: 1 }];
  const custom = save(spec, 'custom.onnx');
  const probe = join(dir, 'p2.npz');
  writeFileSync(probe, npz({ x: { dtype: '<f4', shape: [2, 4], data: [0, 1, 2, 3, 4, 5, 6, 7] }, y: { dtype: '<i8', shape: [2], data: [0, 1] } }));
  const r2 = await analyze({ model: custom, data: probe, threads: 1 });
  assert.equal(r2.layers.length, 2);
  assert.ok(r2.layers[0].metrics.spectralNorm! > 0);
  assert.match(r2.runtime!.error!, /onnxruntime cannot load this model: .*FancyOp/);
  assert.equal(r2.measures.trainAccuracy.value, null);
  assert.match(r2.measures.trainAccuracy.reason!, /forward passes failed/);
});

test('provider auto falls back to CPU with a note saying why (this machine has no CUDA build); the report records it', async () => {
  const { createSession, cudaLibraries } = await import('../../src/engine/runtime');
  const bytes = buildModel(mlp([4, 3, 2])).bytes;
  const cuda = cudaLibraries();
  const auto = await createSession(bytes, { provider: 'auto' });
  const asked = await createSession(bytes, { provider: 'cuda' });
  const cpu = await createSession(bytes, { provider: 'cpu' });
  assert.equal(cpu.provider, 'cpu');
  assert.equal(cpu.note, undefined);
  if (!cuda.ok) {
    assert.equal(auto.provider, 'cpu');
    assert.match(auto.note!, /^CUDA not used: .*not installed.*ran on CPU/);
    assert.equal(asked.provider, 'cpu');
    assert.match(asked.note!, /^CUDA was requested, but CUDA not used/);
  } else {
    assert.ok(auto.provider === 'cuda' || /CUDA execution provider failed/.test(auto.note!));
  }
  for (const s of [auto, asked, cpu]) await s.session.release();
  const data = join(dir, 'p6.npz');
  writeFileSync(data, probe4().slice());
  const r = await analyze({ model: save(tiny(), 'tiny-auto.onnx'), data, threads: 1, mcDraws: 1, landscapePoints: 0 });
  assert.equal(r.runtime!.provider, cuda.ok ? r.runtime!.provider : 'cpu');
  if (!cuda.ok) assert.match(r.runtime!.providerNote!, /CUDA not used/);
  assert.ok(r.runtime!.forwardPassesPerSecond! > 0);
  assert.equal(r.runtime!.seed, 0);
});

test('cancellation between forward passes: the analysis stops with CancelledError', { skip: !haveFixtures && 'no fixtures' }, async () => {
  const ac = new AbortController();
  let phases = 0;
  const started = performance.now();
  const run = analyze({ model: fixture('mlp.onnx'), data: fixture('probe_train.npz'), trainSize: 3000, provider: 'cpu', threads: 1 }, {
    signal: ac.signal,
    progress: (p) => {
      if (p.phase === 'flatness' && ++phases === 3) ac.abort();
    },
  });
  await assert.rejects(run, (e: Error) => e.name === 'CancelledError');
  assert.ok(phases >= 3 && performance.now() - started < 60_000);
});
