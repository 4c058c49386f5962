// A fixed-seed slice of the fuzzer (npm run fuzz runs as many inputs as asked): 1000 mutated ONNX
// models, probe files and state-dict checkpoints, each in a watched child process; every outcome must be ok or a clean
// one-line error — no unclear message, no hang over 5 s, no process over 512 MB RSS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { haveFixtures } from '../helpers/fixtures';
import { fuzz, makeInput, table } from './fuzz';
import { mutateTree, rng } from './mutate';
import { onnxSeeds, probeSeeds } from './seeds';

test('the fuzzer needs the shared fixtures among its seeds (CI has them)', () => {
  if (process.env.CI === 'true') assert.ok(haveFixtures, '../shared/fixtures is missing');
  assert.ok(onnxSeeds().length >= (haveFixtures ? 9 : 6));
});

test('inputs are a pure function of (seed, index), and tree mutations re-encode a parseable model', () => {
  const seeds = [...onnxSeeds(), ...probeSeeds()];
  const a = makeInput(seeds, 3, 17);
  const b = makeInput(seeds, 3, 17);
  assert.equal(a.from.name, b.from.name);
  assert.deepEqual(a.bytes, b.bytes);
  const mutated = mutateTree(seeds[0].bytes, rng(5), 1);
  assert.ok(mutated && mutated.length > 0);
});

test('1000 fuzzed inputs (seed 1): every one ok or a clean error, no hang, no process over 512 MB', { timeout: 300000 }, async () => {
  const s = await fuzz({ count: 1000, seed: 1, jobs: 1, timeoutMs: 5000, budgetMb: 512, out: null });
  const summary = table(s);
  console.log(summary);
  assert.deepEqual(s.findings.map((f) => `${f.seed}#${f.index} ${f.outcome}: ${f.why ?? ''} ${f.message ?? ''}`), [], summary);
  for (const k of ['onnx', 'probe', 'checkpoint'] as const) {
    assert.ok(s.counts[k].ok > 0 && s.counts[k].clean > 0, `${k}: both analysed and refused inputs (${JSON.stringify(s.counts[k])})`);
  }
  assert.ok(s.peakRssMb <= 512, `peak RSS ${s.peakRssMb} MB`);
});
