// The NumPy reference itself (test/reference/*.py): its self-checks pass (PRNG vs Node, power-law fit vs
// Pareto and a brute-force loop, dense conv operator vs Sedghi's FFT formula to 1e-10, decoder vs
// fixtures.json parameter counts and probe accuracies) and the committed fmnist/*.json equal what the
// script computes now (1e-9 relative), so the values the CLI is compared with are never stale.
// Needs python3 with numpy and scipy; skipped, saying so, where they are missing.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haveFixtures, repoRoot } from '../helpers/fixtures';

const here = join(repoRoot, 'test', 'reference');
const probe = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
const havePython = probe.status === 0;
const skip = requireEvidence(havePython || 'python3 with numpy and scipy is not available') || requireEvidence(haveFixtures || 'no ../shared/fixtures');

function py(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync('python3', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('reference self-checks pass and the committed reference JSON is up to date', { skip }, () => {
  const r = py([join(here, 'make_fixtures.py'), '--check']);
  assert.equal(r.status, 0, `make_fixtures.py --check failed:\n${r.out}\n${r.err}`);
  assert.match(r.out, /ok {2}7\. /, 'the fixture checks ran');
  assert.equal((r.out.match(/^same /gm) ?? []).length, 12, `12 checkpoints compared:\n${r.out}`);
});

test('reference.py rejects a malformed model with a message naming the file', { skip: requireEvidence(havePython || 'python3 with numpy and scipy is not available') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-ref-'));
  try {
    const bad = join(dir, 'broken.onnx');
    writeFileSync(bad, Buffer.from([0x3a, 0xff, 0xff, 0x03, 0x0a]));
    const r = py([join(here, 'reference.py'), bad]);
    assert.equal(r.status, 2);
    assert.equal(r.out, '');
    assert.ok(r.err.includes(bad) && /truncated|claims/.test(r.err), r.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
