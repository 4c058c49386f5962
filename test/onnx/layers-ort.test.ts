// Layer.matrix() is the [out, in] linear map the op computes, checked against onnxruntime itself: the
// model is run on the standard basis of its input space (one-hot rows, one-hot patches, one-hot ids),
// so column j of the map is the output for e_j. Exact equality where the op's sums have one nonzero
// term (all of these); the bias is left out (none, or subtracted as stored).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpointSync, type Layer } from '../../src/onnx';
import { buildModel, saveModel, values, type ModelSpec, type NodeSpec, type TensorSpec } from '../helpers/onnx-writer';

const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
const dir = mkdtempSync(join(tmpdir(), 'tl-layers-ort-'));
let counter = 0;

async function runOrt(spec: ModelSpec, feed: import('onnxruntime-node').Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(buildModel(spec).bytes);
  const out = await s.run({ [spec.inputs[0].name]: feed });
  const y = out[s.outputNames[0]];
  await s.release();
  return { data: y.data as Float32Array, dims: y.dims };
}

/** One-hot basis of R^n as a float32 batch [n, ...per] (per multiplies to n). */
function basis(n: number, per: number[]): import('onnxruntime-node').Tensor {
  const x = new Float32Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + i] = 1;
  return new ort.Tensor('float32', x, [n, ...per]);
}

function layerOf(spec: ModelSpec, index = 0): Layer {
  const c = loadCheckpointSync(saveModel(spec, join(dir, String(counter++))));
  return c.layers[index];
}

/** Asserts M[o][i] = Y[i][o] for the run on the basis (Y rows are the outputs for e_i). */
function assertColumns(l: Layer, y: Float32Array, label: string): void {
  const [out, inp] = l.matrixShape;
  assert.equal(y.length, out * inp, `${label}: output size`);
  const m = l.matrix();
  // === (not Object.is): a −0 weight gives +0 once the other products (+0) are summed in.
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) assert.ok(m[o * inp + i] === y[i * out + o], `${label}: M[${o}][${i}] = ${m[o * inp + i]}, onnxruntime ${y[i * out + o]}`);
}

const dense = (w: TensorSpec, node: Partial<NodeSpec>, extra: NodeSpec[] = [], inF = 4): ModelSpec => ({
  inputs: [{ name: 'x', shape: ['N', inF] }], outputs: [{ name: 'y', shape: ['N', 'M'] }],
  initializers: [w],
  nodes: [...extra, { op: 'Gemm', inputs: ['x', w.name], outputs: ['y'], ...node } as NodeSpec],
});

test('Gemm transB = 1 / 0, through a Transpose node, alpha ≠ 1 kept raw', async () => {
  const W = values(12, 3);
  let spec = dense({ name: 'W', dims: [3, 4], data: W }, { attrs: { transB: 1 } });
  assertColumns(layerOf(spec), (await runOrt(spec, basis(4, [4]))).data, 'transB=1');
  spec = dense({ name: 'W', dims: [4, 3], data: W }, { attrs: { transB: 0 } });
  assertColumns(layerOf(spec), (await runOrt(spec, basis(4, [4]))).data, 'transB=0');
  spec = dense({ name: 'W', dims: [3, 4], data: W }, { inputs: ['x', 'Wt'], attrs: { transB: 0 } }, [{ op: 'Transpose', inputs: ['W'], outputs: ['Wt'], attrs: { perm: [1, 0] } }]);
  const l = layerOf(spec);
  assert.equal(l.name, 'W');
  assertColumns(l, (await runOrt(spec, basis(4, [4]))).data, 'Transpose → transB=0');
  // alpha scales the output; matrix() is the stored weight, the gemm record carries alpha.
  spec = dense({ name: 'W', dims: [3, 4], data: W }, { attrs: { transB: 1, alpha: { float: 0.5 } } });
  const a = layerOf(spec);
  assert.equal(a.gemm?.alpha, 0.5);
  const y = (await runOrt(spec, basis(4, [4]))).data.map((v) => v * 2);
  assertColumns(a, y, 'alpha=0.5 (output × 2)');
});

test('Gemm with the weight as input A (transA = 0 / 1): Y = A′·X', async () => {
  for (const transA of [0, 1]) {
    const dims = transA ? [4, 3] : [3, 4];
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [4, 'N'] }], outputs: [{ name: 'y', shape: [3, 'N'] }],
      initializers: [{ name: 'A', dims, data: values(12, 8) }],
      nodes: [{ op: 'Gemm', inputs: ['A', 'x'], outputs: ['y'], attrs: { transA } }],
    };
    const l = layerOf(spec);
    // X = I₄ (columns are the basis): Y = A′ itself, [out, in] row-major.
    const y = (await runOrt(spec, basis(4, [4]))).data;
    assert.deepEqual(Array.from(l.matrix()), Array.from(y), `transA=${transA}`);
  }
});

test('MatMul: X·W with W [in, out] (PyTorch transposed copy), and W·X', async () => {
  const spec: ModelSpec = {
    inputs: [{ name: 'x', shape: ['N', 4] }], outputs: [{ name: 'y', shape: ['N', 3] }],
    initializers: [{ name: 'onnx::MatMul_12', dims: [4, 3], data: values(12, 4) }],
    nodes: [{ op: 'MatMul', name: '/block/proj/MatMul', inputs: ['x', 'onnx::MatMul_12'], outputs: ['y'] }],
  };
  const l = layerOf(spec);
  assert.equal(l.module, 'block.proj');
  assertColumns(l, (await runOrt(spec, basis(4, [4]))).data, 'X·W');
  const left: ModelSpec = {
    inputs: [{ name: 'x', shape: [4, 'N'] }], outputs: [{ name: 'y', shape: [3, 'N'] }],
    initializers: [{ name: 'W', dims: [3, 4], data: values(12, 4) }],
    nodes: [{ op: 'MatMul', inputs: ['W', 'x'], outputs: ['y'] }],
  };
  assert.deepEqual(Array.from(layerOf(left).matrix()), Array.from((await runOrt(left, basis(4, [4]))).data), 'W·X');
});

test('Conv 1-d, 2-d (groups, dilation) and 3-d: M = W reshaped to [c_out, c_in/g·k…]', async () => {
  const cases: { cin: number; cout: number; k: number[]; group: number; dil?: number[] }[] = [
    { cin: 3, cout: 2, k: [3], group: 1 },
    { cin: 2, cout: 4, k: [2, 3], group: 1, dil: [2, 1] },
    { cin: 4, cout: 6, k: [2, 2], group: 2 },
    { cin: 2, cout: 3, k: [2, 2, 2], group: 1 },
  ];
  for (const c of cases) {
    const cg = c.cin / c.group;
    const dil = c.dil ?? c.k.map(() => 1);
    const span = c.k.map((k, i) => (k - 1) * dil[i] + 1); // input size giving a 1×…×1 output
    const kvol = c.k.reduce((a, b) => a * b, 1);
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: ['N', c.cin, ...span] }], outputs: [{ name: 'y', shape: ['N', c.cout, ...c.k.map(() => 1)] }],
      initializers: [{ name: 'conv.weight', dims: [c.cout, cg, ...c.k], data: values(c.cout * cg * kvol, 11) }],
      nodes: [{ op: 'Conv', inputs: ['x', 'conv.weight'], outputs: ['y'], attrs: { group: c.group, dilations: dil } }],
    };
    const l = layerOf(spec);
    const label = `Conv k=${c.k.join('×')} g=${c.group}`;
    assert.deepEqual([...l.matrixShape], [c.cout, cg * kvol], label);
    assert.deepEqual(l.conv?.inputSpatial, span, label);
    // Feed one-hot inputs at every (channel, kernel tap) position of the dilated window.
    const inSize = c.cin * span.reduce((a, b) => a * b, 1);
    const taps: number[][] = [];
    const rec = (prefix: number[]) => {
      if (prefix.length === c.k.length) return void taps.push(prefix);
      for (let t = 0; t < c.k[prefix.length]; t++) rec([...prefix, t]);
    };
    rec([]);
    const batch = c.cin * kvol;
    const x = new Float32Array(batch * inSize);
    taps.forEach((tap, ti) => {
      for (let ch = 0; ch < c.cin; ch++) {
        let pos = 0;
        tap.forEach((t, d) => (pos = pos * span[d] + t * dil[d]));
        x[(ch * kvol + ti) * inSize + ch * (inSize / c.cin) + pos] = 1;
      }
    });
    const y = (await runOrt(spec, new ort.Tensor('float32', x, [batch, c.cin, ...span]))).data;
    const m = l.matrix();
    const perGroupOut = c.cout / c.group;
    for (let co = 0; co < c.cout; co++) {
      const g = Math.floor(co / perGroupOut);
      for (let ci = 0; ci < cg; ci++) {
        for (let ti = 0; ti < kvol; ti++) {
          const n = (g * cg + ci) * kvol + ti;
          assert.equal(m[co * cg * kvol + ci * kvol + ti], y[n * c.cout + co], `${label}: M[${co}][${ci},${ti}]`);
        }
      }
    }
  }
});

test('ConvTranspose: M = (W reshaped to [c_in, c_out·k…])ᵀ, the map from an input pixel to its output patch', async () => {
  const spec: ModelSpec = {
    inputs: [{ name: 'x', shape: ['N', 3, 1, 1] }], outputs: [{ name: 'y', shape: ['N', 2, 2, 3] }],
    initializers: [{ name: 'up.weight', dims: [3, 2, 2, 3], data: values(36, 13) }],
    nodes: [{ op: 'ConvTranspose', inputs: ['x', 'up.weight'], outputs: ['y'] }],
  };
  const l = layerOf(spec);
  assert.deepEqual([...l.matrixShape], [12, 3]);
  const { data, dims } = await runOrt(spec, basis(3, [3, 1, 1]));
  assert.deepEqual([...dims], [3, 2, 2, 3]);
  assertColumns(l, data, 'ConvTranspose');
});

test('embedding Gather: M = tableᵀ, column v is the embedding of id v', async () => {
  const spec: ModelSpec = {
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['N'] }], outputs: [{ name: 'h', shape: ['N', 3] }],
    initializers: [{ name: 'emb.weight', dims: [5, 3], data: values(15, 21) }],
    nodes: [{ op: 'Gather', name: '/emb/Gather', inputs: ['emb.weight', 'ids'], outputs: ['h'] }],
  };
  const l = layerOf(spec);
  assert.equal(l.role, 'embedding');
  assert.equal(l.module, 'emb');
  const y = (await runOrt(spec, new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 2n, 3n, 4n]), [5]))).data;
  assertColumns(l, y, 'Gather');
});

test('dequantized int8 (per-axis) / uint8 (per-tensor) and fp16/bf16 subnormal weights equal what onnxruntime computes', async () => {
  const perAxis: ModelSpec = dense({ name: 'Wq', dtype: 'int8', dims: [3, 4], data: [-128, -7, 0, 1, 2, 3, 127, -1, 5, 6, -100, 100] },
    { inputs: ['x', 'W'], attrs: { transB: 1 } },
    [{ op: 'DequantizeLinear', inputs: ['Wq', 's', 'zp'], outputs: ['W'], attrs: { axis: 0 } }]);
  perAxis.initializers!.push({ name: 's', dims: [3], data: [0.5, 0.125, 2] }, { name: 'zp', dtype: 'int8', dims: [3], data: [3, -2, 0] });
  assertColumns(layerOf(perAxis), (await runOrt(perAxis, basis(4, [4]))).data, 'int8 per-axis');
  const perTensor: ModelSpec = dense({ name: 'Wq', dtype: 'uint8', dims: [4, 2], data: [0, 17, 128, 255, 3, 9, 200, 1] },
    { inputs: ['x', 'W'] },
    [{ op: 'DequantizeLinear', inputs: ['Wq', 's', 'zp'], outputs: ['W'] }]);
  perTensor.initializers!.push({ name: 's', dims: [], data: [0.0625] }, { name: 'zp', dtype: 'uint8', dims: [], data: [128] });
  assertColumns(layerOf(perTensor), (await runOrt(perTensor, basis(4, [4]))).data, 'uint8 per-tensor, transB=0');
  // 16-bit floats incl. subnormals (2⁻²⁴, 2⁻¹⁴ − 2⁻²⁴ for half; 2⁻¹³³ for bfloat16) and the largest finite.
  const w16 = [1, -2.5, 65504, 2 ** -24, 2 ** -14 - 2 ** -24, -3 * 2 ** -24, 0.1, -0];
  for (const dtype of ['float16', 'bfloat16'] as const) {
    for (const encoding of ['raw', 'typed'] as const) {
      const data = dtype === 'bfloat16' ? [1, -2.5, 3.3895313892515355e38, 2 ** -133, 2 ** -126, -(2 ** -130), 0.1, -0] : w16;
      const spec = dense({ name: 'W', dtype, encoding, dims: [2, 4], data }, { inputs: ['x', 'Wf'], attrs: { transB: 1 } },
        [{ op: 'Cast', inputs: ['W'], outputs: ['Wf'], attrs: { to: 1 } }]);
      assertColumns(layerOf(spec), (await runOrt(spec, basis(4, [4]))).data, `${dtype} ${encoding}`);
    }
  }
});
