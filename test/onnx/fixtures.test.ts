// The real PyTorch exports in ../shared/fixtures/fmnist, against a Netron-style manifest
// (fixtures.manifest.json: every file of the folder → exactly the layers its README lists, or the error
// it must give), the parameter counts of fixtures.json, and Frobenius norms from an independent decoder
// (ref_norms.py: its own protobuf walk in Python + NumPy) to a relative tolerance of 1e-6.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { CheckpointError, loadCheckpointSync, type Checkpoint } from '../../src/onnx';
import { fixturesJson, fmnist, haveFixtures } from '../helpers/fixtures';

interface ExpectedLayer {
  name: string;
  op: string;
  node: string;
  module: string | null;
  shape: number[];
  matrixShape: [number, number];
  bias: string | null;
  inputSpatial?: number[];
}
interface Entry {
  file: string;
  layers?: string;
  error?: string;
  truncate?: number;
}
const manifest = JSON.parse(readFileSync(join(__dirname, 'fixtures.manifest.json'), 'utf8')) as { layerSets: Record<string, ExpectedLayer[]>; files: Entry[] };
const skip = requireEvidence(haveFixtures || 'no ../shared/fixtures beside the repository');
const tmp = mkdtempSync(join(tmpdir(), 'tl-fixtures-'));

function listFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((f) => {
    const p = join(folder, f);
    return statSync(p).isDirectory() ? listFiles(p) : [relative(fmnist, p)];
  });
}

const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('every file of the fixtures folder gives exactly its manifest layers or its manifest error', { skip }, () => {
  const listed = new Set(manifest.files.filter((e) => !e.truncate).map((e) => e.file));
  assert.deepEqual(listFiles(fmnist).filter((f) => !listed.has(f)), [], 'files missing from fixtures.manifest.json');
  for (const e of manifest.files) {
    let path = join(fmnist, e.file);
    if (e.truncate) {
      path = join(tmp, `${e.file.replace(/\W/g, '_')}.cut${e.truncate}.onnx`);
      writeFileSync(path, readFileSync(join(fmnist, e.file)).subarray(0, e.truncate));
    }
    const label = `${e.file}${e.truncate ? ` cut to ${e.truncate} bytes` : ''}`;
    if (e.error) {
      assert.throws(() => loadCheckpointSync(path), (err: Error) => err instanceof CheckpointError && err.message.startsWith(path) && new RegExp(e.error!).test(err.message), label);
      continue;
    }
    const c = loadCheckpointSync(path);
    const got = c.layers.map((l) => ({
      name: l.name, op: l.op, node: l.node, module: l.module, shape: [...l.shape], matrixShape: [...l.matrixShape],
      bias: l.bias?.name ?? null, ...(l.conv ? { inputSpatial: l.conv.inputSpatial } : {}),
    }));
    assert.deepEqual(got, manifest.layerSets[e.layers!], label);
    assert.equal(c.producer, 'pytorch', label);
    assert.equal(c.opset, 13, label);
    assert.deepEqual(c.inputs.map((i) => [i.name, i.dtype, i.shape]), [['input', 'float32', ['batch', 1, 28, 28]]], label);
    assert.deepEqual(c.outputs.map((o) => [o.name, o.shape]), [['logits', ['batch', 10]]], label);
    assert.deepEqual(c.warnings, [], label);
  }
});

test('parameter counts equal fixtures.json (n_params as counted by PyTorch)', { skip }, () => {
  const models = fixturesJson().models;
  for (const [model, info] of Object.entries(models)) {
    for (const file of [`${model}.onnx`, `${model}.init.onnx`]) {
      const c = loadCheckpointSync(join(fmnist, file));
      const params = c.layers.reduce((a, l) => a + l.weight.size + (l.bias?.size ?? 0), 0);
      // cnn_bn: the exporter folded BatchNorm into the convs, so PyTorch's γ and β (2·(6 + 12) = 36) are gone.
      const folded = model === 'cnn_bn' ? 36 : 0;
      assert.equal(params, info.n_params - folded, file);
      assert.equal(c.storedParameters, info.n_params - folded, `${file} storedParameters`);
    }
  }
});

test('Frobenius norms of every stored tensor and layer matrix equal ref_norms.py (NumPy), rel. 1e-6', { skip: skip || requireEvidence(!!python || 'python3 with numpy is not available') }, () => {
  const files = manifest.files.filter((e) => e.layers && !e.truncate).map((e) => join(fmnist, e.file));
  const out = execFileSync('python3', [join(__dirname, 'ref_norms.py'), ...files], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const refs = out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; norms: Record<string, number>; sizes: Record<string, number> });
  assert.equal(refs.length, files.length);
  const fro = (v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * v[i];
    return Math.sqrt(s);
  };
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b), `${what}: ${a} vs NumPy ${b}`);
  let compared = 0;
  for (const ref of refs) {
    const c: Checkpoint = loadCheckpointSync(ref.file);
    assert.deepEqual([...c.tensors.keys()].sort(), Object.keys(ref.norms).sort(), ref.file);
    for (const [name, norm] of Object.entries(ref.norms)) {
      const t = c.tensors.get(name)!;
      assert.equal(t.size, ref.sizes[name], `${ref.file} ${name} size`);
      close(fro(t.toFloat64()), norm, `${ref.file} ${name}`);
      close(fro(t.toFloat32()), norm, `${ref.file} ${name} (float32)`);
      compared++;
    }
    for (const l of c.layers) {
      close(fro(l.matrix('float64')), ref.norms[l.name], `${ref.file} layer ${l.name} matrix`);
      close(fro(l.matrix()), ref.norms[l.name], `${ref.file} layer ${l.name} matrix (float32)`);
    }
  }
  assert.ok(compared >= 100, `compared ${compared} tensors`);
});
