// Probe data errors (each names the file and the problem), the kl inverse against known values and
// scipy, the Dziugaite–Roy KL term against a direct computation, and a model onnxruntime cannot load.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gaussianKl, bestPrior } from '../../src/engine/bounds/pacbayes';
import { klBernoulli, klInverseUpper } from '../../src/engine/bounds/kl';
import { analyze } from '../../src/engine/analyze';
import { fitProbeToInput, loadProbe } from '../../src/data/probe';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { npz } from '../helpers/npz-writer';
import { buildModel, mlp } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-probe-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const good = { x: { dtype: '<f4', shape: [3, 2], data: [0, 1, 2, 3, 4, 5] }, y: { dtype: '<i8', shape: [3], data: [0, 1, 1] } };

test('bad probe data: clear errors naming the file', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['nan.npz', npz({ ...good, x: { ...good.x, data: [0, NaN, 2, 3, 4, 5] } }), /contains NaN/],
    ['neg.npz', npz({ ...good, y: { ...good.y, data: [0, -1, 1] } }), /label 1 is -1/],
    ['len.npz', npz({ ...good, y: { dtype: '<i8', shape: [2], data: [0, 1] } }), /3 examples but 'y' has 2 labels/],
    ['keys.npz', npz({ images2: good.x, y: good.y }), /no input array.*'images2'/],
    ['dtype.npz', npz({ x: good.x, y: { dtype: '<f8', shape: [3], data: [0, 0.5, 1] } }), /label 1 is 0.5/],
    ['corrupt.npz', npz(good).subarray(0, 60), /not a valid \.npz|corrupt|truncated/],
    ['garbage.npz', new TextEncoder().encode('PK this is not really a zip'), /not a valid \.npz/],
  ];
  for (const [name, bytes, re] of cases) {
    const p = write(name, bytes);
    assert.throws(() => loadProbe(p), (e: Error) => e.message.startsWith(p) && re.test(e.message), `${name}`);
  }
  assert.throws(() => loadProbe(join(dir, 'none.npz')), /no such file/);
});

test('probe shape against the model input: reshaped with a note when the count fits, else an error', () => {
  const p = loadProbe(write('ok.npz', npz(good)));
  assert.deepEqual(fitProbeToInput(p, { name: 'input', shape: ['N', 2] }), { perExample: [2] });
  const r = fitProbeToInput(p, { name: 'input', shape: ['N', 1, 2] });
  assert.deepEqual(r.perExample, [1, 2]);
  assert.match(r.note!, /reshaped/);
  assert.throws(() => fitProbeToInput(p, { name: 'input', shape: ['N', 1, 28, 28] }), /probe 'x' is \[3, 2\] but model input 'input' is \[N, 1, 28, 28\]/);
});

test('real probe files (numpy savez) load with their dtypes', { skip: !haveFixtures && 'no fixtures' }, () => {
  const p = loadProbe(fixture('probe_train.npz'));
  assert.deepEqual(p.xShape, [500, 1, 28, 28]);
  assert.equal(p.y.length, 500);
  assert.ok(p.x.every((v) => v >= 0 && v <= 1));
});

test('kl⁻¹ against closed forms and scipy', () => {
  // kl(0‖p) = −ln(1 − p) ⇒ kl⁻¹(0, c) = 1 − e^{−c}
  for (const c of [0.01, 0.1, 1, 5]) assert.ok(Math.abs(klInverseUpper(0, c) - (1 - Math.exp(-c))) < 1e-10);
  // c = 0: kl(q‖p) ~ (p − q)²/(2q(1 − q)) sinks into float64 rounding (≈1e-17) once |p − q| ≲ 1e-8
  assert.ok(Math.abs(klInverseUpper(0.3, 0) - 0.3) < 1e-7);
  assert.equal(klInverseUpper(1, 2), 1);
  for (const [q, c] of [[0.1, 0.05], [0.25, 0.5], [0.02, 0.003]]) {
    const p = klInverseUpper(q, c);
    assert.ok(p > q && Math.abs(klBernoulli(q, p) - c) < 1e-8, `kl(${q}‖${p}) = ${klBernoulli(q, p)} ≠ ${c}`);
  }
  let py: string | null = null;
  try {
    py = execFileSync('python3', ['-c', `
from scipy.optimize import brentq
import math
kl=lambda q,p: (q*math.log(q/p) if q>0 else 0)+((1-q)*math.log((1-q)/(1-p)) if q<1 else 0)
print(brentq(lambda p: kl(0.1,p)-0.05, 0.1, 1-1e-12, xtol=1e-14))`], { encoding: 'utf8' });
  } catch {
    py = null;
  }
  if (py) assert.ok(Math.abs(klInverseUpper(0.1, 0.05) - Number(py)) < 1e-9, `scipy ${py}`);
});

test('the Gaussian KL term against a direct sum, and the prior grid choice', () => {
  // Q = N(w, diag s), P = N(w⁰, λI): KL = ½ Σᵢ [sᵢ/λ + (wᵢ − w⁰ᵢ)²/λ − 1 + ln λ − ln sᵢ]
  const s = [0.01, 0.02, 0.04];
  const d = [0.1, -0.2, 0.3];
  const lambda = 0.05;
  const direct = 0.5 * s.reduce((a, si, i) => a + si / lambda + d[i] ** 2 / lambda - 1 + Math.log(lambda) - Math.log(si), 0);
  const sSum = s.reduce((a, b) => a + b, 0);
  const sLog = s.reduce((a, b) => a + Math.log(b), 0);
  const dist = d.reduce((a, b) => a + b * b, 0);
  assert.ok(Math.abs(gaussianKl(sSum, sLog, dist, 3, lambda) - direct) < 1e-12);
  const p = bestPrior(sSum, sLog, dist, 3, 100, 0.1);
  // no grid point does better on KL + 2 ln j
  for (let j = 1; j < 2000; j++) {
    const l = 0.1 * Math.exp(-j / 100);
    assert.ok(gaussianKl(sSum, sLog, dist, 3, l) + 2 * Math.log(j) >= p.kl + 2 * Math.log(p.j) - 1e-9);
  }
});

test('a model onnxruntime cannot load still gets its weight-only report, with the runtime error', async () => {
  const spec = mlp([4, 3, 2]);
  spec.nodes.push({ op: 'FancyOp', domain: 'com.example', inputs: ['logits'], outputs: ['out'] });
  spec.outputs = [{ name: 'out', shape: ['N', 2] }];
  spec.extraOpsets = [{ domain: 'com.example', version: 1 }];
  const model = write('custom.onnx', buildModel(spec).bytes);
  const probe = write('p4.npz', npz({ x: { dtype: '<f4', shape: [2, 4], data: [0, 1, 2, 3, 4, 5, 6, 7] }, y: { dtype: '<i8', shape: [2], data: [0, 1] } }));
  const r = await analyze({ model, data: probe, threads: 1 });
  assert.equal(r.layers.length, 2);
  assert.ok(r.layers[0].metrics.spectralNorm! > 0);
  assert.match(r.runtime!.error!, /onnxruntime cannot load this model/);
  assert.equal(r.measures.trainAccuracy.value, null);
  assert.match(r.measures.trainAccuracy.reason!, /forward passes failed/);
  void readFileSync;
});
