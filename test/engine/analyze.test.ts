// analyze() as a pipeline: partial reports (after the weight phase and after each forward phase) are
// complete and end with the final numbers; settings.threads is the pool's real thread count; the
// report is assembled purely; an unreadable weight is one line naming the file (no stack trace, no
// CancelledError from closing the pool); a metric that throws on a real conv leaves exit 0.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyze } from '../../src/engine/analyze';
import { FORWARD_PHASES } from '../../src/engine/forward/phases';
import type { Report } from '../../src/protocol/report';
import { repoRoot } from '../helpers/fixtures';
import { npz } from '../helpers/npz-writer';
import { buildModel, cnnWithBatchNorm, mlp, saveModel } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-analyze-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(repoRoot, 'dist', 'cli.js');

function probe(n: number, d: number, k: number): string {
  const p = join(dir, `probe-${n}-${d}.npz`);
  const x = Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7));
  const y = Array.from({ length: n }, (_, i) => i % k);
  writeFileSync(p, npz({ x: { dtype: '<f4', shape: [n, d], data: x }, y: { dtype: '<i8', shape: [n], data: y } }));
  return p;
}

test('partial reports: the weight-only one first, then one per forward phase, each complete; the final equals a run without the hook', async () => {
  const model = saveModel(mlp([6, 5, 3]), dir, 'partial.onnx');
  const data = probe(12, 6, 3);
  const opts = { model, data, trainSize: 100, threads: 1, mcDraws: 2, landscapePoints: 3, provider: 'cpu' as const };
  const partials: Report[] = [];
  const final = await analyze(opts, { partial: (r) => partials.push(JSON.parse(JSON.stringify(r))) });
  const plain = await analyze(opts);
  assert.equal(partials.length, FORWARD_PHASES.length, 'weight-only + one per phase but the last');
  assert.deepEqual(partials[0].partial, { measuredLayers: 2, totalLayers: 2, cancelled: false, pending: [...FORWARD_PHASES] });
  for (let i = 1; i < partials.length; i++) assert.deepEqual(partials[i].partial!.pending, FORWARD_PHASES.slice(i));
  assert.equal(final.partial, undefined);
  for (const p of partials) {
    // every weight number is already the final one
    assert.deepEqual(p.layers.map((l) => l.metrics), final.layers.map((l) => l.metrics));
    assert.equal(p.measures.logProdSpec.value, final.measures.logProdSpec.value);
    assert.deepEqual(Object.keys(p.measures), Object.keys(final.measures));
  }
  // the weight-only report says the data measures are pending, not missing
  assert.equal(partials[0].measures.trainAccuracy.value, null);
  assert.match(partials[0].measures.trainAccuracy.reason!, /pending/);
  // after 'accuracy': accuracy is there, flatness is pending
  assert.equal(partials[1].measures.trainAccuracy.value, final.measures.trainAccuracy.value);
  assert.equal(partials[1].measures.pacbayesFlatness.value, null);
  assert.match(partials[1].measures.pacbayesFlatness.reason!, /pending/);
  assert.ok(final.measures.pacbayesFlatness.value! > 0);
  assert.equal(partials[1].bounds.length, 0);
  // the final report does not depend on whether partials were asked for
  const strip = (r: Report) => ({ ...r, createdAt: '', elapsedMs: 0, timings: {}, workerTimings: [], runtime: { ...r.runtime!, forwardPassesPerSecond: 0 } });
  assert.deepEqual(strip(final), strip(plain));
});

test('settings.threads is the thread count the pool used', async () => {
  const model = saveModel(mlp([8, 6, 5, 4]), dir, 'threads.onnx');
  assert.equal((await analyze({ model, threads: 1 })).settings.threads, 1);
  if (existsSync(join(repoRoot, 'dist', 'worker.js'))) assert.equal((await analyze({ model, threads: 2 })).settings.threads, 2);
});

test('CLI: a weight that cannot be read (external data too short) → one line naming the file, exit 1, no stack trace', { skip: requireEvidence(existsSync(cli) || 'dist/cli.js is not built (npm test builds it)') }, () => {
  // six layers, the third one's weight in an external file that is too short
  const spec = mlp([40, 40, 40, 40, 40, 40, 4]);
  const last = spec.initializers!.find((t) => t.name === 'fc2.weight')!;
  last.external = { location: 'weights.bin' };
  const { bytes, externalFiles } = buildModel(spec);
  const model = join(dir, 'broken-external.onnx');
  writeFileSync(model, bytes);
  writeFileSync(join(dir, 'weights.bin'), externalFiles.get('weights.bin')!.slice(0, 100));
  const r = spawnSync(process.execPath, [cli, 'analyze', model, '--threads', '2', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.ok(lines[0].startsWith('theory-lens: ') && lines[0].includes(model) && /past its end|fc2\.weight/.test(lines[0]), lines[0]);
  assert.doesNotMatch(r.stderr, /CancelledError|at LayerPool|    at /);
  assert.equal(r.stdout, '');
});

test('CLI: a conv declared on a 0×4 input keeps every other metric; its exact norm is null with the reason (no invented size); exit 0', { skip: requireEvidence(existsSync(cli) || 'dist/cli.js is not built (npm test builds it)') }, () => {
  const spec = cnnWithBatchNorm({ size: 4 });
  spec.inputs![0].shape = ['N', 1, 0, 4];
  const model = saveModel(spec, dir, 'zero-height.onnx');
  const r = spawnSync(process.execPath, [cli, 'analyze', model, '--threads', '2', '--json', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  const conv = report.layers.find((l) => l.op === 'Conv')!;
  assert.equal(conv.metrics.spectralNormExact, null);
  assert.match(conv.notes!.spectralNormExact, /input height and width are dynamic .*--input-shape/);
  assert.ok(conv.metrics.spectralNorm! > 0 && conv.metrics.frobeniusNorm! > 0);
  assert.equal(report.layers.length, 2);
  assert.ok(report.measures.logProdSpec.value !== null);
});
