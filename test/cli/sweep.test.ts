// `theory-lens sweep` / `collect`: plans (glob, CSV, JSON lines, text), shard selection (flag, Slurm,
// Kubernetes), and end to end on the fixtures' run folder: 3 shards as local processes analyse every
// checkpoint exactly once, `collect` equals a single-process run byte for byte, a re-run skips finished
// reports, and the Kendall τ table equals scipy's kendalltau.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { expandGlob, readPlan, resolveShard, shardOf, SweepError } from '../../src/cli/sweep';
import { fmnist, haveFixtures, repoRoot } from '../helpers/fixtures';

const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'theory-lens-sweep-'));
  made.push(d);
  return d;
};
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
const touch = (p: string, text = 'x') => {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
};

test('expandGlob: * ? [..] within a segment, ** across folders, hidden names skipped, natural order', () => {
  const d = tmp();
  for (const f of ['a/run1/epoch_10.onnx', 'a/run1/epoch_5.onnx', 'a/run2/epoch_1.onnx', 'a/run2/deep/x.onnx', 'a/.hidden/h.onnx', 'a/run1/notes.txt', 'b.onnx']) touch(join(d, f));
  assert.deepEqual(expandGlob('a/run1/*.onnx', d), [join(d, 'a/run1/epoch_5.onnx'), join(d, 'a/run1/epoch_10.onnx')]);
  assert.deepEqual(expandGlob('a/run?/epoch_1*.onnx', d), [join(d, 'a/run1/epoch_10.onnx'), join(d, 'a/run2/epoch_1.onnx')]);
  assert.deepEqual(expandGlob('a/run[2]/**/*.onnx', d), [join(d, 'a/run2/deep/x.onnx'), join(d, 'a/run2/epoch_1.onnx')]);
  assert.deepEqual(expandGlob(`${d}/a/**/*.onnx`).length, 4);
  assert.deepEqual(expandGlob('b.onnx', d), [join(d, 'b.onnx')]);
  assert.deepEqual(expandGlob('nothing/*.onnx', d), []);
});

test('readPlan: CSV with init / probe / train size / id, JSON lines, plain text; relative paths from the plan file; ids unique', () => {
  const d = tmp();
  for (const f of ['r/e1.onnx', 'r/e2.onnx', 'r/init.onnx', 'p.npz', 's/e1.onnx']) touch(join(d, f));
  writeFileSync(join(d, 'plan.csv'), 'checkpoint,init,probe,train_size\nr/e1.onnx,r/init.onnx,p.npz,3000\n# a comment\nr/e2.onnx,,,\n');
  assert.deepEqual(readPlan(join(d, 'plan.csv')), [
    { id: 'e1', model: join(d, 'r/e1.onnx'), init: join(d, 'r/init.onnx'), data: join(d, 'p.npz'), trainSize: 3000 },
    { id: 'e2', model: join(d, 'r/e2.onnx') },
  ]);
  writeFileSync(join(d, 'plan.jsonl'), '{"model": "r/e1.onnx", "id": "first"}\n{"model": "s/e1.onnx", "train_size": 10}\n');
  assert.deepEqual(readPlan(join(d, 'plan.jsonl')), [{ id: 'first', model: join(d, 'r/e1.onnx') }, { id: 's__e1', model: join(d, 's/e1.onnx'), trainSize: 10 }]);
  writeFileSync(join(d, 'list.txt'), 'r/e1.onnx\ns/e1.onnx\n');
  assert.deepEqual(readPlan(join(d, 'list.txt')).map((e) => e.id), ['r__e1', 's__e1']);
  assert.deepEqual(readPlan('r/*.onnx', d).map((e) => e.id), ['e1', 'e2', 'init']);
  const bad: [string, string, RegExp][] = [
    ['a.csv', 'checkpoint\nr/missing.onnx\n', /a\.csv:2: checkpoint r\/missing\.onnx does not exist/],
    ['b.csv', 'foo,bar\n1,2\n', /no checkpoint column/],
    ['c.jsonl', '{"model": "r/e1.onnx"}\nnot json\n', /c\.jsonl:2: not valid JSON/],
    ['d.csv', 'checkpoint,train_size\nr/e1.onnx,-3\n', /train size '-3' is not a positive integer/],
    ['e.txt', 'r/e1.onnx\nr/e1.onnx\n', /two entries would write the report e1\.json/],
  ];
  for (const [name, text, re] of bad) {
    writeFileSync(join(d, name), text);
    assert.throws(() => readPlan(join(d, name)), (e: unknown) => e instanceof SweepError && re.test(e.message), name);
  }
  assert.throws(() => readPlan('nope/*.onnx', d), /no \.onnx file matches/);
});

test('resolveShard: --shard i/N, Slurm array (minus its first index), Kubernetes completion index, defaults and errors; shards partition the plan', () => {
  assert.deepEqual(resolveShard('2/5', undefined, {}), { index: 2, count: 5, source: '--shard' });
  assert.deepEqual(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID' });
  assert.deepEqual(resolveShard(undefined, 8, { SLURM_ARRAY_TASK_ID: '7' }), { index: 7, count: 8, source: 'SLURM_ARRAY_TASK_ID' });
  assert.deepEqual(resolveShard(undefined, 3, { JOB_COMPLETION_INDEX: '0' }), { index: 0, count: 3, source: 'JOB_COMPLETION_INDEX' });
  assert.deepEqual(resolveShard(undefined, undefined, {}), { index: 0, count: 1, source: 'default' });
  assert.throws(() => resolveShard('3/3', undefined, {}), /shard index 3 .* not below the shard count 3/);
  assert.throws(() => resolveShard('1-3', undefined, {}), /--shard must be i\/N/);
  assert.throws(() => resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '1' }), /pass --shards N/);
  assert.throws(() => resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '1' }), /how many shards/);
  assert.throws(() => resolveShard(undefined, 2, { SLURM_ARRAY_TASK_ID: 'x' }), /not a non-negative integer/);
  const items = Array.from({ length: 10 }, (_, i) => i);
  const parts = [0, 1, 2].map((index) => shardOf(items, { index, count: 3, source: '' }));
  assert.deepEqual(parts.flat().sort((a, b) => a - b), items);
});

const cli = join(repoRoot, 'dist', 'cli.js');
function runCli(args: string[], env: Record<string, string> = {}, cwd = repoRoot): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveP) => {
    const p = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolveP({ code, stdout, stderr }));
  });
}

test('sweep over the fixtures run folder in 3 local shard processes = one process; re-runs skip; collect and Kendall τ', { skip: !haveFixtures && !process.env.CI && 'no ../shared/fixtures' }, async () => {
  assert.ok(existsSync(cli), 'dist/cli.js is built (npm test builds first)');
  for (const k of ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_COUNT', 'JOB_COMPLETION_INDEX']) delete process.env[k];
  const d = tmp();
  const plan = join(fmnist, 'run_mlp', '*.onnx');
  const checkpoints = readdirSync(join(fmnist, 'run_mlp')).filter((f) => f.endsWith('.onnx')).map((f) => f.replace(/\.onnx$/, '')).sort();
  assert.equal(checkpoints.length, 6);
  const opts = ['--threads', '1', '--no-randomize'];
  // three shards at once, each told its index another way
  const shards = await Promise.all([
    runCli(['sweep', plan, '--out', join(d, 'sharded'), '--shard', '0/3', ...opts]),
    runCli(['sweep', plan, '--out', join(d, 'sharded'), ...opts], { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
    runCli(['sweep', plan, '--out', join(d, 'sharded'), '--shards', '3', ...opts], { JOB_COMPLETION_INDEX: '2' }),
  ]);
  const analysed: string[] = [];
  for (const [i, s] of shards.entries()) {
    assert.equal(s.code, 0, `shard ${i}: ${s.stderr}`);
    assert.match(s.stdout, new RegExp(`^theory-lens sweep: shard ${i}/3 \\((--shard|SLURM_ARRAY_TASK_ID|JOB_COMPLETION_INDEX)\\): 2 checkpoints — 2 analysed, 0 already done, 0 failed in [\\d.]+ s → `));
    for (const m of s.stderr.matchAll(/\] (\S+): analysed in/g)) analysed.push(m[1]);
  }
  assert.deepEqual(analysed.slice().sort(), checkpoints, 'every checkpoint analysed exactly once');
  assert.deepEqual(readdirSync(join(d, 'sharded')).sort(), checkpoints.map((c) => `${c}.json`));

  const single = await runCli(['sweep', plan, '--out', join(d, 'single'), ...opts]);
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stdout, /shard 0\/1 \(default\): 6 checkpoints — 6 analysed/);

  // a re-queued task resumes: nothing is analysed again, the files are untouched
  const before = statSync(join(d, 'sharded', `${checkpoints[0]}.json`)).mtimeMs;
  const again = await runCli(['sweep', plan, '--out', join(d, 'sharded'), '--shard', '0/3', ...opts]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /2 checkpoints — 0 analysed, 2 already done, 0 failed/);
  assert.equal(statSync(join(d, 'sharded', `${checkpoints[0]}.json`)).mtimeMs, before);

  // collect: the sharded folder's table equals the single process's, CSV and JSON lines
  const metrics = join(d, 'metrics.csv');
  const acc = [0.71, 0.74, 0.78, 0.77, 0.8, 0.81];
  writeFileSync(metrics, `checkpoint,test_acc\n${checkpoints.map((c, i) => `${c},${acc[i]}`).join('\n')}\n`);
  const c1 = await runCli(['collect', join(d, 'sharded'), '--metrics', metrics]);
  const c2 = await runCli(['collect', join(d, 'single'), '--metrics', metrics]);
  assert.equal(c1.code, 0, c1.stderr);
  assert.equal(c2.code, 0, c2.stderr);
  assert.match(c1.stdout, /theory-lens collect: 6 reports → /);
  for (const ext of ['csv', 'jsonl', 'kendall.csv']) {
    assert.equal(readFileSync(join(d, 'sharded', `collected.${ext}`), 'utf8'), readFileSync(join(d, 'single', `collected.${ext}`), 'utf8'), ext);
  }
  const csv = readFileSync(join(d, 'sharded', 'collected.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 7);
  const header = csv[0].split(',');
  assert.deepEqual(header.slice(0, 5), ['id', 'checkpoint', 'init', 'layers', 'parameters']);
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), checkpoints);
  const jsonl = readFileSync(join(d, 'sharded', 'collected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(jsonl.length, 6);
  assert.equal(jsonl[0].parameters, 84060);

  // τ of one measure against scipy.stats.kendalltau of the same columns
  const kendall = readFileSync(join(d, 'sharded', 'collected.kendall.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(kendall[0], ['id', 'name', 'tau', 'n', 'expected', 'agrees']);
  // a measure defined on every checkpoint and not constant
  const col = header.slice(5).find((h) => jsonl.every((r) => typeof r[h] === 'number') && new Set(jsonl.map((r) => r[h])).size > 3 && kendall.some((k) => k[0] === h));
  assert.ok(col, 'a measure with a τ');
  const row = kendall.find((r) => r[0] === col);
  const xs = jsonl.map((r) => r[col!]);
  const py = spawnSync('python3', ['-c', `import json,sys; from scipy.stats import kendalltau; x,y=json.loads(sys.argv[1]); print(kendalltau(x,y).statistic)`, JSON.stringify([xs, acc])], { encoding: 'utf8' });
  assert.equal(py.status, 0, `python3 with scipy: ${py.stderr}`);
  assert.ok(Math.abs(Number(row![2]) - Number(py.stdout)) <= 1e-12, `τ ${row![2]} vs scipy ${py.stdout}`);
});

test('sweep: a checkpoint that fails is reported (exit 1, <id>.failed.json, a collect row with its error) and retried on the next run; bad plans are one clear line', { skip: !haveFixtures && !process.env.CI && 'no ../shared/fixtures' }, async () => {
  const d = tmp();
  writeFileSync(join(d, 'broken.onnx'), 'not a model');
  writeFileSync(join(d, 'plan.txt'), `${join(fmnist, 'mlp.onnx')}\nbroken.onnx\n`);
  const r = await runCli(['sweep', join(d, 'plan.txt'), '--out', join(d, 'out'), '--threads', '1', '--no-randomize', '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  // the ids are paths relative to the entries' common folder (here /), folders joined by __
  assert.match(r.stdout, /2 checkpoints — 1 analysed, 0 already done, 1 failed .*; failed: \S*__broken$/m);
  assert.equal(readdirSync(join(d, 'out')).filter((f) => f.endsWith('__broken.failed.json')).length, 1);
  const c = await runCli(['collect', join(d, 'out')]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /1 report, 1 failed checkpoint/);
  const rows = readFileSync(join(d, 'out', 'collected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 2);
  assert.match(rows.find((x) => /__broken$/.test(x.id)).error, /broken\.onnx/);
  const again = await runCli(['sweep', join(d, 'plan.txt'), '--out', join(d, 'out'), '--threads', '1', '--no-randomize', '--quiet']);
  assert.match(again.stdout, /2 checkpoints — 0 analysed, 1 already done, 1 failed/);
  const bad = await runCli(['sweep', join(d, 'nope', '*.onnx'), '--out', join(d, 'o2')]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /no \.onnx file matches/);
  const noOut = await runCli(['sweep', join(d, 'plan.txt')]);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /needs --out DIR/);
  const badCollect = await runCli(['collect', join(d, 'missing')]);
  assert.equal(badCollect.code, 2);
  assert.match(badCollect.stderr, /missing: no such folder/);
});
