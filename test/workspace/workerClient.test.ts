// The extension host's worker client against the real dist/worker.js: lazy start, the same numbers as
// the CLI, user jobs ahead of background ones, cancellation of queued and running jobs (the worker
// stays usable), and errors that name the file.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import type { Progress } from '../../src/protocol/worker';
import { CancelledError } from '../../src/protocol/cancelled';
import { WorkerClient } from '../../src/workspace/workerClient';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { cliReport, ensureBuilt, workerJs } from '../helpers/cliReport';
import { defaultThreads } from '../../src/engine/pool';

const same = (a: number | null, b: number | null) => a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));

describe('WorkerClient', { skip: requireEvidence(haveFixtures || 'no ../shared/fixtures') }, () => {
  let client: WorkerClient;
  const dir = mkdtempSync(join(tmpdir(), 'tl-worker-'));
  before(() => {
    ensureBuilt();
    client = new WorkerClient(workerJs);
  });
  after(async () => {
    await client.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts no worker until the first job, then reports what the CLI reports (rel. 1e-12)', async () => {
    assert.equal(client.started, false);
    const phases = new Set<string>();
    const r = await client.run({ model: fixture('mlp.onnx'), init: fixture('mlp.init.onnx') }, { onProgress: (p) => phases.add(p.phase) });
    assert.equal(client.started, true);
    assert.ok(phases.has('layers') && phases.has('read'), [...phases].join(','));
    const cli = cliReport([fixture('mlp.onnx'), '--init', fixture('mlp.init.onnx')]);
    let compared = 0;
    for (const [id, m] of Object.entries(cli.measures)) {
      assert.ok(same(r.measures[id].value, m.value), `${id}: worker ${r.measures[id].value} vs CLI ${m.value}`);
      compared++;
    }
    cli.layers.forEach((l, i) => {
      for (const [k, v] of Object.entries(l.metrics)) {
        assert.ok(same(r.layers[i].metrics[k], v), `${l.name} ${k}`);
        compared++;
      }
    });
    assert.ok(compared > 80, `compared ${compared}`);
  });

  it('runs user jobs ahead of queued background jobs; a cancelled queued job never runs', async () => {
    const done: string[] = [];
    const job = (tag: string, model: string, background = false, signal?: AbortSignal) =>
      client.run({ model, weightsOnly: true, randomize: false }, { background, signal }).then(() => void done.push(tag), (e) => {
        done.push(`${tag}:${(e as Error).name}`);
      });
    const ac = new AbortController();
    const all = [
      job('A', fixture('cnn.onnx')),
      job('B', fixture('mlp.onnx'), true),
      job('C', fixture('mlp_tanh.onnx')),
      job('D', fixture('mlp_noise30.onnx'), false, ac.signal),
    ];
    assert.equal(client.queued, 3);
    ac.abort();
    assert.equal(client.queued, 2);
    await Promise.all(all);
    assert.deepEqual(done, ['D:CancelledError', 'A', 'C', 'B']);
  });

  it('cancelling the running job stops it before it finishes, and the worker takes the next job', async () => {
    const ac = new AbortController();
    const seen: Progress[] = [];
    const p = client.run(
      { model: fixture('cnn.onnx'), init: fixture('cnn.init.onnx'), data: fixture('probe_train.npz'), trainSize: 3000 },
      { signal: ac.signal, onProgress: (pr) => {
        seen.push(pr);
        if (pr.phase === 'layers' && pr.done >= 1) ac.abort();
      } },
    );
    await assert.rejects(p, CancelledError);
    assert.ok(!seen.some((s) => s.phase === 'flatness' || s.phase === 'bounds' || s.phase === 'done'), `phases after cancel: ${seen.map((s) => s.phase).join(',')}`);
    const next: Report = await client.run({ model: fixture('mlp.onnx'), weightsOnly: true });
    assert.equal(next.model.fileName, 'mlp.onnx');
  });

  it('a missing or truncated checkpoint fails with a message naming the file', async () => {
    const missing = join(dir, 'nope.onnx');
    await assert.rejects(client.run({ model: missing }), (e: Error) => e.message.includes(missing));
    const cut = join(dir, 'cut.onnx');
    const bytes = readFileSync(fixture('mlp.onnx'));
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 3)));
    await assert.rejects(client.run({ model: cut }), (e: Error) => e.message.includes(cut) && !(e instanceof CancelledError));
  });

  it('warm() starts the worker and its layer pool before any job; later analyses reuse the pool (the same layer threads) and report what the CLI reports (rel. 1e-12)', async () => {
    const c = new WorkerClient(workerJs);
    try {
      c.warm();
      assert.equal(c.started, true);
      const threadsOf = (r: Report) => (r.workerTimings ?? []).map((w) => w.thread).sort((a, b) => a - b);
      const a = await c.run({ model: fixture('mlp.onnx'), init: fixture('mlp.init.onnx') });
      const b = await c.run({ model: fixture('mlp_tanh.onnx') });
      const b2 = await c.run({ model: fixture('mlp.onnx'), init: fixture('mlp.init.onnx') });
      assert.ok(threadsOf(a).length >= 1 || defaultThreads() === 1, 'the layers ran on pool workers');
      // Which of the pool's workers a layer lands on depends on timing (3 layers on 2 workers may use one
      // or both), so the sets differ from run to run. A kept pool's workers were created together and
      // have consecutive thread ids; a new pool per analysis would give every later analysis new, higher
      // ids. So: every layer of the three analyses ran within one window of `threads` consecutive ids.
      const ids = [...threadsOf(a), ...threadsOf(b), ...threadsOf(b2)];
      if (ids.length) {
        const span = Math.max(...ids) - Math.min(...ids);
        assert.ok(span < defaultThreads(), `layer threads ${[threadsOf(a), threadsOf(b), threadsOf(b2)].map((t) => t.join('/')).join(', ')}: more than one pool of ${defaultThreads()}`);
      }
      const cli = cliReport([fixture('mlp.onnx'), '--init', fixture('mlp.init.onnx')]);
      let compared = 0;
      for (const r of [a, b2]) {
        cli.layers.forEach((l, i) => {
          for (const [k, v] of Object.entries(l.metrics)) {
            assert.ok(same(r.layers[i].metrics[k], v), `${l.name} ${k}: ${r.layers[i].metrics[k]} vs CLI ${v}`);
            compared++;
          }
        });
      }
      assert.ok(compared > 40, `compared ${compared}`);
    } finally {
      await c.dispose();
    }
  });

  it('dispose rejects queued work as cancelled', async () => {
    const c = new WorkerClient(workerJs);
    const a = assert.rejects(c.run({ model: fixture('mlp.onnx'), weightsOnly: true }), CancelledError);
    const b = assert.rejects(c.run({ model: fixture('mlp.onnx'), weightsOnly: true }), CancelledError);
    await c.dispose();
    await a;
    await b;
    assert.equal(c.started, false);
    await assert.rejects(c.run({ model: fixture('mlp.onnx') }), CancelledError);
  });
});
