// The one number formatter: every expectation below is written by hand from the rules in
// src/report/number.ts, not computed by the formatter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBound, formatNumber, formatTau } from '../../src/report/number';

test('the defects of issue 11 read correctly', () => {
  assert.equal(formatNumber(433178.9), '433,179'); // not "433200" (fake zeros)
  assert.equal(formatNumber(1711000.3), '1.711 × 10⁶'); // not "1.711e+6"
  assert.equal(formatBound(0.99997), '0.99997'); // a bound below 1 never reads "1"
  assert.equal(formatNumber(25034), '25,034'); // thousands separators everywhere
});

test('significant digits: 4 by default, 3 for bounds, trailing zeros of the rounding dropped', () => {
  assert.equal(formatNumber(1.2345678), '1.235');
  assert.equal(formatBound(1.2345678), '1.23');
  assert.equal(formatNumber(0.5), '0.5');
  assert.equal(formatNumber(12.5), '12.5');
  assert.equal(formatNumber(0.333333), '0.3333');
  assert.equal(formatNumber(0.1 + 0.2), '0.3');
  assert.equal(formatNumber(0.001), '0.001');
});

test('from 1,000 on every integer digit is kept, rounded to the unit, with separators', () => {
  assert.equal(formatNumber(1234.5678), '1,235');
  assert.equal(formatNumber(999999.4), '999,999');
  assert.equal(formatNumber(-433178.9), '−433,179');
  assert.equal(formatNumber(1000000), '1,000,000'); // an integer below 10⁹
  assert.equal(formatNumber(84060), '84,060');
});

test('scientific only below 10⁻³ and from 10⁶ (integers from 10⁹), one notation', () => {
  assert.equal(formatNumber(1.5e-5), '1.5 × 10⁻⁵');
  assert.equal(formatNumber(2.5e12), '2.5 × 10¹²');
  assert.equal(formatNumber(-1.23456e-7), '−1.235 × 10⁻⁷');
  assert.equal(formatNumber(3e9), '3 × 10⁹');
  assert.equal(formatBound(1711000.3), '1.71 × 10⁶');
});

test('a non-integer never reads as an integer', () => {
  assert.equal(formatNumber(999.96), '999.96');
  assert.equal(formatNumber(0.99997), '0.99997');
  assert.equal(formatNumber(2.0000001), '2.000'); // beyond 3 extra digits: the rounding's zeros stay
  assert.equal(formatNumber(1), '1');
});

test('missing and non-finite values, signs', () => {
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber(undefined), '—');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(-0), '0');
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(Infinity), '∞');
  assert.equal(formatNumber(-Infinity), '−∞');
  assert.equal(formatNumber(-2.5), '−2.5');
});

test('Kendall τ: 2 decimals for n < 10, 3 from 10 on, no negative zero', () => {
  assert.equal(formatTau(1 / 3, 3), '0.33');
  assert.equal(formatTau(1, 3), '1.00');
  assert.equal(formatTau(-1 / 3, 4), '−0.33');
  assert.equal(formatTau(0.123456, 20), '0.123');
  assert.equal(formatTau(-0.0001, 5), '0.00');
  assert.equal(formatTau(null, 5), '—');
});
