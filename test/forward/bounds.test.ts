// Bounds arithmetic against independent computations: kl⁻¹ against its closed form at q = 0 and
// SciPy's brentq; the Gaussian KL against a direct sum; the prior grid choice against brute force;
// the Dziugaite–Roy certificate, Bartlett, Neyshabur and Golowich bounds against a Python
// transcription of the published formulas (SciPy for the kl inverses).
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  bartlettBound, bestGamma, bestPrior, drCertify, gaussianKl, golowichBound, isVacuous, klBernoulli, klInverseLower, klInverseUpper, marginLoss, neyshaburBound,
} from '../../src/engine/bounds';
import type { DataQuantities, LayerQuantities } from '../../src/engine/measures/types';

const scipy = spawnSync('python3', ['-c', 'import scipy, numpy'], { encoding: 'utf8' }).status === 0;
const python = (code: string): unknown => {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const KL_PY = `
import json, math
from scipy.optimize import brentq
def kl(q, p):
    t = lambda a, b: 0.0 if a == 0 else a * math.log(a / b)
    return t(q, p) + t(1 - q, 1 - p)
def klinv(q, c):
    if q >= 1: return 1.0
    if kl(q, 1 - 1e-15) <= c: return 1.0
    return brentq(lambda p: kl(q, p) - c, q, 1 - 1e-15, xtol=1e-15)
`;

test('kl⁻¹: closed form at q = 0, defining equation, lower inverse, edges', () => {
  // kl(0‖p) = −ln(1 − p) ⇒ kl⁻¹(0, c) = 1 − e^{−c}
  for (const c of [1e-4, 0.01, 0.1, 1, 5]) assert.ok(Math.abs(klInverseUpper(0, c) - (1 - Math.exp(-c))) < 1e-12, `c = ${c}`);
  for (const [q, c] of [[0.1, 0.05], [0.25, 0.5], [0.02, 0.003], [0.9, 0.01]]) {
    const p = klInverseUpper(q, c);
    assert.ok(p > q && Math.abs(klBernoulli(q, p) - c) < 1e-10, `kl(${q}‖${p}) = ${klBernoulli(q, p)} ≠ ${c}`);
    const l = klInverseLower(q, c);
    assert.ok(l < q && Math.abs(klBernoulli(q, l) - c) < 1e-10, `lower: kl(${q}‖${l}) ≠ ${c}`);
  }
  assert.equal(klInverseUpper(0.3, 0), 0.3);
  assert.equal(klInverseUpper(1, 2), 1);
  assert.equal(klInverseUpper(0.5, 100), 1); // kl(0.5‖1⁻) = ln 2 + … < 100: everything up to 1
  assert.equal(klInverseUpper(0.2, Infinity), 1);
  assert.throws(() => klInverseUpper(1.2, 0.1), /q = 1.2 is not in \[0, 1\]/);
  assert.throws(() => klInverseUpper(0.2, -1), /c = -1 must be ≥ 0/);
});

test('kl⁻¹ equals SciPy brentq on the defining equation', { skip: requireEvidence(!!scipy || 'python3 with scipy is not available') }, () => {
  const cases = [[0, 0.3], [0.1, 0.05], [0.25, 0.5], [0.02, 0.003], [0.6, 0.2], [0.97, 0.001], [1e-6, 1e-3]];
  const ref = python(`${KL_PY}\nprint(json.dumps([klinv(q, c) for q, c in ${JSON.stringify(cases)}]))`) as number[];
  cases.forEach(([q, c], i) => assert.ok(Math.abs(klInverseUpper(q, c) - ref[i]) < 1e-11, `kl⁻¹(${q}, ${c}) = ${klInverseUpper(q, c)} vs scipy ${ref[i]}`));
});

test('Gaussian KL against a direct sum; the prior grid point against brute force over j', () => {
  // Q = N(w, diag s), P = N(w⁰, λI): KL = ½ Σᵢ [sᵢ/λ + (wᵢ − w⁰ᵢ)²/λ − 1 + ln λ − ln sᵢ]
  const s = [0.01, 0.02, 0.04, 0.0025];
  const d = [0.1, -0.2, 0.3, 0];
  const sSum = s.reduce((a, b) => a + b, 0);
  const sLog = s.reduce((a, b) => a + Math.log(b), 0);
  const dist = d.reduce((a, b) => a + b * b, 0);
  for (const lambda of [0.05, 0.001, 0.09]) {
    const direct = 0.5 * s.reduce((a, si, i) => a + si / lambda + d[i] ** 2 / lambda - 1 + Math.log(lambda) - Math.log(si), 0);
    assert.ok(Math.abs(gaussianKl(sSum, sLog, dist, 4, lambda) - direct) < 1e-12);
  }
  for (const scale of [1, 1e-3, 1e3, 1e-8]) {
    const p = bestPrior(sSum * scale, sLog + 4 * Math.log(scale), dist * scale, 4);
    let bestCost = Infinity;
    for (let j = 1; j < 5000; j++) bestCost = Math.min(bestCost, gaussianKl(sSum * scale, sLog + 4 * Math.log(scale), dist * scale, 4, 0.1 * Math.exp(-j / 100)) + 2 * Math.log(j));
    assert.ok(Math.abs(p.kl + 2 * Math.log(p.j) - bestCost) < 1e-9, `scale ${scale}: j = ${p.j}`);
    assert.ok(Math.abs(p.lambda - 0.1 * Math.exp(-p.j / 100)) < 1e-15);
  }
});

test('Dziugaite–Roy certificate equals a SciPy transcription of the bound', { skip: requireEvidence(!!scipy || 'python3 with scipy is not available') }, () => {
  const errorsA = [0.1, 0.12, 0.08, 0.11, 0.09, 0.1, 0.13];
  const errorsC = [0.14, 0.1, 0.12, 0.09, 0.11, 0.12, 0.1];
  const x = { m: 3000, k: 5000, sSum: 5000 * 1e-4, sLogSum: 5000 * Math.log(1e-4), distSq: 2.5, errorsA, errorsC, nA: 250, nC: 250, delta: 0.05 };
  const c = drCertify(x);
  const ref = python(`${KL_PY}
eA, eC = ${JSON.stringify(errorsA)}, ${JSON.stringify(errorsC)}
m, k, ssum, slog, dist, nA, nC, delta = ${x.m}, ${x.k}, ${x.sSum}, ${x.sLogSum}, ${x.distSq}, ${x.nA}, ${x.nC}, ${x.delta}
n = len(eA)
uA = klinv(sum(eA) / n, math.log(2 / (delta / 8)) / n)
uC = klinv(sum(eC) / n, math.log(2 / (delta / 8)) / n)
rest = klinv(uC, math.log(1 / (delta / 4)) / nC)
train = (nA * uA + (m - nA) * rest) / m
best = None
for j in range(1, 3000):
    lam = 0.1 * math.exp(-j / 100)
    KL = 0.5 * ((ssum + dist) / lam - k + k * math.log(lam) - slog)
    cost = KL + 2 * math.log(j)
    if best is None or cost < best[0]: best = (cost, KL, j)
_, KL, j = best
comp = (KL + 2 * math.log(j) + math.log(math.pi ** 2 * m / (6 * delta / 2))) / (m - 1)
print(json.dumps({"uA": uA, "uC": uC, "rest": rest, "train": train, "kl": KL, "j": j, "comp": comp, "bound": klinv(train, comp)}))`) as Record<string, number>;
  const near = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
  near(c.mcUpperA, ref.uA, 'MC upper A');
  near(c.mcUpperC, ref.uC, 'MC upper C');
  near(c.restUpper, ref.rest, 'S∖A upper');
  near(c.trainErrorUpper, ref.train, 'train error upper');
  assert.equal(c.j, ref.j);
  near(c.kl, ref.kl, 'KL');
  near(c.complexity, ref.comp, 'complexity');
  near(c.bound, ref.bound, 'bound');
  assert.ok(c.bound > c.trainErrorUpper && c.bound < 1);
  // probe = training set: no sampling step, the MC step alone
  const whole = drCertify({ ...x, m: 250, errorsC: [], nC: 0 });
  assert.equal(whole.restUpper, null);
  assert.equal(whole.trainErrorUpper, whole.mcUpperA);
});

// Two layers: ‖W‖_F = 3, 5; ‖W‖₂ = 2, 4; ‖Wᵀ‖₂,₁ = 4, 6; shapes [3, 5] and [2, 3].
const layers: LayerQuantities[] = [
  { name: 'a', params: 15, biasParams: 3, rows: 3, cols: 5, fro: 3, spec: 2, l21: 4 },
  { name: 'b', params: 6, biasParams: 2, rows: 2, cols: 3, fro: 5, spec: 4, l21: 6 },
];
const margins = Float64Array.from([-0.5, 0.1, 0.2, 0.4, 0.4, 0.8, 1.5, 2.0, 3.0, 0.05]);
const q: DataQuantities = { classes: 3, m: 1000, trainAccuracy: 0.9, trainCrossEntropy: 0.3, marginP10: 0.095, maxInputNorm: 2.5, meanSqInputNorm: 4 };

test('norm-based bounds equal a Python transcription of the published formulas', { skip: requireEvidence(!!scipy || 'python3 with scipy is not available') }, () => {
  const ref = python(`
import json, math
fro, spec, l21, widths = [3, 5], [2, 4], [4, 6], [5, 3]
margins = ${JSON.stringify(Array.from(margins))}
m, K, delta, g10, B, msq = 1000, 3, 0.05, 0.095, 2.5, 4
d, W = 2, max(widths)
# Bartlett et al. 2017 Thm 1.1, γ over the margins (loss counted as margin < γ)
RA = math.prod(spec) * sum((a / s) ** (2 / 3) for a, s in zip(l21, spec)) ** 1.5
X = math.sqrt(m * msq)
C = 72 * X * math.log(2 * W) * math.log(m) * RA / m
bart = min(sum(v < g for v in margins) / len(margins) + C / g for g in margins if g > 0) + 8 / m + 3 * math.sqrt(math.log(1 / delta) / (2 * m))
# Neyshabur et al. 2018 Thm 1 with the proof's constants
emp = sum(v <= g10 for v in margins) / len(margins)
KL = 42 ** 2 * math.e ** 2 / 2 * B ** 2 * d ** 2 * W * math.log(4 * W * d) * math.prod(s * s for s in spec) * sum(f * f / (s * s) for f, s in zip(fro, spec)) / g10 ** 2
G = math.ceil(d * m ** (1 / (2 * d)))
ney = emp + 4 * math.sqrt((KL + math.log(6 * m * G / delta)) / (m - 1))
# Golowich et al. 2018 Thm 1 + Mohri et al. Thm 9.2
R = (math.sqrt(2 * d * math.log(2)) + 1) * math.prod(fro) * math.sqrt(m * msq) / m
gol = emp + 4 * K / g10 * R + 3 * math.sqrt(math.log(2 / delta) / (2 * m))
print(json.dumps({"bartlett": bart, "neyshabur": ney, "golowich": gol, "R": R}))`) as Record<string, number>;
  const rel = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) <= 1e-12 * Math.abs(b), `${what}: ${a} vs ${b}`);
  const b = bartlettBound(layers, q, margins, 0.05);
  rel(b.value, ref.bartlett, 'Bartlett');
  const n = neyshaburBound(layers, q, margins, 0.05);
  rel(n.value, ref.neyshabur, 'Neyshabur');
  const g = golowichBound(layers, q, margins, 0.05);
  rel(g.value, ref.golowich, 'Golowich');
  rel(g.details!.rademacher as number, ref.R, 'Rademacher term');
  for (const v of [b, n, g]) {
    assert.equal(v.vacuous, true);
    assert.ok(v.assumptions.length >= 3 && v.reference.length > 0);
  }
});

test('margin loss, γ choice and the vacuous threshold', () => {
  assert.equal(marginLoss(margins, 0.4), 0.6); // −0.5, 0.1, 0.2, 0.4, 0.4, 0.05 ≤ 0.4
  // brute force over a fine grid of γ: nothing beats bestGamma's choice
  const C = 0.3;
  const g = bestGamma(margins, C)!;
  for (let t = 0.001; t < 4; t += 0.001) assert.ok(marginLoss(margins, t) + C / t >= g.value - 1e-12, `γ = ${t}`);
  assert.equal(bestGamma(Float64Array.from([-1, 0]), 1), null);
  assert.equal(isVacuous(0.66, 3), false);
  assert.equal(isVacuous(0.667, 3), true); // ≥ 1 − 1/3
  assert.equal(isVacuous(0.5, 2), true);
  // γ ≤ 0 (over 10 % misclassified): margin bounds are null with the reason
  const bad = neyshaburBound(layers, { ...q, marginP10: -0.1 }, margins, 0.05);
  assert.equal(bad.value, null);
  assert.match(bad.reason!, /not positive/);
});
