// The test-model writer produces models onnxruntime-node accepts and computes as intended: outputs
// equal hand-computed values (exact for small integers, 1e-5 relative for the CNN against a plain-JS
// forward pass), and the 16-bit float encoders give the IEEE/bfloat16 bit patterns.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildModel, cnnWithBatchNorm, mlp, saveModel, toBfloat16, toHalf, values, type ModelSpec, type TensorSpec } from '../helpers/onnx-writer';

const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
const dir = mkdtempSync(join(tmpdir(), 'tl-writer-'));

async function run(model: Uint8Array | string, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array> {
  const s = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  const f: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await s.run(f);
  const y = out[s.outputNames[0]].data as Float32Array;
  await s.release();
  return y;
}

const gemm = (attrs: ModelSpec['nodes'][number]['attrs'], w: Partial<TensorSpec> = {}): ModelSpec => ({
  inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 3] }],
  initializers: [
    { name: 'W', dims: [3, 2], data: [1, 2, 3, 4, 5, 6], ...w },
    { name: 'b', dims: [3], data: [0.5, -1, 0] },
  ],
  nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attrs }],
});

test('a tiny Gemm model runs in onnxruntime with the hand-computed output', async () => {
  const x = { x: { data: Float32Array.of(1, 2), dims: [1, 2] } };
  // y = x·Wᵀ + b = [1+4+0.5, 3+8−1, 5+12+0]
  assert.deepEqual(Array.from(await run(buildModel(gemm({ transB: 1 })).bytes, x)), [5.5, 10, 17]);
  // alpha = 2, beta = 0.5: y = 2·x·Wᵀ + 0.5·b
  assert.deepEqual(Array.from(await run(buildModel(gemm({ transB: 1, alpha: { float: 2 }, beta: { float: 0.5 } })).bytes, x)), [10.25, 21.5, 34]);
  // the same weights stored as typed float_data, and in an external file beside the model
  assert.deepEqual(Array.from(await run(buildModel(gemm({ transB: 1 }, { encoding: 'typed' })).bytes, x)), [5.5, 10, 17]);
  const ext = saveModel(gemm({ transB: 1 }, { external: { location: 'w.bin' } }), join(dir, 'ext'));
  assert.deepEqual(Array.from(await run(ext, x)), [5.5, 10, 17]);
});

test('fp16, bf16 (through Cast) and int8 (through DequantizeLinear) weights run in onnxruntime', async () => {
  const x = { x: { data: Float32Array.of(1, 2), dims: [1, 2] } };
  for (const dtype of ['float16', 'bfloat16'] as const) {
    for (const encoding of ['raw', 'typed'] as const) {
      const spec: ModelSpec = {
        inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 3] }],
        initializers: [{ name: 'W', dtype, encoding, dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }],
        nodes: [
          { op: 'Cast', inputs: ['W'], outputs: ['Wf'], attrs: { to: 1 } },
          { op: 'Gemm', inputs: ['x', 'Wf'], outputs: ['y'], attrs: { transB: 1 } },
        ],
      };
      assert.deepEqual(Array.from(await run(buildModel(spec).bytes, x)), [5, 11, 17], `${dtype} ${encoding}`);
    }
  }
  const q: ModelSpec = {
    inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 3] }],
    initializers: [
      { name: 'Wq', dtype: 'int8', encoding: 'typed', dims: [3, 2], data: [-3, 2, 3, 4, 5, -6] },
      { name: 's', dims: [3], data: [0.5, 1, 2] },
      { name: 'zp', dtype: 'int8', dims: [3], data: [1, 0, -1] },
    ],
    nodes: [
      { op: 'DequantizeLinear', inputs: ['Wq', 's', 'zp'], outputs: ['W'], attrs: { axis: 0 } },
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  };
  // rows: (−4, 1)·0.5 = (−2, 0.5); (3, 4)·1; (6, −5)·2 = (12, −10) → y = (−1, 11, −8)
  assert.deepEqual(Array.from(await run(buildModel(q).bytes, x)), [-1, 11, -8]);
});

/** Plain-JS forward pass of cnnWithBatchNorm (Conv 3×3 pad 1 → BN → ReLU → MaxPool 2 → Gemm). */
function cnnForward(spec: ModelSpec, x: Float32Array, c: number, f: number, s: number, k: number): number[] {
  const t = (n: string) => Array.from(spec.initializers!.find((i) => i.name === n)!.data as ArrayLike<number>, Number);
  const [w, cb, g, b, m, v, fw, fb] = ['conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'fc.weight', 'fc.bias'].map(t);
  const h = s / 2;
  const pooled = new Array(f * h * h).fill(-Infinity);
  for (let o = 0; o < f; o++) {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        let acc = cb[o];
        for (let ci = 0; ci < c; ci++) for (let di = 0; di < 3; di++) for (let dj = 0; dj < 3; dj++) {
          const yi = i + di - 1;
          const xj = j + dj - 1;
          if (yi >= 0 && yi < s && xj >= 0 && xj < s) acc += w[((o * c + ci) * 3 + di) * 3 + dj] * x[(ci * s + yi) * s + xj];
        }
        const bn = ((acc - m[o]) / Math.sqrt(v[o] + 1e-5)) * g[o] + b[o];
        const p = (o * h + (i >> 1)) * h + (j >> 1);
        pooled[p] = Math.max(pooled[p], Math.max(0, bn));
      }
    }
  }
  return Array.from({ length: k }, (_, r) => pooled.reduce((a, p, q) => a + p * fw[r * pooled.length + q], fb[r]));
}

test('cnnWithBatchNorm and mlp run in onnxruntime and match a plain-JS forward pass (rel. 1e-5)', async () => {
  const [c, f, s, k] = [2, 3, 6, 4];
  const spec = cnnWithBatchNorm({ channels: c, filters: f, size: s, classes: k });
  const x = Float32Array.from(values(c * s * s, 42));
  const got = await run(buildModel(spec).bytes, { input: { data: x, dims: [1, c, s, s] } });
  const want = cnnForward(spec, x, c, f, s, k);
  want.forEach((e, i) => assert.ok(Math.abs(got[i] - e) <= 1e-5 * Math.max(1, Math.abs(e)), `logit ${i}: ${got[i]} vs ${e}`));
  const m = mlp([3, 2]);
  const y = await run(buildModel(m).bytes, { input: { data: Float32Array.of(1, 0, 0), dims: [1, 3] } });
  // one-hot e₀ picks column 0 of fc0.weight [2, 3] plus the bias
  const w = values(6, 1);
  const bias = values(2, 100);
  assert.deepEqual(Array.from(y), [Math.fround(w[0] + bias[0]), Math.fround(w[3] + bias[1])]);
});

test('16-bit float encoders give the IEEE half and bfloat16 bit patterns', () => {
  const half: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [2 ** -14, 0x0400], [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], [3 * 2 ** -26, 0x0001], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    [Infinity, 0x7c00], [-Infinity, 0xfc00], [-0, 0x8000],
  ];
  for (const [v, bits] of half) assert.equal(toHalf(v), bits, `half(${v})`);
  assert.equal(toHalf(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(toHalf(NaN) & 0x3ff, 0);
  const bf: [number, number][] = [[1, 0x3f80], [-2, 0xc000], [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [Infinity, 0x7f80], [2 ** -133, 0x0001]];
  for (const [v, bits] of bf) assert.equal(toBfloat16(v), bits, `bf16(${v})`);
  assert.equal(toBfloat16(NaN) & 0x7f80, 0x7f80);
  assert.notEqual(toBfloat16(NaN) & 0x7f, 0);
});
