// PEFT LoRA adapters: ΔW = s·B·A with s = lora_alpha/r (rsLoRA: lora_alpha/√r) from the
// adapter_config.json beside the adapter (src/checkpoint/lora.ts). A generated adapter_model.safetensors
// (PEFT's saved key names) and its config; the Frobenius and spectral norms of every ΔW equal numpy's
// (np.linalg.norm of s·B@A in float64) within 1e-6 relative; the note says which scale was used.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/readers';
import { loraScale, parseLoraConfig } from '../../src/checkpoint/lora';
import { analyze } from '../../src/engine/analyze';
import { noNumpy, numpy } from '../kernels/helpers';
import { values } from '../helpers/onnx-writer';
import { safetensorsBytes, tensor, type StTensor } from '../helpers/safetensors-writer';

const P = 'base_model.model.model.layers.0.self_attn';
/** q_proj: rank 4, in 12, out 10; v_proj: rank 2, in 12, out 6 (float32 values, exact in float64). */
const f32 = (n: number, seed: number) => Float32Array.from(values(n, seed), (x) => x * 0.5);
const QA = f32(4 * 12, 1);
const QB = f32(10 * 4, 2);
const VA = f32(2 * 12, 3);
const VB = f32(6 * 2, 4);

function adapterDir(config?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-lora-'));
  const ts: StTensor[] = [
    tensor(`${P}.q_proj.lora_A.weight`, 'F32', [4, 12], QA), tensor(`${P}.q_proj.lora_B.weight`, 'F32', [10, 4], QB),
    tensor(`${P}.v_proj.lora_A.weight`, 'F32', [2, 12], VA), tensor(`${P}.v_proj.lora_B.weight`, 'F32', [6, 2], VB),
  ];
  writeFileSync(join(dir, 'adapter_model.safetensors'), safetensorsBytes(ts));
  if (config) writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(config));
  return dir;
}

/** numpy's ‖s·B·A‖_F and ‖s·B·A‖₂ for (q, v) with scales sq, sv. */
function reference(sq: number, sv: number): { fro: number; spec: number }[] {
  return numpy(
    `out = [dict(fro=float(np.linalg.norm(s * (B.reshape(o, r) @ A.reshape(r, 12)))), spec=float(np.linalg.norm(s * (B.reshape(o, r) @ A.reshape(r, 12)), 2)))
       for s, A, B, o, r in ((${sq}, qa, qb, 10, 4), (${sv}, va, vb, 6, 2))]`,
    { qa: QA, qb: QB, va: VA, vb: VB },
  ) as { fro: number; spec: number }[];
}

async function check(dir: string, sq: number, sv: number): Promise<Record<string, string>[]> {
  const r = await analyze({ model: join(dir, 'adapter_model.safetensors'), threads: 1, randomize: false });
  const lora = r.layers.filter((l) => l.op === 'LoRA');
  assert.deepEqual(lora.map((l) => [l.name, l.matrixShape]), [[`${P}.q_proj.lora`, [10, 12]], [`${P}.v_proj.lora`, [6, 12]]]);
  const ref = reference(sq, sv);
  lora.forEach((l, i) => {
    assert.ok(Math.abs(l.metrics.frobeniusNorm! - ref[i].fro) <= 1e-6 * ref[i].fro, `${l.name} fro ${l.metrics.frobeniusNorm} vs numpy ${ref[i].fro}`);
    assert.ok(Math.abs(l.metrics.spectralNorm! - ref[i].spec) <= 1e-6 * ref[i].spec, `${l.name} spec ${l.metrics.spectralNorm} vs numpy ${ref[i].spec}`);
  });
  return lora.map((l) => l.notes ?? {});
}

test('LoRA scale lora_alpha/r from adapter_config.json, alpha_pattern per module: norms equal numpy (1e-6)', { skip: noNumpy }, async () => {
  // q_proj: 16/4 = 4; v_proj: alpha_pattern 'v_proj' = 3, r 4 from the config → 0.75 (its factors have rank 2: warned)
  const dir = adapterDir({ peft_type: 'LORA', r: 4, lora_alpha: 16, use_rslora: false, alpha_pattern: { v_proj: 3 }, rank_pattern: {} });
  const notes = await check(dir, 4, 0.75);
  assert.match(notes[0].role, /ΔW = lora_alpha\/r·B·A \(lora_alpha = 16, r = 4: scale 4, from .*adapter_config\.json\)/);
  assert.match(notes[1].role, /lora_alpha = 3, r = 4: scale 0\.75, .*lora_alpha from alpha_pattern 'v_proj'/);
  const c = await loadCheckpoint(join(dir, 'adapter_model.safetensors'));
  assert.ok(c.warnings.some((w) => /v_proj: adapter_config\.json gives r = 4 but the LoRA factors have rank 2/.test(w)), c.warnings.join('\n'));
});

test('rsLoRA: lora_alpha/√r; rank_pattern overrides r; the whole folder opens the adapter', { skip: noNumpy }, async () => {
  const dir = adapterDir({ r: 4, lora_alpha: 8, use_rslora: true, rank_pattern: { 'self_attn.v_proj': 2 } });
  await check(dir, 8 / 2, 8 / Math.SQRT2);
  const c = await loadCheckpoint(dir);
  assert.match(c.layers[1].notes!.role, /ΔW = lora_alpha\/√r·B·A \(rsLoRA, lora_alpha = 8, r = 2: scale 5\.65685, .*r from rank_pattern 'self_attn\.v_proj'/);
  assert.ok(!c.warnings.some((w) => /rank/.test(w)), 'ranks agree with the config: no warning');
});

test('no adapter_config.json: ΔW = B·A unscaled, and the note says so', { skip: noNumpy }, async () => {
  const notes = await check(adapterDir(), 1, 1);
  for (const n of notes) assert.match(n.role, /no adapter_config\.json beside the file: the lora_alpha\/r scale is unknown, so ΔW = B·A unscaled/);
});

test('a named adapter reads <name>/adapter_config.json; a broken config is one warning, unscaled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-lora-named-'));
  writeFileSync(join(dir, 'adapter_model.safetensors'), safetensorsBytes([
    tensor('q.lora_A.fr.weight', 'F32', [1, 2], [1, 2]), tensor('q.lora_B.fr.weight', 'F32', [2, 1], [3, 4]),
  ]));
  mkdirSync(join(dir, 'fr'));
  writeFileSync(join(dir, 'fr', 'adapter_config.json'), JSON.stringify({ r: 1, lora_alpha: 2 }));
  const c = await loadCheckpoint(dir);
  assert.deepEqual(Array.from(c.layers[0].matrix('float64')), [6, 12, 8, 16]);
  writeFileSync(join(dir, 'fr', 'adapter_config.json'), '{"r": 1, ');
  const broken = await loadCheckpoint(dir);
  assert.deepEqual(Array.from(broken.layers[0].matrix('float64')), [3, 6, 4, 8]);
  assert.ok(broken.warnings.some((w) => /adapter_config\.json: not valid JSON .*LoRA updates are not scaled/.test(w)), broken.warnings.join('\n'));
  assert.match(broken.layers[0].notes!.role, /ΔW = B·A unscaled/);
});

test('parseLoraConfig: PEFT defaults stated, non-LoRA configs and bad values refused with a warning', () => {
  const w: string[] = [];
  const cfg = parseLoraConfig('{"peft_type": "LORA"}', 'a.json', w)!;
  assert.deepEqual([cfg.r, cfg.alpha], [8, 8]);
  assert.match(loraScale(cfg, 'm.q', 8).note, /scale 1, from a\.json; PEFT default r = 8, lora_alpha = 8/);
  assert.equal(parseLoraConfig('{"peft_type": "IA3"}', 'b.json', w), null);
  assert.equal(parseLoraConfig('{"r": 0, "lora_alpha": 8}', 'c.json', w), null);
  assert.equal(parseLoraConfig('[1]', 'd.json', w), null);
  assert.deepEqual(w.map((x) => x.split(':')[0]), ['b.json', 'c.json', 'd.json']);
  assert.match(loraScale(parseLoraConfig('{"r": 4, "lora_alpha": 4, "use_dora": true}', 'e.json', w), 'q', 4).note, /DoRA magnitude vectors are not applied/);
});
