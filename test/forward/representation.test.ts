// Representation measures: on a hand-built network whose penultimate features are known (h = relu(x) =
// x for x ≥ 0), the Davies–Bouldin index, NC1, the normalised hidden margins and the mixup accuracy are
// derived by hand (below); on random features the pure functions equal numpy (np.linalg.pinv for Σ_B⁺,
// scikit-learn's Davies–Bouldin definition written out). Needs python3 with numpy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findHead, mixupAccuracy, mixupPairs, representationMeasures } from '../../src/engine/forward/features';
import { ProbeEval } from '../../src/engine/forward/probeEval';
import { daviesBouldin, neuralCollapseNc1, normalisedMargins, symmetricEigen } from '../../src/engine/forward/representation';
import { ForwardModel } from '../../src/engine/runtime';
import { loadCheckpointSync } from '../../src/onnx';
import { buildModel, values, type ModelSpec } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-repr-'));
const python = (code: string): unknown => {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `python3 with numpy is needed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

/** x[N,2] → Gemm(I, 0) → Relu → h → Gemm(W₂ = I, b₂) → logits[N,2]. */
const twoLayer = (b2: number[]): ModelSpec => ({
  inputs: [{ name: 'input', shape: ['N', 2] }],
  outputs: [{ name: 'logits', shape: ['N', 2] }],
  initializers: [
    { name: 'fc0.weight', dims: [2, 2], data: [1, 0, 0, 1] }, { name: 'fc0.bias', dims: [2], data: [0, 0] },
    { name: 'fc1.weight', dims: [2, 2], data: [1, 0, 0, 1] }, { name: 'fc1.bias', dims: [2], data: b2 },
  ],
  nodes: [
    { op: 'Gemm', name: '/fc0/Gemm', inputs: ['input', 'fc0.weight', 'fc0.bias'], outputs: ['pre'], attrs: { transB: 1 } },
    { op: 'Relu', name: '/act/Relu', inputs: ['pre'], outputs: ['h'] },
    { op: 'Gemm', name: '/fc1/Gemm', inputs: ['h', 'fc1.weight', 'fc1.bias'], outputs: ['logits'], attrs: { transB: 1 } },
  ],
});
const X = Float32Array.from([1, 0, 3, 0, 0, 1, 0, 3]);
const Y = Int32Array.from([0, 0, 1, 1]);

test('hand-built network: Davies–Bouldin 1/√2, NC1 1/8, normalised margin quartiles a, 2a, 3a (a = 1/√6)', async () => {
  const path = join(dir, 'two.onnx');
  writeFileSync(path, buildModel(twoLayer([0, 0])).bytes);
  const ckpt = loadCheckpointSync(path);
  const model = await ForwardModel.open(ckpt, { provider: 'cpu' });
  try {
    const head = findHead(ckpt, model.tap.name);
    assert.ok(!('reason' in head) && head.input === 'h');
    const r = await representationMeasures(ckpt, model, new ProbeEval(model, X, Y, [2]), 2, 0);
    // class means (2,0), (0,2); scatters S = 1, 1; ‖μ₀ − μ₁‖ = 2√2 ⇒ DB = ½(2/(2√2) + 2/(2√2)) = 1/√2
    assert.ok(Math.abs(r.daviesBouldin! - Math.SQRT1_2) < 1e-12, `DB ${r.daviesBouldin}`);
    // Σ_W = diag(½, ½); Σ_B = [[1,−1],[−1,1]], Σ_B⁺ = ¼[[1,−1],[−1,1]]; tr(Σ_W Σ_B⁺) = ¼ ⇒ NC1 = ¼/2
    assert.ok(Math.abs(r.nc1! - 0.125) < 1e-12, `NC1 ${r.nc1}`);
    assert.ok(Math.abs(r.withinTrace! - 1) < 1e-12 && Math.abs(r.betweenTrace! - 2) < 1e-12);
    // margins (f_y − f_j)/‖W_y − W_j‖/ν: ‖W₀ − W₁‖ = √2, ν = √(1.5 + 1.5) = √3 ⇒ a, 3a, a, 3a
    const a = 1 / Math.sqrt(6);
    assert.ok(Math.abs(r.hiddenMarginQ1! - a) < 1e-12 && Math.abs(r.hiddenMarginMedian! - 2 * a) < 1e-12 && Math.abs(r.hiddenMarginQ3! - 3 * a) < 1e-12);
    assert.equal(r.mixupAccuracy, 1);
    assert.equal(r.featureDim, 2);
  } finally {
    await model.release();
  }
});

test('mixup accuracy by hand: b₂ = (−1.5, 0) misclassifies (1,0) but not the within-class mixes (2,0), (0,2)', async () => {
  const path = join(dir, 'bias.onnx');
  writeFileSync(path, buildModel(twoLayer([-1.5, 0])).bytes);
  const model = await ForwardModel.open(loadCheckpointSync(path), { provider: 'cpu' });
  try {
    const probe = new ProbeEval(model, X, Y, [2]);
    assert.equal((await probe.evaluate()).accuracy, 0.75);
    assert.equal(await mixupAccuracy(model, probe, 3), 1);
  } finally {
    await model.release();
  }
  // pairs stay within a class, cover each example once as first element, and are reproducible
  const y = Int32Array.from([2, 0, 2, 1, 0, 2, 1, 1, 0, 5]);
  const p = mixupPairs(y, y.length, 9);
  assert.deepEqual(p, mixupPairs(y, y.length, 9));
  assert.equal(p.length, 9); // the lone class-5 example has no partner
  for (const [a, b] of p) assert.ok(y[a] === y[b] && a !== b);
  assert.deepEqual(p.map(([a]) => a).sort((u, v) => u - v), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test('pure functions equal numpy on random features (DB, NC1 with np.linalg.pinv, margins)', () => {
  const n = 120;
  const D = 7;
  const K = 4;
  const h = Float64Array.from(values(n * D, 5), (v, i) => v + (i % D === 0 ? 0 : 0.3 * ((Math.floor(i / D) % K) - 1.5) * (i % D)));
  const y = Int32Array.from({ length: n }, (_, i) => i % K);
  const W = Float64Array.from(values(K * D, 8));
  const logits = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let c = 0; c < K; c++) for (let d = 0; d < D; d++) logits[i * K + c] += W[c * D + d] * h[i * D + d];
  const ref = python(`
import json, numpy as np
h = np.array(${JSON.stringify(Array.from(h))}).reshape(${n}, ${D}); y = np.array(${JSON.stringify(Array.from(y))}); W = np.array(${JSON.stringify(Array.from(W))}).reshape(${K}, ${D})
K = ${K}; mu = np.stack([h[y == c].mean(0) for c in range(K)])
S = np.array([np.linalg.norm(h[y == c] - mu[c], axis=1).mean() for c in range(K)])
db = np.mean([max((S[a] + S[b]) / np.linalg.norm(mu[a] - mu[b]) for b in range(K) if b != a) for a in range(K)])
d = h - mu[y]; SW = d.T @ d / len(h); mg = mu.mean(0); SB = (mu - mg).T @ (mu - mg) / K
nc1 = np.trace(SW @ np.linalg.pinv(SB, rcond=1e-10)) / K
f = h @ W.T; m = []
nu = np.sqrt(np.sum(h.var(0)))
for i in range(len(h)):
    o = f[i].copy(); o[y[i]] = -np.inf; j = int(np.argmax(o))
    m.append((f[i, y[i]] - f[i, j]) / np.linalg.norm(W[y[i]] - W[j]) / nu)
print(json.dumps([db, nc1, m]))`) as [number, number, number[]];
  assert.ok(Math.abs(daviesBouldin(h, y, n, D, K)! - ref[0]) < 1e-10 * ref[0], `DB ${daviesBouldin(h, y, n, D, K)} vs ${ref[0]}`);
  const nc = neuralCollapseNc1(h, y, n, D, K)!;
  assert.ok(Math.abs(nc.nc1 - ref[1]) < 1e-8 * ref[1], `NC1 ${nc.nc1} vs ${ref[1]}`);
  const mm = normalisedMargins(h, logits, y, n, D, W, K);
  mm.forEach((v, i) => assert.ok(Math.abs(v - ref[2][i]) < 1e-10 * Math.max(1, Math.abs(ref[2][i])), `margin ${i}`));
  // eigen-solver: A v = λ v for a random symmetric matrix
  const A = Float64Array.from(values(25, 3));
  for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) A[i * 5 + j] = A[j * 5 + i];
  const { values: ev, vectors } = symmetricEigen(A, 5);
  for (let r = 0; r < 5; r++) for (let i = 0; i < 5; i++) {
    let s = 0;
    for (let j = 0; j < 5; j++) s += A[i * 5 + j] * vectors[j * 5 + r];
    assert.ok(Math.abs(s - ev[r] * vectors[i * 5 + r]) < 1e-10);
  }
  assert.equal(daviesBouldin(h, new Int32Array(n), n, D, K), null);
});
