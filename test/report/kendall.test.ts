// Kendall τ-b: hand-derived examples (pairs counted in the comments) and values from
// scipy.stats.kendalltau (scipy 1.17.1, variant 'b'), plus a live scipy cross-check on random data
// with ties when python3 with scipy is available. Tolerance 1e-12 (both are exact rational formulas).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { kendallTauB, pairedCount } from '../../src/report/kendall';

const close = (a: number | null, b: number, what: string) => {
  assert.ok(a !== null && Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);
};

test('hand-derived: perfect agreement, reversal, one swapped pair, ties', () => {
  close(kendallTauB([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), 1, 'identical order');
  close(kendallTauB([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1, 'reversed');
  // 6 pairs, only (2,3) discordant: (5 − 1) / 6
  close(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6, 'one swap');
  // x tied in one pair (n₁ = 1), n₀ = 6, 5 concordant: 5 / √((6 − 1)(6 − 0))
  close(kendallTauB([1, 2, 2, 3], [1, 2, 3, 4]), 5 / Math.sqrt(30), 'tie in x');
  // n₀ = 15, n₁ = 3 + 1 (a triple and a pair tied in x), n₂ = 3 (three pairs tied in y), 10 concordant, 0 discordant
  close(kendallTauB([0.5, 0.5, 0.5, 1, 2, 2], [1, 1, 2, 2, 3, 3]), 10 / Math.sqrt(11 * 12), 'ties in both');
  // symmetric in its arguments
  close(kendallTauB([1, 2, 3, 4, 5, 6], [3, 1, 2, 6, 5, 4]), kendallTauB([3, 1, 2, 6, 5, 4], [1, 2, 3, 4, 5, 6])!, 'symmetry');
});

test('scipy.stats.kendalltau values', () => {
  close(kendallTauB([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4]), 0.14757295747452434, 'digits of π and e');
  close(kendallTauB([2.8, 2.4, 2.5, 2.6, 2.65, 2.8], [0.74, 0.76, 0.77, 0.775, 0.78, 0.779]), 0.2760262237369417, 'a measure against accuracy');
  close(kendallTauB([0.5, 0.5, 0.5, 1, 2, 2], [1, 1, 2, 2, 3, 3]), 0.8703882797784892, 'ties');
});

test('undefined cases: fewer than 2 pairs, a constant variable; non-finite pairs are dropped', () => {
  assert.equal(kendallTauB([], []), null);
  assert.equal(kendallTauB([1], [2]), null);
  assert.equal(kendallTauB([1, 1, 1], [1, 2, 3]), null);
  close(kendallTauB([1, NaN, 2, 3, Infinity], [1, 5, 2, 3, 0]), 1, 'NaN and ∞ pairs dropped');
  assert.equal(pairedCount([1, NaN, 2, 3, Infinity], [1, 5, 2, 3, 0]), 3);
  assert.throws(() => kendallTauB([1, 2], [1]), /2 x values but 1 y values/);
});

const py = spawnSync('python3', ['-c', 'import scipy'], { encoding: 'utf8' });
test('random data with ties agrees with scipy (live)', { skip: py.status !== 0 && 'python3 with scipy not available' }, () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cases = Array.from({ length: 20 }, (_, k) => {
    const n = 3 + (k % 17);
    return { x: Array.from({ length: n }, () => Math.floor(rnd() * 5)), y: Array.from({ length: n }, () => Math.round(rnd() * 40) / 4) };
  });
  const script = 'import json,sys\nfrom scipy.stats import kendalltau\nfor c in json.load(sys.stdin):\n  t = kendalltau(c["x"], c["y"]).statistic\n  print("nan" if t != t else repr(float(t)))';
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const want = r.stdout.trim().split('\n');
  cases.forEach((c, i) => {
    const got = kendallTauB(c.x, c.y);
    if (want[i] === 'nan') assert.equal(got, null, `case ${i}`);
    else close(got, Number(want[i]), `case ${i} (n = ${c.x.length})`);
  });
});
