// The one error type and the one-line boundary form: escaping, truncation, the file named, no stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbeError } from '../../src/data/npy';
import { errorDetail, errorLine, escapeControl, InputError, oneLine, truncate } from '../../src/input/error';
import { elementCount, LIMITS, shapeProblem, showDims } from '../../src/input/limits';
import { CheckpointError } from '../../src/onnx';

test('escapeControl: C0, DEL, C1, line separators and bidi overrides become visible escapes', () => {
  assert.equal(escapeControl('a\x1b[31mb\x07c\r\nd\te\x00f\x7f\x85\u2028\u202e'), 'a\\e[31mb\\x07c\\r\\nd\\te\\x00f\\x7f\\x85\\u{2028}\\u{202e}');
  assert.equal(escapeControl('plain – ünïcode ✓'), 'plain – ünïcode ✓');
});

test('truncate keeps at most max characters and never splits a surrogate pair', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
  const s = 'ab😀cd';
  const t = truncate(s, 4);
  assert.ok(t.length <= 4 && !/[\ud800-\udbff]…$/.test(t), t);
  assert.equal(oneLine('x'.repeat(1000)).length, LIMITS.maxMessage);
});

test('InputError (CheckpointError, ProbeError): one escaped line naming the file, at most 300 characters', () => {
  const e = new CheckpointError('/m.onnx', `shape ${'9, '.repeat(500)}\nnext line`, 'w\x1b[2J');
  assert.ok(e instanceof InputError);
  assert.ok(e.message.startsWith("/m.onnx: tensor 'w\\e[2J': shape 9, 9"), e.message);
  assert.ok(e.message.length <= 300 && !/[\n\r\x1b]/.test(e.message), e.message);
  const p = new ProbeError('/p.npz', 'label 0 is 1e12\r');
  assert.ok(p instanceof InputError);
  assert.equal(p.message, '/p.npz: label 0 is 1e12\\r');
  assert.equal(p.problem, 'label 0 is 1e12\\r');
});

test('errorLine: any failure becomes one line that starts with the file; the stack only in errorDetail', () => {
  assert.equal(errorLine(new CheckpointError('/m.onnx', 'bad'), '/m.onnx'), '/m.onnx: bad');
  const raw = new RangeError('Invalid typed array length: -8\n    at foo (x.ts:1:1)');
  const line = errorLine(raw, '/m.onnx');
  assert.ok(line.startsWith('/m.onnx: Invalid typed array length: -8'), line);
  assert.ok(!line.includes('\n') && line.length <= 300);
  assert.equal(errorLine(new Error('/m.onnx: already named'), '/m.onnx'), '/m.onnx: already named');
  assert.equal(errorLine(new TypeError(''), '/m.onnx'), '/m.onnx: TypeError without a message');
  assert.equal(errorLine('text thrown', '/m.onnx'), '/m.onnx: text thrown');
  assert.match(errorDetail(raw), /RangeError: Invalid typed array length/);
});

test('limits: shapes are checked without multiplying past 2^60; dims shown elided', () => {
  assert.equal(shapeProblem([2, 3]), null);
  assert.match(shapeProblem([-4, 1, 1])!, /invalid dimension -4/);
  assert.match(shapeProblem([2 ** 30, 2 ** 30])!, /declares 1152921504606847000 elements, more than the limit of 2\^40/);
  assert.match(shapeProblem(new Array(33).fill(1))!, /rank 33, more than the limit of 32/);
  assert.ok(elementCount(new Array(40).fill(2 ** 20)) > 2 ** 60);
  assert.equal(showDims([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), '[1, 2, 3, 4, 5, 6, 7, 8, … 2 more]');
});
