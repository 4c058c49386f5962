// Layer roles of state dicts from names and shapes (src/checkpoint/roles.ts): each rule on a small
// safetensors file, the matrix compared element by element with the layout the rule claims.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/readers';
import { globToRegExp, parseRoleRules } from '../../src/checkpoint/roles';
import { analyze } from '../../src/engine/analyze';
import { noNumpy, numpy } from '../kernels/helpers';
import { values } from '../helpers/onnx-writer';
import { safetensorsBytes, tensor, type StTensor } from '../helpers/safetensors-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-roles-'));
let k = 0;
const save = (ts: StTensor[]) => {
  const p = join(dir, `m${k++}.safetensors`);
  writeFileSync(p, safetensorsBytes(ts));
  return p;
};
/** [r, c] row-major → its transpose. */
const transpose = (a: ArrayLike<number>, r: number, c: number) => Array.from({ length: r * c }, (_, i) => a[(i % r) * c + Math.floor(i / r)]);

test('GPT-2 Conv1D: c_attn [in, 3·out] transposed and split into q, k, v; c_proj transposed', async () => {
  const attn = values(4 * 6, 1);
  const proj = values(4 * 2, 2);
  const c = await loadCheckpoint(save([
    tensor('h.0.attn.c_attn.weight', 'F32', [4, 6], attn), tensor('h.0.attn.c_attn.bias', 'F32', [6], values(6, 3)),
    tensor('h.0.attn.c_proj.weight', 'F32', [4, 2], proj), tensor('h.0.ln_1.weight', 'F32', [4], [1, 1, 1, 1]),
  ]));
  assert.deepEqual(c.layers.map((l) => [l.name, l.part ?? null, l.op, [...l.matrixShape]]), [
    ['h.0.attn.c_attn.weight', 'q', 'Conv1D', [2, 4]], ['h.0.attn.c_attn.weight', 'k', 'Conv1D', [2, 4]], ['h.0.attn.c_attn.weight', 'v', 'Conv1D', [2, 4]],
    ['h.0.attn.c_proj.weight', null, 'Conv1D', [2, 4]],
  ]);
  const full = transpose(attn, 4, 6); // [6, 4] = [q; k; v]
  for (let p = 0; p < 3; p++) assert.deepEqual(Array.from(c.layers[p].matrix()), full.slice(p * 8, p * 8 + 8));
  assert.deepEqual(Array.from(c.layers[3].matrix('float64')), transpose(proj, 4, 2));
  assert.match(c.layers[0].notes!.role, /GPT-2 Conv1D name 'c_attn'/);
});

test('fused qkv / in_proj_weight split by rows; embeddings as one-hot → dim; convs reshaped', async () => {
  const qkv = values(6 * 4, 4);
  const emb = values(5 * 3, 5);
  const conv = values(4 * 2 * 3 * 3, 6);
  const c = await loadCheckpoint(save([
    tensor('model.embed_tokens.weight', 'F32', [5, 3], emb),
    tensor('blocks.0.attn.qkv.weight', 'F32', [6, 4], qkv),
    tensor('attn.in_proj_weight', 'F32', [6, 4], qkv), tensor('attn.in_proj_bias', 'F32', [6], values(6, 7)),
    tensor('stem.conv.weight', 'F32', [4, 2, 3, 3], conv),
    tensor('up.deconv.weight', 'F32', [2, 4, 2, 2], values(32, 8)),
  ]));
  const by = (name: string, part?: string) => c.layers.find((l) => l.name === name && l.part === part)!;
  const e = by('model.embed_tokens.weight');
  assert.equal(e.role, 'embedding');
  assert.deepEqual([...e.matrixShape], [3, 5]);
  assert.deepEqual(Array.from(e.matrix()), transpose(emb, 5, 3));
  assert.deepEqual(Array.from(by('blocks.0.attn.qkv.weight', 'k').matrix()), Array.from(qkv.slice(8, 16)));
  assert.deepEqual(Array.from(by('attn.in_proj_weight', 'v').matrix()), Array.from(qkv.slice(16, 24)));
  assert.equal(by('attn.in_proj_weight', 'q').bias?.name, 'attn.in_proj_bias');
  const cv = by('stem.conv.weight');
  assert.deepEqual([cv.role, cv.op, [...cv.matrixShape], cv.conv?.kernel], ['conv', 'Conv2d', [4, 18], [3, 3]]);
  assert.deepEqual(Array.from(cv.matrix()), Array.from(conv));
  const dc = by('up.deconv.weight');
  assert.deepEqual([dc.role, [...dc.matrixShape]], ['convTranspose', [16, 2]]);
});

test('LoRA: ΔW = B·A beside the base weight, its own layer', async () => {
  const A = values(2 * 4, 9); // [r=2, in=4]
  const B = values(3 * 2, 10); // [out=3, r=2]
  const c = await loadCheckpoint(save([
    tensor('q_proj.base_layer.weight', 'F32', [3, 4], values(12, 11)),
    tensor('q_proj.lora_A.default.weight', 'F32', [2, 4], A),
    tensor('q_proj.lora_B.default.weight', 'F32', [3, 2], B),
  ]));
  assert.deepEqual(c.layers.map((l) => [l.name, l.op, l.module, [...l.matrixShape]]), [
    ['q_proj.base_layer.weight', 'Linear', 'q_proj', [3, 4]],
    ['q_proj.lora.default', 'LoRA', 'q_proj', [3, 4]],
  ]);
  const d = c.layers[1].matrix('float64');
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
    const want = Math.fround(B[i * 2] * A[j] + B[i * 2 + 1] * A[4 + j]);
    assert.ok(Math.abs(d[i * 4 + j] - (B[i * 2] * A[j] + B[i * 2 + 1] * A[4 + j])) < 1e-15, `ΔW[${i},${j}]`);
    assert.equal(c.layers[1].matrix()[i * 4 + j], want);
  }
  assert.match(c.layers[1].notes!.role, /base weight q_proj\.base_layer\.weight is measured beside it/);
});

test('a roles file overrides the name rules; wrapper prefixes are removed', async () => {
  const rules = parseRoleRules({ 'encoder.*.kernel': 'linear', 'head.weight': 'parameter', 'dec.*': 'linear-transposed' }, 'roles.json');
  const c = await loadCheckpoint(save([
    tensor('module.encoder.0.kernel', 'F32', [2, 3], values(6, 1)),
    tensor('module.head.weight', 'F32', [2, 2], values(4, 2)),
    tensor('module.dec.weight', 'F32', [3, 2], values(6, 3)),
  ]), { rules });
  assert.deepEqual(c.layers.map((l) => [l.name, [...l.matrixShape], l.op]), [['encoder.0.kernel', [2, 3], 'Linear'], ['dec.weight', [2, 3], 'Conv1D']]);
  assert.match(c.layers[0].notes!.role, /roles file \(pattern 'encoder\.\*\.kernel'\)/);
  assert.ok(c.warnings.some((w) => /'module\.' prefix/.test(w)));
  assert.throws(() => parseRoleRules({ x: 'dense' }, 'r.json'), /role 'dense' for 'x' is not one of/);
  assert.equal(globToRegExp('a.*.b?').source, '^a\\..*\\.b.$');
});

test('GPT-NeoX/BLOOM query_key_value: rows interleaved per head, split with config.json heads = numpy reshape (1e-6); else one matrix', { skip: noNumpy }, async () => {
  const heads = 2;
  const hd = 3;
  const inF = 5;
  const W = values(3 * heads * hd * inF, 21);
  const sub = mkdtempSync(join(tmpdir(), 'tl-neox-'));
  const file = join(sub, 'model.safetensors');
  writeFileSync(file, safetensorsBytes([
    tensor('gpt_neox.layers.0.attention.query_key_value.weight', 'F32', [3 * heads * hd, inF], W),
    tensor('gpt_neox.layers.0.attention.query_key_value.bias', 'F32', [3 * heads * hd], values(18, 22)),
  ]));
  const whole = await loadCheckpoint(file);
  assert.deepEqual(whole.layers.map((l) => [l.part ?? null, [...l.matrixShape]]), [[null, [18, 5]]]);
  assert.match(whole.layers[0].notes!.role, /measured as one matrix, not split .*GPT-NeoX and BLOOM interleave per head/);
  for (const type of ['gpt_neox', 'bloom']) {
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ model_type: type, [type === 'bloom' ? 'n_head' : 'num_attention_heads']: heads }));
    const c = await loadCheckpoint(file);
    assert.deepEqual(c.layers.map((l) => [l.part, [...l.matrixShape]]), [['q', [6, 5]], ['k', [6, 5]], ['v', [6, 5]]]);
    assert.match(c.layers[0].notes!.role, new RegExp(`'query_key_value' of a ${type} model \\(config\\.json: 2 heads\\): rows interleaved per head \\[head, q\\|k\\|v, head_dim = 3\\]`));
    assert.equal(c.layers[0].bias?.name, 'gpt_neox.layers.0.attention.query_key_value.bias');
    // numpy: W.reshape(heads, 3, head_dim, in)[:, p] is part p, [heads·head_dim, in]
    const ref = numpy(`M = W.reshape(${heads}, 3, ${hd}, ${inF}); out = [M[:, p].reshape(${heads * hd}, ${inF}).ravel() for p in range(3)]`, { W }) as number[][];
    const r = await analyze({ model: file, threads: 1, randomize: false });
    c.layers.forEach((l, p) => {
      assert.deepEqual(Array.from(l.matrix('float64')), ref[p], `${l.part} equals numpy's reshape`);
      const norms = numpy('A = a.reshape(6, 5); out = [float(np.linalg.norm(A)), float(np.linalg.norm(A, 2))]', { a: ref[p] }) as number[];
      const m = r.layers[p].metrics;
      assert.ok(Math.abs(m.frobeniusNorm! - norms[0]) <= 1e-6 * norms[0] && Math.abs(m.spectralNorm! - norms[1]) <= 1e-6 * norms[1], `${l.part}: ${m.frobeniusNorm}, ${m.spectralNorm} vs numpy ${norms}`);
    });
  }
  writeFileSync(join(sub, 'config.json'), JSON.stringify({ model_type: 'falcon', num_attention_heads: heads }));
  assert.match((await loadCheckpoint(file)).layers[0].notes!.role, /not split .*this one says model_type falcon, 2 heads/);
});
