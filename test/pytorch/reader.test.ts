// torch.save checkpoints made by scripts/gen_torch_fixtures.py (Debian's python3-torch), read by the
// restricted unpickler: norms equal numpy's (expected.json, float64) within 1e-6; the same MLP as
// .pt, .safetensors and .onnx gives the same per-layer numbers; a pickle that would call os.system is
// refused without running; legacy files get the re-save hint.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint, readerFor } from '../../src/checkpoint/readers';
import { analyze } from '../../src/engine/analyze';
import { CheckpointError } from '../../src/onnx/types';
import { unpickle, PickleRefused } from '../../src/pytorch/unpickler';
import { assertSameLayers } from '../helpers/same-layers';

const fx = join(__dirname, 'fixtures');
const expected: { fixtures: Record<string, { name: string; part: string | null; shape: number[]; fro: number; spec: number }[]> } =
  JSON.parse(readFileSync(join(fx, 'expected.json'), 'utf8'));

for (const [file, layers] of Object.entries(expected.fixtures)) {
  test(`${file}: layers, shapes and norms equal numpy's (1e-6)`, async () => {
    const r = await analyze({ model: join(fx, file), threads: 1, randomize: false });
    assert.equal(r.model.format, 'pytorch');
    assert.deepEqual(r.layers.map((l) => [l.name, l.part ?? null, l.matrixShape]), layers.map((l) => [l.name, l.part, l.shape]));
    r.layers.forEach((l, i) => {
      const e = layers[i];
      assert.ok(Math.abs(l.metrics.frobeniusNorm! - e.fro) <= 1e-6 * e.fro, `${l.name} ${l.part ?? ''} fro ${l.metrics.frobeniusNorm} vs ${e.fro}`);
      assert.ok(Math.abs(l.metrics.spectralNorm! - e.spec) <= 1e-6 * e.spec, `${l.name} ${l.part ?? ''} spec ${l.metrics.spectralNorm} vs ${e.spec}`);
      assert.ok(l.notes?.role, 'the role note says how the role was decided');
    });
  });
}

test('the same MLP as .onnx, .safetensors and .pt: the same per-layer numbers (1e-6)', async () => {
  const [o, s, p] = await Promise.all(['mlp.onnx', 'mlp.safetensors', 'mlp.pt'].map((f) => analyze({ model: join(fx, f), threads: 1 })));
  assertSameLayers(o, s);
  assertSameLayers(o, p);
  assert.equal(p.model.parameters, o.model.parameters);
  assert.deepEqual(s.model.metadata, { format: 'pt', source: 'gen_torch_fixtures.py' });
});

test('wrappers: Lightning state_dict, module. prefix; tied lm_head measured once', async () => {
  const l = await loadCheckpoint(join(fx, 'lightning.ckpt'));
  assert.equal(l.producer, 'PyTorch Lightning 2.1.0');
  assert.ok(l.warnings.some((w) => /state dict found under 'state_dict'/.test(w)));
  const d = await loadCheckpoint(join(fx, 'ddp.pth'));
  assert.deepEqual(d.layers.map((x) => x.name), ['fc1.weight', 'fc2.weight', 'fc3.weight']);
  const g = await loadCheckpoint(join(fx, 'gpt2.bin'));
  assert.ok(!g.layers.some((x) => x.name === 'lm_head.weight'));
  assert.ok(g.warnings.some((w) => /lm_head\.weight shares its storage with transformer\.wte\.weight/.test(w)));
  assert.match(g.layers[0].notes!.role, /tied with lm_head\.weight/);
  // Init matched by name across formats: the Lightning checkpoint against the plain state dict.
  const r = await analyze({ model: join(fx, 'ddp.pth'), init: join(fx, 'mlp.pt'), threads: 1, randomize: false });
  assert.equal(r.init?.matchedLayers, 3);
  assert.ok(r.layers.every((x) => x.metrics.distFrobeniusInit === 0));
});

test('a pickle that calls os.system is refused, naming the global, and nothing runs', async () => {
  const cwd = process.cwd();
  const tmp = mkdtempSync(join(tmpdir(), 'tl-evil-'));
  process.chdir(tmp);
  try {
    await assert.rejects(loadCheckpoint(join(fx, 'malicious.pt')), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.match(e.message, /malicious\.pt: refused to load: the pickle asks for the global 'posix\.system'/);
      return true;
    });
    assert.ok(!existsSync(join(tmp, 'theory-lens-pwned')));
  } finally {
    process.chdir(cwd);
  }
  // The same refusal for hand-made pickles of builtins.eval (protocol 0 GLOBAL) and STACK_GLOBAL.
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.throws(() => unpickle(enc("cbuiltins\neval\n(S'1'\ntR."), { persistentLoad: () => null }), (e: unknown) => e instanceof PickleRefused && e.global === 'builtins.eval');
  const sg = Uint8Array.from([0x80, 2, 0x8c, 2, ...enc('os'), 0x8c, 6, ...enc('system'), 0x93, 0x8c, 2, ...enc('id'), 0x85, 0x52, 0x2e]);
  assert.throws(() => unpickle(sg, { persistentLoad: () => null }), (e: unknown) => e instanceof PickleRefused && e.global === 'os.system');
});

test('legacy non-zip files, full pickled modules and broken archives: one clear line', async () => {
  await assert.rejects(loadCheckpoint(join(fx, 'legacy.pt')), /legacy\.pt: it is a legacy \(pre-1\.6, non-zip\) torch\.save file: re-save it with a current torch/);
  assert.equal(readerFor(join(fx, 'legacy.pt')).id, 'pytorch');
  const dir = mkdtempSync(join(tmpdir(), 'tl-pt-'));
  const bytes = readFileSync(join(fx, 'mlp.pt'));
  const cut = join(dir, 'cut.pt');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
  await assert.rejects(loadCheckpoint(cut), (e: unknown) => e instanceof CheckpointError && /cut\.pt: not a valid torch\.save zip archive/.test(e.message) && !e.message.includes('\n'));
  const garbage = join(dir, 'garbage.pth');
  writeFileSync(garbage, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
  await assert.rejects(loadCheckpoint(garbage), /garbage\.pth: not a valid torch\.save zip archive: no end-of-central-directory/);
});
