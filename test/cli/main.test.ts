// The CLI's error boundary and inert output, through the built dist/cli.js: one line naming the file for
// every failure (no stack trace unless --debug), CSV cells neutralised, terminal output escaped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const reg = join(root, 'test', 'fuzz', 'regressions');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('dist/cli.js is built (npm test builds first)', () => assert.ok(existsSync(cli)));

test('a failing file: one line on stderr naming the file, at most 300 characters after the prefix, no stack; --debug adds it', () => {
  for (const f of ['dims-1mib.onnx', 'nodes-150k-empty.onnx', 'external-control-location.onnx']) {
    const r = run('analyze', join(reg, f), '--quiet', '--threads', '1');
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith(`theory-lens: ${join(reg, f)}: `), lines[0]);
    assert.ok(lines[0].length <= 'theory-lens: '.length + 300, `${lines[0].length} characters`);
    assert.ok(!/[\x00-\x1f\x7f]/.test(lines[0]) && !/\n\s+at /.test(r.stderr));
  }
  const d = run('analyze', join(reg, 'dims-1mib.onnx'), '--quiet', '--threads', '1', '--debug');
  assert.match(d.stderr, /\n\s+at /, 'the stack with --debug');
});

test('a sparse tensor past the dense cap: that layer is not measured, its note says why, the run goes on', () => {
  const r = run('analyze', join(reg, 'sparse-16384x16384-matmul.onnx'), '--json', '--quiet', '--threads', '1');
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout;
  assert.match(text, /sparse tensor of shape \[16384, 16384\] would expand to 268435456 dense elements, more than the limit of 16777216/);
});

test('hostile names: CSV cells neutralised, the text summary free of control characters', () => {
  const csv = run('analyze', join(reg, 'hostile-names.onnx'), '--csv', '--quiet', '--threads', '1');
  assert.equal(csv.status, 0, csv.stderr);
  assert.ok(csv.stdout.includes(`"'=cmd|' /C calc'!A0"`), csv.stdout);
  assert.ok(csv.stdout.includes(`"'@SUM(A1)"`) && csv.stdout.includes(`"'+1"`), csv.stdout);
  const text = run('analyze', join(reg, 'hostile-names.onnx'), '--quiet', '--threads', '1');
  assert.equal(text.status, 0, text.stderr);
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(text.stdout), JSON.stringify(text.stdout));
  assert.ok(text.stdout.includes('\\e]0;title\\x07w\\r\\nFAKE LINE'), text.stdout);
});
