// The CLI re-runs itself once under glibc's huge-page malloc setting where that pays off
// (src/cli/hugepages.ts): the decision on every condition, the same report and exit codes as a run in
// one process, one error line (not two), and an interrupt — sent to the parent alone or to the whole
// process group — cancelling once with the partial report (exit 130).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hugePageDecision, probeHugePages, type HugePageProbe } from '../../src/cli/hugepages';
import { onInterrupt } from '../../src/cli/signals';
import { cliJs, ensureBuilt } from '../helpers/cliReport';
import { mlp, saveModel } from '../helpers/onnx-writer';

const base: HugePageProbe = { platform: 'linux', env: {}, thp: 'always [madvise] never\n', glibc: '2.36', argv: ['analyze', 'm.onnx'] };

test('hugePageDecision: re-run only on Linux + glibc ≥ 2.35 + THP madvise, for commands that read weights, unless set or switched off', () => {
  assert.deepEqual(hugePageDecision(base).env, { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  assert.deepEqual(hugePageDecision({ ...base, argv: ['sweep', 'plan.csv'] }).env, { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  assert.deepEqual(hugePageDecision({ ...base, argv: ['m.onnx'] }).env, { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  // an existing GLIBC_TUNABLES is kept and extended
  assert.equal(hugePageDecision({ ...base, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } }).env?.GLIBC_TUNABLES, 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  const no = (p: Partial<HugePageProbe>, why: RegExp) => {
    const d = hugePageDecision({ ...base, ...p });
    assert.equal(d.env, null, JSON.stringify(p));
    assert.match(d.why, why);
  };
  no({ platform: 'darwin' }, /not Linux/);
  no({ env: { THEORY_LENS_HUGEPAGES: '0' } }, /THEORY_LENS_HUGEPAGES=0/);
  no({ env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' } }, /already sets it/);
  no({ env: { GLIBC_TUNABLES: 'a=1:glibc.malloc.hugetlb=1' } }, /already sets it/);
  no({ thp: '[always] madvise never' }, /"always"/);
  no({ thp: 'always madvise [never]' }, /"never"/);
  no({ thp: null }, /no transparent huge pages/);
  no({ glibc: '2.31' }, /2\.31 < 2\.35/);
  no({ glibc: null }, /not glibc/);
  for (const a of [['collect', 'out'], ['measures'], ['--version'], ['--help'], []]) no({ argv: a }, /reads no weights/);
});

test('onInterrupt: the first signal cancels, a repeat within the grace period is ignored, then the default returns', async () => {
  let calls = 0;
  const before = process.listenerCount('SIGINT');
  const off = onInterrupt(['SIGINT', 'SIGTERM'], () => calls++, 50);
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  process.emit('SIGINT');
  process.emit('SIGTERM');
  process.emit('SIGINT');
  assert.equal(calls, 1);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(process.listenerCount('SIGINT'), before, 'handler removed after the grace period');
  assert.equal(process.listenerCount('SIGTERM'), 0);
  off();
});

ensureBuilt();
const dir = mkdtempSync(join(tmpdir(), 'tl-huge-'));
const here = hugePageDecision(probeHugePages(['analyze', 'x']));
const skip = here.env ? false : `this machine would not re-run: ${here.why}`;

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [cliJs, ...args], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: '', ...env } });
const strip = (r: Record<string, unknown>) => {
  const { createdAt: _c, elapsedMs: _e, timings: _t, workerTimings: _w, ...rest } = r;
  return rest;
};

test('re-run under huge pages: same report and exit codes as one process, one error line', { skip }, () => {
  const m = saveModel(mlp([30, 48, 24, 10]), dir, 'mlp.onnx');
  const env0 = { GLIBC_TUNABLES: undefined as unknown as string };
  const a = run(['analyze', m, '--json', '--debug'], env0);
  const b = run(['analyze', m, '--json'], { ...env0, THEORY_LENS_HUGEPAGES: '0' });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.match(a.stderr, /re-running under GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1/);
  assert.deepEqual(strip(JSON.parse(a.stdout)), strip(JSON.parse(b.stdout)));
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, Buffer.from('not a model at all'));
  for (const env of [env0, { ...env0, THEORY_LENS_HUGEPAGES: '0' }]) {
    const r = run(['analyze', bad], env);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /bad\.onnx/);
    assert.equal(run(['analyze'], env).status, 2);
  }
});

/** A model whose layers take a few seconds on one thread, so an interrupt lands mid-analysis. */
function slowModel(): string {
  return saveModel(mlp([900, 900, 900, 900, 900, 900, 900, 10]), dir, 'slow.onnx');
}

async function interrupted(group: boolean): Promise<{ code: number | null; out: string; err: string }> {
  const m = slowModel();
  const child = spawn(process.execPath, [cliJs, 'analyze', m, '--json', '--threads', '1', '--progress', 'json', '--debug'], {
    env: { ...process.env, GLIBC_TUNABLES: '' }, detached: group, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let sent = false;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    // after the second layer is measured, interrupt: the parent alone, or the whole group
    if (!sent && /"phase":"layers","done":2/.test(err)) {
      sent = true;
      if (group) process.kill(-child.pid!, 'SIGINT');
      else child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, out, err };
}

for (const group of [false, true]) {
  test(`Ctrl-C to ${group ? 'the whole process group' : 'the re-running parent alone'}: cancelled once, partial report, exit 130`, { skip, timeout: 120_000 }, async () => {
    const r = await interrupted(group);
    assert.match(r.err, /re-running under GLIBC_TUNABLES/);
    assert.equal(r.code, 130, r.err.slice(-500));
    const rep = JSON.parse(r.out);
    assert.ok(rep.partial?.cancelled, 'partial report');
    assert.ok(rep.partial.measuredLayers >= 2 && rep.partial.measuredLayers < rep.partial.totalLayers, JSON.stringify(rep.partial));
    assert.equal((r.err.match(/cancelled after/g) ?? []).length, 1, r.err.slice(-500));
  });
}

