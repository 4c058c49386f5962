// The compression code's low-rank option: the description length of a candidate against a direct count
// (numpy's SVD, numpy quantisation and exact integer counts with Python's math.comb/factorial), the
// network the decoder rebuilds, the rule that decides which tensors are factored, and the Occam bound
// against SciPy's kl inverse. Needs python3 with numpy and scipy (fails without them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { occamCertify } from '../../src/engine/bounds/compression';
import { applyCandidate, lowRankOf, SMALL_TENSOR, type SvdCache } from '../../src/engine/forward/compression';
import type { Param } from '../../src/engine/runtime';

const python = (code: string): unknown => {
  // the program on stdin: the weights written into it exceed the 128 KiB limit of one argv string
  const r = spawnSync('python3', ['-'], { input: code, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `python3 with numpy/scipy is needed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const param = (name: string, kind: 'weight' | 'bias', dims: number[], values: Float32Array): Param =>
  ({ name, layer: name, kind, dims, dtype: 'float32', values, current: values.slice(), filters: { outer: 1, count: dims[0], inner: values.length / dims[0] } });

test('low-rank rule: which tensors are factored, and at what rank', () => {
  assert.equal(lowRankOf([128, 784], 'weight', 0), null); // ρ = 0: in full
  assert.deepEqual(lowRankOf([128, 784], 'weight', 1 / 8), { a: 128, b: 784, k: 16 });
  assert.deepEqual(lowRankOf([16, 8, 5, 5], 'weight', 1 / 4), { a: 16, b: 200, k: 4 }); // conv: out × (in·kh·kw)
  assert.equal(lowRankOf([2048], 'bias', 1 / 4), null);
  assert.equal(lowRankOf([10, 64], 'weight', 1 / 4), null); // 640 < SMALL_TENSOR entries
  assert.ok(640 < SMALL_TENSOR);
  assert.deepEqual(lowRankOf([3, 1000], 'weight', 1 / 4), { a: 3, b: 1000, k: 1 }); // k = max(1, round(0.75)): 1003 < 3000 numbers
  assert.equal(lowRankOf([64, 64], 'weight', 1 / 2), null); // k = 32: 32·128 = 4096 numbers, not fewer than 64·64
  assert.equal(lowRankOf([1024, 1024], 'weight', 1 / 4), null); // SVD too costly (min² · max > 2²⁶)
});

test('description length of a low-rank candidate equals a direct count; the decoded network is r + Uq·Vq', () => {
  // W = W⁰ + (rank-3 update) + small noise, 40 × 120 (4800 entries ≥ SMALL_TENSOR), and a 40-entry bias
  const a = 40, b = 120;
  const g = lcg(7);
  const w0 = Float32Array.from({ length: a * b }, () => g() * 0.2);
  const A = Array.from({ length: a * 3 }, () => g()), B = Array.from({ length: 3 * b }, () => g());
  const w = Float32Array.from({ length: a * b }, (_, i) => {
    const r = Math.floor(i / b), c = i % b;
    let x = 0;
    for (let j = 0; j < 3; j++) x += A[r * 3 + j] * B[j * b + c];
    return w0[i] + 0.3 * x + 0.01 * g();
  });
  const bias = Float32Array.from({ length: a }, () => g() * 0.1);
  const bias0 = new Float32Array(a);
  const model = { params: [param('w', 'weight', [a, b], w), param('b', 'bias', [a], bias)] };
  const svds: SvdCache = new Map();
  for (const [L, factor, rank] of [[3, 0.5, 1 / 8], [7, 1, 1 / 16], [1, 0.25, 1 / 4], [15, 0.125, 0]] as const) {
    const got = applyCandidate(model, [w0, bias0], { reference: 'init', L, factor, rank }, svds);
    const ref = python(`
import json, math, numpy as np
a, b, L, c, rho = ${a}, ${b}, ${L}, ${factor}, ${rank}
W = np.array(${JSON.stringify(Array.from(w))}, dtype=np.float32).astype(np.float64).reshape(a, b)
W0 = np.array(${JSON.stringify(Array.from(w0))}, dtype=np.float32).astype(np.float64).reshape(a, b)
bias = np.array(${JSON.stringify(Array.from(bias))}, dtype=np.float32).astype(np.float64)
def log2ceil(x):  # ⌈log₂ x⌉ of a positive integer, exactly
    return (x - 1).bit_length()
def block(x, L, c):  # one tensor or factor: step index, counts, sequence (exact integer counts)
    rms = math.sqrt(float(np.mean(x * x)))
    e = int(min(63, max(0, round(-2 * math.log2(c * rms))))) if c * rms > 0 else 63
    h = 2.0 ** (-e / 2)
    q = np.clip(np.floor(x / h + 0.5), -L, L).astype(int)
    counts = [int((q == s).sum()) for s in range(-L, L + 1)]
    n, A = x.size, 2 * L + 1
    multi = math.factorial(n)
    for k in counts: multi //= math.factorial(k)
    return log2ceil(64) + log2ceil(math.comb(n + A - 1, A - 1)) + log2ceil(multi), q * h, counts[L]
bits = 3 + 1 + 2  # header: L among 5, reference, ρ among 4
D = W - W0
k = max(1, int(np.floor(rho * min(a, b) + 0.5))) if rho > 0 else 0
if k and k * (a + b) < a * b:
    U, S, Vt = np.linalg.svd(D, full_matrices=False)
    for j in range(S.size):
        i = np.argmax(np.abs(U[:, j]))
        if U[i, j] < 0: U[:, j] *= -1; Vt[j] *= -1
    Uf = U[:, :k] * np.sqrt(S[:k]); Vf = np.sqrt(S[:k])[:, None] * Vt[:k]
    bu, Uq, zu = block(Uf, L, c); bv, Vq, zv = block(Vf, L, c)
    bits += bu + bv; dec = W0 + Uq @ Vq; zeros = zu + zv
else:
    bw, Q, zeros = block(D, L, c); bits += bw; dec = W0 + Q
bb, Qb, zb = block(bias, 15, 0.5)  # the bias: 40 < SMALL_TENSOR entries, the fixed small rule
print(json.dumps([bits + bb, dec.ravel().tolist(), k if k * (a + b) < a * b else 0, zeros + zb]))`) as [number, number[], number, number];
    assert.equal(got.bits, ref[0], `L ${L}, c ${factor}, ρ ${rank}: ${got.bits} bits vs a direct count of ${ref[0]}`);
    assert.deepEqual(got.ranks, [ref[2], 0]);
    assert.equal(got.zeros, ref[3]);
    // the decoded weights equal numpy's float64 r + Uq·Vq up to float32 storage (of h·q in the factors and of
    // the result: relative 6e-8 each, summed over k terms): tolerance 1e-6·max|w|
    let worst = 0, scale = 0;
    for (let i = 0; i < a * b; i++) {
      worst = Math.max(worst, Math.abs(model.params[0].current[i] - ref[1][i]));
      scale = Math.max(scale, Math.abs(ref[1][i]));
    }
    assert.ok(worst <= 1e-6 * scale, `decoded weights differ by ${worst} (max |w| ${scale})`);
  }
});

test('the Occam bound from a low-rank code length equals SciPy (brentq on the binary kl)', () => {
  const cases = [
    { bits: 4000, m: 60000, delta: 0.05, errorsA: 30, nA: 1000, errorsC: 35, nC: 1000 },
    { bits: 120000, m: 60000, delta: 0.05, errorsA: 100, nA: 1000, errorsC: 120, nC: 1000 },
    { bits: 900, m: 2000, delta: 0.01, errorsA: 20, nA: 2000, errorsC: 0, nC: 0 },
  ];
  const ours = cases.map((x) => occamCertify(x));
  const ref = python(`
import json, math
from scipy.optimize import brentq
def kl(p, q):
    t = lambda x, y: 0.0 if x == 0 else x * math.log(x / y)
    return t(p, q) + t(1 - p, 1 - q)
def klinv(p, c):  # the largest q ≥ p with kl(p‖q) ≤ c
    if kl(p, 1 - 1e-15) <= c: return 1.0
    return brentq(lambda q: kl(p, q) - c, p, 1 - 1e-15, xtol=1e-15, rtol=1e-15)
out = []
for x in ${JSON.stringify(cases)}:
    e = x['errorsA'] / x['nA']
    if x['nC'] > 0:
        rest = klinv(x['errorsC'] / x['nC'], math.log(2 / x['delta']) / x['nC'])
        e = min(1.0, (x['errorsA'] + (x['m'] - x['nA']) * rest) / x['m'])
    out.append([e, klinv(e, (x['bits'] * math.log(2) + math.log(2 / x['delta'])) / x['m'])])
print(json.dumps(out))`) as number[][];
  ours.forEach((c, i) => {
    // tolerance 1e-9 absolute: both invert the same monotone function by bisection/brentq to ~1e-15
    assert.ok(Math.abs(c.trainErrorUpper - ref[i][0]) <= 1e-9, `case ${i}: ê upper ${c.trainErrorUpper} vs ${ref[i][0]}`);
    assert.ok(Math.abs(c.bound - ref[i][1]) <= 1e-9, `case ${i}: bound ${c.bound} vs SciPy ${ref[i][1]}`);
  });
});
