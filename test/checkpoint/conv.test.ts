// Exact conv operator norms on state dicts (src/checkpoint/stateDict.ts stateConv, roles.ts): a state dict
// holds neither a conv's groups nor its input size, so the roles file gives groups / inputShape /
// strides / dilations and --input-shape a layer's input by tensor or module name. The exact spectral
// norm then equals numpy's Sedghi, Gupta & Long (2019) FFT formula — per group, the kernel embedded
// circularly in the H×W grid, fft2, the largest singular value over frequencies — within 1e-6 relative.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/readers';
import { parseRoleRules } from '../../src/checkpoint/roles';
import { analyze } from '../../src/engine/analyze';
import { noNumpy, numpy } from '../kernels/helpers';
import { values } from '../helpers/onnx-writer';
import { safetensorsBytes, tensor } from '../helpers/safetensors-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-stconv-'));
const K0 = values(8 * 3 * 3 * 3, 1); // features.0: [8, 3, 3, 3], groups 1
const K2 = values(8 * 2 * 3 * 3, 2); // features.2: [8, 2, 3, 3], groups 4 (8 input channels)
const K4 = values(6 * 8 * 3 * 1, 3); // features.4: [6, 8, 3, 1], dilation 2×1
const model = join(dir, 'cnn.safetensors');
writeFileSync(model, safetensorsBytes([
  tensor('features.0.weight', 'F32', [8, 3, 3, 3], K0), tensor('features.0.bias', 'F32', [8], values(8, 4)),
  tensor('features.2.weight', 'F32', [8, 2, 3, 3], K2),
  tensor('features.4.weight', 'F32', [6, 8, 3, 1], K4),
  tensor('head.weight', 'F32', [5, 6], values(30, 5)),
]));
const roles = join(dir, 'roles.json');
writeFileSync(roles, JSON.stringify({
  'features.2.weight': { groups: 4, inputShape: [1, 8, 6, 5] },
  'features.4.*': { role: 'conv', dilations: [2, 1], inputShape: [7, 4] },
}));

/** numpy: σ_max of the circular stride-1 conv of K [cout, cin/g, kh, kw] on H×W, per group (Sedghi et al. 2019). */
function sedghi(K: ArrayLike<number>, shape: number[], H: number, W: number, group: number, dil: number[]): number {
  return numpy(
    `K = K.reshape(${shape.join(', ')}); m = ${shape[0]} // ${group}; best = 0.0
for g in range(${group}):
    Kg = K[g * m:(g + 1) * m]
    grid = np.zeros((m, ${shape[1]}, ${H}, ${W}))
    for a in range(${shape[2]}):
        for b in range(${shape[3]}):
            grid[:, :, (a * ${dil[0]}) % ${H}, (b * ${dil[1]}) % ${W}] += Kg[:, :, a, b]
    P = np.fft.fft2(grid, axes=(2, 3))
    best = max(best, max(np.linalg.svd(P[:, :, u, v], compute_uv=False)[0] for u in range(${H}) for v in range(${W})))
out = float(best)`,
    { K },
  ) as number;
}

test('roles-file groups/inputShape/dilations and --input-shape give state-dict convs their exact norm = numpy FFT (1e-6)', { skip: noNumpy }, async () => {
  const r = await analyze({ model, roles, inputShapes: { 'features.0': [1, 3, 6, 5] }, threads: 1, randomize: false });
  const by = (n: string) => r.layers.find((l) => l.name === n)!;
  const cases: [string, ArrayLike<number>, number[], number, number, number, number[]][] = [
    ['features.0.weight', K0, [8, 3, 3, 3], 6, 5, 1, [1, 1]],
    ['features.2.weight', K2, [8, 2, 3, 3], 6, 5, 4, [1, 1]],
    ['features.4.weight', K4, [6, 8, 3, 1], 7, 4, 1, [2, 1]],
  ];
  for (const [name, K, shape, H, W, g, dil] of cases) {
    const want = sedghi(K, shape, H, W, g, dil);
    const got = by(name).metrics.spectralNormExact;
    assert.ok(got !== null && got !== undefined && Math.abs(got - want) <= 1e-6 * want, `${name}: ${got} vs numpy FFT ${want}`);
  }
  assert.match(by('features.0.weight').notes!.role, /; input 6×5 from --input-shape features\.0$/);
  assert.match(by('features.2.weight').notes!.role, /; groups 4 from the roles file \('features\.2\.weight'\); input 6×5 from the roles file/);
  assert.equal(by('features.4.weight').notes!.role, "role conv from the roles file (pattern 'features.4.*'); dilations 2×1 from the roles file ('features.4.*'); input 7×4 from the roles file ('features.4.*')");
  assert.match(by('features.0.weight').notes!.spectralNormExact, /operator on a 6×5 input with circular padding/);
  // Groups change the matrix view too: [out, in/groups·kh·kw]; the ungrouped reading of the same kernel differs.
  const ungrouped = sedghi(K2, [8, 2, 3, 3], 6, 5, 1, [1, 1]);
  assert.ok(Math.abs(ungrouped - by('features.2.weight').metrics.spectralNormExact!) > 1e-3 * ungrouped, 'groups are applied');
});

test('without a size the exact norm is missing with a reason naming --input-shape and the roles file; unused names warned', async () => {
  const r = await analyze({ model, inputShapes: { 'no.such': [4, 4] }, threads: 1, randomize: false });
  const c0 = r.layers.find((l) => l.name === 'features.0.weight')!;
  assert.equal(c0.metrics.spectralNormExact, null);
  assert.match(c0.notes!.spectralNormExact, /a state dict has no input sizes: give this layer's input with --input-shape features\.0=N,C,H,W or in a roles file \(\{"features\.0\.weight": \{"inputShape": \[…, …\]\}\}\)/);
  assert.ok(r.warnings.some((w) => /--input-shape no\.such: no convolution of this state dict has that tensor or module name \(e\.g\. features\.0\)/.test(w)), r.warnings.join('\n'));
});

test('bad geometry: one clear error naming the file, the tensor and the problem', async () => {
  const load = (rules: object, inputShapes?: Record<string, number[]>) =>
    loadCheckpoint(model, { rules: parseRoleRules(rules, 'roles.json'), ...(inputShapes ? { inputShapes } : {}) });
  await assert.rejects(load({ 'features.2.weight': { groups: 3 } }), /cnn\.safetensors.*features\.2\.weight.*groups 3 from the roles file \('features\.2\.weight'\) does not divide the kernel's first dimension 8/);
  await assert.rejects(load({}, { 'features.0': [1, 4, 6, 5] }), /features\.0\.weight.*input shape \[1, 4, 6, 5\] from --input-shape features\.0 has 4 channels; this convolution takes 3/);
  await assert.rejects(load({ 'features.2.weight': { groups: 4, inputShape: [1, 2, 6, 5] } }), /takes 8 \(2 per group × 4 groups\)/);
  await assert.rejects(load({}, { 'features.0.weight': [6, 5, 1] }), /has 3 dims; this 2-D convolution needs its spatial size \(2 dims\) or \[N, C, …\] \(4\)/);
  await assert.rejects(load({ 'features.0.weight': { strides: [2] } }), /strides \[2\] from the roles file \('features\.0\.weight'\) has 1 values; this 2-D convolution needs 2/);
  assert.throws(() => parseRoleRules({ 'a.weight': { role: 'linear', groups: 2 } }, 'r.json'), /r\.json.*'a\.weight': groups apply to conv layers, not to role linear/);
  assert.throws(() => parseRoleRules({ 'a.weight': { group: 2 } }, 'r.json'), /unknown key 'group' \(known: role, groups, inputShape, strides, dilations\)/);
  assert.throws(() => parseRoleRules({ 'a.weight': { inputShape: [0, 4] } }, 'r.json'), /inputShape must be a list of 1 to 5 integers ≥ 1, not \[0,4\]/);
  assert.throws(() => parseRoleRules({ 'a.weight': {} }, 'r.json'), /gives neither a role nor a conv geometry/);
  assert.throws(() => parseRoleRules({ 'a.weight': { role: 'dense' } }, 'r.json'), /role 'dense' for 'a\.weight' is not one of/);
});
